package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcp"
	"github.com/cavra-dev/cavra/internal/corpus"
	"github.com/cavra-dev/cavra/policy"
)

// TestDoorsDecideAlike is the one-pipeline guarantee: for every corpus case
// in every mode, Guard.Evaluate, Guard.Check, `cavra policy explain`, the
// MCP server's check_action and a policy loaded from its compiled snapshot
// give the same outcome and rule.
func TestDoorsDecideAlike(t *testing.T) {
	all, err := corpus.Load(filepath.Join("..", "..", "testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	// Every sixth case: each runs the CLI in-process in every mode (a
	// Guard opened per call), and the whole development set of 3,131 cases
	// costs minutes under the race detector. The stride keeps every file
	// represented.
	var cases []corpus.Case
	for i := 0; i < len(all); i += 6 {
		cases = append(cases, all[i])
	}
	type mode struct {
		name, mode, actor, reason string
	}
	for _, m := range []mode{
		{"enforce", "enforce", "", ""},
		{"audit_only", "audit_only", "", ""},
		{"strict", "strict", "", ""},
		{"break_glass", "break_glass", "oncall", "incident 42"},
		{"break_glass_unattested", "break_glass", "", ""},
	} {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			home := fastDir(t)
			ctx := context.Background()
			g, err := cavra.Open(ctx, cavra.Options{Home: home, Dir: corpus.Project, Mode: cavra.Mode(m.mode),
				BreakGlassActor: m.actor, BreakGlassReason: m.reason, Evidence: cavra.EvidenceAsync})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			snap, err := g.Policy().Snapshot()
			if err != nil {
				t.Fatal(err)
			}
			loaded, err := policy.LoadSnapshot(snap)
			if err != nil {
				t.Fatal(err)
			}
			if loaded.Digest() != g.Policy().Digest() {
				t.Fatalf("snapshot digest %s, compiled %s", loaded.Digest(), g.Policy().Digest())
			}
			// The MCP server has no break-glass attestation: the hooks it
			// advises have none either. It is compared where it applies.
			var cs *sdk.ClientSession
			if m.actor == "" {
				cs = connectMCP(t, &mcp.Options{Home: home, Mode: cavra.Mode(m.mode), Dir: corpus.Project})
			}
			var diffs []string
			for _, c := range cases {
				a := c.Action()
				a.Agent = cavra.Agent{ID: "claude-code"}
				got := map[string]string{}
				chk, err := g.Check(ctx, a)
				if err != nil {
					t.Fatalf("%s: Check: %v", c, err)
				}
				got["Check"] = outcome(chk.Decision.String(), chk.RuleID)
				got["policy explain"] = explainCLI(t, home, m, a)
				if cs != nil {
					got["MCP check_action"] = checkMCP(t, cs, a)
				}
				got["snapshot"] = snapshotDecision(ctx, loaded, a, m)
				d, err := g.Evaluate(ctx, a)
				if err != nil {
					t.Fatalf("%s: Evaluate: %v", c, err)
				}
				want := outcome(d.Decision.String(), d.RuleID)
				if strings.HasPrefix(d.RuleID, "cavra.self.") {
					// The policy alone does not know CAVRA's own files: the
					// Guard refuses its control plane on top of it.
					delete(got, "snapshot")
				}
				var bad []string
				for door, o := range got {
					if o != want {
						bad = append(bad, fmt.Sprintf("%s says %s", door, o))
					}
				}
				if len(bad) > 0 {
					sort.Strings(bad)
					diffs = append(diffs, fmt.Sprintf("%s %q: Evaluate says %s, %s", c, a.Target, want, strings.Join(bad, ", ")))
				}
			}
			for _, d := range diffs {
				t.Error(d)
			}
			t.Logf("%d cases, %d differ", len(cases), len(diffs))
		})
	}
}

func outcome(decision, rule string) string { return decision + " / " + rule }

// explainCLI runs `cavra policy explain -o json` on a.
func explainCLI(t *testing.T, home string, m struct{ name, mode, actor, reason string }, a cavra.Action) string {
	t.Helper()
	argv := []string{"policy", "explain", "-o", "json", "--home", home, "--mode", m.mode, "--agent", a.Agent.ID}
	if m.actor != "" {
		argv = append(argv, "--break-glass-actor", m.actor, "--break-glass-reason", m.reason)
	}
	if a.Tool != "" {
		argv = append(argv, "--tool", a.Tool)
	}
	if a.Server != "" {
		argv = append(argv, "--server", a.Server)
	}
	if a.Operation != "" {
		argv = append(argv, "--operation", a.Operation)
	}
	if a.Args != nil {
		b, _ := json.Marshal(a.Args)
		argv = append(argv, "--args", string(b))
	}
	for k, v := range a.Context {
		argv = append(argv, "--context", k+"="+v)
	}
	argv = append(argv, "--", string(a.Type), a.Target)
	code, out, errOut := cli(t, argv...)
	if code != 0 {
		return fmt.Sprintf("exit %d: %s", code, errOut)
	}
	var x struct {
		Decision struct {
			Decision string `json:"decision"`
			RuleID   string `json:"rule_id"`
		} `json:"decision"`
	}
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		return "unreadable output: " + out
	}
	return outcome(x.Decision.Decision, x.Decision.RuleID)
}

func connectMCP(t *testing.T, opts *mcp.Options) *sdk.ClientSession {
	t.Helper()
	srv, err := mcp.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ct, st := sdk.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "claude-code", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
	})
	return cs
}

// checkMCP asks the MCP server's check_action about a.
func checkMCP(t *testing.T, cs *sdk.ClientSession, a cavra.Action) string {
	t.Helper()
	in := mcp.ActionInput{Type: string(a.Type), Target: a.Target, Operation: a.Operation, Tool: a.Tool, Server: a.Server,
		Args: a.Args, Context: a.Context, Agent: a.Agent.ID}
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "check_action", Arguments: in})
	if err != nil {
		t.Fatalf("check_action: %v", err)
	}
	var v mcp.Verdict
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &v); err != nil || v.Decision == "" {
		return fmt.Sprintf("no verdict (isError %v): %v", res.IsError, res.Content)
	}
	return outcome(v.Decision, v.RuleID)
}

// snapshotDecision decides a with a set loaded from the compiled snapshot,
// given what the Guard adds with an empty registry: the verdict of CAVRA's
// own MCP server's tools.
func snapshotDecision(ctx context.Context, set *policy.Set, a cavra.Action, m struct{ name, mode, actor, reason string }) string {
	opts := policy.EvalOptions{Mode: cavra.Mode(m.mode), BreakGlassActor: m.actor, BreakGlassReason: m.reason, Dir: corpus.Project}
	if n, err := a.Normalize(); err == nil && n.Type == cavra.MCPToolCall {
		opts.MCPVerdict = cavra.OwnMCPVerdict(n.Server, n.Tool)
	}
	d := set.Evaluate(ctx, a, opts)
	return outcome(d.Decision.String(), d.RuleID)
}

// fastDir is a temporary state directory on a memory file system when the
// machine has one: the test makes thousands of approval-store commits, and
// each one's fsync on a disk costs more than every decision of the test.
func fastDir(t *testing.T) string {
	t.Helper()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		dir, err := os.MkdirTemp("/dev/shm", "cavra-test-")
		if err == nil {
			t.Cleanup(func() { os.RemoveAll(dir) })
			return dir
		}
	}
	return t.TempDir()
}
