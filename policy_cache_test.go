package cavra_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra"
)

func TestPolicySnapshotCache(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	a := cavra.Action{Type: cavra.ExecuteCommand, Target: "cd infra && terraform apply -auto-approve"}
	first := open(t, cavra.Options{Home: home})
	d1, _ := first.Evaluate(context.Background(), a)
	first.Close()
	snaps, _ := filepath.Glob(filepath.Join(home, "cache", "policy-*.snapshot"))
	if len(snaps) != 1 {
		t.Fatalf("%d policy snapshots after Open, want 1", len(snaps))
	}
	second := open(t, cavra.Options{Home: home})
	d2, _ := second.Evaluate(context.Background(), a)
	if d2.Decision != d1.Decision || d2.RuleID != d1.RuleID || d2.PolicyDigest != d1.PolicyDigest {
		t.Fatalf("from the snapshot: %s %s %s; compiled: %s %s %s", d2.Decision, d2.RuleID, d2.PolicyDigest, d1.Decision, d1.RuleID, d1.PolicyDigest)
	}
	second.Close()
	// A damaged snapshot is ignored: the policy is compiled again.
	if err := os.WriteFile(snaps[0], []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	third := open(t, cavra.Options{Home: home})
	if d3, _ := third.Evaluate(context.Background(), a); d3.PolicyDigest != d1.PolicyDigest || d3.Decision != d1.Decision {
		t.Fatalf("after a damaged snapshot: %s %s", d3.Decision, d3.PolicyDigest)
	}
}
