package decision

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeMCP(t *testing.T) {
	want := Action{Type: MCPToolCall, Server: "github", Tool: "create_issue", Target: "github:create_issue"}
	same := []Action{
		{Type: MCPToolCall, Server: "github", Tool: "create_issue"},
		{Type: MCPToolCall, Target: "github:create_issue"},
		{Type: MCPToolCall, Target: " github : create_issue "},
		{Type: MCPToolCall, Tool: "mcp__github__create_issue"},
		{Type: MCPToolCall, Target: "mcp__github__create_issue"},
		{Type: MCPToolCall, Server: "github", Tool: "mcp__github__create_issue", Target: "github:create_issue"},
		{Type: MCPToolCall, Server: "\tgithub", Target: "create_issue"[:0] + "github:create_issue"},
	}
	for i, a := range same {
		got, err := a.Normalize()
		if err != nil {
			t.Fatalf("%d: %+v: %v", i, a, err)
		}
		if got.Server != want.Server || got.Tool != want.Tool || got.Target != want.Target {
			t.Errorf("%d: %+v normalized to %+v, want %+v", i, a, got, want)
		}
		again, err := got.Normalize()
		if err != nil || again.Server != got.Server || again.Tool != got.Tool || again.Target != got.Target {
			t.Errorf("%d: not idempotent: %+v -> %+v (%v)", i, got, again, err)
		}
	}
	invalid := map[string]Action{
		"no server":        {Type: MCPToolCall, Tool: "drop"},
		"empty":            {Type: MCPToolCall},
		"servers disagree": {Type: MCPToolCall, Server: "github", Target: "evil:drop"},
		"tools disagree":   {Type: MCPToolCall, Server: "github", Tool: "list", Target: "github:drop"},
		"prefixed differs": {Type: MCPToolCall, Server: "github", Tool: "mcp__evil__drop"},
		"space inside":     {Type: MCPToolCall, Server: "git hub", Tool: "x"},
		"control char":     {Type: MCPToolCall, Server: "github", Tool: "x\x00y"},
		"invisible format": {Type: MCPToolCall, Server: "git\u200bhub", Tool: "x"},
		"colon in server":  {Type: MCPToolCall, Server: "a:b", Tool: "x"},
		"nested mcp name":  {Type: MCPToolCall, Target: "x:mcp__a__b"},
	}
	for name, a := range invalid {
		if got, err := a.Normalize(); !errors.Is(err, ErrInvalidAction) {
			t.Errorf("%s: %+v normalized to %+v, %v; want ErrInvalidAction", name, a, got, err)
		}
	}
}

func TestNormalizeKeepsOtherActions(t *testing.T) {
	for _, a := range []Action{
		{Type: ReadFile, Target: " a b.txt "},
		{Type: ExecuteCommand, Target: "echo mcp__x__y"},
		{Type: ToolCall, Tool: "mcp__github__x", Target: "mcp__github__x"},
	} {
		got, err := a.Normalize()
		if err != nil || got.Target != a.Target || got.Tool != a.Tool || got.Server != a.Server {
			t.Errorf("%+v changed to %+v (%v)", a, got, err)
		}
	}
}

func TestParseMCPName(t *testing.T) {
	for name, want := range map[string][2]string{
		"mcp__github__create_issue": {"github", "create_issue"},
		"mcp__a__b__c":              {"a", "b__c"},
		"mcp__my-server__do":        {"my-server", "do"},
	} {
		s, tl, ok := ParseMCPName(name)
		if !ok || s != want[0] || tl != want[1] {
			t.Errorf("ParseMCPName(%q) = %q, %q, %v", name, s, tl, ok)
		}
		if MCPName(s, tl) != name {
			t.Errorf("MCPName(%q, %q) = %q", s, tl, MCPName(s, tl))
		}
	}
	for _, name := range []string{"", "mcp__", "mcp____x", "mcp__x__", "mcp__x", "Bash", "MCP__a__b"} {
		if _, _, ok := ParseMCPName(name); ok {
			t.Errorf("ParseMCPName(%q) ok", name)
		}
	}
}

// FuzzNormalize: any spelling of an MCP call either is refused or
// normalizes to names that every other spelling of the same names also
// gives, and normalizing again changes nothing.
func FuzzNormalize(f *testing.F) {
	f.Add("github", "create_issue", "", "")
	f.Add("", "", " evil : drop", "")
	f.Add("", "mcp__a__b", "", "x")
	f.Add("x", "", "x:mcp__a__b", "")
	f.Add("only-server", "", "", "")
	f.Fuzz(func(t *testing.T, server, tool, target, op string) {
		a := Action{Type: MCPToolCall, Server: server, Tool: tool, Target: target, Operation: op}
		n, err := a.Normalize()
		if err != nil {
			if !errors.Is(err, ErrInvalidAction) {
				t.Fatalf("%+v: error %v does not wrap ErrInvalidAction", a, err)
			}
			return
		}
		if n.Server == "" || (n.Tool != "" && n.Target != n.Server+":"+n.Tool) || (n.Tool == "" && n.Target != n.Server) || strings.TrimSpace(n.Server) != n.Server {
			t.Fatalf("%+v normalized to %+v", a, n)
		}
		if n.Operation != op {
			t.Fatalf("operation changed: %q -> %q", op, n.Operation)
		}
		spellings := []Action{
			{Type: MCPToolCall, Server: n.Server, Tool: n.Tool},
			{Type: MCPToolCall, Target: n.Server + ":" + n.Tool},
			n,
		}
		if n.Tool == "" {
			spellings[1].Target = n.Server
		}
		// The mcp__ form is ambiguous for names holding "__" or edge "_":
		// it is a spelling of these names only when it parses back to them.
		if s, tl, ok := ParseMCPName(MCPName(n.Server, n.Tool)); ok && n.Tool != "" && s == n.Server && tl == n.Tool {
			spellings = append(spellings, Action{Type: MCPToolCall, Tool: MCPName(n.Server, n.Tool)})
		}
		for _, b := range spellings {
			m, err := b.Normalize()
			if err != nil {
				t.Fatalf("%+v (from %+v) does not normalize: %v", b, a, err)
			}
			if m.Server != n.Server || m.Tool != n.Tool || m.Target != n.Target {
				t.Fatalf("%+v gives %+v, %+v gives %+v", a, n, b, m)
			}
		}
	})
}

func TestNormalizeServerOnly(t *testing.T) {
	for _, a := range []Action{
		{Type: MCPToolCall, Target: "unknown-filesystem"},
		{Type: MCPToolCall, Server: "unknown-filesystem"},
		{Type: MCPToolCall, Target: " unknown-filesystem: "},
	} {
		n, err := a.Normalize()
		if err != nil || n.Server != "unknown-filesystem" || n.Tool != "" || n.Target != "unknown-filesystem" {
			t.Errorf("%+v normalized to %+v (%v)", a, n, err)
		}
	}
}
