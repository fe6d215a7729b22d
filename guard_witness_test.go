package cavra_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
)

// decideOnce opens a Guard as a hook does, decides one action, and closes.
func decideOnce(t *testing.T, opts cavra.Options, target string) (cavra.Decision, error) {
	t.Helper()
	g, err := cavra.Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer g.Close()
	return g.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: target, Agent: cavra.Agent{ID: "bot", Session: "s"}})
}

// witnessedHome is a state directory whose config.yaml puts the witness in
// a directory of its own, so that Guards and readers (OpenState) find it.
func witnessedHome(t *testing.T) (home, witness string) {
	home, witness = t.TempDir(), filepath.Join(t.TempDir(), "w.json")
	if err := os.WriteFile(filepath.Join(home, cavra.ConfigFile), []byte("evidence:\n  witness: "+witness+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return home, witness
}

// wantRollback checks the block a Guard gives on a log that fails its
// witness.
func wantRollback(t *testing.T, d cavra.Decision, err error, witness string) {
	t.Helper()
	if d.Decision != cavra.Block || d.RuleID != cavra.RuleRollbackDetected || d.Severity != cavra.Critical ||
		!strings.Contains(d.Reason, witness) || !errors.Is(err, evidence.ErrRollback) {
		t.Fatalf("got %s %s %s %q (%v), want a critical block %s naming %s", d.Decision, d.RuleID, d.Severity, d.Reason, err, cavra.RuleRollbackDetected, witness)
	}
	if len(d.Matches) != 1 || d.Matches[0].RuleID != cavra.RuleRollbackDetected {
		t.Errorf("matches %+v", d.Matches)
	}
}

// TestGuardRollback is the attack in a library: the database is
// copied away, decisions happen (and are signed), the old copy is put back.
func TestGuardRollback(t *testing.T) {
	t.Parallel()
	home, witness := witnessedHome(t)
	opts := cavra.Options{Home: home, Dir: "/project"}
	db := filepath.Join(home, "cavra.db")
	if d, err := decideOnce(t, opts, "README.md"); err != nil || d.Decision != cavra.Allow {
		t.Fatalf("first decision: %s %v", d.Decision, err)
	}
	old, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"a.go", "b.go", ".env"} {
		decideOnce(t, opts, f)
	}
	os.WriteFile(db, old, 0o600)
	before, _ := os.ReadFile(db)
	// Check says what Evaluate will.
	cg, err := cavra.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cg.Check(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: "README.md"})
	cg.Close()
	wantRollback(t, c, err, witness)
	d, err := decideOnce(t, opts, "README.md")
	wantRollback(t, d, err, witness)
	if after, _ := os.ReadFile(db); string(after) != string(before) {
		t.Error("a Guard on a rolled-back log wrote to it")
	}
	// Every change is refused too, not only decisions.
	g, err := cavra.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.SetLegalHold(context.Background(), false, "ana", "x"); !errors.Is(err, evidence.ErrRollback) {
		t.Errorf("legal hold off on a rolled-back log: %v", err)
	}
	// The reader (cavra evidence verify) says so and names the witness.
	g.Close()
	st, err := cavra.OpenState(home, 0)
	if err != nil {
		t.Fatal(err)
	}
	l, err := st.Evidence()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Verify(context.Background(), nil); !errors.Is(err, evidence.ErrRollback) || !strings.Contains(err.Error(), witness) {
		t.Errorf("verify: %v", err)
	}
	st.Close()

	// A person resets the witness; decisions are recorded again, and the
	// reset says what it replaced.
	g, err = cavra.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.ResetWitness(context.Background(), "ana", ""); err == nil {
		t.Error("a reset without a reason")
	}
	rec, err := g.ResetWitness(context.Background(), "ana", "restored last week's backup")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Previous == nil || rec.Previous.Checkpoint.Size <= 2 || !strings.Contains(rec.Problem, "rolled back") || rec.Witness != witness {
		t.Errorf("reset record %+v", rec)
	}
	d, err = g.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: "README.md"})
	if err != nil || d.Decision != cavra.Allow {
		t.Errorf("after reset: %s %s %v", d.Decision, d.RuleID, err)
	}
	recs, err := g.Evidence().List(context.Background(), evidence.Query{Kind: evidence.KindWitnessReset})
	if err != nil || len(recs) != 1 {
		t.Fatalf("witness_reset records: %d %v", len(recs), err)
	}
	var data cavra.WitnessReset
	if err := json.Unmarshal(recs[0].Data, &data); err != nil || data.By != "ana" || data.Previous == nil {
		t.Errorf("recorded reset %s (%v)", recs[0].Data, err)
	}
	g.Close()
	if d, err := decideOnce(t, opts, "README.md"); err != nil || d.Decision != cavra.Allow {
		t.Errorf("reopened after reset: %s %s %v", d.Decision, d.RuleID, err)
	}
}

// TestGuardMissingDatabase: a deleted or emptied database where a witness
// exists is an error, never a new log.
func TestGuardMissingDatabase(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"deleted", "emptied"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			home, witness := witnessedHome(t)
			opts := cavra.Options{Home: home, Dir: "/project"}
			decideOnce(t, opts, "README.md")
			db := filepath.Join(home, "cavra.db")
			if name == "deleted" {
				os.Remove(db)
			} else {
				os.WriteFile(db, nil, 0o600)
			}
			// Read first: no database is not "nothing decided here".
			if _, err := cavra.OpenState(home, 0); !errors.Is(err, evidence.ErrRollback) || errors.Is(err, cavra.ErrNoState) || !strings.Contains(err.Error(), witness) {
				t.Errorf("OpenState: %v", err)
			}
			d, err := decideOnce(t, opts, "README.md")
			wantRollback(t, d, err, witness)
			if !strings.Contains(d.Reason, "new, empty log") {
				t.Errorf("reason %q", d.Reason)
			}
		})
	}
}

// TestGuardWitnessDefault: without Options.Witness the witness is in the
// user's state home (the tests' TestMain points XDG_STATE_HOME at a
// temporary directory), or where config.yaml says.
func TestGuardWitnessDefault(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := evidence.DefaultWitnessPath(home)
	if g.Witness() != want || !strings.HasPrefix(want, os.Getenv("XDG_STATE_HOME")) {
		t.Errorf("witness %q, want %q", g.Witness(), want)
	}
	g.Close() // signs, so the witness exists
	if _, err := evidence.ReadWitness(want); err != nil {
		t.Errorf("default witness: %v", err)
	}
	if p, err := cavra.WitnessPath(home); err != nil || p != want {
		t.Errorf("WitnessPath: %q %v", p, err)
	}

	home, conf := witnessedHome(t)
	g, err = cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	if g.Witness() != conf {
		t.Errorf("configured witness %q, want %q", g.Witness(), conf)
	}
	g.Close()
	if _, err := evidence.ReadWitness(conf); err != nil {
		t.Errorf("configured witness: %v", err)
	}

	// Options.Witness wins over both.
	home2, _ := witnessedHome(t)
	explicit := filepath.Join(t.TempDir(), "opt.json")
	g, err = cavra.Open(context.Background(), cavra.Options{Home: home2, Dir: "/project", Witness: explicit})
	if err != nil {
		t.Fatal(err)
	}
	if g.Witness() != explicit {
		t.Errorf("witness %q, want %q", g.Witness(), explicit)
	}
	g.Close()

	// Once witnessed, a log whose witness is moved (here by configuration)
	// blocks until a person resets it there.
	moved := filepath.Join(t.TempDir(), "moved.json")
	g, err = cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project", Witness: moved})
	if err != nil {
		t.Fatal(err)
	}
	d, err := g.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: "README.md"})
	wantRollback(t, d, err, moved)
	if !strings.Contains(d.Reason, "witnessed at "+conf) {
		t.Errorf("moved witness: %q", d.Reason)
	}
	g.Close()
}
