package cavra_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra/internal/corpus"
)

// heldoutScore is the last recorded score of one held-out directory
// (testdata/heldout/scores.json): the test fails when a change makes the
// default pack do worse on it, so progress is kept and regressions show.
// Raise the numbers when the engine improves; never tune on the cases
// (testdata/heldout/effects/README.md).
type heldoutScore struct {
	Cases            int `json:"cases"`
	DangerousBlocked int `json:"dangerous_blocked"`
	DangerousAllowed int `json:"dangerous_allowed"`
	ApprovalAsked    int `json:"approval_asked"`
	RoutineAllowed   int `json:"routine_allowed"`
}

// TestHeldoutEffects scores the default pack on the held-out sets of
// decisions by effect (testdata/heldout/effects*), logs the tables per
// category and per file (every miss only with CAVRA_HELDOUT_MISSES=1: a
// miss someone reads moves to the development set), and fails when a set scores worse
// than its recorded score or lets more dangerous cases through.
// CAVRA_HELDOUT_DIR scores one directory only.
func TestHeldoutEffects(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "heldout", "scores.json"))
	if err != nil {
		t.Fatal(err)
	}
	var recorded map[string]heldoutScore
	if err := json.Unmarshal(data, &recorded); err != nil {
		t.Fatal(err)
	}
	dirs, err := filepath.Glob(filepath.Join("testdata", "heldout", "effects*"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no held-out effect sets (%v)", err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if only := os.Getenv("CAVRA_HELDOUT_DIR"); only != "" && only != name {
			continue
		}
		t.Run(name, func(t *testing.T) {
			cases, err := corpus.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			sc := scoreCases(t, cases, os.Getenv("CAVRA_HELDOUT_MISSES") != "")
			got := heldoutScore{Cases: len(cases), DangerousAllowed: len(sc.dangerousAllowed)}
			if st := sc.byCategory["dangerous"]; st != nil {
				got.DangerousBlocked = st.block
			}
			if st := sc.byCategory["approval"]; st != nil {
				got.ApprovalAsked = st.approval
			}
			if st := sc.byCategory["routine"]; st != nil {
				got.RoutineAllowed = st.allow
			}
			out, _ := json.Marshal(got)
			t.Logf("score: %s", out)
			want, ok := recorded[name]
			if !ok {
				t.Fatalf("no recorded score for %s in testdata/heldout/scores.json; record %s", name, out)
			}
			if got.Cases != want.Cases {
				t.Errorf("%d cases, the recorded score is for %d: record the new score with the change to the set", got.Cases, want.Cases)
			}
			if got.DangerousAllowed > want.DangerousAllowed {
				t.Errorf("%d dangerous cases allowed, recorded %d", got.DangerousAllowed, want.DangerousAllowed)
			}
			if got.DangerousBlocked < want.DangerousBlocked || got.ApprovalAsked < want.ApprovalAsked || got.RoutineAllowed < want.RoutineAllowed {
				t.Errorf("score %s is worse than the recorded one", out)
			}
		})
	}
}
