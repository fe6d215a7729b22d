// Package approvaltest is an in-process OIDC issuer for tests of code that
// uses package approval: it generates keys, serves their JWKS over
// httptest TLS, and mints ID tokens — valid ones, and the forged or broken
// ones an attacker would try. Nothing reaches the network.
package approvaltest

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cavra-dev/cavra/approval"
)

// Key ids of the issuer's keys.
const (
	KidES256 = "test-es256"
	KidRS256 = "test-rs256"
	KidEdDSA = "test-eddsa"
)

// Audience is the audience tokens are minted for.
const Audience = "cavra-test"

// Issuer is a test OIDC issuer. Its issuer URL is the TLS server's URL.
type Issuer struct {
	Server *httptest.Server
	URL    string // issuer (iss)

	mu      sync.Mutex
	keys    map[string]jose.JSONWebKey // private keys by kid
	handler http.HandlerFunc           // overrides the JWKS handler when set
	fetches int
}

// NewIssuer starts an issuer with ES256, RS256 and EdDSA keys; it stops
// when the test ends.
func NewIssuer(tb testing.TB) *Issuer {
	tb.Helper()
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		tb.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	is := &Issuer{keys: map[string]jose.JSONWebKey{
		KidES256: {Key: ec, KeyID: KidES256, Algorithm: string(jose.ES256), Use: "sig"},
		KidRS256: {Key: rk, KeyID: KidRS256, Algorithm: string(jose.RS256), Use: "sig"},
		KidEdDSA: {Key: ed, KeyID: KidEdDSA, Algorithm: string(jose.EdDSA), Use: "sig"},
	}}
	is.Server = httptest.NewTLSServer(http.HandlerFunc(is.serve))
	tb.Cleanup(is.Server.Close)
	is.URL = is.Server.URL
	return is
}

func (is *Issuer) serve(w http.ResponseWriter, r *http.Request) {
	is.mu.Lock()
	h := is.handler
	is.fetches++
	is.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_ = json.NewEncoder(w).Encode(is.JWKS())
}

// SetHandler replaces the JWKS endpoint (to make it slow, huge or
// garbage); nil restores it.
func (is *Issuer) SetHandler(h http.HandlerFunc) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.handler = h
}

// Fetches reports how often the JWKS endpoint was called.
func (is *Issuer) Fetches() int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.fetches
}

// JWKSURL is the URL of the issuer's key set.
func (is *Issuer) JWKSURL() string { return is.URL + "/jwks.json" }

// JWKS returns the public key set.
func (is *Issuer) JWKS() jose.JSONWebKeySet {
	is.mu.Lock()
	defer is.mu.Unlock()
	var set jose.JSONWebKeySet
	for _, kid := range []string{KidES256, KidRS256, KidEdDSA} {
		k := is.keys[kid]
		set.Keys = append(set.Keys, k.Public())
	}
	return set
}

// Config returns an OIDCConfig that trusts this issuer.
func (is *Issuer) Config() approval.OIDCConfig {
	return approval.OIDCConfig{Issuer: is.URL, Audience: Audience, JWKSURL: is.JWKSURL(), HTTPClient: is.Server.Client()}
}

// Verifier returns a Verifier for Config, failing the test on error.
func (is *Issuer) Verifier(tb testing.TB) *approval.Verifier {
	tb.Helper()
	v, err := approval.NewVerifier(is.Config())
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// Claims returns valid claims for a person: issuer, audience, subject,
// email, groups, iat/nbf now and exp in ten minutes.
func (is *Issuer) Claims(subject string, groups ...string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss": is.URL, "aud": Audience, "sub": subject, "email": subject + "@example.com",
		"groups": groups, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(),
		"jti": "jti-" + subject + "-" + strings.ReplaceAll(now.Format("150405.000000000"), ".", ""),
	}
}

// Token mints a valid ES256 token for subject in groups.
func (is *Issuer) Token(tb testing.TB, subject string, groups ...string) approval.IDToken {
	return is.Sign(tb, jose.ES256, KidES256, is.Claims(subject, groups...))
}

// Sign signs claims with the issuer's key kid using alg. kid "" leaves
// the kid out of the header.
func (is *Issuer) Sign(tb testing.TB, alg jose.SignatureAlgorithm, kid string, claims map[string]any) approval.IDToken {
	tb.Helper()
	is.mu.Lock()
	k, ok := is.keys[kid]
	if kid == "" {
		k, ok = is.keys[map[jose.SignatureAlgorithm]string{jose.ES256: KidES256, jose.RS256: KidRS256, jose.EdDSA: KidEdDSA}[alg]], true
	}
	is.mu.Unlock()
	if !ok {
		tb.Fatalf("approvaltest: no key %q", kid)
	}
	opts := (&jose.SignerOptions{}).WithType("JWT")
	var key any = k // a JWK puts its kid in the header
	if kid == "" {
		key = k.Key
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		tb.Fatal(err)
	}
	return approval.IDToken(s)
}

// Forge builds a token with an arbitrary header and an HMAC-SHA256
// signature under secret (or no signature when alg is "none"): the
// classic algorithm-confusion attacks.
func Forge(header, claims map[string]any, secret []byte) approval.IDToken {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(claims)
	if header["alg"] == "none" {
		return approval.IDToken(input + ".")
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return approval.IDToken(input + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil)))
}

// PublicKeyBytes returns the bytes an attacker would use as the HMAC
// secret in an algorithm-confusion attack: the issuer's published JWK for
// kid, as JSON.
func (is *Issuer) PublicKeyBytes(kid string) []byte {
	set := is.JWKS()
	for _, k := range set.Keys {
		if k.KeyID == kid {
			b, _ := k.MarshalJSON()
			return b
		}
	}
	return nil
}
