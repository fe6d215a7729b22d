package evidence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/canonjson"
	"github.com/cavra-dev/cavra/internal/store"
)

// buildLog writes n records to a fresh state directory, closes it, and
// returns the directory.
func buildLog(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	l := openLog(t, dir, evidence.Options{CheckpointEvery: 4})
	appendN(t, l.Log, n)
	l.close()
	return dir
}

// withDB opens the raw database to change it behind the log's back.
func withDB(t *testing.T, dir string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	st, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.DB().Update(fn); err != nil {
		t.Fatal(err)
	}
}

func verifyDir(t *testing.T, dir string) (*evidence.Report, error) {
	t.Helper()
	l := openLog(t, dir, evidence.Options{})
	defer l.close()
	return l.Verify(context.Background(), nil)
}

func be(n int64) []byte {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = byte(n)
		n >>= 8
	}
	return b
}

// TestTamperRecordFields changes each field of a stored decision record
// (re-encoded canonically, as a careful forger would) and expects verify to
// name that record.
func TestTamperRecordFields(t *testing.T) {
	t.Parallel()
	const n, victim = 9, 5
	base := buildLog(t, n)
	st, err := store.Open(base, &store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	_ = st.DB().View(func(tx *bolt.Tx) error {
		raw = append([]byte(nil), tx.Bucket([]byte("evidence.records")).Get(be(victim))...)
		return nil
	})
	st.Close()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var paths [][]any
	walk(doc, nil, &paths)
	if len(paths) < 25 {
		t.Fatalf("only %d fields", len(paths))
	}
	for _, p := range paths {
		t.Run(pathName(p), func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join(base, store.FileName), filepath.Join(dir, store.FileName))
			copyDir(t, filepath.Join(base, "keys"), filepath.Join(dir, "keys"))
			var d map[string]any
			_ = json.Unmarshal(raw, &d)
			mutate(d, p)
			forged, err := canonjson.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			withDB(t, dir, func(tx *bolt.Tx) error { return tx.Bucket([]byte("evidence.records")).Put(be(victim), forged) })
			_, err = verifyDir(t, dir)
			var ve *evidence.VerifyError
			if !errors.As(err, &ve) || ve.Seq != victim {
				t.Fatalf("changing %v: got %v, want an error at seq %d", p, err, victim)
			}
		})
	}
}

func pathName(p []any) string {
	b, _ := json.Marshal(p)
	return string(b)
}

func TestTamperStructures(t *testing.T) {
	t.Parallel()
	base := buildLog(t, 12)
	cases := []struct {
		name    string
		seq     int64 // first bad seq expected; -1 any
		tamper  func(tx *bolt.Tx) error
		wantErr error
	}{
		{"tree hash", 6, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("evidence.hashes"))
			// stored index 9 is written by record 6 (index 5) as a level-1 hash.
			v := append([]byte(nil), b.Get(be(9))...)
			v[0] ^= 1
			return b.Put(be(9), v)
		}, evidence.ErrTampered},
		{"leaf hash", 3, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("evidence.hashes"))
			v := append([]byte(nil), b.Get(be(3))...) // leaf of record 3
			v[31] ^= 0x80
			return b.Put(be(3), v)
		}, evidence.ErrTampered},
		{"record deleted", 4, func(tx *bolt.Tx) error { return tx.Bucket([]byte("evidence.records")).Delete(be(4)) }, nil},
		{"checkpoint root", 8, func(tx *bolt.Tx) error { return editCheckpoint(tx, 8, "root_hash", "00") }, evidence.ErrBadSignature},
		{"checkpoint time", 8, func(tx *bolt.Tx) error { return editCheckpoint(tx, 8, "time", "2020-01-01T00:00:00Z") }, evidence.ErrBadSignature},
		{"checkpoint log", 8, func(tx *bolt.Tx) error { return editCheckpoint(tx, 8, "log_id", "log_0000000000000000") }, evidence.ErrOtherLog},
		{"checkpoint size", 7, func(tx *bolt.Tx) error {
			b := tx.Bucket([]byte("evidence.checkpoints"))
			v := b.Get(be(8))
			return b.Put(be(7), append([]byte(nil), v...))
		}, nil},
		{"meta size", 0, func(tx *bolt.Tx) error { return tx.Bucket([]byte("evidence.meta")).Put([]byte("size"), be(11)) }, nil},
		{"meta head", 12, func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("evidence.meta")).Put([]byte("head"), bytes.Repeat([]byte{1}, 32))
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, filepath.Join(base, store.FileName), filepath.Join(dir, store.FileName))
			copyDir(t, filepath.Join(base, "keys"), filepath.Join(dir, "keys"))
			withDB(t, dir, c.tamper)
			_, err := verifyDir(t, dir)
			if err == nil {
				t.Fatal("tampering went unnoticed")
			}
			var ve *evidence.VerifyError
			if c.seq >= 0 && c.seq != 0 && (!errors.As(err, &ve) || ve.Seq != c.seq) {
				t.Errorf("got %v, want first bad seq %d", err, c.seq)
			}
			if c.wantErr != nil && !errors.Is(err, c.wantErr) {
				t.Errorf("got %v, want %v", err, c.wantErr)
			}
		})
	}
}

func editCheckpoint(tx *bolt.Tx, size int64, field, value string) error {
	b := tx.Bucket([]byte("evidence.checkpoints"))
	var sc map[string]any
	if err := json.Unmarshal(b.Get(be(size)), &sc); err != nil {
		return err
	}
	sc["checkpoint"].(map[string]any)[field] = value
	out, _ := json.Marshal(sc)
	return b.Put(be(size), out)
}

// TestRandomByteFlips flips random bytes of a closed database file. Verify
// must either report a problem or (when the byte was in unused space) show
// exactly the original records. It must never panic.
func TestRandomByteFlips(t *testing.T) {
	t.Parallel()
	base := buildLog(t, 120)
	// A last no-op transaction, so that the previous meta page (which bbolt
	// falls back to when the newest one is damaged) holds the same log.
	withDB(t, base, func(tx *bolt.Tx) error { return tx.Bucket([]byte("evidence.meta")).Put([]byte("x"), nil) })
	want := exportAll(t, base)
	orig, err := os.ReadFile(filepath.Join(base, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	iterations := 150
	if raceEnabled || testing.Short() {
		iterations = 40
	}
	detected := 0
	for i := range iterations {
		dir := t.TempDir()
		data := append([]byte(nil), orig...)
		for range 1 + rng.IntN(3) {
			data[rng.IntN(len(data))] ^= byte(1 + rng.IntN(255))
		}
		if err := os.WriteFile(filepath.Join(dir, store.FileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		copyDir(t, filepath.Join(base, "keys"), filepath.Join(dir, "keys"))
		ok := func() bool {
			st, err := store.Open(dir, &store.Options{ReadOnly: true})
			if err != nil {
				return false
			}
			defer st.Close()
			l, err := evidence.Open(st.DB(), evidence.Options{ReadOnly: true, Keys: evidence.NewKeyRing(filepath.Join(dir, evidence.KeyDir))})
			if err != nil {
				return false
			}
			if _, err := l.Verify(context.Background(), nil); err != nil {
				return false
			}
			var buf bytes.Buffer
			if _, err := l.Export(context.Background(), &buf, evidence.Query{}, evidence.FormatJSONL); err != nil {
				return false
			}
			if !bytes.Equal(buf.Bytes(), want) {
				a, b := bytes.Split(want, []byte("\n")), bytes.Split(buf.Bytes(), []byte("\n"))
				for j := range min(len(a), len(b)) {
					if !bytes.Equal(a[j], b[j]) {
						t.Errorf("flip %d: verify passed but record line %d changed:\n%s\n%s", i, j, a[j], b[j])
						break
					}
				}
				if len(a) != len(b) {
					t.Errorf("flip %d: verify passed but %d lines became %d", i, len(a), len(b))
				}
			}
			return true
		}()
		if !ok {
			detected++
		}
	}
	t.Logf("%d of %d flipped files rejected; the rest had the flip in unused space", detected, iterations)
}

func exportAll(t *testing.T, dir string) []byte {
	t.Helper()
	l := openLog(t, dir, evidence.Options{})
	defer l.close()
	var buf bytes.Buffer
	if _, err := l.Export(context.Background(), &buf, evidence.Query{}, evidence.FormatJSONL); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(src)
	if err := os.WriteFile(dst, b, info.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		copyFile(t, p, filepath.Join(dst, rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTamperEveryByte flips each byte of a stored record, of every stored
// tree hash and of a stored checkpoint, one at a time, and expects verify
// to fail every time.
func TestTamperEveryByte(t *testing.T) {
	t.Parallel()
	dir := buildLog(t, 9)
	st, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	db := st.DB()
	db.NoSync = true // thousands of throwaway edits; durability is not under test here
	l, err := evidence.Open(db, evidence.Options{ReadOnly: true, Keys: evidence.NewKeyRing(filepath.Join(dir, evidence.KeyDir))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := l.Verify(ctx, nil); err != nil {
		t.Fatal(err)
	}
	targets := []struct {
		bucket string
		keys   []int64
	}{
		{"evidence.records", []int64{5}},
		{"evidence.hashes", nil}, // all
		{"evidence.checkpoints", []int64{8}},
	}
	flips := 0
	for _, tg := range targets {
		keys := tg.keys
		if keys == nil {
			_ = db.View(func(tx *bolt.Tx) error {
				return tx.Bucket([]byte(tg.bucket)).ForEach(func(k, _ []byte) error {
					var n int64
					for _, c := range k {
						n = n<<8 | int64(c)
					}
					keys = append(keys, n)
					return nil
				})
			})
		}
		for _, key := range keys {
			var orig []byte
			_ = db.View(func(tx *bolt.Tx) error {
				orig = append([]byte(nil), tx.Bucket([]byte(tg.bucket)).Get(be(key))...)
				return nil
			})
			for i := range orig {
				changed := append([]byte(nil), orig...)
				changed[i] ^= 0x01
				put := func(v []byte) {
					if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte(tg.bucket)).Put(be(key), v) }); err != nil {
						t.Fatal(err)
					}
				}
				put(changed)
				if _, err := l.Verify(ctx, nil); err == nil {
					t.Errorf("%s key %d: flipping byte %d went unnoticed", tg.bucket, key, i)
				}
				put(orig)
				flips++
			}
		}
	}
	if _, err := l.Verify(ctx, nil); err != nil {
		t.Fatalf("after restoring: %v", err)
	}
	t.Logf("%d single-byte changes, all detected", flips)
}
