package keys

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

const testTyp = "cavra-test+jws"

// forge builds a detached compact JWS with an arbitrary protected header and
// signature bytes.
func forge(t testing.TB, header map[string]any, sig []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(h) + ".." + base64.RawURLEncoding.EncodeToString(sig)
}

// hmacForge signs with HS256 using secret, the classic alg-confusion attack
// where the verifier's public key bytes serve as the HMAC secret.
func hmacForge(t testing.TB, kid string, payload, secret []byte) string {
	t.Helper()
	h, err := json.Marshal(map[string]any{"alg": "HS256", "kid": kid, "typ": testTyp})
	if err != nil {
		t.Fatal(err)
	}
	head := base64.RawURLEncoding.EncodeToString(h)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(head + "." + base64.RawURLEncoding.EncodeToString(payload)))
	return head + ".." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func signWith(t testing.TB, alg jose.SignatureAlgorithm, key any, opts *jose.SignerOptions, payload []byte, detached bool) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if detached {
		out, err = obj.DetachedCompactSerialize()
	} else {
		out, err = obj.CompactSerialize()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyDetached(t *testing.T) {
	t.Parallel()
	payload := []byte(`{"format":"cavra.policy.v1","packs":[]}`)
	ed := mustGenerate(t, jose.EdDSA, "ed")
	ec := mustGenerate(t, jose.ES256, "ec")
	other := mustGenerate(t, jose.EdDSA, "ed") // same kid, different key
	trusted := setOf(ed, ec)

	good := func(k jose.JSONWebKey) string {
		jws, err := SignDetached(payload, k, testTyp)
		if err != nil {
			t.Fatal(err)
		}
		return jws
	}
	edPubBytes := []byte(ed.Public().Key.(ed25519.PublicKey))
	edPubJSON, _ := json.Marshal(ed.Public())

	// An attacker key that claims kid "ec" but is Ed25519.
	confused := mustGenerate(t, jose.EdDSA, "ec")
	ecNoAlg := ec.Public()
	ecNoAlg.Algorithm = ""
	// A trusted key whose declared alg is ES256 although the JWS is EdDSA:
	// checked before the key type.
	edDeclES := ed.Public()
	edDeclES.KeyID = "edx"
	edDeclES.Algorithm = string(jose.ES256)
	edForDecl := ed
	edForDecl.KeyID = "edx"
	edForDecl.Algorithm = ""

	tests := []struct {
		name    string
		jws     string
		payload []byte
		set     *jose.JSONWebKeySet
		typ     string
		wantKid string
		wantErr string
		wantIs  error
	}{
		{name: "EdDSA", jws: good(ed), wantKid: "ed"},
		{name: "ES256", jws: good(ec), wantKid: "ec"},
		{name: "no typ required", jws: good(ed), typ: "-", wantKid: "ed"},
		{name: "picks by kid in a large set", jws: good(ec), set: setOf(mustGenerate(t, "", "a"), mustGenerate(t, jose.ES256, "b"), ec, mustGenerate(t, "", "c")), wantKid: "ec"},
		{name: "whitespace tolerated", jws: " " + good(ed) + "\n", wantKid: "ed"},

		{name: "wrong key", jws: good(other), wantIs: jose.ErrCryptoFailure, wantErr: `key "ed"`},
		{name: "tampered payload", jws: good(ed), payload: []byte(`{"format":"cavra.policy.v1","packs":[1]}`), wantIs: jose.ErrCryptoFailure},
		{name: "empty payload", jws: good(ed), payload: []byte{}, wantIs: jose.ErrCryptoFailure},
		{name: "typ mismatch", jws: good(ed), typ: "cavra-approval+jws", wantErr: `typ is "cavra-test+jws"`},
		{name: "typ missing", jws: func() string { j, _ := SignDetached(payload, ed, ""); return j }(), wantErr: `typ is ""`},
		{name: "unknown kid", jws: good(mustGenerate(t, "", "stranger")), wantErr: `key "stranger" is not trusted`},
		{name: "missing kid", jws: signWith(t, jose.EdDSA, ed.Key, (&jose.SignerOptions{}).WithType(testTyp), payload, true), wantErr: "no kid"},
		{name: "embedded attacker jwk", jws: signWith(t, jose.EdDSA, other, (&jose.SignerOptions{EmbedJWK: true}).WithType(testTyp), payload, true), wantErr: "no kid"},
		{name: "HS256 with public key as secret", jws: hmacForge(t, "ed", payload, edPubBytes), wantErr: `unexpected signature algorithm "HS256"`},
		{name: "HS256 with public JWK as secret", jws: hmacForge(t, "ed", payload, edPubJSON), wantErr: `unexpected signature algorithm "HS256"`},
		{name: "alg none", jws: forge(t, map[string]any{"alg": "none", "kid": "ed"}, nil), wantErr: `unexpected signature algorithm "none"`},
		{name: "alg missing", jws: forge(t, map[string]any{"kid": "ed"}, []byte("x")), wantErr: "algorithm not accepted"},
		{name: "RS256", jws: forge(t, map[string]any{"alg": "RS256", "kid": "ed"}, []byte("x")), wantErr: "algorithm not accepted"},
		{name: "key type differs from alg", jws: good(confused), set: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{ecNoAlg}}, wantErr: `is a ES256 key, but the JWS says "EdDSA"`},
		{name: "declared alg differs", jws: good(edForDecl), set: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{edDeclES}}, wantErr: "declares alg"},
		{name: "trusted key declares other alg", jws: good(confused), wantErr: `key "ec" is for alg "ES256", but the JWS says "EdDSA"`},
		{name: "duplicate kid in set", jws: good(ed), set: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{ed.Public(), other.Public()}}, wantErr: "2 keys"},
		{name: "symmetric key in set", jws: good(ed), set: &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: edPubBytes, KeyID: "ed"}}}, wantErr: "symmetric"},
		{name: "not detached", jws: signWith(t, jose.EdDSA, ed, nil, payload, false), wantErr: "malformed"},
		{name: "two parts", jws: "abc.def", wantErr: "malformed"},
		{name: "empty", jws: "", wantErr: "malformed"},
		{name: "bad base64 header", jws: "!!..AAAA", wantErr: "malformed"},
		{name: "header not json", jws: base64.RawURLEncoding.EncodeToString([]byte("[1]")) + "..AAAA", wantErr: "malformed"},
		{name: "nil set", jws: good(ed), set: &jose.JSONWebKeySet{}, wantErr: "no trusted keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set := tt.set
			if set == nil {
				set = trusted
			}
			p := tt.payload
			if p == nil {
				p = payload
			}
			typ := testTyp
			if tt.typ == "-" {
				typ = ""
			} else if tt.typ != "" {
				typ = tt.typ
			}
			kid, err := VerifyDetached(tt.jws, p, set, typ)
			if tt.wantKid != "" {
				if err != nil {
					t.Fatal(err)
				}
				if kid != tt.wantKid {
					t.Fatalf("kid = %q, want %q", kid, tt.wantKid)
				}
				return
			}
			if err == nil {
				t.Fatalf("verified by %q, want an error", kid)
			}
			if kid != "" {
				t.Errorf("kid = %q on error, want empty", kid)
			}
			if !strings.HasPrefix(err.Error(), "keys: ") {
				t.Errorf("error without package prefix: %v", err)
			}
			if tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
		})
	}
}

func TestVerifyDetachedNilArgs(t *testing.T) {
	t.Parallel()
	ed := mustGenerate(t, jose.EdDSA, "ed")
	jws, err := SignDetached(nil, ed, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyDetached(jws, nil, setOf(ed), ""); err != nil {
		t.Fatalf("nil payload: %v", err)
	}
	if _, err := VerifyDetached(jws, []byte{}, setOf(ed), ""); err != nil {
		t.Fatalf("empty payload verifies a nil-payload signature: %v", err)
	}
	if _, err := VerifyDetached(jws, nil, nil, ""); err == nil {
		t.Fatal("nil set: want error")
	}
}

func TestHS256RejectedAsTypedError(t *testing.T) {
	t.Parallel()
	ed := mustGenerate(t, jose.EdDSA, "ed")
	_, err := VerifyDetached(hmacForge(t, "ed", []byte("p"), []byte("secret")), []byte("p"), setOf(ed), "")
	var algErr *jose.ErrUnexpectedSignatureAlgorithm
	if !errors.As(err, &algErr) || algErr.Got != jose.HS256 {
		t.Fatalf("err = %v, want *jose.ErrUnexpectedSignatureAlgorithm{Got: HS256}", err)
	}
}

func TestSignDetachedRejects(t *testing.T) {
	t.Parallel()
	ed := mustGenerate(t, jose.EdDSA, "ed")
	noKid := ed
	noKid.KeyID = ""
	wrongAlg := ed
	wrongAlg.Algorithm = string(jose.ES256)
	tests := []struct {
		name string
		key  jose.JSONWebKey
		want string
	}{
		{"public key", ed.Public(), "public key"},
		{"no kid", noKid, "no kid"},
		{"declared alg mismatch", wrongAlg, "declares alg"},
		{"symmetric", jose.JSONWebKey{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "h"}, "symmetric"},
		{"empty", jose.JSONWebKey{}, "empty key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := SignDetached([]byte("p"), tt.key, "")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSignDetachedHeader(t *testing.T) {
	t.Parallel()
	ec := mustGenerate(t, jose.ES256, "ec-1")
	jws, err := SignDetached([]byte("p"), ec, testTyp)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(jws, ".")
	raw, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"alg": "ES256", "kid": "ec-1", "typ": testTyp}
	if len(h) != len(want) {
		t.Fatalf("header = %v, want %v", h, want)
	}
	for k, v := range want {
		if h[k] != v {
			t.Fatalf("header = %v, want %v", h, want)
		}
	}
}
