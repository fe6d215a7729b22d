package policy

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

// TestSnapshotDecidesLikeCompiledEveryPack: with typed fields, the checked
// expressions a snapshot stores name the object types of fields.go; a set
// loaded from one must decide every bundled pack's test actions, with and
// without registry facts, as the freshly compiled set does.
func TestSnapshotDecidesLikeCompiledEveryPack(t *testing.T) {
	t.Parallel()
	lib, err := DefaultLibrary()
	if err != nil {
		t.Fatal(err)
	}
	agent := map[string]any{"id": "claude-code", "registered": true, "status": "active", "profile": "coding", "capabilities": []any{"read"}}
	server := map[string]any{"id": "github", "registered": true, "trust_tier": "trusted",
		"tool": map[string]any{"name": "delete_repo", "class": "write", "destructive": true}}
	n := 0
	for _, id := range lib.IDs() {
		p, err := lib.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		set, err := lib.Compile(id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		b, err := set.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		back, err := LoadSnapshot(b)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for _, tc := range p.Tests {
			a, err := testAction(tc.Action)
			if err != nil {
				t.Fatal(err)
			}
			for _, opts := range []EvalOptions{
				{Dir: "/project", Home: "/home/user"},
				{Dir: "/project", Home: "/home/user", AgentFacts: agent, ServerFacts: server},
			} {
				want := set.Evaluate(context.Background(), a, opts)
				got := back.Evaluate(context.Background(), a, opts)
				if got.Decision != want.Decision || got.RuleID != want.RuleID || !reflect.DeepEqual(got.Matches, want.Matches) {
					t.Errorf("%s %q (%s): snapshot %s %s, compiled %s %s", id, tc.Name, a.Target, got.Decision, got.RuleID, want.Decision, want.RuleID)
				}
				for _, m := range want.Matches {
					if m.Decision == decision.Block && len(m.Reason) > 0 && strings.Contains(m.Reason, "failed to evaluate") {
						t.Errorf("%s %q: a rule failed to evaluate: %s", id, tc.Name, m.Reason)
					}
				}
				n++
			}
		}
	}
	if n < 50 {
		t.Fatalf("only %d cases: the bundled packs' tests were not found", n)
	}
}
