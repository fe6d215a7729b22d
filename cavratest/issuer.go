package cavratest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/approval/approvaltest"
)

// Audience is the audience the fake issuer's tokens are minted for.
const Audience = approvaltest.Audience

// Issuer is a fake OIDC issuer: an httptest TLS server serving a discovery
// document (/.well-known/openid-configuration) and a JWKS (/jwks.json),
// with keys generated for the test. Tokens it mints verify with the
// approvals verifier (package approval) configured for it — Config or
// Options.Issuer — and with nothing else. Nothing reaches the network.
type Issuer struct {
	// URL is the issuer (the tokens' iss), the server's https URL.
	URL string

	tb testing.TB
	is *approvaltest.Issuer
}

// NewIssuer starts a fake issuer; it stops when the test ends.
func NewIssuer(tb testing.TB) *Issuer {
	tb.Helper()
	is := approvaltest.NewIssuer(tb)
	out := &Issuer{URL: is.URL, tb: tb, is: is}
	is.SetHandler(out.serve)
	return out
}

func (i *Issuer) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer":                                i.URL,
			"jwks_uri":                              i.JWKSURL(),
			"id_token_signing_alg_values_supported": []string{"ES256", "RS256", "EdDSA"},
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
		})
	case "/jwks.json":
		w.Header().Set("Content-Type", "application/jwk-set+json")
		_ = json.NewEncoder(w).Encode(i.is.JWKS())
	default:
		http.NotFound(w, r)
	}
}

// JWKSURL is the URL of the issuer's key set.
func (i *Issuer) JWKSURL() string { return i.URL + "/jwks.json" }

// Client is an HTTP client that trusts the issuer's TLS certificate.
func (i *Issuer) Client() *http.Client { return i.is.Server.Client() }

// MintApprover mints a valid ID token (ES256, ten minutes) for subject in
// groups, as the token an approver passes to Guard.Approve or Deny
// (approval.IDToken(token)).
func (i *Issuer) MintApprover(subject string, groups ...string) string {
	return string(i.is.Token(i.tb, subject, groups...))
}

// Claims returns the claims of a valid token for subject in groups
// (issuer, Audience, exp in ten minutes…), to change before Mint: a
// wrong audience, an expired exp.
func (i *Issuer) Claims(subject string, groups ...string) map[string]any {
	return i.is.Claims(subject, groups...)
}

// Mint signs claims (ES256, with the issuer's key) as a compact JWT.
func (i *Issuer) Mint(claims map[string]any) string {
	return string(i.is.Sign(i.tb, jose.ES256, approvaltest.KidES256, claims))
}

// Config is the approvals verifier's configuration for this issuer, its
// keys fetched over the server's TLS.
func (i *Issuer) Config() approval.OIDCConfig {
	c := i.is.Config()
	c.HTTPClient = i.Client()
	return c
}

// Verifier is an approvals verifier that trusts this issuer.
func (i *Issuer) Verifier() (*approval.Verifier, error) { return approval.NewVerifier(i.Config()) }

// fileConfig is the approval configuration a Guard reads: the issuer with
// its JWKS written to a file in a temporary directory (a Guard's verifier
// fetches https URLs with the system's roots, which do not include the
// test server's certificate).
func (i *Issuer) fileConfig(tb testing.TB) *approval.OIDCFileConfig {
	tb.Helper()
	b, err := json.Marshal(i.is.JWKS())
	if err != nil {
		tb.Fatalf("cavratest: JWKS: %v", err)
	}
	p := filepath.Join(tb.TempDir(), "issuer.jwks")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		tb.Fatalf("cavratest: JWKS: %v", err)
	}
	return &approval.OIDCFileConfig{Issuer: i.URL, Audience: Audience, JWKS: p}
}
