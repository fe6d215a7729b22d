package approval_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/decision"
)

// Example shows the loop with a local approval: a developer without an
// identity provider approves with this machine's key.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "cavra-approval-example")
	defer os.RemoveAll(dir)
	db, _ := bolt.Open(filepath.Join(dir, "cavra.db"), 0o600, &bolt.Options{Timeout: time.Second})
	defer db.Close()

	// This machine's approval key: any Ed25519 (or P-256) JWK will do.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	key := jose.JSONWebKey{Key: priv, KeyID: "laptop", Algorithm: string(jose.EdDSA), Use: "sig"}
	store, err := approval.Open(db, &approval.Options{
		LocalKeys: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{key.Public()}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	action := decision.Action{
		Type: decision.WriteFile, Target: "iam/admin-role.tf",
		Agent: decision.Agent{ID: "claude-code", Session: "s-42", Actor: "alice"},
	}
	// The policy said require_approval; the Guard first asks the store.
	policy := decision.Decision{DecisionID: "dec_1", RuleID: "filesystem.write.require_approval",
		Decision: decision.RequireApproval, Severity: decision.High}
	v, _, _ := store.Check(ctx, action, policy.Decision)
	fmt.Println("before:", v.Kind == approval.VerdictNone)

	req, _, _ := store.Submit(ctx, action, policy)
	fmt.Println("request:", req.State, "for", req.Group)

	sig, _ := approval.SignLocal(key, approval.VerbApprove, req.ID, "alice", time.Now())
	req, _, err = store.Approve(ctx, req.ID, sig, "reviewed the role")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("request:", req.State, "by a local key:", req.DecidedBy.Local)

	v, _, _ = store.Check(ctx, action, decision.RequireApproval)
	fmt.Println("next evaluate:", v.RuleID)
	v, _, _ = store.Check(ctx, action, decision.RequireApproval)
	fmt.Println("the use is spent:", v.Kind == approval.VerdictNone)
	// Output:
	// before: true
	// request: pending for IAM
	// request: approved by a local key: true
	// next evaluate: approval.granted
	// the use is spent: true
}
