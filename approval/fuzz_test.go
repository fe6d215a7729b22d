package approval_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/approval/approvaltest"
	"github.com/cavra-dev/cavra/decision"
)

// FuzzVerifyToken feeds arbitrary token text to a verifier whose key set
// is a file. It must never panic, and anything it accepts must carry the
// configured issuer and a subject.
func FuzzVerifyToken(f *testing.F) {
	is := approvaltest.NewIssuer(f)
	dir := f.TempDir()
	jwks, _ := json.Marshal(is.JWKS())
	path := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(path, jwks, 0o600); err != nil {
		f.Fatal(err)
	}
	v, err := approval.NewVerifier(approval.OIDCConfig{Issuer: is.URL, Audience: approvaltest.Audience, JWKSFile: path})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(is.Token(f, "bob", "IAM")))
	f.Add(string(is.Sign(f, jose.RS256, approvaltest.KidRS256, is.Claims("bob"))))
	f.Add(string(is.Sign(f, jose.EdDSA, approvaltest.KidEdDSA, is.Claims("bob"))))
	f.Add(string(approvaltest.Forge(map[string]any{"alg": "none", "kid": approvaltest.KidES256}, is.Claims("bob"), nil)))
	f.Add(string(approvaltest.Forge(map[string]any{"alg": "HS256", "kid": approvaltest.KidRS256}, is.Claims("bob"), is.PublicKeyBytes(approvaltest.KidRS256))))
	f.Add("a.b.c")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		id, err := v.Verify(context.Background(), raw)
		if err != nil {
			return
		}
		if id.Issuer != is.URL || id.Subject == "" {
			t.Fatalf("accepted %q as %+v", raw, id)
		}
	})
}

// FuzzParseJWKS: no panic; every key returned is public, has a kid and is
// one of the accepted types.
func FuzzParseJWKS(f *testing.F) {
	is := approvaltest.NewIssuer(f)
	good, _ := json.Marshal(is.JWKS())
	f.Add(good)
	f.Add([]byte(`{"keys":[{"kty":"oct","kid":"a","k":"c2VjcmV0"}]}`))
	f.Add([]byte(`{"kty":"OKP","crv":"Ed25519","kid":"x","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		set, err := approval.ParseJWKS(data)
		if err != nil {
			return
		}
		for _, k := range set.Keys {
			if k.KeyID == "" || !k.IsPublic() || !k.Valid() {
				t.Fatalf("unusable key accepted: %+v", k)
			}
		}
	})
}

// FuzzParseRouting: no panic on any document; accepted routing resolves
// every subject to a non-empty group with positive settings.
func FuzzParseRouting(f *testing.F) {
	f.Add("routing.yaml", []byte(routingYAML))
	f.Add("routing.json", []byte(`[{"rule_id_prefix":"mcp.","approver_group":"AI Governance","severity":"medium"}]`))
	f.Add("routing.json", []byte(`{"approval_routing":[{"approver_group":"A","target":"**/x*","ttl":"1h"}]}`))
	f.Add("rbac.yaml", []byte("group_mappings: {a: [b]}\n"))
	f.Add("x.yml", []byte("a: &x [1]\nb: *x\n"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		_, _ = approval.ParseRBAC(name, data) // must not panic
		r, err := approval.ParseRouting(name, data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "approval: routing ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		for _, s := range []approval.Subject{{}, {RuleID: "mcp.x", Target: "a/b/x", Severity: decision.Critical, Repo: "r", Environment: "prod"}} {
			rt := r.Resolve(s)
			if rt.ApproverGroup == "" || rt.Quorum < 1 || rt.GrantUses < 1 || rt.TTL <= 0 || rt.AllowLocal == nil ||
				time.Duration(rt.GrantTTL) <= 0 {
				t.Fatalf("route %+v", rt)
			}
		}
	})
}

func FuzzParsePassphrase(f *testing.F) {
	h, err := approval.HashPassphrase([]byte("long enough passphrase"), approval.MinKDFParams)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := json.Marshal(h)
	f.Add(good)
	f.Add([]byte(`{"kdf":"argon2id","version":19,"params":{"time":2,"memory_kib":19456,"threads":1},"salt":"","hash":""}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := approval.ParsePassphrase(data)
		if err != nil {
			return
		}
		// Whatever parses has bounded parameters, so checking a guess
		// costs at most the maximum.
		if h.Params.Time > 16 || h.Params.Memory > 1<<20 || h.Params.Time < approval.MinKDFParams.Time {
			t.Fatalf("parsed parameters out of range: %+v", h.Params)
		}
	})
}
