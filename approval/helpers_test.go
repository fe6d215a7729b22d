package approval_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/decision"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func openDB(t testing.TB, dir string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "cavra.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// newStore opens a store in a fresh database; opts may be nil.
func newStore(t testing.TB, opts *approval.Options) *approval.Store {
	t.Helper()
	db := openDB(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	s, err := approval.Open(db, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// iamWrite is the example: writing an IAM role under the banking
// baseline, which requires approval.
func iamWrite() decision.Action {
	return decision.Action{
		Type: decision.WriteFile, Target: "iam/admin-role.tf",
		Args:    map[string]any{"content": "resource \"aws_iam_role\" \"admin\" {}"},
		Agent:   decision.Agent{ID: "claude-code", Session: "s-42", Actor: "alice"},
		Context: map[string]string{"repo": "acme/infra", "cwd": "/work/infra"},
	}
}

func requireApproval(a decision.Action) decision.Decision {
	d, _ := a.Digest()
	return decision.Decision{
		DecisionID: "dec_test", AgentID: a.Agent.ID, SessionID: a.Agent.Session, ActionType: a.Type, Target: a.Target,
		ActionDigest: d, PolicyPack: "cavra-banking-baseline", RuleID: "filesystem.write.require_approval",
		Decision: decision.RequireApproval, Severity: decision.High, Reason: "IAM changes need approval",
		Matches: []decision.Match{{RuleID: "filesystem.write.require_approval", Decision: decision.RequireApproval,
			Severity: decision.High, Pack: "cavra-banking-baseline", ApproverGroup: "Platform Security"}},
	}
}

func submit(t testing.TB, s *approval.Store, a decision.Action) approval.Request {
	t.Helper()
	r, _, err := s.Submit(context.Background(), a, requireApproval(a))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rogueToken signs valid-looking claims with a key the issuer never
// published.
func rogueToken(t testing.TB, kid string, claims map[string]any) approval.IDToken {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: k, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return approval.IDToken(s)
}

func hasEvent(evs []approval.Event, typ approval.EventType) bool {
	for _, e := range evs {
		if e.Type == typ {
			return true
		}
	}
	return false
}
