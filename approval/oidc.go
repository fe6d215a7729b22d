package approval

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// OIDC verification limits and defaults.
const (
	DefaultLeeway       = 30 * time.Second
	MaxLeeway           = 5 * time.Minute
	DefaultFetchTimeout = 5 * time.Second
	DefaultMaxJWKSSize  = 256 << 10
	DefaultJWKSCacheTTL = 10 * time.Minute
	// MinJWKSRefresh bounds how often an unknown kid may trigger a refetch,
	// so forged tokens cannot make CAVRA hammer the issuer.
	MinJWKSRefresh = 30 * time.Second
	maxTokenSize   = 16 << 10
	minRSABits     = 2048
)

// TokenAlgorithms are the only JWT signature algorithms ever accepted:
// never "none", never HMAC.
var TokenAlgorithms = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}

// OIDCConfig configures a Verifier. Issuer, Audience and exactly one of
// JWKSFile and JWKSURL are required.
type OIDCConfig struct {
	Issuer   string // exact match against iss
	Audience string // must be one of aud
	JWKSFile string // a JWKS (or single JWK) file; reread when an unknown kid appears
	JWKSURL  string // an https:// URL, fetched with a timeout and a size limit and cached

	// GroupsClaim names the claim holding the person's groups; "" tries
	// "groups" then "roles". A string value counts as a one-element list.
	GroupsClaim string
	// Algorithms narrows TokenAlgorithms; nil means all of them. Anything
	// outside TokenAlgorithms is a configuration error.
	Algorithms []jose.SignatureAlgorithm
	// Leeway is the clock skew allowed on exp, nbf and iat; 0 means
	// DefaultLeeway, and more than MaxLeeway is refused.
	Leeway time.Duration

	HTTPClient   *http.Client  // nil: a client with FetchTimeout
	FetchTimeout time.Duration // 0: DefaultFetchTimeout
	MaxJWKSSize  int64         // 0: DefaultMaxJWKSSize
	CacheTTL     time.Duration // 0: DefaultJWKSCacheTTL

	Now func() time.Time // nil: time.Now
}

// Verifier verifies OIDC ID tokens of one issuer. It is safe for
// concurrent use.
type Verifier struct {
	cfg  OIDCConfig
	algs []jose.SignatureAlgorithm

	mu      sync.Mutex
	set     *jose.JSONWebKeySet
	fetched time.Time
	lastTry time.Time
}

// NewVerifier checks cfg and returns a Verifier. Nothing is fetched until
// the first Verify.
func NewVerifier(cfg OIDCConfig) (*Verifier, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("approval: OIDC: issuer and audience are required")
	}
	if (cfg.JWKSFile == "") == (cfg.JWKSURL == "") {
		return nil, errors.New("approval: OIDC: set exactly one of the JWKS file and the JWKS URL")
	}
	if cfg.JWKSURL != "" {
		u, err := url.Parse(cfg.JWKSURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("approval: OIDC: JWKS URL %q must be an https:// URL", cfg.JWKSURL)
		}
	}
	v := &Verifier{cfg: cfg}
	if cfg.Algorithms == nil {
		v.algs = TokenAlgorithms
	} else {
		for _, a := range cfg.Algorithms {
			if !containsAlg(TokenAlgorithms, a) {
				return nil, fmt.Errorf("approval: OIDC: algorithm %q is not allowed (only RS256, ES256, EdDSA)", a)
			}
		}
		if len(cfg.Algorithms) == 0 {
			return nil, errors.New("approval: OIDC: empty algorithm list")
		}
		v.algs = append([]jose.SignatureAlgorithm(nil), cfg.Algorithms...)
	}
	switch {
	case cfg.Leeway == 0:
		v.cfg.Leeway = DefaultLeeway
	case cfg.Leeway < 0 || cfg.Leeway > MaxLeeway:
		return nil, fmt.Errorf("approval: OIDC: leeway %s out of range 0..%s", cfg.Leeway, MaxLeeway)
	}
	if v.cfg.FetchTimeout <= 0 {
		v.cfg.FetchTimeout = DefaultFetchTimeout
	}
	if v.cfg.MaxJWKSSize <= 0 {
		v.cfg.MaxJWKSSize = DefaultMaxJWKSSize
	}
	if v.cfg.CacheTTL <= 0 {
		v.cfg.CacheTTL = DefaultJWKSCacheTTL
	}
	if v.cfg.HTTPClient == nil {
		v.cfg.HTTPClient = &http.Client{Timeout: v.cfg.FetchTimeout, CheckRedirect: httpsOnly}
	}
	if v.cfg.Now == nil {
		v.cfg.Now = time.Now
	}
	return v, nil
}

// httpsOnly refuses a redirect away from https and long redirect chains.
func httpsOnly(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "https" {
		return fmt.Errorf("refusing a redirect to %s", req.URL.Redacted())
	}
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	return nil
}

func containsAlg(list []jose.SignatureAlgorithm, a jose.SignatureAlgorithm) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// Issuer returns the configured issuer.
func (v *Verifier) Issuer() string { return v.cfg.Issuer }

// idClaims are the non-standard claims read from an ID token.
type idClaims struct {
	Email             string          `json:"email"`
	Name              string          `json:"name"`
	PreferredUsername string          `json:"preferred_username"`
	Groups            json.RawMessage `json:"groups"`
	Roles             json.RawMessage `json:"roles"`
}

// Verify verifies a compact-serialized ID token and returns the identity
// it proves. Every failure wraps ErrUnauthenticated and one specific
// sentinel (ErrTokenAlgorithm, ErrTokenExpired, ErrJWKSUnavailable, …).
func (v *Verifier) Verify(ctx context.Context, raw string) (Identity, error) {
	raw = strings.TrimSpace(raw)
	if len(raw) > maxTokenSize {
		return Identity{}, authErr(ErrTokenMalformed, fmt.Errorf("token is %d bytes, more than %d", len(raw), maxTokenSize))
	}
	if strings.Count(raw, ".") != 2 {
		return Identity{}, authErr(ErrTokenMalformed, nil)
	}
	tok, err := jwt.ParseSigned(raw, v.algs)
	if err != nil {
		var algErr *jose.ErrUnexpectedSignatureAlgorithm
		if errors.As(err, &algErr) || strings.Contains(err.Error(), "unexpected signature algorithm") {
			return Identity{}, authErr(ErrTokenAlgorithm, err)
		}
		return Identity{}, authErr(ErrTokenMalformed, err)
	}
	if len(tok.Headers) != 1 {
		return Identity{}, authErr(ErrTokenMalformed, errors.New("want exactly one signature"))
	}
	h := tok.Headers[0]
	alg := jose.SignatureAlgorithm(h.Algorithm)
	if !containsAlg(v.algs, alg) { // ParseSigned checked this too; keep the invariant local
		return Identity{}, authErr(ErrTokenAlgorithm, fmt.Errorf("alg %q", h.Algorithm))
	}
	if h.KeyID == "" {
		return Identity{}, authErr(ErrTokenNoKeyID, nil)
	}
	key, err := v.key(ctx, h.KeyID)
	if err != nil {
		return Identity{}, err
	}
	if err := keyFitsAlg(key, alg); err != nil {
		return Identity{}, authErr(ErrTokenAlgorithm, err)
	}
	var std jwt.Claims
	var extra idClaims
	if err := tok.Claims(key.Key, &std, &extra); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return Identity{}, authErr(ErrTokenSignature, err)
		}
		return Identity{}, authErr(ErrTokenMalformed, err)
	}
	now := v.cfg.Now()
	if std.Expiry == nil {
		return Identity{}, authErr(ErrTokenNoExpiry, nil) // jwt.Expected does not require exp
	}
	err = std.ValidateWithLeeway(jwt.Expected{Issuer: v.cfg.Issuer, AnyAudience: jwt.Audience{v.cfg.Audience}, Time: now}, v.cfg.Leeway)
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrInvalidIssuer):
		return Identity{}, authErr(ErrTokenIssuer, fmt.Errorf("got %q", std.Issuer))
	case errors.Is(err, jwt.ErrInvalidAudience):
		return Identity{}, authErr(ErrTokenAudience, fmt.Errorf("got %q", []string(std.Audience)))
	case errors.Is(err, jwt.ErrExpired):
		return Identity{}, authErr(ErrTokenExpired, fmt.Errorf("expired at %s", std.Expiry.Time().UTC().Format(time.RFC3339)))
	case errors.Is(err, jwt.ErrNotValidYet), errors.Is(err, jwt.ErrIssuedInTheFuture):
		return Identity{}, authErr(ErrTokenNotYetValid, err)
	default:
		return Identity{}, authErr(ErrTokenMalformed, err)
	}
	if std.Issuer != v.cfg.Issuer { // Validate skips an empty expected issuer; ours is never empty, but be exact
		return Identity{}, authErr(ErrTokenIssuer, fmt.Errorf("got %q", std.Issuer))
	}
	if std.Subject == "" {
		return Identity{}, authErr(ErrTokenNoSubject, nil)
	}
	groups, err := v.groups(extra)
	if err != nil {
		return Identity{}, authErr(ErrTokenMalformed, err)
	}
	name := extra.PreferredUsername
	if name == "" {
		name = extra.Name
	}
	return Identity{
		Issuer: std.Issuer, Subject: std.Subject, Email: extra.Email, Name: name,
		Groups: groups, TokenID: std.ID, KeyID: h.KeyID, Time: now.UTC(),
	}, nil
}

func (v *Verifier) groups(c idClaims) ([]string, error) {
	var raw json.RawMessage
	switch v.cfg.GroupsClaim {
	case "":
		raw = c.Groups
		if len(raw) == 0 || string(raw) == "null" {
			raw = c.Roles
		}
	case "groups":
		raw = c.Groups
	case "roles":
		raw = c.Roles
	default:
		return nil, fmt.Errorf("groups claim %q is not supported (want groups or roles)", v.cfg.GroupsClaim)
	}
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, errors.New("groups claim is neither a string nor a list of strings")
	}
	return list, nil
}

// keyFitsAlg checks that a JWKS key is the right type for the header's
// alg, so an RSA key is never used with anything but RS256 (and so on).
func keyFitsAlg(k jose.JSONWebKey, alg jose.SignatureAlgorithm) error {
	if k.Algorithm != "" && k.Algorithm != string(alg) {
		return fmt.Errorf("key %q is for %q, the token says %q", k.KeyID, k.Algorithm, alg)
	}
	var want jose.SignatureAlgorithm
	switch pk := k.Key.(type) {
	case *rsa.PublicKey:
		want = jose.RS256
	case *ecdsa.PublicKey:
		if pk.Curve != elliptic.P256() {
			return fmt.Errorf("key %q: only P-256 EC keys are accepted", k.KeyID)
		}
		want = jose.ES256
	case ed25519.PublicKey:
		want = jose.EdDSA
	default:
		return fmt.Errorf("key %q has an unsupported type %T", k.KeyID, k.Key)
	}
	if want != alg {
		return fmt.Errorf("key %q is a %s key, the token says %q", k.KeyID, want, alg)
	}
	return nil
}

// key returns the issuer's key with kid, fetching (or refetching, at most
// every MinJWKSRefresh) the key set when needed.
func (v *Verifier) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.cfg.Now()
	stale := v.set == nil || now.Sub(v.fetched) > v.cfg.CacheTTL
	if !stale {
		if k, ok := findKey(v.set, kid); ok {
			return k, nil
		}
	}
	// Unknown kid (a rotation) or stale cache: refetch, but not too often.
	if v.set != nil && now.Sub(v.lastTry) < MinJWKSRefresh {
		if k, ok := findKey(v.set, kid); ok {
			return k, nil
		}
		return jose.JSONWebKey{}, authErr(ErrTokenUnknownKey, fmt.Errorf("kid %q", kid))
	}
	v.lastTry = now
	set, err := v.load(ctx)
	if err != nil {
		if v.set != nil { // keep serving the last good set
			if k, ok := findKey(v.set, kid); ok {
				return k, nil
			}
		}
		return jose.JSONWebKey{}, err
	}
	v.set, v.fetched = set, now
	if k, ok := findKey(set, kid); ok {
		return k, nil
	}
	return jose.JSONWebKey{}, authErr(ErrTokenUnknownKey, fmt.Errorf("kid %q", kid))
}

func findKey(set *jose.JSONWebKeySet, kid string) (jose.JSONWebKey, bool) {
	ks := set.Key(kid)
	if len(ks) != 1 {
		return jose.JSONWebKey{}, false
	}
	return ks[0], true
}

func (v *Verifier) load(ctx context.Context) (*jose.JSONWebKeySet, error) {
	var data []byte
	if v.cfg.JWKSFile != "" {
		b, err := readLimited(v.cfg.JWKSFile, v.cfg.MaxJWKSSize)
		if err != nil {
			if errors.Is(err, errTooLarge) {
				return nil, authErr(ErrJWKSTooLarge, err)
			}
			return nil, authErr(ErrJWKSUnavailable, err)
		}
		data = b
	} else {
		b, err := v.fetch(ctx)
		if err != nil {
			return nil, err
		}
		data = b
	}
	set, err := ParseJWKS(data)
	if err != nil {
		return nil, authErr(ErrJWKSInvalid, err)
	}
	return set, nil
}

func (v *Verifier) fetch(ctx context.Context) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, v.cfg.FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.cfg.JWKSURL, nil)
	if err != nil {
		return nil, authErr(ErrJWKSUnavailable, err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := v.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, authErr(ErrJWKSUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, authErr(ErrJWKSUnavailable, fmt.Errorf("GET %s: %s", v.cfg.JWKSURL, resp.Status))
	}
	if resp.ContentLength > v.cfg.MaxJWKSSize {
		return nil, authErr(ErrJWKSTooLarge, fmt.Errorf("%d bytes", resp.ContentLength))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, v.cfg.MaxJWKSSize+1))
	if err != nil {
		return nil, authErr(ErrJWKSUnavailable, err)
	}
	if int64(len(data)) > v.cfg.MaxJWKSSize {
		return nil, authErr(ErrJWKSTooLarge, fmt.Errorf("more than %d bytes", v.cfg.MaxJWKSSize))
	}
	return data, nil
}

// ParseJWKS parses an issuer's key set (or a single JWK) and keeps only
// usable verification keys: RSA of at least 2048 bits, P-256 EC, Ed25519,
// each with a kid and without use other than "sig". Symmetric keys are
// refused outright, so an HMAC secret can never be configured by mistake;
// other unusable keys (encryption keys, other curves) are skipped. A set
// with no usable key, or two keys with one kid, is an error.
func ParseJWKS(data []byte) (*jose.JSONWebKeySet, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	raws := doc.Keys
	if raws == nil {
		raws = []json.RawMessage{data} // a single JWK
	}
	out := &jose.JSONWebKeySet{}
	seen := map[string]bool{}
	for i, raw := range raws {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			continue // an unsupported key type must not make the issuer's other keys unusable
		}
		if _, sym := k.Key.([]byte); sym {
			return nil, fmt.Errorf("key %d: symmetric keys are never accepted", i)
		}
		if k.KeyID == "" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		pub := k.Public()
		if !pub.Valid() {
			continue
		}
		switch pk := pub.Key.(type) {
		case *rsa.PublicKey:
			if pk.N.BitLen() < minRSABits {
				continue
			}
		case *ecdsa.PublicKey:
			if pk.Curve != elliptic.P256() {
				continue
			}
		case ed25519.PublicKey:
		default:
			continue
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("key %d: duplicate kid %q", i, k.KeyID)
		}
		seen[k.KeyID] = true
		out.Keys = append(out.Keys, pub)
	}
	if len(out.Keys) == 0 {
		return nil, errors.New("no usable signing key (RSA ≥2048, P-256, Ed25519 with a kid)")
	}
	return out, nil
}
