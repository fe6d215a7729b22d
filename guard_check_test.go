package cavra_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
)

// scopeRegistry: agent bot may use only the GitHub server's tools; both
// servers are trusted, so only the agent's scope tells them apart.
const scopeRegistry = `{
  "agents": [{"agent_id": "bot", "profile": "claude-code", "allowed_tools": ["mcp__github__*"]}],
  "mcp_servers": [
    {"server_id": "github", "trust_tier": "trusted", "approval_state": "approved"},
    {"server_id": "evil", "trust_tier": "trusted", "approval_state": "approved"}
  ]}`

// TestMCPSpellingsDecideAlike: however a caller spells an MCP call — Server
// and Tool, Target "server:tool" with or without spaces, an mcp__ name — the
// registry, the policy, Evaluate and Check give the same decision.
func TestMCPSpellingsDecideAlike(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	reg := filepath.Join(home, "registry.json")
	if err := os.WriteFile(reg, []byte(scopeRegistry), 0o644); err != nil {
		t.Fatal(err)
	}
	g := open(t, cavra.Options{Home: home, RegistryFile: reg})
	ctx := context.Background()
	bot := cavra.Agent{ID: "bot", Session: "s"}
	for _, tc := range []struct {
		server, tool string
		want         cavra.Outcome
		rule         string
	}{
		// The registry trusts evil and the agent's scope asks, but a pin
		// or a trust tier is no allow for destruction: drop has no undo.
		{"evil", "drop", cavra.Block, "mcp.tool.delete.irreversible"},
		{"github", "create_issue", cavra.Allow, "mcp.registry.allow"},
	} {
		spellings := []cavra.Action{
			{Type: cavra.MCPToolCall, Server: tc.server, Tool: tc.tool},
			{Type: cavra.MCPToolCall, Target: tc.server + ":" + tc.tool},
			{Type: cavra.MCPToolCall, Target: " " + tc.server + " : " + tc.tool + " "},
			{Type: cavra.MCPToolCall, Tool: cavra.MCPName(tc.server, tc.tool)},
			{Type: cavra.MCPToolCall, Server: tc.server, Tool: cavra.MCPName(tc.server, tc.tool), Target: tc.server + ":" + tc.tool},
		}
		for i, a := range spellings {
			a.Agent = bot
			c, err := g.Check(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			d, err := g.Evaluate(ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			for what, got := range map[string]cavra.Decision{"Check": c, "Evaluate": d} {
				if got.Decision != tc.want || got.RuleID != tc.rule || got.Target != tc.server+":"+tc.tool {
					t.Errorf("%s:%s spelling %d (%+v): %s says %s / %s on %q, want %s / %s", tc.server, tc.tool, i, a, what,
						got.Decision, got.RuleID, got.Target, tc.want, tc.rule)
				}
			}
			if c.ActionDigest != d.ActionDigest || c.ActionDigest == "" {
				t.Errorf("spelling %d: digests differ: Check %q, Evaluate %q", i, c.ActionDigest, d.ActionDigest)
			}
		}
	}
	// Two names that disagree are no spelling of one call: blocked.
	d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.MCPToolCall, Server: "github", Target: "evil:drop", Agent: bot})
	if d.Decision != cavra.Block || d.RuleID != "action.invalid" {
		t.Errorf("disagreeing names: %s / %s", d.Decision, d.RuleID)
	}
}

// TestCheckChangesNothing: Check answers like Evaluate — including a grant
// and a pending request — but records nothing, creates no request and
// consumes no grant.
func TestCheckChangesNothing(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	ctx := context.Background()
	a := cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform apply", Agent: cavra.Agent{ID: "bot", Session: "s", Actor: "dev"}}
	count := func() int {
		recs, err := g.Evidence().List(ctx, evidence.Query{})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	before := count()
	c, err := g.Check(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if c.Decision != cavra.RequireApproval || c.ApprovalID != "" || c.DecisionID != "" || len(c.EvidenceRefs) != 0 {
		t.Fatalf("Check before any request: %s %s approval %q decision %q refs %v", c.Decision, c.RuleID, c.ApprovalID, c.DecisionID, c.EvidenceRefs)
	}
	if c.ApproverGroup == "" {
		t.Errorf("Check names no approver group")
	}
	if n := count(); n != before {
		t.Fatalf("Check recorded %d records", n-before)
	}
	d, err := g.Evaluate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if d.Decision != c.Decision || d.RuleID != c.RuleID || d.ApprovalID == "" || d.ApproverGroup != c.ApproverGroup {
		t.Fatalf("Evaluate %s / %s (approval %q, group %q) after Check %s / %s (group %q)", d.Decision, d.RuleID, d.ApprovalID, d.ApproverGroup, c.Decision, c.RuleID, c.ApproverGroup)
	}
	// The pending request is named, not created again.
	if c, _ = g.Check(ctx, a); c.ApprovalID != d.ApprovalID {
		t.Fatalf("Check names approval %q, Evaluate created %q", c.ApprovalID, d.ApprovalID)
	}
	sig, err := g.SignLocalApproval("approve", d.ApprovalID, "reviewer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Approve(ctx, d.ApprovalID, sig, "looked at the plan"); err != nil {
		t.Fatal(err)
	}
	before = count()
	for range 3 { // a single-use grant: Check must not spend it
		if c, _ = g.Check(ctx, a); c.Decision != cavra.Allow || c.RuleID != "approval.granted" {
			t.Fatalf("Check after approval: %s / %s", c.Decision, c.RuleID)
		}
	}
	if n := count(); n != before {
		t.Fatalf("Check recorded %d records", n-before)
	}
	if d, _ = g.Evaluate(ctx, a); d.Decision != cavra.Allow || d.RuleID != "approval.granted" {
		t.Fatalf("Evaluate after approval: %s / %s", d.Decision, d.RuleID)
	}
	c, _ = g.Check(ctx, a)
	d, _ = g.Evaluate(ctx, a)
	if c.Decision != cavra.RequireApproval || d.Decision != c.Decision || d.RuleID != c.RuleID {
		t.Fatalf("grant spent: Check %s / %s, Evaluate %s / %s", c.Decision, c.RuleID, d.Decision, d.RuleID)
	}
}

// TestReadOnlyGuard: a read-only Guard on a directory that has no state
// creates nothing; on one that has, it sees its registry and approvals, and
// refuses to record.
func TestReadOnlyGuard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	empty := filepath.Join(t.TempDir(), "state")
	g, err := cavra.Open(ctx, cavra.Options{Home: empty, ReadOnly: true, Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	a := cavra.Action{Type: cavra.ReadFile, Target: ".env", Agent: cavra.Agent{ID: "bot"}}
	if d, err := g.Check(ctx, a); err != nil || d.Decision != cavra.Block || d.RuleID != "filesystem.read.block" {
		t.Errorf("read-only Check: %s / %s (%v)", d.Decision, d.RuleID, err)
	}
	if d, err := g.Evaluate(ctx, a); !errors.Is(err, cavra.ErrReadOnly) || d.Decision != cavra.Block {
		t.Errorf("read-only Evaluate: %s, %v", d.Decision, err)
	}
	// Without state there is no request to name, but routing still says
	// where Evaluate would send one.
	iam := cavra.Action{Type: cavra.WriteFile, Target: "iam/admin-role.tf", Agent: cavra.Agent{ID: "bot"}}
	bank, err := cavra.Open(ctx, cavra.Options{Home: empty, ReadOnly: true, Dir: "/project", Packs: []string{"cavra-banking-baseline"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := bank.Check(ctx, iam)
	bank.Close()
	if err != nil || c.Decision != cavra.RequireApproval || c.ApproverGroup != "IAM" {
		t.Errorf("read-only Check of an IAM write without state: %s, group %q (%v), want require_approval for IAM", c.Decision, c.ApproverGroup, err)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(empty); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a read-only Guard created its state directory (%v)", err)
	}

	// A state directory with a pending request: the read-only Guard names it.
	home := t.TempDir()
	w := open(t, cavra.Options{Home: home})
	act := cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform apply", Agent: cavra.Agent{ID: "bot", Session: "s"}}
	d, err := w.Evaluate(ctx, act)
	if err != nil || d.ApprovalID == "" {
		t.Fatalf("%s %q %v", d.Decision, d.ApprovalID, err)
	}
	w.Close()
	ro, err := cavra.Open(ctx, cavra.Options{Home: home, ReadOnly: true, Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	c, err = ro.Check(ctx, act)
	if err != nil || c.Decision != cavra.RequireApproval || c.ApprovalID != d.ApprovalID {
		t.Errorf("read-only Check: %s %q (%v), want the pending %q", c.Decision, c.ApprovalID, err, d.ApprovalID)
	}
}
