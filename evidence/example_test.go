package evidence_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
)

// Example shows the whole walk: append decisions durably, make a bundle of
// one session, and verify it offline with only the trust root.
func Example() {
	dir, _ := os.MkdirTemp("", "cavra-evidence-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	// A bbolt database opened with a timeout (the Guard keeps one per
	// state directory).
	db, err := bolt.Open(filepath.Join(dir, "cavra.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	ring := evidence.NewKeyRing(filepath.Join(dir, evidence.KeyDir))
	log, err := evidence.Open(db, evidence.Options{Keys: ring})
	if err != nil {
		panic(err)
	}
	defer log.Close()

	for i, target := range []string{"README.md", ".env", "go.mod"} {
		d := &decision.Decision{DecisionID: fmt.Sprintf("dec_%d", i), SessionID: "s-42", ActionType: decision.ReadFile,
			Target: target, Decision: decision.Allow, Severity: decision.Low, RuleID: "filesystem.read.allow", Mode: decision.Enforce}
		ref, err := log.Append(ctx, evidence.Entry{Kind: evidence.KindDecision, Decision: d})
		if err != nil {
			panic(err)
		}
		fmt.Println("recorded seq", ref.Seq)
	}

	bundle, err := log.Attest(ctx, evidence.Query{Session: "s-42"})
	if err != nil {
		panic(err)
	}
	data, _ := bundle.JSON()
	trust, _ := ring.TrustRoot() // what an auditor receives: public keys only
	rep, err := evidence.VerifyBundle(data, trust, evidence.VerifyOptions{LogID: log.ID()})
	if err != nil {
		panic(err)
	}
	fmt.Printf("bundle verified: %d records against a checkpoint of size %d\n", len(rep.Records), rep.Size)
	// Output:
	// recorded seq 1
	// recorded seq 2
	// recorded seq 3
	// bundle verified: 3 records against a checkpoint of size 3
}

// ExampleLog_Verify checks a whole log.
func ExampleLog_Verify() {
	dir, _ := os.MkdirTemp("", "cavra-evidence-example")
	defer os.RemoveAll(dir)
	db, _ := bolt.Open(filepath.Join(dir, "cavra.db"), 0o600, &bolt.Options{Timeout: time.Second})
	defer db.Close()
	log, _ := evidence.Open(db, evidence.Options{Keys: evidence.NewKeyRing(filepath.Join(dir, evidence.KeyDir))})
	defer log.Close()
	_, _ = log.Append(context.Background(), evidence.Entry{Kind: evidence.KindPolicyChange, Data: map[string]string{"policy_digest": "sha256:…"}})
	rep, err := log.Verify(context.Background(), nil)
	fmt.Println(rep.Size, rep.Unsigned, err)
	// Output: 1 1 <nil>
}

// ExampleLog_Rollback keeps a witness outside the database: a database put
// back from an older copy no longer extends it, and the log refuses to
// record on that history.
func ExampleLog_Rollback() {
	dir, _ := os.MkdirTemp("", "cavra-evidence-example")
	defer os.RemoveAll(dir)
	path, witness := filepath.Join(dir, "cavra.db"), filepath.Join(dir, "state-home", "witness.json")
	ring := evidence.NewKeyRing(filepath.Join(dir, evidence.KeyDir))
	session := func(n int) (*evidence.Log, *bolt.DB) {
		db, _ := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
		log, _ := evidence.Open(db, evidence.Options{Keys: ring, Witness: witness})
		for range n {
			_, _ = log.Append(context.Background(), evidence.Entry{Kind: evidence.KindPolicyChange, Data: "…"})
		}
		return log, db
	}
	closeAll := func(log *evidence.Log, db *bolt.DB) {
		_ = log.Close() // signs a checkpoint, which replaces the witness
		_ = db.Close()
	}
	closeAll(session(2))
	old, _ := os.ReadFile(path)
	closeAll(session(3))
	_ = os.WriteFile(path, old, 0o600) // the older copy put back

	log, db := session(0)
	defer closeAll(log, db)
	fmt.Println(errors.Is(log.Rollback(), evidence.ErrRollback))
	_, err := log.Append(context.Background(), evidence.Entry{Kind: evidence.KindPolicyChange, Data: "…"})
	fmt.Println(err != nil)
	// Output:
	// true
	// true
}
