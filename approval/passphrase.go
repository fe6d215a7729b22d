package approval

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// PassphraseFile is the file name, in a local key directory, of the
// enrolled approver passphrase's hash.
const PassphraseFile = "passphrase.json"

// MinPassphraseLen is the shortest approver passphrase Enroll accepts, in
// characters.
const MinPassphraseLen = 8

// KDFParams are argon2id's cost parameters.
type KDFParams struct {
	Time    uint32 `json:"time"`       // passes over memory
	Memory  uint32 `json:"memory_kib"` // KiB
	Threads uint8  `json:"threads"`
}

// DefaultKDFParams are the parameters Enroll uses: about a third of a second
// on one laptop core pair, so guessing a passphrase is slow even for someone
// holding the hash.
var DefaultKDFParams = KDFParams{Time: 3, Memory: 64 << 10, Threads: 2}

// MinKDFParams are the weakest parameters a stored hash may carry (the
// OWASP minimum for argon2id: 19 MiB, two passes). A hash file with weaker
// ones — or absurdly costly ones — is refused rather than checked.
var MinKDFParams = KDFParams{Time: 2, Memory: 19 << 10, Threads: 1}

const (
	maxKDFTime    = 16
	maxKDFMemory  = 1 << 20 // 1 GiB
	kdfName       = "argon2id"
	saltLen       = 16
	hashLen       = 32
	maxPassFile   = 4 << 10
	maxPassphrase = 1024
)

// Errors about the approver passphrase. Both also match ErrUnauthenticated.
var (
	ErrNotEnrolled = errors.New("no approver passphrase is enrolled (run `cavra approval enroll` on a terminal)")
	ErrPassphrase  = errors.New("the approver passphrase does not match")
)

// PassphraseHash is how an approver passphrase is kept: only an argon2id
// hash, with its salt and parameters. The passphrase itself is never
// stored.
type PassphraseHash struct {
	KDF     string    `json:"kdf"`     // "argon2id"
	Version int       `json:"version"` // argon2.Version (0x13)
	Params  KDFParams `json:"params"`
	Salt    []byte    `json:"salt"`
	Hash    []byte    `json:"hash"`
	Created time.Time `json:"created"`
}

// HashPassphrase hashes pass with a fresh random salt. Parameters below
// MinKDFParams are refused.
func HashPassphrase(pass []byte, p KDFParams) (PassphraseHash, error) {
	if err := checkParams(p); err != nil {
		return PassphraseHash{}, err
	}
	if err := checkPassphrase(pass); err != nil {
		return PassphraseHash{}, err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return PassphraseHash{}, err
	}
	return PassphraseHash{
		KDF: kdfName, Version: argon2.Version, Params: p, Salt: salt,
		Hash:    argon2.IDKey(pass, salt, p.Time, p.Memory, p.Threads, hashLen),
		Created: time.Now().UTC().Truncate(time.Second),
	}, nil
}

// Verify reports whether pass is the enrolled passphrase: nil, or an error
// matching ErrPassphrase and ErrUnauthenticated. The comparison is constant
// time.
func (h PassphraseHash) Verify(pass []byte) error {
	if err := h.check(); err != nil {
		return authErr(ErrPassphrase, err)
	}
	got := argon2.IDKey(pass, h.Salt, h.Params.Time, h.Params.Memory, h.Params.Threads, uint32(len(h.Hash)))
	if subtle.ConstantTimeCompare(got, h.Hash) != 1 {
		return authErr(ErrPassphrase, nil)
	}
	return nil
}

func (h PassphraseHash) check() error {
	switch {
	case h.KDF != kdfName:
		return fmt.Errorf("unknown kdf %q", h.KDF)
	case h.Version != argon2.Version:
		return fmt.Errorf("unsupported argon2 version %d", h.Version)
	case len(h.Salt) < saltLen:
		return fmt.Errorf("salt shorter than %d bytes", saltLen)
	case len(h.Hash) < hashLen:
		return fmt.Errorf("hash shorter than %d bytes", hashLen)
	}
	return checkParams(h.Params)
}

func checkParams(p KDFParams) error {
	switch {
	case p.Time < MinKDFParams.Time || p.Memory < MinKDFParams.Memory || p.Threads < MinKDFParams.Threads:
		return fmt.Errorf("argon2id parameters %+v are below the minimum %+v", p, MinKDFParams)
	case p.Time > maxKDFTime || p.Memory > maxKDFMemory || p.Threads > 64:
		return fmt.Errorf("argon2id parameters %+v exceed the maximum", p)
	}
	return nil
}

func checkPassphrase(pass []byte) error {
	switch {
	case !utf8.Valid(pass):
		return errors.New("the passphrase is not valid UTF-8")
	case utf8.RuneCount(pass) < MinPassphraseLen:
		return fmt.Errorf("the passphrase must have at least %d characters", MinPassphraseLen)
	case len(pass) > maxPassphrase:
		return fmt.Errorf("the passphrase is longer than %d bytes", maxPassphrase)
	}
	return nil
}

// WritePassphrase stores h at path (mode 0600, its directory 0700),
// replacing any earlier enrollment atomically.
func WritePassphrase(path string, h PassphraseHash) error {
	if err := h.check(); err != nil {
		return fmt.Errorf("approval: passphrase hash: %w", err)
	}
	data, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("approval: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("approval: %w", err)
	}
	tmp := f.Name()
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(append(data, '\n'))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("approval: write %s: %w", path, err)
	}
	return nil
}

// ReadPassphrase reads the hash stored at path. A missing file is
// ErrNotEnrolled; a malformed one, or one with parameters outside the
// accepted range, is an error (never "not enrolled").
func ReadPassphrase(path string) (PassphraseHash, error) {
	data, err := readLimited(path, maxPassFile)
	if errors.Is(err, fs.ErrNotExist) {
		return PassphraseHash{}, authErr(ErrNotEnrolled, nil)
	}
	if err != nil {
		return PassphraseHash{}, fmt.Errorf("approval: passphrase: %w", err)
	}
	h, err := ParsePassphrase(data)
	if err != nil {
		return PassphraseHash{}, fmt.Errorf("approval: passphrase %s: %w", path, err)
	}
	return h, nil
}

// ParsePassphrase parses a stored passphrase hash strictly (unknown fields,
// trailing data, a kdf other than argon2id and parameters outside the
// accepted range are errors).
func ParsePassphrase(data []byte) (PassphraseHash, error) {
	var h PassphraseHash
	if len(data) > maxPassFile {
		return h, fmt.Errorf("larger than %d bytes", maxPassFile)
	}
	if err := strictJSON(data, &h); err != nil {
		return PassphraseHash{}, err
	}
	if err := h.check(); err != nil {
		return PassphraseHash{}, err
	}
	return h, nil
}
