package evidence_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/store"
)

type testLog struct {
	*evidence.Log
	dir   string
	st    *store.Store
	keys  *evidence.KeyRing
	close func()
}

func openLog(t testing.TB, dir string, opts evidence.Options) *testLog {
	t.Helper()
	st, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Keys == nil {
		opts.Keys = evidence.NewKeyRing(filepath.Join(dir, evidence.KeyDir))
	}
	l, err := evidence.Open(st.DB(), opts)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	tl := &testLog{Log: l, dir: dir, st: st, keys: opts.Keys}
	closed := false
	tl.close = func() {
		if closed {
			return
		}
		closed = true
		if err := l.Close(); err != nil {
			t.Errorf("close log: %v", err)
		}
		st.Close()
	}
	t.Cleanup(tl.close)
	return tl
}

func newLog(t testing.TB, opts evidence.Options) *testLog {
	return openLog(t, t.TempDir(), opts)
}

var outcomes = []decision.Outcome{decision.Allow, decision.RequireApproval, decision.Block}

func testDecision(i int) *decision.Decision {
	o := outcomes[i%3]
	sev := decision.Severity(i%4 + 1)
	base := decision.Allow
	return &decision.Decision{
		DecisionID: fmt.Sprintf("dec_%016x", i), SessionID: fmt.Sprintf("s-%d", i%5), AgentID: fmt.Sprintf("agent-%d", i%2),
		Actor: "ai-agent", ActionType: decision.ExecuteCommand, Target: fmt.Sprintf("terraform apply -var n=%d <&>", i),
		RequestedOperation: "terraform apply", ActionDigest: "sha256:" + fmt.Sprintf("%064x", i),
		PolicyPack: "cavra-ai-agent-baseline", PolicyDigest: "sha256:" + fmt.Sprintf("%064x", 7),
		RuleID: fmt.Sprintf("commands.rule%d", i%3), Decision: o, Severity: sev, Reason: "because ünïcode \"quoted\"",
		Matches:       []decision.Match{{RuleID: "commands.block", Decision: o, Severity: sev, Reason: "r", Pattern: "terraform apply*"}},
		ApproverGroup: "Platform", EvidenceRefs: []string{}, Timestamp: time.Unix(1700000000, int64(i)).UTC(),
		CorrelationID: "corr_1", Mode: decision.Enforce, BaseDecision: &base,
	}
}

func appendN(t testing.TB, l *evidence.Log, n int) []evidence.Ref {
	t.Helper()
	refs := make([]evidence.Ref, n)
	for i := range n {
		r, err := l.Append(context.Background(), evidence.Entry{Kind: evidence.KindDecision, Decision: testDecision(i)})
		if err != nil {
			t.Fatal(err)
		}
		refs[i] = r
	}
	return refs
}
