package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistryCLI(t *testing.T) {
	home := t.TempDir()
	h := "--home=" + home
	if code, _, errs := cli(t, "registry", "agent-register", "bot", "--profile", "claude-code", "--tool", "Bash", h); code != 0 {
		t.Fatalf("agent-register: %s", errs)
	}
	code, out, _ := cli(t, "registry", "agent-list", "--json", h)
	if code != 0 || !strings.Contains(out, `"agent_id": "bot"`) || !strings.Contains(out, "Anthropic") {
		t.Fatalf("agent-list: %s", out)
	}
	if code, _, _ := cli(t, "registry", "agent-disable", "bot", h); code != exitUsage {
		t.Fatalf("agent-disable without --reason: exit %d", code)
	}
	if code, _, errs := cli(t, "registry", "agent-disable", "bot", "--reason", "leaked token", h); code != 0 {
		t.Fatalf("agent-disable: %s", errs)
	}
	if _, out, _ := cli(t, "registry", "agent-list", "--status", "disabled", h); !strings.Contains(out, "bot") {
		t.Fatalf("disabled agent not listed: %s", out)
	}

	if code, _, errs := cli(t, "registry", "mcp-register", "fs", "--trust-tier", "trusted", "--approval-state", "approved", "--capability", "filesystem", h); code != 0 {
		t.Fatalf("mcp-register: %s", errs)
	}
	tools := filepath.Join(home, "tools.json")
	writeTools := func(desc string) {
		doc := map[string]any{"tools": []map[string]any{{"name": "read_file", "description": desc, "inputSchema": map[string]any{"type": "object"}}}}
		b, _ := json.Marshal(doc)
		if err := os.WriteFile(tools, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeTools("Read a file")
	code, out, errs := cli(t, "registry", "mcp-pin", "fs", "--tools", tools, h)
	if code != 0 {
		t.Fatalf("mcp-pin: %s", errs)
	}
	var pins map[string]struct{ Hash string }
	if err := json.Unmarshal([]byte(out), &pins); err != nil || !strings.HasPrefix(pins["read_file"].Hash, "sha256:") {
		t.Fatalf("pins: %v %s", err, out)
	}
	if code, _, _ := cli(t, "registry", "mcp-check", "fs", "read_file", "--hash", pins["read_file"].Hash, h); code != exitAllow {
		t.Fatalf("pinned, unchanged: exit %d", code)
	}
	if code, out, _ := cli(t, "registry", "mcp-check", "fs", "read_file", "--hash", "sha256:"+strings.Repeat("0", 64), h); code != exitBlock || !strings.Contains(out, "mcp.registry.tool_changed") {
		t.Fatalf("changed tool: exit %d %s", code, out)
	}
	if code, out, _ := cli(t, "registry", "mcp-check", "nope", "x", h); code != exitBlock || !strings.Contains(out, "mcp.registry.unknown") {
		t.Fatalf("unknown server: exit %d %s", code, out)
	}
	if code, out, _ := cli(t, "registry", "mcp-list", h); code != 0 || !strings.Contains(out, "fs") {
		t.Fatalf("mcp-list: %s", out)
	}

	// Export, then import into a fresh state directory; a bad file imports nothing.
	code, exported, _ := cli(t, "registry", "export", h)
	if code != 0 {
		t.Fatal("export failed")
	}
	file := filepath.Join(t.TempDir(), "reg.json")
	if err := os.WriteFile(file, []byte(exported), 0o644); err != nil {
		t.Fatal(err)
	}
	other := "--home=" + t.TempDir()
	if code, out, errs := cli(t, "registry", "import", file, other); code != 0 || !strings.Contains(out, "1 agents and 1 MCP servers") {
		t.Fatalf("import: %s %s", out, errs)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"agents":[{"agent_id":"x"},{"agent_id":"y","colour":"red"}]}`), 0o644)
	if code, _, errs := cli(t, "registry", "import", bad, other); code == 0 || !strings.Contains(errs, "agents[1] (y): unknown field(s) colour") {
		t.Fatalf("bad import: exit %d %s", code, errs)
	}
	if _, out, _ := cli(t, "registry", "agent-list", "--json", other); strings.Contains(out, `"x"`) {
		t.Fatalf("a failed import left records: %s", out)
	}
	if code, out, _ := cli(t, "registry", "profiles"); code != 0 || !strings.Contains(out, "aws-q-developer") {
		t.Fatalf("profiles: %s", out)
	}
	if code, out, _ := cli(t, "registry", "mcp-classifications", "--capability", "shell"); code != 0 || !strings.Contains(out, "critical") {
		t.Fatalf("classifications: %s", out)
	}
}

func TestEvaluateWithRegistryFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "registry.json")
	os.WriteFile(file, []byte(`{"agents":[{"agent_id":"off","status":"disabled"}],"mcp_servers":[{"server_id":"github","trust_tier":"trusted"}]}`), 0o644)
	h := "--home=" + t.TempDir()
	if code, out, _ := cli(t, "evaluate", "read_file", "README.md", "--agent", "off", "--registry", file, h); code != exitBlock || !strings.Contains(out, "registry.agent.disabled") {
		t.Fatalf("disabled agent: exit %d %s", code, out)
	}
	if code, out, _ := cli(t, "evaluate", "mcp_tool_call", "github:create_issue", "--registry", file, h); code != exitAllow || !strings.Contains(out, "mcp.registry.allow") {
		t.Fatalf("registered server: exit %d %s", code, out)
	}
	if code, out, _ := cli(t, "evaluate", "mcp_tool_call", "other:x", "--registry", file, h); code != exitBlock || !strings.Contains(out, "mcp.registry.unknown") {
		t.Fatalf("unknown server: exit %d %s", code, out)
	}
}
