package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcp"
)

func TestMCPListTools(t *testing.T) {
	code, out, errs := cli(t, "mcp", "serve", "--list-tools")
	if code != 0 || strings.Join(strings.Fields(out), ",") != strings.Join(mcp.ToolNames(), ",") {
		t.Fatalf("--list-tools: %d %q %q", code, out, errs)
	}
	code, out, errs = cli(t, "mcp", "serve", "--list-tools", "--json")
	var res struct {
		Tools []struct {
			Name        string         `json:"name"`
			InputSchema map[string]any `json:"inputSchema"`
		} `json:"tools"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || len(res.Tools) != len(mcp.ToolNames()) {
		t.Fatalf("--list-tools --json: %d %q %q", code, out, errs)
	}
	for _, tl := range res.Tools {
		if !regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`).MatchString(tl.Name) || tl.InputSchema["type"] != "object" {
			t.Errorf("tool %q: schema %v", tl.Name, tl.InputSchema)
		}
	}
	if code, _, _ := cli(t, "mcp", "serve", "--mode", "sideways"); code != exitUsage {
		t.Errorf("bad --mode: exit %d", code)
	}
}

// TestMCPServeBinary runs the built `cavra mcp serve` as an agent does, over
// stdio with the go-sdk's CommandTransport, and checks that the server
// process leaves the state directory free between calls.
func TestMCPServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "cavra")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), ".cavra")
	g, err := cavra.Open(ctx, cavra.Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform apply", Agent: cavra.Agent{ID: "claude-code"}})
	g.Close()
	if d.ApprovalID == "" {
		t.Fatalf("no approval request: %+v", d)
	}

	cmd := exec.Command(bin, "mcp", "serve", "--home", home)
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "claude-code", Version: "test"}, nil).
		Connect(ctx, &sdk.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	if info := cs.InitializeResult().ServerInfo; info.Name != mcp.Name {
		t.Errorf("server info %+v", info)
	}
	var n int
	for _, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != len(mcp.ToolNames()) {
		t.Errorf("tools/list: %d tools", n)
	}

	structured := func(name string, args map[string]any) map[string]any {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, _ := res.StructuredContent.(map[string]any)
		if res.IsError || m == nil {
			t.Fatalf("%s: isError=%v %+v", name, res.IsError, res.Content)
		}
		return m
	}
	if v := structured("check_file_read", map[string]any{"path": ".env"}); v["decision"] != "block" || v["rule_id"] != "filesystem.read.block" || v["dry_run"] != true {
		t.Errorf("check_file_read .env: %v", v)
	}
	if v := structured("check_command", map[string]any{"command": "terraform plan"}); v["decision"] != "allow" {
		t.Errorf("check_command terraform plan: %v", v)
	}
	if v := structured("approval_status", map[string]any{"approval_id": d.ApprovalID}); v["state"] != "pending" {
		t.Errorf("approval_status: %v", v)
	}
	// The server process holds no lock between calls: a Guard opens at once.
	g, err = cavra.Open(ctx, cavra.Options{Home: home, StoreTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("open a Guard after a lookup: %v", err)
	}
	g.Close()
	if v := structured("evidence_verify", nil); v["ok"] != true {
		t.Errorf("evidence_verify: %v", v)
	}
}
