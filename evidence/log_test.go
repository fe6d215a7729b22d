package evidence_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
)

func TestAppendVerifyQuery(t *testing.T) {
	t.Parallel()
	l := newLog(t, evidence.Options{CheckpointEvery: 7})
	ctx := context.Background()
	refs := appendN(t, l.Log, 50)
	for i, r := range refs {
		if r.Seq != int64(i+1) || r.LogID != l.ID() || !strings.HasPrefix(r.String(), "evidence://log_") {
			t.Fatalf("ref %d = %v", i, r)
		}
	}
	if _, err := l.Append(ctx, evidence.Entry{Kind: evidence.KindOutcome, SessionID: "s-1", AgentID: "agent-1", Data: map[string]any{"exit_code": 0}}); err != nil {
		t.Fatal(err)
	}
	rep, err := l.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Size != 51 || rep.Checked != 51 || rep.Checkpoints != 7 {
		t.Errorf("report %+v", rep)
	}
	rec, err := l.Get(3)
	if err != nil || rec.Decision == nil || rec.Decision.DecisionID != "dec_0000000000000002" || rec.Seq != 3 {
		t.Fatalf("get: %+v %v", rec, err)
	}
	got, err := l.Find("dec_0000000000000004")
	if err != nil || got.Seq != 5 {
		t.Fatalf("find: %v %v", got.Seq, err)
	}
	cases := []struct {
		q    evidence.Query
		want int
	}{
		{evidence.Query{}, 51},
		{evidence.Query{Session: "s-1"}, 11},
		{evidence.Query{Session: "s-1", Kind: evidence.KindDecision}, 10},
		{evidence.Query{Agent: "agent-1"}, 26},
		{evidence.Query{Decision: decision.Block}, 16},
		{evidence.Query{Severity: decision.Critical}, 12},
		{evidence.Query{RuleID: "commands.rule0"}, 17},
		{evidence.Query{ActionType: decision.ExecuteCommand}, 50},
		{evidence.Query{Kind: evidence.KindOutcome}, 1},
		{evidence.Query{DecisionIDs: []string{"dec_0000000000000001", "dec_0000000000000009"}}, 2},
		{evidence.Query{FromSeq: 10, ToSeq: 19}, 10},
		{evidence.Query{Session: "s-1", FromSeq: 10, ToSeq: 19}, 2},
		{evidence.Query{Since: rec.Time}, 49},
		{evidence.Query{Until: rec.Time}, 2},
		{evidence.Query{Limit: 5}, 5},
	}
	// First from the unindexed tail (fewer records than one index write),
	// then from the indexes that Flush writes.
	for round := range 2 {
		if round == 1 {
			if err := l.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range cases {
			checkList(t, l.Log, c.q, c.want)
		}
	}
}

func checkList(t *testing.T, l *evidence.Log, q evidence.Query, want int) {
	t.Helper()
	{
		c := struct {
			q    evidence.Query
			want int
		}{q, want}
		ctx := context.Background()
		recs, err := l.List(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != c.want {
			t.Errorf("List(%+v) = %d records, want %d", c.q, len(recs), c.want)
		}
		for i := 1; i < len(recs); i++ {
			if recs[i].Seq >= recs[i-1].Seq {
				t.Fatalf("List not newest first")
			}
		}
	}
}

func TestConcurrentDurableAppends(t *testing.T) {
	t.Parallel()
	l := newLog(t, evidence.Options{CheckpointEvery: 50})
	var wg sync.WaitGroup
	seen := make([][]evidence.Ref, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range 40 {
				r, err := l.Append(context.Background(), evidence.Entry{Kind: evidence.KindDecision, Decision: testDecision(w*1000 + i)})
				if err != nil {
					t.Error(err)
					return
				}
				seen[w] = append(seen[w], r)
			}
		})
	}
	wg.Wait()
	all := map[int64]bool{}
	for _, rs := range seen {
		for _, r := range rs {
			if all[r.Seq] {
				t.Fatalf("seq %d handed out twice", r.Seq)
			}
			all[r.Seq] = true
		}
	}
	rep, err := l.Verify(context.Background(), nil)
	if err != nil || rep.Size != 320 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

func TestAsyncFlushClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, dir, evidence.Options{Mode: evidence.Async, QueueSize: 16})
	appendN(t, l.Log, 100)
	if err := l.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	appendN(t, l.Log, 10)
	l.close() // drains
	l2 := openLog(t, dir, evidence.Options{})
	rep, err := l2.Verify(context.Background(), nil)
	if err != nil || rep.Size != 110 || rep.Unsigned != 0 {
		t.Fatalf("after close: %+v %v", rep, err)
	}
	if _, err := l.Append(context.Background(), evidence.Entry{Kind: evidence.KindDecision, Decision: testDecision(1)}); !errors.Is(err, evidence.ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
}

func TestReopenContinuesChain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	l := openLog(t, dir, evidence.Options{})
	id := l.ID()
	appendN(t, l.Log, 5)
	l.close()
	l2 := openLog(t, dir, evidence.Options{})
	if l2.ID() != id {
		t.Fatal("log id changed on reopen")
	}
	r := appendN(t, l2.Log, 3)
	if r[0].Seq != 6 {
		t.Fatalf("seq after reopen %d", r[0].Seq)
	}
	if _, err := l2.Verify(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestIntervalCheckpoint(t *testing.T) {
	t.Parallel()
	l := newLog(t, evidence.Options{CheckpointInterval: 20 * time.Millisecond})
	appendN(t, l.Log, 3)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		in, err := l.Info()
		if err != nil {
			t.Fatal(err)
		}
		if in.LastCheckpt == 3 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("no checkpoint written by the timer")
}

// TestLazyClose checks that a log opened for a decision or two signs a
// checkpoint on Close only when one is due, and that the records in between
// still verify and are signed by the next due checkpoint.
func TestLazyClose(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cycle := func(n int) *evidence.Report {
		l := openLog(t, dir, evidence.Options{LazyClose: true, Now: clock})
		appendN(t, l.Log, n)
		l.close()
		r := openLog(t, dir, evidence.Options{ReadOnly: true})
		defer r.close()
		rep, err := r.Verify(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	// No checkpoint yet: the first close signs.
	if rep := cycle(1); rep.Checkpoints != 1 || rep.Unsigned != 0 {
		t.Fatalf("first close: %d checkpoints, %d unsigned; want 1, 0", rep.Checkpoints, rep.Unsigned)
	}
	// Within the interval: the records wait, chained but unsigned.
	now = now.Add(10 * time.Second)
	if rep := cycle(2); rep.Checkpoints != 1 || rep.Unsigned != 2 || rep.Size != 3 {
		t.Fatalf("close within the interval: %+v; want 1 checkpoint, 2 unsigned of 3", rep)
	}
	// A minute after the last checkpoint, a close signs everything.
	now = now.Add(time.Minute)
	if rep := cycle(1); rep.Checkpoints != 2 || rep.Unsigned != 0 || rep.Size != 4 {
		t.Fatalf("close after the interval: %+v; want 2 checkpoints, none unsigned of 4", rep)
	}
	// Without LazyClose every close signs.
	l := openLog(t, dir, evidence.Options{Now: clock})
	appendN(t, l.Log, 1)
	l.close()
	r := openLog(t, dir, evidence.Options{ReadOnly: true})
	rep, err := r.Verify(context.Background(), nil)
	if err != nil || rep.Checkpoints != 3 || rep.Unsigned != 0 {
		t.Fatalf("eager close: %+v, %v; want 3 checkpoints, none unsigned", rep, err)
	}
}
