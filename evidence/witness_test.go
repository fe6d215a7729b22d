package evidence_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/store"
)

// witnessed is a state directory whose log keeps a witness outside it.
type witnessed struct {
	dir, witness string
}

func newWitnessed(t *testing.T) witnessed {
	return witnessed{dir: t.TempDir(), witness: filepath.Join(t.TempDir(), "w", "witness.json")}
}

// open opens the directory's log with its witness.
func (w witnessed) open(t *testing.T) *testLog {
	t.Helper()
	return openLog(t, w.dir, evidence.Options{Witness: w.witness, CheckpointInterval: -1})
}

// grow appends n records, signs a checkpoint (which writes the witness) and
// closes the log.
func (w witnessed) grow(t *testing.T, n int) {
	t.Helper()
	l := w.open(t)
	if err := l.Rollback(); err != nil {
		t.Fatalf("rollback before growing: %v", err)
	}
	appendN(t, l.Log, n)
	if _, err := l.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	l.close()
}

func (w witnessed) db() string { return filepath.Join(w.dir, store.FileName) }

func readWitness(t *testing.T, path string) evidence.Witness {
	t.Helper()
	wt, err := evidence.ReadWitness(path)
	if err != nil {
		t.Fatal(err)
	}
	return wt
}

func TestWitnessFollowsCheckpoints(t *testing.T) {
	t.Parallel()
	w := newWitnessed(t)
	w.grow(t, 3)
	wt := readWitness(t, w.witness)
	if wt.Checkpoint.Size != 3 || wt.Format != evidence.WitnessFormat || wt.StateDir != w.dir {
		t.Fatalf("witness after 3 records: %+v", wt)
	}
	for path, want := range map[string]os.FileMode{w.witness: 0o600, filepath.Dir(w.witness): 0o700} {
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", path, st.Mode().Perm(), want, err)
		}
	}
	w.grow(t, 2)
	if got := readWitness(t, w.witness).Checkpoint.Size; got != 5 {
		t.Errorf("witness size after 5 records: %d", got)
	}
	l := w.open(t)
	rep, err := l.Verify(context.Background(), nil)
	if err != nil || rep.Witness != w.witness || rep.WitnessSize != 5 {
		t.Errorf("verify: %+v, %v", rep, err)
	}
	// No stray temporary files beside the witness.
	names, _ := filepath.Glob(filepath.Join(filepath.Dir(w.witness), "*"))
	if len(names) != 1 {
		t.Errorf("witness directory holds %v", names)
	}
}

// TestWitnessRollback is the attack: the database is copied away, the log
// grows and signs, the old copy is put back.
func TestWitnessRollback(t *testing.T) {
	t.Parallel()
	w := newWitnessed(t)
	w.grow(t, 4)
	old, err := os.ReadFile(w.db())
	if err != nil {
		t.Fatal(err)
	}
	w.grow(t, 3)
	before, _ := os.ReadFile(w.witness)
	if err := os.WriteFile(w.db(), old, 0o600); err != nil {
		t.Fatal(err)
	}
	l := w.open(t)
	err = l.Rollback()
	var we *evidence.WitnessError
	if !errors.Is(err, evidence.ErrRollback) || !errors.As(err, &we) || we.Path != w.witness || !strings.Contains(err.Error(), w.witness) ||
		!strings.Contains(err.Error(), "the log has 4 records, but its witness recorded 7") {
		t.Fatalf("rolled-back log: %v", err)
	}
	if _, err := l.Append(context.Background(), evidence.Entry{Kind: evidence.KindDecision, Decision: testDecision(9)}); !errors.Is(err, evidence.ErrRollback) {
		t.Errorf("append to a rolled-back log: %v", err)
	}
	if _, err := l.Checkpoint(context.Background()); !errors.Is(err, evidence.ErrRollback) {
		t.Errorf("checkpoint of a rolled-back log: %v", err)
	}
	if _, err := l.Verify(context.Background(), nil); !errors.Is(err, evidence.ErrRollback) || !strings.Contains(err.Error(), w.witness) {
		t.Errorf("verify of a rolled-back log: %v", err)
	}
	l.close()
	if after, _ := os.ReadFile(w.witness); string(after) != string(before) {
		t.Errorf("closing the rolled-back log changed its witness:\n%s\n%s", before, after)
	}
	// A reader sees the same.
	st, err := store.Open(w.dir, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ro, err := evidence.Open(st.DB(), evidence.Options{Keys: evidence.NewKeyRing(filepath.Join(w.dir, evidence.KeyDir)), ReadOnly: true, Witness: w.witness})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Verify(context.Background(), nil); !errors.Is(err, evidence.ErrRollback) {
		t.Errorf("read-only verify: %v", err)
	}
}

// TestWitnessReplacedDatabase: a database that is not the witnessed log's
// continuation is never taken for a new log.
func TestWitnessReplacedDatabase(t *testing.T) {
	t.Parallel()
	other := newWitnessed(t)
	other.grow(t, 9)
	cases := []struct {
		name    string
		replace func(t *testing.T, w witnessed)
		want    string
	}{
		{"deleted", func(t *testing.T, w witnessed) { os.Remove(w.db()) }, "new, empty log"},
		{"emptied", func(t *testing.T, w witnessed) { os.WriteFile(w.db(), nil, 0o600) }, "new, empty log"},
		{"another directory's", func(t *testing.T, w witnessed) { copyFile(t, other.db(), w.db()) }, "the database was replaced"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWitnessed(t)
			w.grow(t, 5)
			tc.replace(t, w)
			l := w.open(t)
			if err := l.Rollback(); !errors.Is(err, evidence.ErrRollback) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), w.witness) {
				t.Fatalf("got %v, want a rollback naming %q", err, tc.want)
			}
		})
	}
	// Read-only, a database without a log where a witness exists is an
	// error naming the witness, not "no log".
	w := newWitnessed(t)
	w.grow(t, 2)
	os.Remove(w.db())
	st, err := store.Open(w.dir, nil) // creates an empty database
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	st, err = store.Open(w.dir, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = evidence.Open(st.DB(), evidence.Options{ReadOnly: true, Witness: w.witness})
	if !errors.Is(err, evidence.ErrRollback) || errors.Is(err, evidence.ErrNoLog) || !strings.Contains(err.Error(), "deleted or emptied") {
		t.Errorf("read-only open of a database without a log: %v", err)
	}
}

// TestWitnessForged: a witness that does not verify against the log's
// trust root is refused, whatever it claims.
func TestWitnessForged(t *testing.T) {
	t.Parallel()
	stranger := newWitnessed(t)
	stranger.grow(t, 3)
	cases := []struct {
		name  string
		forge func(t *testing.T, w witnessed, wt evidence.Witness) []byte
		want  string
	}{
		{"size raised", func(t *testing.T, w witnessed, wt evidence.Witness) []byte {
			wt.Checkpoint.Size++
			return marshalWitness(t, wt)
		}, "does not verify"},
		{"size lowered", func(t *testing.T, w witnessed, wt evidence.Witness) []byte {
			wt.Checkpoint.Size--
			return marshalWitness(t, wt)
		}, "does not verify"},
		{"root changed", func(t *testing.T, w witnessed, wt evidence.Witness) []byte {
			wt.Checkpoint.RootHash = strings.Repeat("0", 64)
			return marshalWitness(t, wt)
		}, "does not verify"},
		{"signed by another key", func(t *testing.T, w witnessed, wt evidence.Witness) []byte {
			o := readWitness(t, stranger.witness)
			o.Checkpoint.LogID = wt.Checkpoint.LogID
			return marshalWitness(t, o)
		}, "not in the trust root"},
		{"garbage", func(*testing.T, witnessed, evidence.Witness) []byte { return []byte("{\"format\":") }, "cannot be read"},
		{"empty", func(*testing.T, witnessed, evidence.Witness) []byte { return nil }, "cannot be read"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWitnessed(t)
			w.grow(t, 4)
			if err := os.WriteFile(w.witness, tc.forge(t, w, readWitness(t, w.witness)), 0o600); err != nil {
				t.Fatal(err)
			}
			l := w.open(t)
			if err := l.Rollback(); !errors.Is(err, evidence.ErrRollback) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), w.witness) {
				t.Fatalf("got %v, want a refusal containing %q", err, tc.want)
			}
		})
	}
}

func marshalWitness(t *testing.T, w evidence.Witness) []byte {
	t.Helper()
	b, err := json.Marshal(w)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWitnessFork: a witness of another branch of the same log (same id,
// same key: the directory was copied and both copies grew) is refused,
// longer or shorter.
func TestWitnessFork(t *testing.T) {
	t.Parallel()
	a := newWitnessed(t)
	a.grow(t, 4)
	fork := func(extra int) witnessed {
		b := newWitnessed(t)
		copyFile(t, a.db(), b.db())
		copyDir(t, filepath.Join(a.dir, "keys"), filepath.Join(b.dir, "keys"))
		copyFile(t, a.witness, b.witness) // a copy of the whole state
		l := b.open(t)
		// Records of its own, so that the branches differ.
		for i := range extra {
			if _, err := l.Append(context.Background(), evidence.Entry{Kind: evidence.KindDecision, Decision: testDecision(100 + i)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := l.Checkpoint(context.Background()); err != nil {
			t.Fatal(err)
		}
		l.close()
		return b
	}
	longer, shorter := fork(6), fork(1)
	a.grow(t, 3) // a: 7 records
	for _, tc := range []struct {
		name string
		b    witnessed
		want string
	}{
		{"longer", longer, "its witness recorded 10"},
		{"shorter", shorter, "not the ones its witness signed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copyFile(t, tc.b.witness, a.witness)
			l := a.open(t)
			defer l.close()
			if err := l.Rollback(); !errors.Is(err, evidence.ErrRollback) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("witness of a %s fork: %v, want %q", tc.name, err, tc.want)
			}
		})
	}
}

// TestWitnessReset: after a rollback, a reset records what it replaced and
// the log goes on, witnessed anew.
func TestWitnessReset(t *testing.T) {
	t.Parallel()
	w := newWitnessed(t)
	w.grow(t, 2)
	old, _ := os.ReadFile(w.db())
	w.grow(t, 2)
	os.WriteFile(w.db(), old, 0o600)
	l := w.open(t)
	if l.Rollback() == nil {
		t.Fatal("no rollback detected")
	}
	ref, sc, err := l.ResetWitness(context.Background(), evidence.Entry{Kind: evidence.KindWitnessReset, Data: map[string]string{"reason": "restored a backup"}})
	if err != nil {
		t.Fatal(err)
	}
	if l.Rollback() != nil || ref.Seq != 3 || sc.Checkpoint.Size != 3 {
		t.Fatalf("after reset: rollback %v, ref %v, checkpoint %+v", l.Rollback(), ref, sc.Checkpoint)
	}
	if got := readWitness(t, w.witness); got.Checkpoint.Size != 3 || got.Signature != sc.Signature {
		t.Errorf("witness after reset: %+v", got)
	}
	aside, _ := filepath.Glob(w.witness + ".replaced-*")
	if len(aside) != 1 || readWitness(t, aside[0]).Checkpoint.Size != 4 {
		t.Errorf("old witness kept aside: %v", aside)
	}
	if r, err := l.Get(3); err != nil || r.Kind != evidence.KindWitnessReset {
		t.Errorf("reset record: %+v, %v", r, err)
	}
	appendN(t, l.Log, 1)
	l.close()
	w.grow(t, 1)
	if l := w.open(t); l.Rollback() != nil {
		t.Errorf("reopened after reset: %v", l.Rollback())
	}
}

// TestWitnessMissing: once a log was witnessed, a missing witness is a
// failure (deleted, or moved by configuration), not a log that never had
// one.
func TestWitnessMissing(t *testing.T) {
	t.Parallel()
	w := newWitnessed(t)
	w.grow(t, 2)
	os.Remove(w.witness)
	l := w.open(t)
	if err := l.Rollback(); !errors.Is(err, evidence.ErrRollback) || !strings.Contains(err.Error(), "is missing, but this log was witnessed there") {
		t.Errorf("deleted witness: %v", err)
	}
	l.close()
	moved := filepath.Join(t.TempDir(), "moved.json")
	l = openLog(t, w.dir, evidence.Options{Witness: moved})
	if err := l.Rollback(); !errors.Is(err, evidence.ErrRollback) || !strings.Contains(err.Error(), "witnessed at "+w.witness) {
		t.Errorf("moved witness: %v", err)
	}
	// The reset moves it deliberately.
	if _, _, err := l.ResetWitness(context.Background(), evidence.Entry{Kind: evidence.KindWitnessReset, Data: "moved"}); err != nil {
		t.Fatal(err)
	}
	l.close()
	if l := openLog(t, w.dir, evidence.Options{Witness: moved}); l.Rollback() != nil {
		t.Errorf("after moving it by a reset: %v", l.Rollback())
	}
}

// TestWitnessBootstrap: a log kept before it had a witness gains one when it
// is opened with one, from its newest checkpoint.
func TestWitnessBootstrap(t *testing.T) {
	t.Parallel()
	w := newWitnessed(t)
	l := openLog(t, w.dir, evidence.Options{})
	appendN(t, l.Log, 3)
	l.close() // signs at 3
	if _, err := os.Stat(w.witness); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a witness without the option: %v", err)
	}
	l = w.open(t)
	if err := l.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := readWitness(t, w.witness).Checkpoint.Size; got != 3 {
		t.Errorf("bootstrapped witness size %d", got)
	}
}

func TestDefaultWitnessPath(t *testing.T) {
	state, home := t.TempDir(), t.TempDir()
	real := filepath.Join(t.TempDir(), "proj", ".cavra")
	os.MkdirAll(real, 0o700)
	link := filepath.Join(t.TempDir(), "alias")
	if err := os.Symlink(filepath.Dir(real), link); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_STATE_HOME", state)
	p, err := evidence.DefaultWitnessPath(real)
	if err != nil || filepath.Dir(p) != filepath.Join(state, "cavra", "witness") || !strings.HasSuffix(p, ".json") {
		t.Fatalf("DefaultWitnessPath: %q, %v", p, err)
	}
	for _, alias := range []string{filepath.Join(link, ".cavra"), real + "/./", filepath.Join(real, "x", "..")} {
		if q, _ := evidence.DefaultWitnessPath(alias); q != p {
			t.Errorf("%s: %s, want %s (one directory, one witness)", alias, q, p)
		}
	}
	// A state directory that no longer exists still maps to the same file.
	gone := filepath.Join(link, "gone", "deeper")
	want, _ := evidence.DefaultWitnessPath(filepath.Join(filepath.Dir(real), "gone", "deeper"))
	if q, _ := evidence.DefaultWitnessPath(gone); q != want {
		t.Errorf("missing directory through a link: %s, want %s", q, want)
	}
	if q, _ := evidence.DefaultWitnessPath(t.TempDir()); q == p {
		t.Error("two directories share a witness")
	}
	t.Setenv("XDG_STATE_HOME", "relative/state") // ignored, as the XDG spec says
	if q, _ := evidence.DefaultWitnessPath(real); filepath.Dir(q) != filepath.Join(home, ".local", "state", "cavra", "witness") {
		t.Errorf("relative XDG_STATE_HOME: %s", q)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "")
	if _, err := evidence.DefaultWitnessPath(real); !errors.Is(err, evidence.ErrNoStateHome) {
		t.Errorf("no home: %v", err)
	}
}

func TestParseWitnessRejects(t *testing.T) {
	t.Parallel()
	w := newWitnessed(t)
	w.grow(t, 1)
	good, err := os.ReadFile(w.witness)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := evidence.ParseWitness(good); err != nil {
		t.Fatalf("the witness the log wrote: %v", err)
	}
	s := string(good)
	edit := func(old, new string) []byte {
		if !strings.Contains(s, old) {
			t.Fatalf("witness has no %q: %s", old, s)
		}
		return []byte(strings.Replace(s, old, new, 1))
	}
	sc := readWitness(t, w.witness)
	for name, data := range map[string][]byte{
		"empty":           nil,
		"not an object":   []byte(`[]`),
		"trailing data":   append(append([]byte(nil), good...), []byte(`{}`)...),
		"unknown field":   edit(`"format"`, `"extra":1,"format"`),
		"other format":    edit(evidence.WitnessFormat, "cavra-evidence-witness/v2"),
		"no log id":       edit(`"log_id":"`+sc.Checkpoint.LogID+`"`, `"log_id":""`),
		"zero size":       edit(`"size":1`, `"size":0`),
		"negative size":   edit(`"size":1`, `"size":-1`),
		"uppercase root":  edit(sc.Checkpoint.RootHash, strings.ToUpper(sc.Checkpoint.RootHash)),
		"short root":      edit(sc.Checkpoint.RootHash, sc.Checkpoint.RootHash[:10]),
		"no kid":          edit(`"kid":"`+sc.KeyID+`"`, `"kid":""`),
		"attached JWS":    edit(sc.Signature, strings.Replace(sc.Signature, "..", ".eyJ9.", 1)),
		"no time":         edit(`"time":"`+sc.Checkpoint.Time.Format(time.RFC3339Nano)+`"`, `"time":"0001-01-01T00:00:00Z"`),
		"huge":            append(append([]byte(nil), good...), strings.Repeat(" ", 70<<10)...), // valid, only too large
		"string for size": edit(`"size":1`, `"size":"1"`),
	} {
		if _, err := evidence.ParseWitness(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestWitnessForgedWithDatabase: a forged witness put in the database too,
// as its stored checkpoint, skips the signature check at open but not the
// consistency proof against the database's own tree; verify checks the
// signature as well.
func TestWitnessForgedWithDatabase(t *testing.T) {
	t.Parallel()
	w := newWitnessed(t)
	w.grow(t, 3)
	wt := readWitness(t, w.witness)
	wt.Checkpoint.RootHash = strings.Repeat("ab", 32)
	if err := os.WriteFile(w.witness, marshalWitness(t, wt), 0o600); err != nil {
		t.Fatal(err)
	}
	withDB(t, w.dir, func(tx *bolt.Tx) error {
		b, _ := json.Marshal(wt.Signed())
		return tx.Bucket([]byte("evidence.checkpoints")).Put(be(3), b)
	})
	l := w.open(t)
	if err := l.Rollback(); !errors.Is(err, evidence.ErrRollback) || !strings.Contains(err.Error(), "a different history") {
		t.Errorf("open: %v", err)
	}
	if _, err := l.Verify(context.Background(), nil); !errors.Is(err, evidence.ErrRollback) || !errors.Is(err, evidence.ErrBadSignature) || !strings.Contains(err.Error(), w.witness) {
		t.Errorf("verify: %v", err)
	}
}
