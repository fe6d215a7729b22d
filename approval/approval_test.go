package approval_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/approval/approvaltest"
	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/keys"
)

var ctx = context.Background()

// TestLoop is the loop at package level: request, approve with a
// token from an in-test issuer, the grant is found and consumed once, and
// the next lookup finds nothing.
func TestLoop(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t)})
	a := iamWrite()

	req, evs, err := s.Submit(ctx, a, requireApproval(a))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(req.ID, "apr_") || req.State != approval.Pending || req.Group != "IAM" || req.Quorum != 1 {
		t.Fatalf("request = %+v", req)
	}
	if len(evs) != 1 || evs[0].Type != approval.EventRequested {
		t.Fatalf("events = %+v", evs)
	}
	if d, _ := a.Digest(); req.ActionDigest != d {
		t.Fatalf("digest %s, want %s", req.ActionDigest, d)
	}

	// A retrying agent gets the same request and no new events.
	again, evs, err := s.Submit(ctx, a, requireApproval(a))
	if err != nil || again.ID != req.ID || len(evs) != 0 {
		t.Fatalf("resubmit = %s, %v, %v; want %s, no events", again.ID, evs, err, req.ID)
	}
	// Nothing is granted yet.
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictNone {
		t.Fatalf("before approval: %+v", v)
	}

	got, evs, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "reviewed the role")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != approval.Approved || got.GrantID == "" || got.DecidedBy.Subject != "bob" || got.DecidedBy.Issuer != is.URL {
		t.Fatalf("approved request = %+v", got)
	}
	if !hasEvent(evs, approval.EventApproved) || !hasEvent(evs, approval.EventGranted) {
		t.Fatalf("events = %+v", evs)
	}
	if evs[0].Actor == nil || evs[0].Actor.Email != "bob@example.com" || evs[0].Actor.TokenID == "" {
		t.Fatalf("approval event actor = %+v", evs[0].Actor)
	}

	v, evs, err := s.Check(ctx, a, decision.RequireApproval)
	if err != nil || v.Kind != approval.VerdictGranted || v.RuleID != approval.RuleGranted || v.RequestID != req.ID || v.Remaining != 0 {
		t.Fatalf("check = %+v, %v", v, err)
	}
	if len(evs) != 1 || evs[0].Type != approval.EventConsumed || evs[0].DecisionID != "dec_test" {
		t.Fatalf("consume events = %+v", evs)
	}
	// The one use is spent.
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictNone {
		t.Fatalf("second check = %+v", v)
	}
	// So the next attempt asks again, with a new request.
	next := submit(t, s, a)
	if next.ID == req.ID || next.State != approval.Pending {
		t.Fatalf("third evaluate: %+v", next)
	}
	// The history tells the whole story.
	final, err := s.Get(ctx, req.ID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range final.History {
		types = append(types, string(e.Type))
	}
	if want := "approval.requested approval.approved approval.granted approval.consumed"; strings.Join(types, " ") != want {
		t.Fatalf("history = %v, want %s", types, want)
	}
}

func TestAllowNeverConsumes(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t)})
	a := iamWrite()
	req := submit(t, s, a)
	if _, _, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "ok"); err != nil {
		t.Fatal(err)
	}
	for _, o := range []decision.Outcome{decision.Allow, decision.Block} {
		if v, evs, err := s.Check(ctx, a, o); err != nil || v.Kind != approval.VerdictNone || len(evs) != 0 {
			t.Fatalf("%s: %+v %v %v", o, v, evs, err)
		}
	}
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictGranted {
		t.Fatalf("grant was spent by an allow or block: %+v", v)
	}
}

func TestSubmitRefusesOtherDecisions(t *testing.T) {
	t.Parallel()
	s := newStore(t, nil)
	a := iamWrite()
	d := requireApproval(a)
	d.Decision = decision.Block
	if _, _, err := s.Submit(ctx, a, d); !errors.Is(err, approval.ErrNotRequired) {
		t.Fatalf("err = %v", err)
	}
	d = requireApproval(a)
	d.ActionDigest = "sha256:00"
	if _, _, err := s.Submit(ctx, a, d); err == nil {
		t.Fatal("a digest mismatch was accepted")
	}
}

func TestSessionsGetTheirOwnRequests(t *testing.T) {
	t.Parallel()
	s := newStore(t, nil)
	a := iamWrite()
	r1 := submit(t, s, a)
	a.Agent.Session = "s-43"
	r2 := submit(t, s, a)
	if r1.ID == r2.ID {
		t.Fatal("two sessions share one pending request")
	}
}

// TestAttacks is the table: each attempt is refused with its own
// error, and an evidence event records the refusal.
func TestAttacks(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	claims := func(mod func(map[string]any)) map[string]any {
		c := is.Claims("bob", "IAM")
		mod(c)
		return c
	}
	now := time.Now()
	tests := []struct {
		name  string
		token func() approval.Credential
		want  error
		class error
	}{
		{"alg none", func() approval.Credential {
			return approvaltest.Forge(map[string]any{"alg": "none", "kid": approvaltest.KidES256, "typ": "JWT"}, is.Claims("bob", "IAM"), nil)
		}, approval.ErrTokenAlgorithm, approval.ErrUnauthenticated},
		{"HS256 signed with the issuer's public key", func() approval.Credential {
			return approvaltest.Forge(map[string]any{"alg": "HS256", "kid": approvaltest.KidRS256, "typ": "JWT"}, is.Claims("bob", "IAM"),
				is.PublicKeyBytes(approvaltest.KidRS256))
		}, approval.ErrTokenAlgorithm, approval.ErrUnauthenticated},
		{"unknown kid", func() approval.Credential { return rogueToken(t, "rogue-key", is.Claims("bob", "IAM")) },
			approval.ErrTokenUnknownKey, approval.ErrUnauthenticated},
		{"published kid, wrong key", func() approval.Credential { return rogueToken(t, approvaltest.KidES256, is.Claims("bob", "IAM")) },
			approval.ErrTokenSignature, approval.ErrUnauthenticated},
		{"missing kid", func() approval.Credential { return is.Sign(t, jose.ES256, "", is.Claims("bob", "IAM")) },
			approval.ErrTokenNoKeyID, approval.ErrUnauthenticated},
		{"wrong issuer", func() approval.Credential {
			return is.Sign(t, jose.ES256, approvaltest.KidES256, claims(func(c map[string]any) { c["iss"] = "https://evil.example" }))
		}, approval.ErrTokenIssuer, approval.ErrUnauthenticated},
		{"wrong audience", func() approval.Credential {
			return is.Sign(t, jose.ES256, approvaltest.KidES256, claims(func(c map[string]any) { c["aud"] = "someone-else" }))
		}, approval.ErrTokenAudience, approval.ErrUnauthenticated},
		{"expired", func() approval.Credential {
			return is.Sign(t, jose.ES256, approvaltest.KidES256, claims(func(c map[string]any) {
				c["iat"], c["nbf"], c["exp"] = now.Add(-time.Hour).Unix(), now.Add(-time.Hour).Unix(), now.Add(-10*time.Minute).Unix()
			}))
		}, approval.ErrTokenExpired, approval.ErrUnauthenticated},
		{"missing exp", func() approval.Credential {
			return is.Sign(t, jose.ES256, approvaltest.KidES256, claims(func(c map[string]any) { delete(c, "exp") }))
		}, approval.ErrTokenNoExpiry, approval.ErrUnauthenticated},
		{"nbf in the future", func() approval.Credential {
			return is.Sign(t, jose.ES256, approvaltest.KidES256, claims(func(c map[string]any) { c["nbf"] = now.Add(10 * time.Minute).Unix() }))
		}, approval.ErrTokenNotYetValid, approval.ErrUnauthenticated},
		{"iat in the future", func() approval.Credential {
			return is.Sign(t, jose.ES256, approvaltest.KidES256, claims(func(c map[string]any) { c["iat"] = now.Add(10 * time.Minute).Unix() }))
		}, approval.ErrTokenNotYetValid, approval.ErrUnauthenticated},
		{"no subject", func() approval.Credential {
			return is.Sign(t, jose.ES256, approvaltest.KidES256, claims(func(c map[string]any) { delete(c, "sub") }))
		}, approval.ErrTokenNoSubject, approval.ErrUnauthenticated},
		{"garbage", func() approval.Credential { return approval.IDToken("not.a.jwt") }, approval.ErrTokenMalformed, approval.ErrUnauthenticated},
		{"valid token, approver lacks the group", func() approval.Credential { return is.Token(t, "bob", "Developers") },
			approval.ErrNotInGroup, approval.ErrForbidden},
		{"requester approving own request", func() approval.Credential { return is.Token(t, "alice", "IAM") },
			approval.ErrSelfApproval, approval.ErrForbidden},
		{"no reason", nil, approval.ErrReasonRequired, approval.ErrForbidden},
		{"local approval without a local key", func() approval.Credential {
			k, _ := keys.Generate(jose.EdDSA, "dev")
			l, _ := approval.SignLocal(k, approval.VerbApprove, "x", "dev", time.Now())
			return l
		}, approval.ErrNoVerifier, approval.ErrUnauthenticated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t, &approval.Options{OIDC: is.Verifier(t)})
			req := submit(t, s, iamWrite())
			reason := "looks fine"
			var cred approval.Credential
			if tc.token == nil {
				cred, reason = is.Token(t, "bob", "IAM"), "  "
			} else {
				cred = tc.token()
			}
			got, evs, err := s.Approve(ctx, req.ID, cred, reason)
			if !errors.Is(err, tc.want) || !errors.Is(err, tc.class) {
				t.Fatalf("err = %v; want %v (%v)", err, tc.want, tc.class)
			}
			if !hasEvent(evs, approval.EventRejected) || evs[len(evs)-1].RequestID != req.ID || evs[len(evs)-1].Error == "" {
				t.Fatalf("events = %+v", evs)
			}
			if got.State != approval.Pending {
				t.Fatalf("state after a refused approval = %s", got.State)
			}
			if v, _, _ := s.Check(ctx, iamWrite(), decision.RequireApproval); v.Kind != approval.VerdictNone {
				t.Fatalf("a refused approval granted: %+v", v)
			}
		})
	}
}

func TestAlgorithms(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	v := is.Verifier(t)
	for _, tc := range []struct {
		alg jose.SignatureAlgorithm
		kid string
	}{{jose.ES256, approvaltest.KidES256}, {jose.RS256, approvaltest.KidRS256}, {jose.EdDSA, approvaltest.KidEdDSA}} {
		id, err := v.Verify(ctx, string(is.Sign(t, tc.alg, tc.kid, is.Claims("carol", "IAM"))))
		if err != nil || id.Subject != "carol" || id.KeyID != tc.kid {
			t.Errorf("%s: %+v, %v", tc.alg, id, err)
		}
	}
	// A key used with another key's algorithm: RS256 header on the EC kid.
	tok := is.Sign(t, jose.RS256, approvaltest.KidRS256, is.Claims("carol"))
	parts := strings.Split(string(tok), ".")
	forged := approvaltest.Forge(map[string]any{"alg": "RS256", "kid": approvaltest.KidES256}, is.Claims("carol"), nil)
	mixed := strings.Split(string(forged), ".")[0] + "." + parts[1] + "." + parts[2]
	if _, err := v.Verify(ctx, mixed); !errors.Is(err, approval.ErrTokenAlgorithm) {
		t.Errorf("RS256 on an EC key: %v", err)
	}
	// Narrowing the algorithms is allowed; widening is not.
	if _, err := approval.NewVerifier(approval.OIDCConfig{Issuer: "x", Audience: "y", JWKSFile: "f", Algorithms: []jose.SignatureAlgorithm{jose.HS256}}); err == nil {
		t.Error("HS256 accepted in the configuration")
	}
	cfg := is.Config()
	cfg.Algorithms = []jose.SignatureAlgorithm{jose.EdDSA}
	only, err := approval.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := only.Verify(ctx, string(is.Token(t, "carol"))); !errors.Is(err, approval.ErrTokenAlgorithm) {
		t.Errorf("ES256 with an EdDSA-only verifier: %v", err)
	}
}

func TestVerifierConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []approval.OIDCConfig{
		{Audience: "a", JWKSFile: "f"},
		{Issuer: "i", JWKSFile: "f"},
		{Issuer: "i", Audience: "a"},
		{Issuer: "i", Audience: "a", JWKSFile: "f", JWKSURL: "https://x"},
		{Issuer: "i", Audience: "a", JWKSURL: "http://idp.example/jwks"},
		{Issuer: "i", Audience: "a", JWKSFile: "f", Leeway: time.Hour},
	} {
		if _, err := approval.NewVerifier(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

func TestJWKSEndpointFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		want    error
	}{
		{"slow", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, approval.ErrJWKSUnavailable},
		{"huge", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"keys":[`))
			w.Write([]byte(strings.Repeat(" ", 2<<20)))
		}, approval.ErrJWKSTooLarge},
		{"garbage", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>oops</html>")) }, approval.ErrJWKSInvalid},
		{"empty set", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"keys":[]}`)) }, approval.ErrJWKSInvalid},
		{"HMAC key in the set", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(`{"keys":[{"kty":"oct","kid":"test-es256","k":"c2VjcmV0"}]}`))
		}, approval.ErrJWKSInvalid},
		{"server error", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusBadGateway) }, approval.ErrJWKSUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			is := approvaltest.NewIssuer(t)
			is.SetHandler(tc.handler)
			cfg := is.Config()
			cfg.FetchTimeout = 300 * time.Millisecond
			cfg.MaxJWKSSize = 64 << 10
			v, err := approval.NewVerifier(cfg)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err = v.Verify(ctx, string(is.Token(t, "bob", "IAM")))
			if !errors.Is(err, tc.want) || !errors.Is(err, approval.ErrUnauthenticated) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
}

func TestJWKSCacheAndRotation(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	v := is.Verifier(t)
	for i := 0; i < 5; i++ {
		if _, err := v.Verify(ctx, string(is.Token(t, "bob"))); err != nil {
			t.Fatal(err)
		}
	}
	if n := is.Fetches(); n != 1 {
		t.Fatalf("fetched %d times, want 1 (cached)", n)
	}
	// Unknown kids do not make the verifier hammer the issuer.
	for i := 0; i < 5; i++ {
		if _, err := v.Verify(ctx, string(rogueToken(t, fmt.Sprint("rogue", i), is.Claims("bob")))); !errors.Is(err, approval.ErrTokenUnknownKey) {
			t.Fatal(err)
		}
	}
	if n := is.Fetches(); n != 1 {
		t.Fatalf("fetched %d times after unknown kids, want 1", n)
	}
	// The last good set keeps serving when the endpoint breaks.
	is.SetHandler(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) })
	if _, err := v.Verify(ctx, string(is.Token(t, "bob"))); err != nil {
		t.Fatal(err)
	}
}

func TestQuorum(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	routing, err := approval.NewRouting([]approval.Route{{Name: "two-person", RuleIDPrefix: "filesystem.write", ApproverGroup: "IAM", Quorum: 2}}, "")
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t), Routing: routing})
	a := iamWrite()
	req := submit(t, s, a)
	if req.Quorum != 2 || req.Route != "two-person" {
		t.Fatalf("request = %+v", req)
	}
	r, evs, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "one")
	if err != nil || r.State != approval.Pending || len(r.Approvals) != 1 || hasEvent(evs, approval.EventGranted) {
		t.Fatalf("first vote: %+v %v", r, err)
	}
	// The same person again (a fresh token) does not make two.
	_, evs, err = s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "two")
	if !errors.Is(err, approval.ErrDuplicateVote) || !hasEvent(evs, approval.EventRejected) {
		t.Fatalf("second vote by bob: %v", err)
	}
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictNone {
		t.Fatal("granted before quorum")
	}
	r, evs, err = s.Approve(ctx, req.ID, is.Token(t, "dave", "IAM"), "two")
	if err != nil || r.State != approval.Approved || !hasEvent(evs, approval.EventGranted) {
		t.Fatalf("second person: %+v %v", r, err)
	}
	if _, _, err := s.Approve(ctx, req.ID, is.Token(t, "erin", "IAM"), "late"); !errors.Is(err, approval.ErrNotPending) {
		t.Fatalf("vote after approval: %v", err)
	}
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictGranted {
		t.Fatal("no grant after quorum")
	}
}

func TestGrantBindsTheExactAction(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t)})
	a := iamWrite()
	req := submit(t, s, a)
	if _, _, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "ok"); err != nil {
		t.Fatal(err)
	}
	changed := []func(*decision.Action){
		func(a *decision.Action) { a.Args["content"] = "resource \"aws_iam_role\" \"root\" {}" },
		func(a *decision.Action) { a.Target = "iam/admin-role2.tf" },
		func(a *decision.Action) { a.Context["cwd"] = "/elsewhere" },
		func(a *decision.Action) { a.Agent.ID = "other-agent" },
	}
	for i, mod := range changed {
		b := iamWrite()
		mod(&b)
		if v, _, _ := s.Check(ctx, b, decision.RequireApproval); v.Kind != approval.VerdictNone {
			t.Fatalf("change %d matched the grant: %+v", i, v)
		}
	}
	// Another session of the same agent may use it (not session-bound by default).
	b := iamWrite()
	b.Agent.Session = "s-99"
	if v, _, _ := s.Check(ctx, b, decision.RequireApproval); v.Kind != approval.VerdictGranted {
		t.Fatalf("unchanged action: %+v", v)
	}
}

func TestSessionBoundGrant(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	routing, _ := approval.NewRouting([]approval.Route{{ApproverGroup: "IAM", BindSession: true, GrantUses: 3}}, "")
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t), Routing: routing})
	a := iamWrite()
	req := submit(t, s, a)
	if _, _, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "ok"); err != nil {
		t.Fatal(err)
	}
	b := iamWrite()
	b.Agent.Session = "s-99"
	if v, _, _ := s.Check(ctx, b, decision.RequireApproval); v.Kind != approval.VerdictNone {
		t.Fatal("another session used a session-bound grant")
	}
	for want := 2; want >= 0; want-- {
		v, _, _ := s.Check(ctx, a, decision.RequireApproval)
		if v.Kind != approval.VerdictGranted || v.Remaining != want {
			t.Fatalf("use: %+v, want %d remaining", v, want)
		}
	}
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictNone {
		t.Fatal("a fourth use")
	}
}

func TestExpiredGrant(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	clk := newClock()
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t), Now: clk.Now})
	a := iamWrite()
	req := submit(t, s, a)
	r, _, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "ok")
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(approval.DefaultGrantTTL + time.Second)
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictNone {
		t.Fatalf("expired grant used: %+v", v)
	}
	evs, err := s.Sweep(ctx)
	if err != nil || !hasEvent(evs, approval.EventGrantExpired) {
		t.Fatalf("sweep = %+v, %v", evs, err)
	}
	if _, ok, _ := s.Grant(ctx, r.GrantID); ok {
		t.Fatal("sweep kept the expired grant")
	}
}

// TestConcurrentConsume: many goroutines race for the last use of one
// grant; exactly one wins. Run with -race.
func TestConcurrentConsume(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t)})
	a := iamWrite()
	req := submit(t, s, a)
	if _, _, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "ok"); err != nil {
		t.Fatal(err)
	}
	const n = 16
	var wins atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			v, _, err := s.Check(ctx, iamWrite(), decision.RequireApproval)
			if err != nil {
				t.Error(err)
			}
			if v.Kind == approval.VerdictGranted {
				wins.Add(1)
			}
		}()
	}
	close(start)
	wg.Wait()
	if w := wins.Load(); w != 1 {
		t.Fatalf("%d goroutines consumed the last use, want exactly 1", w)
	}
}

func TestDenialSticks(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	clk := newClock()
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t), Now: clk.Now})
	a := iamWrite()
	req := submit(t, s, a)
	// The requester may deny their own request.
	r, evs, err := s.Deny(ctx, req.ID, is.Token(t, "alice", "IAM"), "not today")
	if err != nil || r.State != approval.Denied || !hasEvent(evs, approval.EventDenied) {
		t.Fatalf("deny: %+v %v", r, err)
	}
	v, _, _ := s.Check(ctx, a, decision.RequireApproval)
	if v.Kind != approval.VerdictDenied || v.RuleID != approval.RuleDenied || !strings.Contains(v.Reason, "alice@example.com") {
		t.Fatalf("check after deny: %+v", v)
	}
	// Another session of the same agent is denied too; another agent is not.
	b := iamWrite()
	b.Agent.Session = "s-2"
	if v, _, _ := s.Check(ctx, b, decision.RequireApproval); v.Kind != approval.VerdictDenied {
		t.Fatalf("other session: %+v", v)
	}
	b.Agent.ID = "other"
	if v, _, _ := s.Check(ctx, b, decision.RequireApproval); v.Kind != approval.VerdictNone {
		t.Fatalf("other agent: %+v", v)
	}
	if _, _, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "override"); !errors.Is(err, approval.ErrNotPending) {
		t.Fatalf("approve after deny: %v", err)
	}
	clk.Advance(approval.DefaultDenyTTL + time.Second)
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictNone {
		t.Fatalf("denial outlived its TTL: %+v", v)
	}
	if next := submit(t, s, a); next.ID == req.ID {
		t.Fatal("no new request after the denial expired")
	}
}

func TestRequestExpiry(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	clk := newClock()
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t), Now: clk.Now})
	a := iamWrite()
	req := submit(t, s, a)
	clk.Advance(approval.DefaultTTL + time.Minute)
	if l, _ := s.List(ctx, approval.Filter{State: approval.Expired}); len(l) != 1 {
		t.Fatalf("list expired = %d", len(l))
	}
	r, evs, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "IAM"), "late")
	if !errors.Is(err, approval.ErrRequestExpired) || r.State != approval.Expired || !hasEvent(evs, approval.EventExpired) {
		t.Fatalf("approve expired: %+v %v %v", r.State, evs, err)
	}
	// Resubmitting creates a fresh request.
	next, evs, err := s.Submit(ctx, a, requireApproval(a))
	if err != nil || next.ID == req.ID || !hasEvent(evs, approval.EventRequested) {
		t.Fatalf("resubmit: %v %v", next.ID, err)
	}
	// Sweep expires what nobody touched.
	clk.Advance(approval.DefaultTTL + time.Minute)
	evs, err = s.Sweep(ctx)
	if err != nil || len(evs) != 1 || evs[0].Type != approval.EventExpired || evs[0].RequestID != next.ID {
		t.Fatalf("sweep: %+v %v", evs, err)
	}
	if evs, _ := s.Sweep(ctx); len(evs) != 0 {
		t.Fatalf("second sweep: %+v", evs)
	}
}

func TestPersistence(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	dir := t.TempDir()
	db := openDB(t, dir)
	s, err := approval.Open(db, &approval.Options{OIDC: is.Verifier(t)})
	if err != nil {
		t.Fatal(err)
	}
	a := iamWrite()
	pending := submit(t, s, a)
	b := iamWrite()
	b.Target = "iam/other.tf"
	approved := submit(t, s, b)
	if _, _, err := s.Approve(ctx, approved.ID, is.Token(t, "bob", "IAM"), "ok"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = openDB(t, dir)
	defer db.Close()
	s, err = approval.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again := submit(t, s, a); again.ID != pending.ID {
		t.Fatalf("pending request lost on reopen: %s vs %s", again.ID, pending.ID)
	}
	if v, _, _ := s.Check(ctx, b, decision.RequireApproval); v.Kind != approval.VerdictGranted || v.RequestID != approved.ID {
		t.Fatalf("grant lost on reopen: %+v", v)
	}
	got, err := s.Get(ctx, approved.ID)
	if err != nil || got.DecidedBy == nil || got.DecidedBy.Subject != "bob" || len(got.History) != 4 {
		t.Fatalf("get after reopen: %+v %v", got, err)
	}
	if _, err := s.Get(ctx, "apr_missing"); !errors.Is(err, approval.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	all, err := s.List(ctx, approval.Filter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("list: %d %v", len(all), err)
	}
	if l, _ := s.List(ctx, approval.Filter{Group: "IAM", State: approval.Approved}); len(l) != 1 || l[0].ID != approved.ID {
		t.Fatalf("filtered list: %+v", l)
	}
}

func TestLocalApproval(t *testing.T) {
	t.Parallel()
	priv, err := keys.Generate(jose.EdDSA, "dev-laptop")
	if err != nil {
		t.Fatal(err)
	}
	pub := priv.Public()
	set := &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}
	clk := newClock()
	s := newStore(t, &approval.Options{LocalKeys: set, Now: clk.Now})
	a := iamWrite()
	req := submit(t, s, a)

	other, _ := keys.Generate(jose.EdDSA, "dev-laptop")
	forged, _ := approval.SignLocal(other, approval.VerbApprove, req.ID, "alice", clk.Now())
	if _, _, err := s.Approve(ctx, req.ID, forged, "ok"); !errors.Is(err, approval.ErrLocalSignature) {
		t.Fatalf("other key: %v", err)
	}
	wrongReq, _ := approval.SignLocal(priv, approval.VerbApprove, "apr_other", "alice", clk.Now())
	if _, _, err := s.Approve(ctx, req.ID, wrongReq, "ok"); !errors.Is(err, approval.ErrLocalSignature) {
		t.Fatalf("signature for another request: %v", err)
	}
	denySig, _ := approval.SignLocal(priv, approval.VerbDeny, req.ID, "alice", clk.Now())
	if _, _, err := s.Approve(ctx, req.ID, denySig, "ok"); !errors.Is(err, approval.ErrLocalSignature) {
		t.Fatalf("deny signature used to approve: %v", err)
	}
	stale, _ := approval.SignLocal(priv, approval.VerbApprove, req.ID, "alice", clk.Now().Add(-time.Hour))
	if _, _, err := s.Approve(ctx, req.ID, stale, "ok"); !errors.Is(err, approval.ErrLocalStale) {
		t.Fatalf("stale: %v", err)
	}
	if _, _, err := s.Approve(ctx, req.ID, approval.IDToken("x.y.z"), "ok"); !errors.Is(err, approval.ErrNoVerifier) {
		t.Fatalf("token without OIDC configured: %v", err)
	}

	sig, err := approval.SignLocal(priv, approval.VerbApprove, req.ID, "alice", clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := s.Approve(ctx, req.ID, sig, "solo developer")
	if err != nil {
		t.Fatal(err)
	}
	if r.State != approval.Approved || !r.DecidedBy.Local || r.DecidedBy.KeyID != "dev-laptop" || r.DecidedBy.Issuer != approval.LocalIssuer {
		t.Fatalf("local approval recorded as %+v", r.DecidedBy)
	}
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictGranted {
		t.Fatal("local approval granted nothing")
	}

	// A route can refuse local approvals.
	routing, _ := approval.NewRouting([]approval.Route{{ApproverGroup: "IAM", AllowLocal: new(bool)}}, "")
	s.SetRouting(routing)
	b := iamWrite()
	b.Target = "iam/strict.tf"
	req2 := submit(t, s, b)
	sig2, _ := approval.SignLocal(priv, approval.VerbApprove, req2.ID, "alice", clk.Now())
	if _, _, err := s.Approve(ctx, req2.ID, sig2, "ok"); !errors.Is(err, approval.ErrLocalRefused) || !errors.Is(err, approval.ErrForbidden) {
		t.Fatalf("local on a refusing route: %v", err)
	}
}

func TestBreakGlass(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	var notified []approval.Notification
	var mu sync.Mutex
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t), Notifier: approval.NotifierFunc(func(_ context.Context, n approval.Notification) error {
		mu.Lock()
		defer mu.Unlock()
		notified = append(notified, n)
		return nil
	})})
	a := iamWrite()
	cab := func() approval.Credential { return is.Token(t, "oncall", approval.DefaultBreakGlassGroup) }

	for _, tc := range []struct {
		name string
		bg   approval.BreakGlassRequest
		want error
	}{
		{"no reason", approval.BreakGlassRequest{Action: a, Credential: cab(), Reason: " "}, approval.ErrReasonRequired},
		{"not in the group", approval.BreakGlassRequest{Action: a, Credential: is.Token(t, "bob", "IAM"), Reason: "outage"}, approval.ErrNotBreakGlass},
		{"too long", approval.BreakGlassRequest{Action: a, Credential: cab(), Reason: "outage", Duration: 24 * time.Hour}, approval.ErrBreakGlassWindow},
		{"forged token", approval.BreakGlassRequest{Action: a, Credential: rogueToken(t, "x", is.Claims("oncall", approval.DefaultBreakGlassGroup)), Reason: "outage"}, approval.ErrTokenUnknownKey},
	} {
		_, evs, err := s.BreakGlass(ctx, tc.bg)
		if !errors.Is(err, tc.want) || len(evs) != 1 || evs[0].Type != approval.EventRejected || !evs[0].Critical {
			t.Fatalf("%s: %v %+v", tc.name, err, evs)
		}
	}

	r, evs, err := s.BreakGlass(ctx, approval.BreakGlassRequest{Action: a, DecisionID: "dec_blocked", Credential: cab(), Reason: "prod outage, INC-42"})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != approval.BreakGlass || len(evs) != 1 || evs[0].Type != approval.EventBreakGlass || !evs[0].Critical ||
		evs[0].Severity != decision.Critical || evs[0].Actor.Subject != "oncall" {
		t.Fatalf("break-glass: %+v %+v", r, evs)
	}
	// It answers even a block, once.
	v, evs, _ := s.Check(ctx, a, decision.Block)
	if v.Kind != approval.VerdictGranted || v.RuleID != approval.RuleBreakGlass || !v.BreakGlass || !evs[0].Critical {
		t.Fatalf("check: %+v", v)
	}
	if v, _, _ := s.Check(ctx, a, decision.Block); v.Kind != approval.VerdictNone {
		t.Fatalf("second use: %+v", v)
	}

	// Agent scope: any action by the agent for the time box.
	r, _, err = s.BreakGlass(ctx, approval.BreakGlassRequest{Action: a, Scope: approval.ScopeAgent, Credential: cab(), Reason: "incident", Duration: 30 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	other := decision.Action{Type: decision.ExecuteCommand, Target: "terraform apply", Agent: a.Agent}
	for i := 0; i < 3; i++ {
		if v, _, _ := s.Check(ctx, other, decision.Block); v.Kind != approval.VerdictGranted || v.Remaining != -1 {
			t.Fatalf("agent-scope use %d: %+v", i, v)
		}
	}
	other.Agent.ID = "someone-else"
	if v, _, _ := s.Check(ctx, other, decision.Block); v.Kind != approval.VerdictNone {
		t.Fatal("agent-scoped break-glass leaked to another agent")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(notified) != 2 || notified[0].Event.Type != approval.EventBreakGlass {
		t.Fatalf("notifications = %d", len(notified))
	}
}

func TestRBAC(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	rbac, err := approval.ParseRBAC("rbac.yaml", []byte(`
strict: true
group_mappings:
  okta-secops: [Platform Security, IAM]
repositories:
  - repository: acme/*
    group_mappings:
      infra-leads: IAM
`))
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t), RBAC: rbac})
	cases := []struct {
		repo   string
		groups []string
		want   error
	}{
		{"acme/infra", []string{"okta-secops"}, nil},
		{"acme/infra", []string{"infra-leads"}, nil},
		{"other/infra", []string{"infra-leads"}, approval.ErrNotInGroup},
		{"acme/infra", []string{"IAM"}, approval.ErrNotInGroup}, // strict: only mapped groups count
	}
	for i, c := range cases {
		a := iamWrite()
		a.Context["repo"] = c.repo
		a.Target = fmt.Sprintf("iam/role-%d.tf", i)
		req := submit(t, s, a)
		_, _, err := s.Approve(ctx, req.ID, is.Token(t, fmt.Sprint("approver", i), c.groups...), "ok")
		if !errors.Is(err, c.want) && !(c.want == nil && err == nil) {
			t.Errorf("case %d: %v, want %v", i, err, c.want)
		}
	}
	for _, bad := range []string{`{"group_mappings": {"a": 1}}`, `{"extra": true}`, `{"repositories": [{"group_mappings": {}}]}`, `{"approval_rbac": {}, "x": 1}`} {
		if _, err := approval.ParseRBAC("rbac.json", []byte(bad)); err == nil {
			t.Errorf("bad RBAC accepted: %s", bad)
		}
	}
	if r, err := approval.ParseRBAC("rbac.json", []byte(`{"approval_rbac": {"group_mappings": {"a": "IAM"}}}`)); err != nil || r.Roles([]string{"a"}, "") == nil {
		t.Errorf("original wrapper: %v", err)
	}
}

func TestNotifierFailureIsAnEvent(t *testing.T) {
	t.Parallel()
	s := newStore(t, &approval.Options{Notifier: approval.NotifierFunc(func(context.Context, approval.Notification) error {
		return approval.ErrQueueFull
	})})
	_, evs, err := s.Submit(ctx, iamWrite(), requireApproval(iamWrite()))
	if err != nil || len(evs) != 2 || evs[1].Type != approval.EventNotifyFailed || !strings.Contains(evs[1].Error, "full") {
		t.Fatalf("events = %+v, %v", evs, err)
	}
}

func TestIndexKeysDoNotCollide(t *testing.T) {
	t.Parallel()
	s := newStore(t, nil)
	a := iamWrite()
	a.Agent.ID, a.Agent.Session = "a\x00b", ""
	b := iamWrite()
	b.Agent.ID, b.Agent.Session = "a", "b\x00"
	if submit(t, s, a).ID == submit(t, s, b).ID {
		t.Fatal("two agents share one request")
	}
}

func TestRejectedUnknownRequest(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t)})
	for _, cred := range []approval.Credential{approval.IDToken("x.y.z"), is.Token(t, "bob", "IAM")} {
		_, evs, err := s.Approve(ctx, "apr_nope", cred, "ok")
		if err == nil || len(evs) != 1 || evs[0].Type != approval.EventRejected || evs[0].RequestID != "apr_nope" {
			t.Fatalf("%v %+v", err, evs)
		}
	}
}

func TestConfigOptions(t *testing.T) {
	dir := t.TempDir()
	is := approvaltest.NewIssuer(t)
	jwks, _ := json.Marshal(is.JWKS())
	priv, _ := keys.Generate(jose.EdDSA, "laptop")
	if _, _, err := keys.WritePair(filepath.Join(dir, "keys"), priv, false); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"jwks.json":    string(jwks),
		"rbac.yaml":    "group_mappings: {okta-iam: IAM}\n",
		"routing.yaml": "- {rule_id_prefix: filesystem.write, approver_group: IAM, quorum: 1}\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("CAVRA_TEST_HOOK_SECRET", "s3cret")
	cfg := approval.Config{
		OIDC:        &approval.OIDCFileConfig{Issuer: is.URL, Audience: approvaltest.Audience, JWKS: "jwks.json", Leeway: "10s"},
		RBACFile:    "rbac.yaml",
		RoutingFile: "routing.yaml",
		LocalKeys:   "keys/laptop.public.jwk",
		BreakGlass:  approval.BreakGlassConfig{Group: "SRE", Default: "30m", Max: "2h"},
		Webhooks:    []approval.WebhookFileConfig{{URL: "http://127.0.0.1:1/x", SecretEnv: "CAVRA_TEST_HOOK_SECRET", Retries: -1}},
	}
	opts, hooks, err := cfg.Options(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hooks[0].Close(ctx)
	if opts.OIDC == nil || opts.RBAC == nil || opts.Routing == nil || opts.LocalKeys == nil || opts.Notifier == nil ||
		opts.BreakGlassGroup != "SRE" || opts.BreakGlassTTL != 30*time.Minute || opts.BreakGlassMax != 2*time.Hour {
		t.Fatalf("options = %+v", opts)
	}
	s := newStore(t, opts)
	req := submit(t, s, iamWrite())
	if _, _, err := s.Approve(ctx, req.ID, is.Token(t, "bob", "okta-iam"), "ok"); err != nil {
		t.Fatal(err)
	}

	for _, bad := range []approval.Config{
		{OIDC: &approval.OIDCFileConfig{Issuer: is.URL, Audience: "a", JWKS: "http://idp.example/jwks"}},
		{RBACFile: "missing.yaml"},
		{RoutingFile: "rbac.yaml"},
		{BreakGlass: approval.BreakGlassConfig{Max: "forever"}},
		{Webhooks: []approval.WebhookFileConfig{{URL: "https://hooks.example/x", SecretEnv: "CAVRA_TEST_UNSET_VARIABLE"}}},
	} {
		if _, _, err := bad.Options(dir, nil); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	clk := newClock()
	s := newStore(t, &approval.Options{OIDC: is.Verifier(t), Now: clk.Now})
	a := iamWrite()
	used := submit(t, s, a)
	if _, _, err := s.Approve(ctx, used.ID, is.Token(t, "bob", "IAM"), "ok"); err != nil {
		t.Fatal(err)
	}
	b := iamWrite()
	b.Target = "iam/b.tf"
	live := submit(t, s, b)
	if _, _, err := s.Approve(ctx, live.ID, is.Token(t, "bob", "IAM"), "ok"); err != nil {
		t.Fatal(err)
	}
	c := iamWrite()
	c.Target = "iam/c.tf"
	pending := submit(t, s, c)
	if v, _, _ := s.Check(ctx, a, decision.RequireApproval); v.Kind != approval.VerdictGranted {
		t.Fatal("no grant")
	}
	clk.Advance(time.Minute)
	n, err := s.Prune(ctx, clk.Now())
	if err != nil || n != 1 {
		t.Fatalf("pruned %d, %v; want the spent one", n, err)
	}
	if _, err := s.Get(ctx, used.ID); !errors.Is(err, approval.ErrNotFound) {
		t.Fatal("spent request kept")
	}
	for _, id := range []string{live.ID, pending.ID} {
		if _, err := s.Get(ctx, id); err != nil {
			t.Fatalf("%s pruned: %v", id, err)
		}
	}
}

func TestNotifierMayCallBack(t *testing.T) {
	t.Parallel()
	var s *approval.Store
	var seen atomic.Int32
	s = newStore(t, &approval.Options{Notifier: approval.NotifierFunc(func(ctx context.Context, n approval.Notification) error {
		if _, err := s.Get(ctx, n.Request.ID); err != nil {
			return err
		}
		_, err := s.Sweep(ctx) // a write, under the store's lock if it were still held
		seen.Add(1)
		return err
	})})
	done := make(chan struct{})
	go func() {
		defer close(done)
		submit(t, s, iamWrite())
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("deadlock: the notifier was called under the store's lock")
	}
	if seen.Load() != 1 {
		t.Fatal("notifier not called")
	}
}

func TestLeeway(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	cfg := is.Config()
	cfg.Leeway = 20 * time.Second
	v, err := approval.NewVerifier(cfg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		name string
		mod  func(map[string]any)
		want error
	}{
		{"nbf within leeway", func(c map[string]any) { c["nbf"] = now.Add(10 * time.Second).Unix() }, nil},
		{"nbf beyond leeway", func(c map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() }, approval.ErrTokenNotYetValid},
		{"exp within leeway", func(c map[string]any) { c["exp"] = now.Add(-10 * time.Second).Unix() }, nil},
		{"exp beyond leeway", func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() }, approval.ErrTokenExpired},
		{"audience list", func(c map[string]any) { c["aud"] = []string{"other", approvaltest.Audience} }, nil},
		{"roles claim", func(c map[string]any) { delete(c, "groups"); c["roles"] = "IAM" }, nil},
		{"groups of the wrong type", func(c map[string]any) { c["groups"] = 7 }, approval.ErrTokenMalformed},
	} {
		c := is.Claims("bob", "IAM")
		tc.mod(c)
		id, err := v.Verify(ctx, string(is.Sign(t, jose.ES256, approvaltest.KidES256, c)))
		if tc.want == nil && (err != nil || len(id.Groups) != 1 || id.Groups[0] != "IAM") {
			t.Errorf("%s: %+v %v", tc.name, id, err)
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := v.Verify(ctx, strings.Repeat("a", 20<<10)+".b.c"); !errors.Is(err, approval.ErrTokenMalformed) {
		t.Errorf("huge token: %v", err)
	}
}
