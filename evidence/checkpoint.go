package evidence

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/cavra-dev/cavra/internal/canonjson"
	"github.com/cavra-dev/cavra/internal/keys"
)

// CheckpointType is the typ header of a checkpoint JWS, so a signature made
// for a policy or an approval cannot be replayed as a checkpoint.
const CheckpointType = "cavra-checkpoint+jws"

// Errors a verification can wrap; use errors.Is.
var (
	ErrUnknownKey   = errors.New("signed by a key that is not in the trust root")
	ErrBadSignature = errors.New("checkpoint signature does not verify")
	ErrOtherLog     = errors.New("belongs to another log")
	ErrTampered     = errors.New("does not match its hash")
)

// Checkpoint is the signed statement "log LogID had Size records whose
// Merkle tree root was RootHash at Time".
type Checkpoint struct {
	LogID    string    `json:"log_id"`
	Size     int64     `json:"size"`
	RootHash string    `json:"root_hash"` // hex RFC 6962 tree hash
	Time     time.Time `json:"time"`
}

// SignedCheckpoint is a checkpoint with its detached compact JWS. The
// signature covers the checkpoint's canonical JSON; KeyID repeats the
// protected header's kid for people and must match it.
type SignedCheckpoint struct {
	Checkpoint Checkpoint `json:"checkpoint"`
	KeyID      string     `json:"kid"`
	Signature  string     `json:"signature"`
}

func (c Checkpoint) payload() ([]byte, error) { return canonjson.Marshal(c) }

func signCheckpoint(c Checkpoint, key jose.JSONWebKey) (SignedCheckpoint, error) {
	p, err := c.payload()
	if err != nil {
		return SignedCheckpoint{}, err
	}
	sig, err := keys.SignDetached(p, key, CheckpointType)
	if err != nil {
		return SignedCheckpoint{}, fmt.Errorf("evidence: sign checkpoint: %w", err)
	}
	return SignedCheckpoint{Checkpoint: c, KeyID: key.KeyID, Signature: sig}, nil
}

// Verify checks the signature against the trust root and returns the root
// hash it vouches for.
func (s SignedCheckpoint) Verify(trust *jose.JSONWebKeySet) (tlog.Hash, error) {
	if trust == nil || len(trust.Keys) == 0 {
		return tlog.Hash{}, errors.New("no trust root")
	}
	if len(trust.Key(s.KeyID)) == 0 {
		return tlog.Hash{}, fmt.Errorf("checkpoint at size %d: key %q: %w", s.Checkpoint.Size, s.KeyID, ErrUnknownKey)
	}
	if err := strictJWS(s.Signature); err != nil {
		return tlog.Hash{}, fmt.Errorf("checkpoint at size %d: %w: %v", s.Checkpoint.Size, ErrBadSignature, err)
	}
	p, err := s.Checkpoint.payload()
	if err != nil {
		return tlog.Hash{}, err
	}
	kid, err := keys.VerifyDetached(s.Signature, p, trust, CheckpointType)
	if err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return tlog.Hash{}, fmt.Errorf("checkpoint at size %d: %w (%v)", s.Checkpoint.Size, ErrBadSignature, err)
		}
		return tlog.Hash{}, fmt.Errorf("checkpoint at size %d: %w: %v", s.Checkpoint.Size, ErrBadSignature, err)
	}
	if kid != s.KeyID {
		return tlog.Hash{}, fmt.Errorf("checkpoint at size %d: kid %q does not match the signature's %q", s.Checkpoint.Size, s.KeyID, kid)
	}
	h, err := parseHash(s.Checkpoint.RootHash)
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("checkpoint at size %d: root_hash: %w", s.Checkpoint.Size, err)
	}
	if s.Checkpoint.Size < 0 {
		return tlog.Hash{}, fmt.Errorf("checkpoint has negative size")
	}
	return h, nil
}

// strictJWS refuses a detached compact JWS whose base64url parts are not
// canonical: lenient decoders ignore the unused low bits of the last
// character, which would let one signature be written several ways.
func strictJWS(jws string) error {
	parts := strings.Split(jws, ".")
	if len(parts) != 3 || parts[1] != "" {
		return errors.New("not a detached compact JWS")
	}
	for _, p := range []string{parts[0], parts[2]} {
		if _, err := base64.RawURLEncoding.Strict().DecodeString(p); err != nil {
			return fmt.Errorf("non-canonical base64url in JWS: %v", err)
		}
	}
	return nil
}

func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	if len(s) != 2*tlog.HashSize {
		return h, fmt.Errorf("%q is not a lowercase hex SHA-256 hash", s)
	}
	for i := range tlog.HashSize {
		hi, ok1 := lowerHex(s[2*i])
		lo, ok2 := lowerHex(s[2*i+1])
		if !ok1 || !ok2 {
			return h, fmt.Errorf("%q is not a lowercase hex SHA-256 hash", s)
		}
		h[i] = hi<<4 | lo
	}
	return h, nil
}

// lowerHex decodes one lowercase hex digit; uppercase is refused so that a
// hash has one spelling.
func lowerHex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

func hashHex(h tlog.Hash) string { return hex.EncodeToString(h[:]) }
