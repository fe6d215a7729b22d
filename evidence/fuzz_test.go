package evidence_test

import (
	"context"
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
