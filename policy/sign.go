package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/internal/canonjson"
	"github.com/cavra-dev/cavra/internal/keys"
)

// SignatureType is the JWS "typ" of a pack signature.
const SignatureType = "cavra-policy+jws"

// SignatureSuffix is appended to a pack file's name to name its signature.
const SignatureSuffix = ".sig"

// Normalized returns the pack's canonical JSON: what a signature covers.
// Formatting and comments do not change it; any change of content does.
func (p *Pack) Normalized() ([]byte, error) { return canonjson.Marshal(p.raw) }

// packFile resolves a pack path that may name a directory.
func packFile(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("policy: %w", err)
	}
	if st.IsDir() {
		f := packFileIn(path)
		if f == "" {
			return "", fmt.Errorf("policy: %s: no policy.yaml, policy.yml or policy.json in directory", path)
		}
		return f, nil
	}
	return path, nil
}

// normalizedPack loads the pack at path (a file, or a directory holding
// one) and returns its file and normalized content.
func normalizedPack(path string) (string, []byte, error) {
	file, err := packFile(path)
	if err != nil {
		return "", nil, err
	}
	p, err := LoadFile(file)
	if err != nil {
		return "", nil, err
	}
	doc, err := p.Normalized()
	return file, doc, err
}

// SignFile signs the pack at path (a file, or a directory holding one) with
// priv and writes the detached JWS beside it as "<file>.sig". It returns the
// signature's path.
func SignFile(path string, priv jose.JSONWebKey) (string, error) {
	file, doc, err := normalizedPack(path)
	if err != nil {
		return "", err
	}
	sig, err := keys.SignDetached(doc, priv, SignatureType)
	if err != nil {
		return "", fmt.Errorf("policy: signing %s: %w", file, err)
	}
	out := file + SignatureSuffix
	if err := os.WriteFile(out, []byte(sig+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("policy: %w", err)
	}
	return out, nil
}

// VerifyFile checks the pack at path against its "<file>.sig" with the
// given public keys and returns the id of the key that signed it. A missing
// signature, an empty key set, a wrong key or a pack changed after signing
// are all errors.
func VerifyFile(path string, trusted *jose.JSONWebKeySet) (string, error) {
	if trusted == nil || len(trusted.Keys) == 0 {
		return "", errors.New("policy: verify: no public key given; a signature is never accepted without one")
	}
	file, err := packFile(path)
	if err != nil {
		return "", err
	}
	sig, err := os.ReadFile(file + SignatureSuffix)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("policy: %s is not signed (no %s)", file, filepath.Base(file)+SignatureSuffix)
	}
	if err != nil {
		return "", fmt.Errorf("policy: %w", err)
	}
	_, doc, err := normalizedPack(file)
	if err != nil {
		return "", err
	}
	kid, err := keys.VerifyDetached(strings.TrimSpace(string(sig)), doc, trusted, SignatureType)
	if err != nil {
		return "", fmt.Errorf("policy: %s: signature does not verify: %w", file, err)
	}
	return kid, nil
}
