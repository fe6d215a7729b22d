package claudecode

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

const existingMCP = `{
  "mcpServers": {
    "github": {"type": "http", "url": "https://api.githubcopilot.com/mcp/", "headers": {"Authorization": "Bearer ${GITHUB_TOKEN}"}},
    "db": {"command": "npx", "args": ["-y", "db-mcp"], "env": {"DB_URL": "postgres://x"}}
  },
  "x-team-note": "keep me"
}`

func TestMCPJSON(t *testing.T) {
	t.Parallel()
	const bin = "/usr/local/bin/cavra"
	ours := `{"command":"/usr/local/bin/cavra","args":["mcp","serve"]}`
	cases := []struct {
		name      string
		in        string
		force     bool
		wantErr   string // substring; "conflict" for an *MCPConflictError
		changed   bool
		wantEntry string // mcpServers.cavra after install, compact
		keep      []string
	}{
		{name: "no file", in: "", changed: true, wantEntry: ours},
		{name: "empty object", in: "{}", changed: true, wantEntry: ours},
		{name: "other servers", in: existingMCP, changed: true, wantEntry: ours, keep: []string{"github", "db", "x-team-note", "${GITHUB_TOKEN}"}},
		{name: "ours already", in: `{"mcpServers":{"cavra":` + ours + `}}`, changed: false, wantEntry: ours},
		{name: "ours at another path", in: `{"mcpServers":{"cavra":{"command":"cavra","args":["mcp","serve"]}}}`, changed: false, wantEntry: `{"command":"cavra","args":["mcp","serve"]}`},
		{name: "foreign cavra", in: `{"mcpServers":{"cavra":{"command":"npx","args":["cavra-mcp"]}}}`, wantErr: "conflict"},
		{name: "foreign cavra forced", in: `{"mcpServers":{"cavra":{"command":"npx","args":["cavra-mcp"]},"db":{"command":"db"}}}`, force: true, changed: true, wantEntry: ours, keep: []string{`"db"`}},
		{name: "not an object", in: `[]`, wantErr: "not a JSON object"},
		{name: "servers not an object", in: `{"mcpServers":[]}`, wantErr: "mcpServers is a list"},
		{name: "trailing comma", in: `{"mcpServers":{},}`, wantErr: "not a JSON object"},
		{name: "null servers", in: `{"mcpServers":null}`, changed: true, wantEntry: ours},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			out, changed, err := InstallMCP([]byte(c.in), bin, MCPArgs, c.force)
			var conflict *MCPConflictError
			switch {
			case c.wantErr == "conflict":
				if !errors.As(err, &conflict) {
					t.Fatalf("want a conflict, got %v", err)
				}
				return
			case c.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("want error %q, got %v", c.wantErr, err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if changed != c.changed {
				t.Fatalf("changed = %v", changed)
			}
			if !changed && string(out) != c.in {
				t.Fatal("unchanged output differs from the input")
			}
			_, entry, err := MCPInstalled(out, "")
			if err != nil || compactJSON(entry) != c.wantEntry {
				t.Fatalf("entry %s, %v\n%s", entry, err, out)
			}
			for _, k := range c.keep {
				if !strings.Contains(string(out), k) {
					t.Errorf("%s lost:\n%s", k, out)
				}
			}
			again, changed2, err := InstallMCP(out, bin, MCPArgs, c.force)
			if err != nil || changed2 || string(again) != string(out) {
				t.Fatalf("second install changed the file: %v %v", changed2, err)
			}
			back, _, err := UninstallMCP(out, "")
			if err != nil {
				t.Fatal(err)
			}
			if ok, _, _ := MCPInstalled(back, ""); ok {
				t.Fatalf("entry left after uninstall:\n%s", back)
			}
			if !c.force && strings.TrimSpace(c.in) != "" && !strings.Contains(c.in, `"cavra"`) {
				if !reflect.DeepEqual(normalMCP(t, back), normalMCP(t, []byte(c.in))) {
					t.Fatalf("uninstall did not restore the original:\n%s", back)
				}
			}
		})
	}
}

func TestUninstallMCPLeavesForeignEntry(t *testing.T) {
	t.Parallel()
	in := `{"mcpServers":{"cavra":{"command":"/opt/other/cavra-proxy","args":["serve"]}}}`
	out, changed, err := UninstallMCP([]byte(in), "")
	if err != nil || changed || string(out) != in {
		t.Fatalf("a foreign entry was touched: %v %v %s", changed, err, out)
	}
	if MCPEmpty([]byte(in)) || !MCPEmpty([]byte(`{"mcpServers":{}}`)) || !MCPEmpty([]byte(`{}`)) || MCPEmpty([]byte(`{"x":1}`)) {
		t.Fatal("MCPEmpty")
	}
}

func TestIsOurMCPEntry(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		`{"command":"cavra","args":["mcp","serve"]}`:                      true,
		`{"command":"/a b/cavra","args":["mcp","serve"],"env":{"X":"1"}}`: true,
		`{"command":"C:\\tools\\cavra.exe","args":["mcp","serve"]}`:       true,
		`{"command":"cavra","args":["mcp","serve","--x"]}`:                false,
		`{"command":"npx","args":["mcp","serve"]}`:                        false,
		`{"command":"cavra-dev","args":["mcp","serve"]}`:                  false,
		`"cavra"`: false,
	} {
		if got := IsOurMCPEntry(json.RawMessage(raw), "/opt/bin/cavra-1.2"); got != want {
			t.Errorf("IsOurMCPEntry(%s) = %v", raw, got)
		}
	}
	// The binary installing is ours whatever its name; another one is not.
	raw := json.RawMessage(`{"command":"/opt/bin/cavra-1.2","args":["mcp","serve"]}`)
	if !IsOurMCPEntry(raw, "/opt/bin/cavra-1.2") || IsOurMCPEntry(raw, "/usr/bin/cavra") {
		t.Error("an entry naming the installing binary by another name is not recognised as ours, or another binary's is")
	}
	out, _, err := InstallMCP(nil, "/opt/bin/cavra-1.2", MCPArgs, false)
	if err != nil {
		t.Fatal(err)
	}
	if again, changed, err := InstallMCP(out, "/opt/bin/cavra-1.2", MCPArgs, false); err != nil || changed || string(again) != string(out) {
		t.Errorf("a second install by a binary not named cavra: changed %v, %v", changed, err)
	}
	if _, removed, err := UninstallMCP(out, "/opt/bin/cavra-1.2"); err != nil || !removed {
		t.Errorf("uninstall by a binary not named cavra: removed %v, %v", removed, err)
	}
}

func normalMCP(t *testing.T, b []byte) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	if s, ok := v["mcpServers"].(map[string]any); ok && len(s) == 0 || v["mcpServers"] == nil {
		delete(v, "mcpServers")
	}
	return v
}

func FuzzMCPJSON(f *testing.F) {
	f.Add([]byte(existingMCP), false)
	f.Add([]byte(`{"mcpServers":{"cavra":{"command":"npx"}}}`), true)
	f.Add([]byte(`{"mcpServers":{"cavra":{"command":"cavra","args":["mcp","serve"]}}}`), false)
	f.Add([]byte(``), false)
	f.Add([]byte(`{"a":{"b":[1,2,{"c":null}]},"a":2}`), false)
	f.Fuzz(func(t *testing.T, data []byte, force bool) {
		const bin = "/opt/cavra"
		out, changed, err := InstallMCP(data, bin, MCPArgs, force)
		if err != nil {
			var conflict *MCPConflictError
			if errors.As(err, &conflict) && force {
				t.Fatal("a conflict despite force")
			}
			return
		}
		if !changed && string(out) != string(data) {
			t.Fatal("unchanged output differs from the input")
		}
		ours, _, err := MCPInstalled(out, "")
		if err != nil || !ours {
			t.Fatalf("not installed after install: %v\n%s", err, out)
		}
		back, removed, err := UninstallMCP(out, "")
		if err != nil || !removed {
			t.Fatalf("uninstall: %v %v", removed, err)
		}
		if ours, _, _ := MCPInstalled(back, ""); ours {
			t.Fatal("entry left after uninstall")
		}
		if !json.Valid(back) {
			t.Fatalf("invalid JSON:\n%s", back)
		}
		if changed && !strings.Contains(string(data), "cavra") {
			// Nothing of ours was there: uninstall gives back the original meaning.
			var a, b map[string]any
			if json.Unmarshal(data, &a) == nil && a != nil {
				json.Unmarshal(back, &b)
				if s, ok := a["mcpServers"].(map[string]any); (ok && len(s) == 0) || a["mcpServers"] == nil {
					delete(a, "mcpServers")
				}
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("uninstall did not restore the original:\n%s\n%s", data, back)
				}
			}
		}
	})
}
