package policy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/internal/keys"
)

const signedPack = `# A pack to sign.
metadata:
  id: cavra-signed
  title: Signed
  description: A signed pack.
  version: 1.0.0
filesystem:
  block_read: [.env, "**/*.pem"]
commands:
  block: [terraform apply*]
`

// writePack writes a pack file in a fresh directory and returns its path.
func writePack(t *testing.T, src string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "cavra-signed")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func genKey(t *testing.T, alg jose.SignatureAlgorithm, kid string) (jose.JSONWebKey, *jose.JSONWebKeySet) {
	t.Helper()
	priv, err := keys.Generate(alg, kid)
	if err != nil {
		t.Fatal(err)
	}
	return priv, &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{priv.Public()}}
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	for _, alg := range []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256} {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			priv, pub := genKey(t, alg, "release-"+strings.ToLower(string(alg)))
			path := writePack(t, signedPack)
			sig, err := SignFile(path, priv)
			if err != nil {
				t.Fatal(err)
			}
			if sig != path+SignatureSuffix {
				t.Errorf("signature written to %s, want %s", sig, path+SignatureSuffix)
			}
			kid, err := VerifyFile(path, pub)
			if err != nil || kid != priv.KeyID {
				t.Fatalf("VerifyFile = %q, %v", kid, err)
			}
			// The directory names the pack too.
			if _, err := VerifyFile(filepath.Dir(path), pub); err != nil {
				t.Errorf("VerifyFile(dir): %v", err)
			}
		})
	}
}

func TestVerifyAfterEdits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		edit   func(string) string
		passes bool
	}{
		{"unchanged", func(s string) string { return s }, true},
		{"comment only", func(s string) string { return s + "# reviewed by alice\n" }, true},
		{"reformatted", func(s string) string {
			return strings.Replace(s, `block_read: [.env, "**/*.pem"]`, "block_read:\n    - .env\n    - '**/*.pem'", 1)
		}, true},
		{"pattern changed", func(s string) string { return strings.Replace(s, "terraform apply*", "terraform apply -x*", 1) }, false},
		{"entry removed", func(s string) string { return strings.Replace(s, `, "**/*.pem"`, "", 1) }, false},
		{"section added", func(s string) string { return s + "commands_extra: {x: 1}\n" }, false},
		{"description changed", func(s string) string { return strings.Replace(s, "A signed pack.", "A signed pack!", 1) }, false},
		{"list reordered", func(s string) string {
			return strings.Replace(s, `[.env, "**/*.pem"]`, `["**/*.pem", .env]`, 1)
		}, false},
	}
	priv, pub := genKey(t, jose.EdDSA, "k1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := writePack(t, signedPack)
			if _, err := SignFile(path, priv); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(tt.edit(signedPack)), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := VerifyFile(path, pub)
			if tt.passes && err != nil {
				t.Errorf("verify failed: %v", err)
			}
			if !tt.passes {
				if err == nil {
					t.Fatal("a changed pack verified")
				}
				if !errors.Is(err, jose.ErrCryptoFailure) || !strings.Contains(err.Error(), "does not verify") {
					t.Errorf("error %v, want a signature failure", err)
				}
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	priv, pub := genKey(t, jose.EdDSA, "k1")
	_, other := genKey(t, jose.EdDSA, "k2")
	_, sameKidOtherKey := genKey(t, jose.EdDSA, "k1")
	_, es := genKey(t, jose.ES256, "k1")
	signed := writePack(t, signedPack)
	if _, err := SignFile(signed, priv); err != nil {
		t.Fatal(err)
	}
	unsigned := writePack(t, signedPack)
	garbled := writePack(t, signedPack)
	if err := os.WriteFile(garbled+SignatureSuffix, []byte("not a jws\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		keys *jose.JSONWebKeySet
		want string
	}{
		{"nil key set", signed, nil, "no public key"},
		{"empty key set", signed, &jose.JSONWebKeySet{}, "no public key"},
		{"key with another kid", signed, other, "does not verify"},
		{"same kid, other key", signed, sameKidOtherKey, "does not verify"},
		{"same kid, other algorithm", signed, es, "does not verify"},
		{"no signature file", unsigned, pub, "is not signed"},
		{"garbled signature", garbled, pub, "does not verify"},
		{"missing pack", filepath.Join(t.TempDir(), "nope.yaml"), pub, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kid, err := VerifyFile(tt.path, tt.keys)
			if err == nil {
				t.Fatalf("verified by %q", kid)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
	// A public key cannot sign.
	if _, err := SignFile(unsigned, pub.Keys[0]); err == nil {
		t.Error("SignFile with a public key succeeded")
	}
	// An invalid pack is not signed.
	bad := writePack(t, "metadata: {id: nope}\n")
	if _, err := SignFile(bad, priv); err == nil {
		t.Error("SignFile of an invalid pack succeeded")
	}
	if _, err := os.Stat(bad + SignatureSuffix); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a signature was written for an invalid pack: %v", err)
	}
}

func TestNormalizedIgnoresFormat(t *testing.T) {
	t.Parallel()
	y, err := Parse("p.yaml", []byte(minimalYAML))
	if err != nil {
		t.Fatal(err)
	}
	j, err := Parse("p.json", []byte(minimalJSON))
	if err != nil {
		t.Fatal(err)
	}
	ny, err := y.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	nj, err := j.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	if string(ny) != string(nj) {
		t.Errorf("YAML and JSON forms normalize differently:\n%s\n%s", ny, nj)
	}
}
