package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	jose "github.com/go-jose/go-jose/v4"
)

// Algorithms are the signature algorithms accepted for verification
// everywhere in CAVRA: EdDSA (Ed25519) and ES256 (P-256). Never "none",
// never HMAC.
var Algorithms = []jose.SignatureAlgorithm{jose.EdDSA, jose.ES256}

// maxFileSize bounds what ReadPrivate and ReadPublic will read; a key set
// is a few kilobytes at most.
const maxFileSize = 1 << 20

// Generate creates a new private signing key. alg is jose.EdDSA (the
// default when "") or jose.ES256. When kid is "", the key's RFC 7638
// thumbprint is used. The kid must be usable as a file name: letters,
// digits, '.', '_' and '-', not starting with '.'.
func Generate(alg jose.SignatureAlgorithm, kid string) (jose.JSONWebKey, error) {
	var key crypto.Signer
	var err error
	switch alg {
	case "", jose.EdDSA:
		alg = jose.EdDSA
		_, key, err = ed25519.GenerateKey(rand.Reader)
	case jose.ES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return jose.JSONWebKey{}, fmt.Errorf("keys: unsupported algorithm %q (want %s or %s)", alg, jose.EdDSA, jose.ES256)
	}
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("keys: generate %s key: %w", alg, err)
	}
	k := jose.JSONWebKey{Key: key, Algorithm: string(alg), Use: "sig"}
	if kid == "" {
		if kid, err = Thumbprint(k); err != nil {
			return jose.JSONWebKey{}, err
		}
	}
	if err := checkFileKID(kid); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("keys: %w", err)
	}
	k.KeyID = kid
	return k, nil
}

// WritePair writes DIR/KID.private.jwk (mode 0600) and DIR/KID.public.jwk
// (mode 0644), creating DIR with mode 0700 if needed, and returns the two
// paths. Unless overwrite is true it refuses to replace either file (the
// error wraps fs.ErrExist); with overwrite, each file is replaced atomically.
func WritePair(dir string, priv jose.JSONWebKey, overwrite bool) (privPath, pubPath string, err error) {
	if _, err := checkPrivate(priv); err != nil {
		return "", "", fmt.Errorf("keys: write key pair: %w", err)
	}
	if err := checkFileKID(priv.KeyID); err != nil {
		return "", "", fmt.Errorf("keys: write key pair: %w", err)
	}
	pub := priv.Public()
	privJSON, err := marshalKey(priv)
	if err != nil {
		return "", "", err
	}
	pubJSON, err := marshalKey(pub)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", fmt.Errorf("keys: create key directory: %w", err)
	}
	privPath = filepath.Join(dir, priv.KeyID+".private.jwk")
	pubPath = filepath.Join(dir, priv.KeyID+".public.jwk")

	if overwrite {
		if err := replaceFile(privPath, privJSON, 0o600); err != nil {
			return "", "", err
		}
		if err := replaceFile(pubPath, pubJSON, 0o644); err != nil {
			return "", "", err
		}
		return privPath, pubPath, nil
	}
	// Check both first so a refusal leaves nothing behind; O_EXCL below
	// still closes the race.
	for _, p := range []string{privPath, pubPath} {
		if _, err := os.Lstat(p); err == nil {
			return "", "", fmt.Errorf("keys: refusing to overwrite %s: %w", p, fs.ErrExist)
		}
	}
	if err := createFile(privPath, privJSON, 0o600); err != nil {
		return "", "", err
	}
	if err := createFile(pubPath, pubJSON, 0o644); err != nil {
		_ = os.Remove(privPath)
		return "", "", err
	}
	return privPath, pubPath, nil
}

// ReadPrivate reads a private JWK file. It refuses a public key, a key type
// other than Ed25519 or P-256, a key without kid, and — on unix — a file
// that group or others may read.
func ReadPrivate(path string) (jose.JSONWebKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("keys: open private key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("keys: stat private key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return jose.JSONWebKey{}, fmt.Errorf("keys: private key %s is not a regular file", path)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return jose.JSONWebKey{}, fmt.Errorf("keys: private key %s is accessible by group or others (mode %04o); run: chmod 600 %s",
			path, fi.Mode().Perm(), path)
	}
	data, err := readLimited(f)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("keys: read private key %s: %w", path, err)
	}
	k, err := parsePrivate(data)
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("keys: %s: %w", path, err)
	}
	return k, nil
}

// ReadPublic reads a JWK or a JWKS file and returns its keys as a set of
// public keys. Private keys in the file are reduced to their public halves.
// A key of an unsupported type or algorithm, a key without kid, or two keys
// with the same kid is an error.
func ReadPublic(path string) (*jose.JSONWebKeySet, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("keys: open public keys: %w", err)
	}
	defer f.Close()
	data, err := readLimited(f)
	if err != nil {
		return nil, fmt.Errorf("keys: read public keys %s: %w", path, err)
	}
	set, err := parsePublic(data)
	if err != nil {
		return nil, fmt.Errorf("keys: %s: %w", path, err)
	}
	return set, nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a key, base64url
// without padding. It is the same for a private key and its public half, so
// it serves as a default kid.
func Thumbprint(k jose.JSONWebKey) (string, error) {
	if _, _, err := keyAlg(k.Key); err != nil {
		return "", fmt.Errorf("keys: thumbprint: %w", err)
	}
	sum, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("keys: thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

// parsePrivate parses one private JWK.
func parsePrivate(data []byte) (jose.JSONWebKey, error) {
	obj, err := jsonObject(data)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	if _, ok := obj["keys"]; ok {
		return jose.JSONWebKey{}, errors.New("file is a key set (JWKS); a private key file holds one JWK")
	}
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(data); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("invalid JWK: %w", err)
	}
	if _, err := checkPrivate(k); err != nil {
		return jose.JSONWebKey{}, err
	}
	return k, nil
}

// parsePublic parses a JWK or a JWKS into a set of public keys.
func parsePublic(data []byte) (*jose.JSONWebKeySet, error) {
	obj, err := jsonObject(data)
	if err != nil {
		return nil, err
	}
	raws := []json.RawMessage{data}
	if rawKeys, ok := obj["keys"]; ok {
		if err := json.Unmarshal(rawKeys, &raws); err != nil {
			return nil, fmt.Errorf("invalid JWKS: \"keys\" is not an array: %w", err)
		}
		if len(raws) == 0 {
			return nil, errors.New("JWKS holds no keys")
		}
	}
	set := &jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, 0, len(raws))}
	seen := make(map[string]bool, len(raws))
	for i, raw := range raws {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("key %d: invalid JWK: %w", i, err)
		}
		if _, err := checkKey(k); err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
		if k.KeyID == "" {
			return nil, fmt.Errorf("key %d: missing kid", i)
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("key %d: duplicate kid %q", i, k.KeyID)
		}
		seen[k.KeyID] = true
		set.Keys = append(set.Keys, k.Public())
	}
	return set, nil
}

// jsonObject checks that data is one JSON object and returns its members.
func jsonObject(data []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if obj == nil {
		return nil, errors.New("not a JSON object")
	}
	return obj, nil
}

// keyAlg returns the algorithm a key type signs with and whether the key is
// private. Anything but Ed25519 and P-256 is refused.
func keyAlg(key any) (alg jose.SignatureAlgorithm, private bool, err error) {
	switch k := key.(type) {
	case ed25519.PrivateKey:
		if len(k) == ed25519.PrivateKeySize {
			return jose.EdDSA, true, nil
		}
		return "", false, errors.New("invalid Ed25519 private key length")
	case ed25519.PublicKey:
		if len(k) == ed25519.PublicKeySize {
			return jose.EdDSA, false, nil
		}
		return "", false, errors.New("invalid Ed25519 public key length")
	case *ecdsa.PrivateKey:
		if k != nil && k.Curve == elliptic.P256() {
			return jose.ES256, true, nil
		}
		if k != nil {
			return "", false, fmt.Errorf("unsupported EC curve %s (want P-256)", curveName(k.Curve))
		}
	case *ecdsa.PublicKey:
		if k != nil && k.Curve == elliptic.P256() {
			return jose.ES256, false, nil
		}
		if k != nil {
			return "", false, fmt.Errorf("unsupported EC curve %s (want P-256)", curveName(k.Curve))
		}
	case *rsa.PrivateKey, *rsa.PublicKey:
		return "", false, errors.New("unsupported key type RSA (want Ed25519 or P-256)")
	case []byte:
		return "", false, errors.New("unsupported key type oct (symmetric keys are never accepted)")
	case nil:
		return "", false, errors.New("empty key")
	}
	return "", false, fmt.Errorf("unsupported key type %T (want Ed25519 or P-256)", key)
}

func curveName(c elliptic.Curve) string {
	if c == nil || c.Params() == nil {
		return "(none)"
	}
	return c.Params().Name
}

// checkKey validates a signing key (private or public) and returns its
// algorithm: a supported type, a declared alg (if any) matching that type,
// and use "sig" (if any).
func checkKey(k jose.JSONWebKey) (jose.SignatureAlgorithm, error) {
	alg, _, err := keyAlg(k.Key)
	if err != nil {
		return "", err
	}
	if !k.Valid() {
		return "", errors.New("invalid key parameters")
	}
	if k.Algorithm != "" && k.Algorithm != string(alg) {
		return "", fmt.Errorf("key %q declares alg %q but is a %s key", k.KeyID, k.Algorithm, alg)
	}
	if k.Use != "" && k.Use != "sig" {
		return "", fmt.Errorf("key %q has use %q (want \"sig\")", k.KeyID, k.Use)
	}
	return alg, nil
}

// checkPrivate is checkKey for a private key with a kid.
func checkPrivate(k jose.JSONWebKey) (jose.SignatureAlgorithm, error) {
	alg, err := checkKey(k)
	if err != nil {
		return "", err
	}
	if _, private, _ := keyAlg(k.Key); !private {
		return "", fmt.Errorf("key %q is a public key, not a private key", k.KeyID)
	}
	if k.KeyID == "" {
		return "", errors.New("private key has no kid")
	}
	return alg, nil
}

// checkFileKID checks that kid is safe to use inside a file name.
func checkFileKID(kid string) error {
	if kid == "" || len(kid) > 128 || kid[0] == '.' {
		return fmt.Errorf("kid %q cannot name a key file (1-128 of A-Z a-z 0-9 . _ -, not starting with '.')", kid)
	}
	for _, c := range kid {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return fmt.Errorf("kid %q cannot name a key file (1-128 of A-Z a-z 0-9 . _ -, not starting with '.')", kid)
		}
	}
	return nil
}

func marshalKey(k jose.JSONWebKey) ([]byte, error) {
	b, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("keys: encode key %q: %w", k.KeyID, err)
	}
	return append(b, '\n'), nil
}

func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxFileSize {
		return nil, fmt.Errorf("file larger than %d bytes", maxFileSize)
	}
	return data, nil
}

// createFile writes a new file, failing if it exists.
func createFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("keys: create %s: %w", path, err)
	}
	if err := writeClose(f, data, perm); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("keys: write %s: %w", path, err)
	}
	return nil
}

// replaceFile writes a file through a temporary file and a rename, so a
// reader never sees a half-written key and the mode is exactly perm.
func replaceFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("keys: create temporary file for %s: %w", path, err)
	}
	tmp := f.Name()
	if err := writeClose(f, data, perm); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("keys: write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("keys: replace %s: %w", path, err)
	}
	return nil
}

// writeClose sets the mode (umask does not apply to chmod), writes, syncs
// and closes f.
func writeClose(f *os.File, data []byte, perm os.FileMode) error {
	err := f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
