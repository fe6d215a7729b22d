package evidence_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/evidence"
)

// FuzzBundle parses and verifies arbitrary bytes: never a panic, and never
// "verified" for anything but the bundles the log made.
func FuzzBundle(f *testing.F) {
	l := newLog(f, evidence.Options{})
	appendN(f, l.Log, 4)
	good := bundleBytes(f, l, evidence.Query{})
	trust := trustRoot(f, l)
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format":"cavra-evidence-bundle/v1","records":[{"seq":1,"record":{},"proof":["zz"]}]}`))
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := evidence.VerifyBundle(data, trust, evidence.VerifyOptions{})
		if err != nil {
			return
		}
		// Whatever verified must be records of this log, present in it.
		for _, r := range rep.Records {
			got, gerr := l.Get(r.Seq)
			if gerr != nil || string(got.Bytes()) != string(r.Bytes()) {
				t.Fatalf("verified a record the log does not hold: seq %d", r.Seq)
			}
		}
		_ = context.Background()
	})
}

// FuzzWitness parses arbitrary witness files and checks them against the
// log's trust root: never a panic, whatever parses re-encodes to the same
// witness, and whatever verifies is a checkpoint the log signed.
func FuzzWitness(f *testing.F) {
	dir, path := f.TempDir(), filepath.Join(f.TempDir(), "witness.json")
	l := openLog(f, dir, evidence.Options{Witness: path})
	appendN(f, l.Log, 3)
	signed, err := l.Checkpoint(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	trust := trustRoot(f, l)
	good, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(strings.Replace(string(good), `"size":3`, `"size":4`, 1)))
	f.Add([]byte(strings.Replace(string(good), `Z"`, `+00:00"`, 1)))
	f.Add(good[:len(good)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := evidence.ParseWitness(data)
		if err != nil {
			return
		}
		again, err := json.Marshal(w)
		if err != nil {
			t.Fatal(err)
		}
		w2, err := evidence.ParseWitness(again)
		if err != nil || !w2.Checkpoint.Time.Equal(w.Checkpoint.Time) || w2.Checkpoint.RootHash != w.Checkpoint.RootHash ||
			w2.Checkpoint.LogID != w.Checkpoint.LogID || w2.Checkpoint.Size != w.Checkpoint.Size || w2.Signature != w.Signature {
			t.Fatalf("re-encoded witness differs: %v\n%+v\n%+v", err, w, w2)
		}
		root, err := evidence.VerifyWitness(w, trust)
		if err != nil {
			return
		}
		c, want := w.Checkpoint, signed.Checkpoint
		if c.LogID != want.LogID || c.Size != want.Size || c.RootHash != want.RootHash || !c.Time.Equal(want.Time) ||
			w.KeyID != signed.KeyID || hex.EncodeToString(root[:]) != want.RootHash {
			t.Fatalf("verified a checkpoint the log did not sign: %+v", c)
		}
	})
}
