package keys

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
)

func mustGenerate(t testing.TB, alg jose.SignatureAlgorithm, kid string) jose.JSONWebKey {
	t.Helper()
	k, err := Generate(alg, kid)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func setOf(ks ...jose.JSONWebKey) *jose.JSONWebKeySet {
	set := &jose.JSONWebKeySet{}
	for _, k := range ks {
		set.Keys = append(set.Keys, k.Public())
	}
	return set
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		alg     jose.SignatureAlgorithm
		kid     string
		wantAlg jose.SignatureAlgorithm
		wantErr string
	}{
		{name: "default is EdDSA", alg: "", kid: "k1", wantAlg: jose.EdDSA},
		{name: "EdDSA", alg: jose.EdDSA, kid: "k1", wantAlg: jose.EdDSA},
		{name: "ES256", alg: jose.ES256, kid: "k1", wantAlg: jose.ES256},
		{name: "thumbprint kid", alg: jose.EdDSA, wantAlg: jose.EdDSA},
		{name: "HS256 refused", alg: jose.HS256, kid: "k1", wantErr: "unsupported algorithm"},
		{name: "RS256 refused", alg: jose.RS256, kid: "k1", wantErr: "unsupported algorithm"},
		{name: "path in kid", alg: jose.EdDSA, kid: "../evil", wantErr: "cannot name a key file"},
		{name: "dot kid", alg: jose.EdDSA, kid: ".hidden", wantErr: "cannot name a key file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := Generate(tt.alg, tt.kid)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm != string(tt.wantAlg) || k.Use != "sig" || k.IsPublic() {
				t.Fatalf("got alg=%q use=%q public=%v", k.Algorithm, k.Use, k.IsPublic())
			}
			want := tt.kid
			if want == "" {
				if want, err = Thumbprint(k); err != nil {
					t.Fatal(err)
				}
			}
			if k.KeyID != want {
				t.Fatalf("kid = %q, want %q", k.KeyID, want)
			}
		})
	}
}

// TestThumbprintRFC8037 checks the Ed25519 thumbprint from RFC 8037, appendix A.3.
func TestThumbprintRFC8037(t *testing.T) {
	t.Parallel()
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON([]byte(`{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`)); err != nil {
		t.Fatal(err)
	}
	got, err := Thumbprint(k)
	if err != nil {
		t.Fatal(err)
	}
	if want := "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"; got != want {
		t.Fatalf("thumbprint = %s, want %s", got, want)
	}
	priv := mustGenerate(t, jose.ES256, "x")
	a, _ := Thumbprint(priv)
	b, _ := Thumbprint(priv.Public())
	if a == "" || a != b {
		t.Fatalf("private and public thumbprints differ: %q %q", a, b)
	}
	if _, err := Thumbprint(jose.JSONWebKey{Key: []byte("secret")}); err == nil {
		t.Fatal("thumbprint of a symmetric key: want error")
	}
}

func TestFileRoundTrip(t *testing.T) {
	t.Parallel()
	for _, alg := range Algorithms {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "keys")
			priv := mustGenerate(t, alg, "ci-"+strings.ToLower(string(alg)))
			privPath, pubPath, err := WritePair(dir, priv, false)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(privPath) != priv.KeyID+".private.jwk" || filepath.Base(pubPath) != priv.KeyID+".public.jwk" {
				t.Fatalf("paths = %s, %s", privPath, pubPath)
			}
			if runtime.GOOS != "windows" {
				checkMode(t, dir, 0o700)
				checkMode(t, privPath, 0o600)
				checkMode(t, pubPath, 0o644)
			}
			pubData, err := os.ReadFile(pubPath)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(pubData), `"d"`) {
				t.Fatalf("public key file holds private material:\n%s", pubData)
			}

			gotPriv, err := ReadPrivate(privPath)
			if err != nil {
				t.Fatal(err)
			}
			set, err := ReadPublic(pubPath)
			if err != nil {
				t.Fatal(err)
			}
			payload := []byte(`{"format":"cavra.policy.v1"}`)
			jws, err := SignDetached(payload, gotPriv, "cavra-policy+jws")
			if err != nil {
				t.Fatal(err)
			}
			if parts := strings.Split(jws, "."); len(parts) != 3 || parts[1] != "" {
				t.Fatalf("not a detached compact JWS: %q", jws)
			}
			kid, err := VerifyDetached(jws, payload, set, "cavra-policy+jws")
			if err != nil {
				t.Fatal(err)
			}
			if kid != priv.KeyID {
				t.Fatalf("kid = %q, want %q", kid, priv.KeyID)
			}
			// typ "" skips the typ check.
			if _, err := VerifyDetached(jws, payload, set, ""); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", path, got, want)
	}
}

func TestWritePairOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first := mustGenerate(t, jose.EdDSA, "k1")
	privPath, pubPath, err := WritePair(dir, first, false)
	if err != nil {
		t.Fatal(err)
	}

	second := mustGenerate(t, jose.ES256, "k1")
	if _, _, err := WritePair(dir, second, false); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want fs.ErrExist", err)
	}
	// A refusal leaves the first key in place.
	got, err := ReadPrivate(privPath)
	if err != nil {
		t.Fatal(err)
	}
	if got.Algorithm != string(jose.EdDSA) {
		t.Fatalf("first key replaced: alg %q", got.Algorithm)
	}

	// Only the public half exists: still refused, and no private file is left behind.
	if err := os.Remove(privPath); err != nil {
		t.Fatal(err)
	}
	if _, _, err := WritePair(dir, second, false); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want fs.ErrExist", err)
	}
	if _, err := os.Stat(privPath); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("private key file left behind: %v", err)
	}

	// Overwrite replaces both, and tightens a loose mode.
	if err := os.WriteFile(privPath, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(privPath, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := WritePair(dir, second, true); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		checkMode(t, privPath, 0o600)
		checkMode(t, pubPath, 0o644)
	}
	got, err = ReadPrivate(privPath)
	if err != nil {
		t.Fatal(err)
	}
	if got.Algorithm != string(jose.ES256) {
		t.Fatalf("key not replaced: alg %q", got.Algorithm)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("directory holds %d entries, want 2 (temporary files left?)", len(entries))
	}
}

func TestWritePairRejects(t *testing.T) {
	t.Parallel()
	priv := mustGenerate(t, jose.EdDSA, "k1")
	noKid := priv
	noKid.KeyID = ""
	badKid := priv
	badKid.KeyID = "a/b"
	tests := []struct {
		name string
		key  jose.JSONWebKey
		want string
	}{
		{"public key", priv.Public(), "public key"},
		{"no kid", noKid, "no kid"},
		{"kid with slash", badKid, "cannot name a key file"},
		{"symmetric", jose.JSONWebKey{Key: make([]byte, 32), KeyID: "k1"}, "symmetric"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			_, _, err := WritePair(dir, tt.key, false)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestReadPrivateRejects(t *testing.T) {
	t.Parallel()
	priv := mustGenerate(t, jose.EdDSA, "k1")
	privJSON, err := json.Marshal(priv)
	if err != nil {
		t.Fatal(err)
	}
	pubJSON, err := json.Marshal(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	setJSON := `{"keys":[` + string(privJSON) + `]}`
	tests := []struct {
		name string
		data string
		mode os.FileMode
		want string
	}{
		{"mode 0644", string(privJSON), 0o644, "chmod 600"},
		{"mode 0640", string(privJSON), 0o640, "chmod 600"},
		{"public key", string(pubJSON), 0o600, "public key"},
		{"key set", setJSON, 0o600, "key set"},
		{"not json", "-----BEGIN PRIVATE KEY-----", 0o600, "invalid JSON"},
		{"null", "null", 0o600, "not a JSON object"},
		{"symmetric", `{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI","kid":"k1"}`, 0o600, "symmetric"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.mode&0o077 != 0 && runtime.GOOS == "windows" {
				t.Skip("file modes are not checked on windows")
			}
			path := filepath.Join(t.TempDir(), "k1.private.jwk")
			if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil {
				t.Fatal(err)
			}
			_, err := ReadPrivate(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "keys: ") {
				t.Fatalf("error without package prefix: %v", err)
			}
		})
	}
	if _, err := ReadPrivate(filepath.Join(t.TempDir(), "missing.jwk")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}

func marshalJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParsePublic(t *testing.T) {
	t.Parallel()
	ed := mustGenerate(t, jose.EdDSA, "ed")
	ec := mustGenerate(t, jose.ES256, "ec")
	edPriv := marshalJSON(t, ed)
	edPub := marshalJSON(t, ed.Public())
	ecPub := marshalJSON(t, ec.Public())

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPub := marshalJSON(t, jose.JSONWebKey{Key: rsaKey.Public(), KeyID: "rsa"})
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	p384Pub := marshalJSON(t, jose.JSONWebKey{Key: p384.Public(), KeyID: "p384"})
	edNoKid := marshalJSON(t, jose.JSONWebKey{Key: ed.Public().Key})
	edWrongAlg := marshalJSON(t, jose.JSONWebKey{Key: ed.Public().Key, KeyID: "ed", Algorithm: "ES256"})
	edEnc := marshalJSON(t, jose.JSONWebKey{Key: ed.Public().Key, KeyID: "ed", Use: "enc"})

	tests := []struct {
		name     string
		data     string
		wantKids []string
		wantErr  string
	}{
		{name: "single JWK", data: edPub, wantKids: []string{"ed"}},
		{name: "private JWK reduced", data: edPriv, wantKids: []string{"ed"}},
		{name: "JWKS", data: `{"keys":[` + edPub + `,` + ecPub + `]}`, wantKids: []string{"ed", "ec"}},
		{name: "JWKS with private key", data: `{"keys":[` + edPriv + `,` + ecPub + `]}`, wantKids: []string{"ed", "ec"}},
		{name: "empty JWKS", data: `{"keys":[]}`, wantErr: "no keys"},
		{name: "keys not array", data: `{"keys":{}}`, wantErr: "not an array"},
		{name: "duplicate kid", data: `{"keys":[` + edPub + `,` + edPriv + `]}`, wantErr: "duplicate kid"},
		{name: "missing kid", data: edNoKid, wantErr: "missing kid"},
		{name: "RSA", data: rsaPub, wantErr: "RSA"},
		{name: "P-384", data: p384Pub, wantErr: "P-384"},
		{name: "symmetric", data: `{"kty":"oct","k":"c2VjcmV0","kid":"h"}`, wantErr: "symmetric"},
		{name: "unknown kty", data: `{"kty":"XYZ","kid":"x"}`, wantErr: "invalid JWK"},
		{name: "declared alg mismatch", data: edWrongAlg, wantErr: "declares alg"},
		{name: "use enc", data: edEnc, wantErr: `use "enc"`},
		{name: "second key bad", data: `{"keys":[` + edPub + `,` + rsaPub + `]}`, wantErr: "key 1"},
		{name: "not json", data: `{"kty":`, wantErr: "invalid JSON"},
		{name: "array", data: `[]`, wantErr: "invalid JSON"},
		{name: "null", data: `null`, wantErr: "not a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			set, err := parsePublic([]byte(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var kids []string
			for _, k := range set.Keys {
				if !k.IsPublic() {
					t.Errorf("key %q is not public", k.KeyID)
				}
				kids = append(kids, k.KeyID)
			}
			if strings.Join(kids, ",") != strings.Join(tt.wantKids, ",") {
				t.Fatalf("kids = %v, want %v", kids, tt.wantKids)
			}
		})
	}
}

func TestReadPublicFile(t *testing.T) {
	t.Parallel()
	if _, err := ReadPublic(filepath.Join(t.TempDir(), "missing.jwks")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	path := filepath.Join(t.TempDir(), "big.jwks")
	if err := os.WriteFile(path, make([]byte, maxFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPublic(path); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want size error", err)
	}
}

// Ed25519 public keys are raw bytes; make sure a plain ed25519.PublicKey in a
// caller-built set works as well as one read from a file.
func TestVerifyCallerBuiltSet(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := jose.JSONWebKey{Key: priv, KeyID: "raw"}
	jws, err := SignDetached([]byte("x"), k, "")
	if err != nil {
		t.Fatal(err)
	}
	set := &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: "raw"}}}
	if _, err := VerifyDetached(jws, []byte("x"), set, ""); err != nil {
		t.Fatal(err)
	}
	// A private key placed in the set is used through its public half.
	set = &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{k}}
	if _, err := VerifyDetached(jws, []byte("x"), set, ""); err != nil {
		t.Fatal(err)
	}
}
