package policy

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

const mcpToolsPack = `metadata:
  id: cavra-test-mcp-tools
  title: MCP tool argument roles
  description: A pack that says what some MCP tools' arguments are
  version: 1.0.0
filesystem:
  block_read: ["**/.env"]
  block_write: ["**/.git/**"]
mcp:
  block_unknown_servers: false
  tools:
    fs_read_thing:
      args: {target: read}
    "vault:put_blob":
      args: {where: write, body: code}
      local: true
    run_it:
      args: {line: command}
`

func TestPackMCPToolRoles(t *testing.T) {
	t.Parallel()
	s := compileYAML(t, mcpToolsPack)
	opts := EvalOptions{Dir: "/home/dev/proj", Home: "/home/dev"}
	for _, tt := range []struct {
		server, tool string
		args         map[string]any
		want         decision.Outcome
		rule         string
	}{
		{"files", "fs_read_thing", map[string]any{"target": ".env"}, decision.Block, "filesystem.read.block"},
		{"files", "fs_read_thing", map[string]any{"target": "README.md"}, decision.Allow, ""},
		// Without the pack's word, "target" is no path, and the read passes.
		{"files", "fs_read_other", map[string]any{"target": ".env"}, decision.Allow, ""},
		{"vault", "put_blob", map[string]any{"where": ".git/config", "body": "x"}, decision.Block, "filesystem.write.block"},
		// The server:tool entry is for that server only.
		{"other", "put_blob", map[string]any{"where": ".git/config"}, decision.RequireApproval, ""},
		{"shell", "run_it", map[string]any{"line": "rm -rf /"}, decision.Block, ""},
	} {
		a := decision.Action{Type: decision.MCPToolCall, Server: tt.server, Tool: tt.tool, Args: tt.args}
		d := s.Evaluate(context.Background(), a, opts)
		if d.Decision != tt.want || tt.rule != "" && d.RuleID != tt.rule {
			t.Errorf("%s:%s %v: got %s %s (%s), want %s %s", tt.server, tt.tool, tt.args, d.Decision, d.RuleID, d.Reason, tt.want, tt.rule)
		}
	}
	if got := s.MCPTools()["fs_read_thing"].Args["target"]; got != "source" {
		t.Errorf("MCPTools: target is %q, want source", got)
	}
}

// The pack's role replaces the adapter's (an input schema's format, a
// GuardOptions.Tools mapping) for the same argument.
func TestPackMCPToolRolesWinOverTheAdapters(t *testing.T) {
	t.Parallel()
	s := compileYAML(t, mcpToolsPack)
	a := decision.Action{Type: decision.MCPToolCall, Server: "files", Tool: "fs_read_thing", Args: map[string]any{"target": ".env"},
		Context: map[string]string{decision.ContextToolArgRoles: "target=url"}}
	if d := s.Evaluate(context.Background(), a, EvalOptions{Dir: "/home/dev/proj", Home: "/home/dev"}); d.RuleID != "filesystem.read.block" {
		t.Errorf("got %s %s, want filesystem.read.block", d.Decision, d.RuleID)
	}
}

func TestPackMCPToolRolesRefused(t *testing.T) {
	t.Parallel()
	for name, tools := range map[string]string{
		"unknown role":   "t: {args: {a: file}}",
		"unknown key":    "t: {args: {a: read}, roles: {}}",
		"bad tool key":   `"a:b:c": {args: {a: read}}`,
		"bad arg name":   `t: {args: {"a=b": read}}`,
		"args not a map": "t: {args: [a]}",
	} {
		src := strings.Replace(mcpToolsPack, mcpToolsPack[strings.Index(mcpToolsPack, "  tools:"):],
			"  tools:\n    "+tools+"\n", 1)
		p, err := Parse(name+".yaml", []byte(src))
		if err == nil {
			_, err = CompilePack(p)
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// The fast reader of compiled documents reads mcp.tools as encoding/json does.
func TestPackMCPToolRolesDocument(t *testing.T) {
	t.Parallel()
	s := compileYAML(t, mcpToolsPack)
	fast, err := decodeDocument(s.doc)
	if err != nil {
		t.Fatal(err)
	}
	var slow compiledDoc
	if err := json.Unmarshal(s.doc, &slow); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fast.MCP.Tools, slow.MCP.Tools) || len(fast.MCP.Tools) != 3 || !fast.MCP.Tools["vault:put_blob"].Local {
		t.Errorf("fast %v, slow %v", fast.MCP.Tools, slow.MCP.Tools)
	}
}
