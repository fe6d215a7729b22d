package cavra

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/evidence"
)

// ErrNotRecorded means a state change was made (an approval, a registry
// change, a legal hold, a key rotation) but its evidence record could not be
// written. The log that refused it blocks every later decision, so nothing
// is allowed on the strength of an unrecorded change; the error says what
// changed.
var ErrNotRecorded = errors.New("cavra: the change could not be recorded as evidence")

// RetentionChange is the data of a retention evidence record: a prune of
// old records, or legal hold turned on or off.
type RetentionChange struct {
	Change string    `json:"change"`           // "prune", "legal_hold.on" or "legal_hold.off"
	Before time.Time `json:"before,omitzero"`  // prune: records older than this are removed
	By     string    `json:"by,omitempty"`     // who asked
	Reason string    `json:"reason,omitempty"` // why
}

// KeyChange is the data of a key-change evidence record. It carries a key's
// public facts only, never key material.
type KeyChange struct {
	Key       string `json:"key"`    // "evidence" (checkpoint signing) or "approval" (local approvals)
	Change    string `json:"change"` // "created" or "rotated"
	KeyID     string `json:"kid"`
	Algorithm string `json:"alg,omitempty"`
	Retired   string `json:"retired_kid,omitempty"` // rotated: the key that is no longer current
	By        string `json:"by,omitempty"`
}

// PruneEvidence removes the bodies of the evidence records older than
// before (their tree hashes stay, so the log still verifies). A retention
// record — who, why, the cut-off — is written first: when it cannot be
// written nothing is pruned. Under legal hold the error wraps
// evidence.ErrLegalHold (and the request stays recorded). A cut-off in the
// future is refused, so that a prune never removes its own record.
func (g *Guard) PruneEvidence(ctx context.Context, before time.Time, by, reason string) (evidence.PruneResult, error) {
	if err := g.writable(); err != nil {
		return evidence.PruneResult{}, err
	}
	if before.After(time.Now()) {
		return evidence.PruneResult{}, fmt.Errorf("cavra: prune: the cut-off %s is in the future", before.Format(time.RFC3339))
	}
	if _, err := g.log.Append(context.WithoutCancel(ctx), evidence.Entry{Kind: evidence.KindRetention,
		Data: RetentionChange{Change: "prune", Before: before.UTC(), By: by, Reason: reason}}); err != nil {
		return evidence.PruneResult{}, fmt.Errorf("cavra: prune: the retention record could not be written, so nothing was pruned: %w", err)
	}
	return g.log.Prune(ctx, before)
}

// SetLegalHold turns the evidence log's legal hold on (nothing is pruned)
// or off, as by with a reason, and records the change as evidence. A
// record that cannot be written is an error; a prune after a hold was
// lifted unrecorded is refused in turn, since it must record first.
func (g *Guard) SetLegalHold(ctx context.Context, on bool, by, reason string) error {
	if err := g.writable(); err != nil {
		return err
	}
	if err := g.log.SetLegalHold(on); err != nil {
		return fmt.Errorf("cavra: legal hold: %w", err)
	}
	change := "legal_hold.off"
	if on {
		change = "legal_hold.on"
	}
	if _, err := g.log.Append(context.WithoutCancel(ctx), evidence.Entry{Kind: evidence.KindRetention,
		Data: RetentionChange{Change: change, By: by, Reason: reason}}); err != nil {
		return fmt.Errorf("%w: legal hold is %s: %w", ErrNotRecorded, change[len("legal_hold."):], err)
	}
	return nil
}

// RotateEvidenceKey makes a new checkpoint signing key current (alg
// jose.EdDSA or jose.ES256; kid "" means its thumbprint), as by, and
// records the rotation — both key ids, no key material — as evidence. The
// retired key's private half is deleted and its public half stays in the
// trust root, so old checkpoints still verify. A Guard already open (in
// this process or another) keeps signing with the key it loaded until it is
// reopened; its checkpoints verify with the same trust root.
func (g *Guard) RotateEvidenceKey(ctx context.Context, alg jose.SignatureAlgorithm, kid, by string) (retired, current evidence.KeyInfo, err error) {
	if err := g.writable(); err != nil {
		return retired, current, err
	}
	ring := evidence.NewKeyRing(filepath.Join(g.home, evidence.KeyDir))
	retired, current, err = ring.Rotate(alg, kid)
	if err != nil {
		return retired, current, err
	}
	err = g.recordKeyChange(ctx, KeyChange{Key: "evidence", Change: "rotated", KeyID: current.KeyID, Algorithm: current.Algorithm, Retired: retired.KeyID, By: by})
	return retired, current, err
}

// GenerateEvidenceKey creates the first checkpoint signing key of the state
// directory opts names (alg jose.EdDSA or jose.ES256; kid "" means its
// thumbprint) and records it as evidence: it opens a Guard with opts for
// that, so the state directory and its database exist afterwards. A
// directory whose log already has a key is refused with an error wrapping
// fs.ErrExist (use RotateEvidenceKey). Open creates an Ed25519 key on its
// own; this is for choosing the algorithm or key id before first use.
func GenerateEvidenceKey(ctx context.Context, opts Options, alg jose.SignatureAlgorithm, kid, by string) (evidence.KeyInfo, error) {
	home, err := StateDir(opts.Home)
	if err != nil {
		return evidence.KeyInfo{}, err
	}
	ring := evidence.NewKeyRing(filepath.Join(home, evidence.KeyDir))
	k, err := ring.Generate(alg, kid)
	if err != nil {
		return k, err
	}
	opts.Home = home
	g, err := Open(ctx, opts)
	if err != nil {
		return k, fmt.Errorf("%w: the evidence key %s was created: %w", ErrNotRecorded, k.KeyID, err)
	}
	err = g.recordKeyChange(ctx, KeyChange{Key: "evidence", Change: "created", KeyID: k.KeyID, Algorithm: k.Algorithm, By: by})
	return k, errors.Join(err, g.Close())
}

// recordKeyChange writes a key-change record.
func (g *Guard) recordKeyChange(ctx context.Context, ch KeyChange) error {
	if _, err := g.log.Append(context.WithoutCancel(ctx), evidence.Entry{Kind: evidence.KindKeyChange, Data: ch}); err != nil {
		return fmt.Errorf("%w: the %s key %s was %s: %w", ErrNotRecorded, ch.Key, ch.KeyID, ch.Change, err)
	}
	return nil
}
