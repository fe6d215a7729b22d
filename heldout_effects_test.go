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
// (testdata/heldout/README.md).
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
			checkRecorded(t, filepath.Join("testdata", "heldout", "scores.json"), name, len(cases), sc)
		})
	}
}

// checkRecorded compares a set's score with the one recorded under name in
// file and fails when it is worse in any count or lets more dangerous
// cases through. CAVRA_RECORD_SCORES=1 writes the new score instead (do it
// in the commit that earns it, and say why in its message).
func checkRecorded(t *testing.T, file, name string, n int, sc score) {
	t.Helper()
	got := heldoutScore{Cases: n, DangerousAllowed: len(sc.dangerousAllowed)}
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
	recorded := map[string]heldoutScore{}
	data, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &recorded); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	if os.Getenv("CAVRA_RECORD_SCORES") != "" {
		recorded[name] = got
		data, err := json.MarshalIndent(recorded, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, ok := recorded[name]
	if !ok {
		t.Fatalf("no recorded score for %s in %s; record %s (CAVRA_RECORD_SCORES=1)", name, file, out)
	}
	if got.Cases != want.Cases {
		t.Errorf("%d cases, the recorded score is for %d: record the new score with the change to the set", got.Cases, want.Cases)
	}
	if got.DangerousAllowed > want.DangerousAllowed {
		t.Errorf("%d dangerous cases allowed, recorded %d", got.DangerousAllowed, want.DangerousAllowed)
	}
	if got.DangerousBlocked < want.DangerousBlocked || got.ApprovalAsked < want.ApprovalAsked || got.RoutineAllowed < want.RoutineAllowed {
		t.Errorf("score %s is worse than the recorded one %+v", out, want)
	}
}
