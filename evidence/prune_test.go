package evidence_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/evidence"
)

func TestPruneKeepsLogVerifiable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	l := newLog(t, evidence.Options{CheckpointEvery: 8, Now: clock})
	appendN(t, l.Log, 30)
	old := bundleBytes(t, l, evidence.Query{FromSeq: 1, ToSeq: 20})
	cut, _ := l.Get(17)
	res, err := l.Prune(context.Background(), cut.Time)
	if err != nil {
		t.Fatal(err)
	}
	if res.Cut != 16 || res.Removed != 16 {
		t.Fatalf("prune result %+v", res)
	}
	if _, err := l.Get(16); !errors.Is(err, evidence.ErrNotFound) {
		t.Fatalf("pruned record still readable: %v", err)
	}
	rep, err := l.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pruned != 16 || rep.Checked != 14 {
		t.Fatalf("report %+v", rep)
	}
	recs, _ := l.List(context.Background(), evidence.Query{Session: "s-0"})
	for _, r := range recs {
		if r.Seq <= 16 {
			t.Fatalf("index still lists pruned record %d", r.Seq)
		}
	}
	appendN(t, l.Log, 5)
	if _, err := evidence.VerifyBundle(bundleBytes(t, l, evidence.Query{}), trustRoot(t, l), evidence.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	// A bundle made before pruning still verifies.
	if _, err := evidence.VerifyBundle(old, trustRoot(t, l), evidence.VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Verify(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

func TestLegalHoldBlocksPrune(t *testing.T) {
	t.Parallel()
	l := newLog(t, evidence.Options{})
	appendN(t, l.Log, 3)
	if err := l.SetLegalHold(true); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Prune(context.Background(), time.Now().Add(time.Hour)); !errors.Is(err, evidence.ErrLegalHold) {
		t.Fatalf("prune under legal hold: %v", err)
	}
	if in, _ := l.Info(); !in.LegalHold || in.First != 1 {
		t.Fatalf("info %+v", in)
	}
	_ = l.SetLegalHold(false)
	if res, err := l.Prune(context.Background(), time.Now().Add(time.Hour)); err != nil || res.Removed != 3 {
		t.Fatalf("prune: %+v %v", res, err)
	}
}
