package evidence

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/internal/keys"
)

// KeyDir is where a state directory keeps its evidence keys, relative to it.
const KeyDir = "keys/evidence"

// currentFile names the active key's kid inside the key directory.
const currentFile = "current"

// ErrNoKey means the key ring has no signing key yet.
var ErrNoKey = errors.New("evidence: no signing key")

// KeyRing is the set of checkpoint signing keys in one directory:
// KID.private.jwk (0600) for the current key, KID.public.jwk for every key
// ever used, and a file "current" naming the active kid. Retired keys keep
// their public half so old checkpoints stay verifiable.
type KeyRing struct {
	dir string
	mu  sync.Mutex
	cur *jose.JSONWebKey
}

// KeyInfo describes one key of a ring.
type KeyInfo struct {
	KeyID     string `json:"kid"`
	Algorithm string `json:"alg"`
	Current   bool   `json:"current"`
	Private   bool   `json:"private"` // the private key is present (only the current one should be)
}

// NewKeyRing returns the key ring kept in dir. Nothing is read or created
// until it is used.
func NewKeyRing(dir string) *KeyRing { return &KeyRing{dir: dir} }

// Dir returns the ring's directory.
func (r *KeyRing) Dir() string { return r.dir }

// Signer returns the current private key, creating an Ed25519 key on first
// use.
func (r *KeyRing) Signer() (jose.JSONWebKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != nil {
		return *r.cur, nil
	}
	k, err := r.loadCurrent()
	if errors.Is(err, ErrNoKey) {
		k, err = r.create(jose.EdDSA, "")
	}
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	r.cur = &k
	return k, nil
}

// Ensure makes sure the ring has a current key, creating an Ed25519 key on
// first use, without reading it: deriving an Ed25519 key's public half costs
// a process more than a decision does, and a process that records one
// decision may never sign.
func (r *KeyRing) Ensure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != nil {
		return nil
	}
	kid, err := r.currentKID()
	if errors.Is(err, ErrNoKey) {
		k, err := r.create(jose.EdDSA, "")
		if err == nil {
			r.cur = &k
		}
		return err
	}
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(r.dir, kid+".private.jwk")); err != nil {
		return fmt.Errorf("evidence: current signing key: %w", err)
	}
	return nil
}

// Generate creates the ring's first key. alg is jose.EdDSA ("" too) or
// jose.ES256; kid "" means the key's thumbprint. It refuses if the ring
// already has a current key (use Rotate).
func (r *KeyRing) Generate(alg jose.SignatureAlgorithm, kid string) (KeyInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.loadCurrent(); err == nil {
		return KeyInfo{}, fmt.Errorf("evidence: %s already has a signing key (use rotate to replace it): %w", r.dir, fs.ErrExist)
	} else if !errors.Is(err, ErrNoKey) {
		return KeyInfo{}, err
	}
	k, err := r.create(alg, kid)
	if err != nil {
		return KeyInfo{}, err
	}
	r.cur = &k
	return KeyInfo{KeyID: k.KeyID, Algorithm: k.Algorithm, Current: true, Private: true}, nil
}

// Rotate makes a new key current. The retired key's private half is
// deleted; its public half stays in the trust root.
func (r *KeyRing) Rotate(alg jose.SignatureAlgorithm, kid string) (retired, current KeyInfo, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, err := r.loadCurrent()
	if err != nil && !errors.Is(err, ErrNoKey) {
		return KeyInfo{}, KeyInfo{}, err
	}
	k, err := r.create(alg, kid)
	if err != nil {
		return KeyInfo{}, KeyInfo{}, err
	}
	r.cur = &k
	if old.Key != nil && old.KeyID != k.KeyID {
		retired = KeyInfo{KeyID: old.KeyID, Algorithm: old.Algorithm}
		if err := os.Remove(filepath.Join(r.dir, old.KeyID+".private.jwk")); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return retired, KeyInfo{}, fmt.Errorf("evidence: remove retired private key: %w", err)
		}
	}
	return retired, KeyInfo{KeyID: k.KeyID, Algorithm: k.Algorithm, Current: true, Private: true}, nil
}

// List describes every key of the ring, current first.
func (r *KeyRing) List() ([]KeyInfo, error) {
	set, err := r.TrustRoot()
	if err != nil {
		return nil, err
	}
	cur, _ := r.currentKID()
	out := make([]KeyInfo, 0, len(set.Keys))
	for _, k := range set.Keys {
		_, perr := os.Stat(filepath.Join(r.dir, k.KeyID+".private.jwk"))
		out = append(out, KeyInfo{KeyID: k.KeyID, Algorithm: k.Algorithm, Current: k.KeyID == cur, Private: perr == nil})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Current && !out[j].Current })
	return out, nil
}

// TrustRoot returns the public keys of every key the ring has used, current
// and retired: the JWKS a verifier needs. An empty ring is ErrNoKey.
func (r *KeyRing) TrustRoot() (*jose.JSONWebKeySet, error) {
	names, err := filepath.Glob(filepath.Join(r.dir, "*.public.jwk"))
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	sort.Strings(names)
	set := &jose.JSONWebKeySet{}
	for _, n := range names {
		s, err := keys.ReadPublic(n)
		if err != nil {
			return nil, fmt.Errorf("evidence: %w", err)
		}
		set.Keys = append(set.Keys, s.Keys...)
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoKey, r.dir)
	}
	return set, nil
}

func (r *KeyRing) currentKID() (string, error) {
	b, err := os.ReadFile(filepath.Join(r.dir, currentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return "", ErrNoKey
	}
	if err != nil {
		return "", fmt.Errorf("evidence: read current key id: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (r *KeyRing) loadCurrent() (jose.JSONWebKey, error) {
	kid, err := r.currentKID()
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	k, err := keys.ReadPrivate(filepath.Join(r.dir, kid+".private.jwk"))
	if err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("evidence: current signing key: %w", err)
	}
	return k, nil
}

// create writes a new key pair and makes it current.
func (r *KeyRing) create(alg jose.SignatureAlgorithm, kid string) (jose.JSONWebKey, error) {
	k, err := keys.Generate(alg, kid)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	if _, _, err := keys.WritePair(r.dir, k, false); err != nil {
		return jose.JSONWebKey{}, err
	}
	tmp := filepath.Join(r.dir, "."+currentFile+".tmp")
	if err := os.WriteFile(tmp, []byte(k.KeyID+"\n"), 0o600); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("evidence: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(r.dir, currentFile)); err != nil {
		return jose.JSONWebKey{}, fmt.Errorf("evidence: %w", err)
	}
	return k, nil
}
