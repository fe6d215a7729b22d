package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestInitWrapMCP: --wrap-mcp launches each stdio server of .mcp.json
// through the proxy, keeping its other keys and leaving HTTP servers and
// CAVRA's own alone; --uninstall restores the original entries.
func TestInitWrapMCP(t *testing.T) {
	testHome(t)
	proj := t.TempDir()
	state := filepath.Join(t.TempDir(), "state")
	mcp := filepath.Join(proj, ".mcp.json")
	orig := map[string]any{
		"fs":    map[string]any{"command": "npx", "args": []any{"-y", "@modelcontextprotocol/server-filesystem", "."}, "env": map[string]any{"A": "1"}},
		"bare":  map[string]any{"command": "notes-mcp"},
		"web":   map[string]any{"type": "http", "url": "https://api.example.test/mcp/"},
		"other": "not an object",
	}
	b, _ := json.Marshal(map[string]any{"mcpServers": orig})
	writeTestFile(t, mcp, string(b))
	read := func() map[string]any {
		t.Helper()
		b, err := os.ReadFile(mcp)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Servers map[string]any `json:"mcpServers"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		return doc.Servers
	}
	d, h := "--dir="+proj, "--home="+state
	if code, out, errs := cli(t, "init", "claude-code", d, h, "--wrap-mcp"); code != 0 {
		t.Fatalf("init --wrap-mcp: %s %s", out, errs)
	}
	got := read()
	fs := got["fs"].(map[string]any)
	args, _ := fs["args"].([]any)
	want := []any{"mcp", "proxy", "--server-id", "fs", "--home", state, "--", "npx", "-y", "@modelcontextprotocol/server-filesystem", "."}
	if fs["command"] != cavraBinary() || !slices.Equal(args, want) || fs["env"].(map[string]any)["A"] != "1" {
		t.Fatalf("fs wrapped as %v", fs)
	}
	if bare := got["bare"].(map[string]any); bare["command"] != cavraBinary() {
		t.Fatalf("bare: %v", bare)
	}
	if web := got["web"].(map[string]any); web["url"] != "https://api.example.test/mcp/" || web["command"] != nil {
		t.Fatalf("an HTTP server was wrapped: %v", web)
	}
	if _, ok := got["cavra"]; !ok {
		t.Fatal("CAVRA's own server missing")
	}
	// Twice changes nothing.
	if code, _, errs := cli(t, "init", "claude-code", d, h, "--wrap-mcp"); code != 0 {
		t.Fatal(errs)
	}
	if a, _ := read()["fs"].(map[string]any)["args"].([]any); !slices.Equal(a, want) {
		t.Fatalf("wrapped twice: %v", a)
	}
	if code, out, errs := cli(t, "init", "claude-code", d, h, "--uninstall"); code != 0 {
		t.Fatalf("uninstall: %s %s", out, errs)
	}
	back, _ := json.Marshal(read())
	wantBack, _ := json.Marshal(orig)
	if string(back) != string(wantBack) {
		t.Fatalf("uninstall did not restore the entries:\n got %s\nwant %s", back, wantBack)
	}
}
