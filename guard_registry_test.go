package cavra_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/registry"
)

func TestKillSwitchThroughOpenGuard(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	ctx := context.Background()
	if _, err := g.RegisterAgent(ctx, registry.Agent{ID: "bot", Profile: "claude-code"}, "admin"); err != nil {
		t.Fatal(err)
	}
	a := cavra.Action{Type: cavra.ReadFile, Target: "README.md", Agent: cavra.Agent{ID: "bot"}}
	if d, _ := g.Evaluate(ctx, a); d.Decision != cavra.Allow {
		t.Fatalf("active agent: %s %s", d.Decision, d.RuleID)
	}
	disabled := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		<-disabled
		d, _ := g.Evaluate(ctx, a)
		if d.Decision != cavra.Block || d.RuleID != "registry.agent.disabled" {
			t.Errorf("next action after the kill switch: %s %s", d.Decision, d.RuleID)
		}
	})
	if _, err := g.SetAgentStatus(ctx, "bot", registry.Disabled, "token leaked", "admin"); err != nil {
		t.Fatal(err)
	}
	close(disabled)
	wg.Wait()
	recs, _ := g.Evidence().List(ctx, evidence.Query{Kind: evidence.KindRegistryChange})
	if len(recs) != 2 {
		t.Fatalf("%d registry change records, want 2", len(recs))
	}
}

func TestKillSwitchHoldsInEveryMode(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	reg := filepath.Join(home, "registry.json")
	os.WriteFile(reg, []byte(`{"agents":[{"agent_id":"off","status":"disabled"}]}`), 0o644)
	for _, mode := range []cavra.Mode{cavra.Enforce, cavra.AuditOnly, cavra.BreakGlass} {
		g := open(t, cavra.Options{Home: t.TempDir(), RegistryFile: reg, Mode: mode, BreakGlassActor: "ana", BreakGlassReason: "incident"})
		d, _ := g.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: "README.md", Agent: cavra.Agent{ID: "off"}})
		if d.Decision != cavra.Block {
			t.Errorf("mode %s: a disabled agent got %s", mode, d.Decision)
		}
	}
}

func TestPinnedToolChangeIsBlocked(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	ctx := context.Background()
	if _, err := g.RegisterServer(ctx, registry.Server{ID: "fs", TrustTier: registry.Trusted}, "admin"); err != nil {
		t.Fatal(err)
	}
	tool := registry.Tool{Name: "read_file", Description: "Read a file", InputSchema: json.RawMessage(`{"type":"object"}`)}
	if _, err := g.PinTools(ctx, "fs", []registry.Tool{tool}, "admin"); err != nil {
		t.Fatal(err)
	}
	call := func(tl registry.Tool) cavra.Decision {
		h, _ := registry.ToolHash(tl)
		d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.MCPToolCall, Server: "fs", Tool: "read_file",
			Agent: cavra.Agent{ID: "claude-code"}, Context: map[string]string{"tool_hash": h}})
		return d
	}
	if d := call(tool); d.Decision != cavra.Allow || d.RuleID != "mcp.registry.allow" {
		t.Fatalf("pinned tool: %s %s (the registry replaces the pack's mcp lists)", d.Decision, d.RuleID)
	}
	changed := tool
	changed.Description = "Read a file."
	if d := call(changed); d.Decision != cavra.Block || d.RuleID != "mcp.registry.tool_changed" {
		t.Fatalf("changed tool: %s %s", d.Decision, d.RuleID)
	}
	ch, err := g.PinTools(ctx, "fs", []registry.Tool{changed}, "admin")
	if err != nil || ch.Kind != "mcp.pin" {
		t.Fatal(ch.Kind, err)
	}
	if d := call(changed); d.Decision != cavra.Allow {
		t.Fatalf("re-pinned tool: %s %s", d.Decision, d.RuleID)
	}
	// The block, the registration and both pins are in evidence.
	blocked, _ := g.Evidence().List(ctx, evidence.Query{RuleID: "mcp.registry.tool_changed"})
	pins, _ := g.Evidence().List(ctx, evidence.Query{Kind: evidence.KindRegistryChange})
	if len(blocked) != 1 || len(pins) != 3 {
		t.Fatalf("evidence: %d tool_changed decisions, %d registry changes", len(blocked), len(pins))
	}
	if d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.MCPToolCall, Server: "unknown", Tool: "x"}); d.RuleID != "mcp.registry.unknown" {
		t.Fatalf("unknown server: %s %s", d.Decision, d.RuleID)
	}
}

func TestRegistryFactsInCEL(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	pack := filepath.Join(home, "p", "policy.yaml")
	os.MkdirAll(filepath.Dir(pack), 0o755)
	os.WriteFile(pack, []byte(`metadata: {id: cavra-x, title: t, description: d, version: "1"}
rules:
  - id: experimental.destructive
    when: 'action.type == "mcp_tool_call" && server.trust_tier == "experimental" && tool.class == "filesystem"'
    decision: block
  - id: high.risk.agents
    when: 'action.type == "execute_command" && agent.risk_tier == "high"'
    decision: require_approval
`), 0o644)
	reg := filepath.Join(home, "registry.json")
	os.WriteFile(reg, []byte(`{"agents":[{"agent_id":"cc","profile":"claude-code"}],"mcp_servers":[{"server_id":"lab","trust_tier":"experimental","approval_state":"approved"}]}`), 0o644)
	g := open(t, cavra.Options{Home: home, Packs: []string{pack}, RegistryFile: reg})
	ctx := context.Background()
	d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.MCPToolCall, Server: "lab", Tool: "write_file", Agent: cavra.Agent{ID: "cc"}})
	if d.Decision != cavra.Block || d.RuleID != "experimental.destructive" {
		t.Fatalf("server/tool facts: %s %s", d.Decision, d.RuleID)
	}
	d, _ = g.Evaluate(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: "ls", Agent: cavra.Agent{ID: "cc"}})
	if d.RuleID != "high.risk.agents" {
		t.Fatalf("agent facts: %s %s", d.Decision, d.RuleID)
	}
}

// TestOwnMCPServer checks that the agent may call CAVRA's own MCP server's
// read-only tools under a pack that blocks unknown servers, that nothing
// else of a server so named passes, and that a registry record of it
// decides as for any server.
func TestOwnMCPServer(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	ctx := context.Background()
	call := func(server, tool string) cavra.Decision {
		d, err := g.Evaluate(ctx, cavra.Action{Type: cavra.MCPToolCall, Target: server + ":" + tool, Server: server, Tool: tool})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tool := range cavra.OwnMCPTools() {
		if d := call("cavra", tool); d.Decision != cavra.Allow || d.RuleID != "mcp.cavra.self" {
			t.Errorf("cavra:%s: %s %s, want allow mcp.cavra.self", tool, d.Decision, d.RuleID)
		}
	}
	for _, c := range [][2]string{{"cavra", "approve"}, {"cavra", "write_file"}, {"cavra", "break_glass"}} {
		if d := call(c[0], c[1]); d.Decision != cavra.Block || d.RuleID != "mcp.cavra.self.tool" {
			t.Errorf("%s:%s: %s %s, want block mcp.cavra.self.tool", c[0], c[1], d.Decision, d.RuleID)
		}
	}
	// Other servers' tools of the same names are decided like any
	// unregistered server's, by what they do (the baseline does not block
	// unknown servers outright).
	for _, c := range [][3]string{{"cavra-evil", "check_command", "allow"}, {"github", "approve", "require_approval"}} {
		if d := call(c[0], c[1]); d.Decision.String() != c[2] {
			t.Errorf("%s:%s: %s %s, want %s", c[0], c[1], d.Decision, d.RuleID, c[2])
		}
	}
	if _, err := g.RegisterServer(context.Background(), registry.Server{ID: "cavra", TrustTier: registry.Blocked}, "admin"); err != nil {
		t.Fatal(err)
	}
	if d := call("cavra", "check_command"); d.Decision != cavra.Block || d.RuleID != "mcp.registry.blocked" {
		t.Errorf("a blocked registry record of cavra: %s %s, want block mcp.registry.blocked", d.Decision, d.RuleID)
	}
}

// A server the calling program declares its own is trusted by
// configuration: not blocked as unknown by the registry or the pack, its
// tools still judged; a person's registry record and a pack's blocked list
// still decide.
func TestWithOwnMCPServer(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{Packs: []string{"cavra-mcp-enterprise"}})
	ctx := context.Background()
	read := cavra.Action{Type: cavra.MCPToolCall, Server: "files", Tool: "read_file", Args: map[string]any{"path": "README.md"}}
	own := cavra.WithOwnMCPServer(ctx, "files")
	if d, _ := g.Evaluate(ctx, read); d.Decision != cavra.Block || d.RuleID != "mcp.server.trust.block_unknown" {
		t.Fatalf("an unknown server under block_unknown_servers: %s %s", d.Decision, d.RuleID)
	}
	if d, _ := g.Evaluate(own, read); d.Decision != cavra.Allow {
		t.Fatalf("the program's own server: %s %s %s", d.Decision, d.RuleID, d.Reason)
	}
	if d, _ := g.Evaluate(cavra.WithOwnMCPServer(ctx, "other"), read); d.Decision != cavra.Block {
		t.Fatalf("another server's trust is not this one's: %s %s", d.Decision, d.RuleID)
	}
	secret := read
	secret.Args = map[string]any{"path": ".env"}
	if d, _ := g.Evaluate(own, secret); d.Decision != cavra.Block || d.RuleID != "filesystem.read.block" {
		t.Fatalf("trusted is not a pass: %s %s", d.Decision, d.RuleID)
	}
	// The registry knows servers, not this one: still the program's own.
	if _, err := g.RegisterServer(ctx, registry.Server{ID: "github", TrustTier: registry.Approved}, "admin"); err != nil {
		t.Fatal(err)
	}
	if d, _ := g.Evaluate(own, read); d.Decision != cavra.Allow {
		t.Fatalf("with a registry of other servers: %s %s", d.Decision, d.RuleID)
	}
	if d, _ := g.Evaluate(ctx, read); d.Decision != cavra.Block || d.RuleID != "mcp.registry.unknown" {
		t.Fatalf("without the declaration: %s %s", d.Decision, d.RuleID)
	}
	// A person's record wins.
	if _, err := g.RegisterServer(ctx, registry.Server{ID: "files", TrustTier: registry.Blocked}, "admin"); err != nil {
		t.Fatal(err)
	}
	if d, _ := g.Evaluate(own, read); d.Decision != cavra.Block || d.RuleID != "mcp.registry.blocked" {
		t.Fatalf("a blocked record: %s %s", d.Decision, d.RuleID)
	}
}
