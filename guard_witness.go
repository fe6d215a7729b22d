package cavra

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/cavra-dev/cavra/evidence"
)

// RuleRollbackDetected is the rule of the block a Guard gives every action
// while its evidence log does not extend its witness.
const RuleRollbackDetected = "evidence.rollback_detected"

// WitnessPath returns the witness file of the evidence log in the state
// directory home ("" finds it as Open does): config.yaml's
// evidence.witness, else evidence.DefaultWitnessPath(home). It is "" when
// no state home is known, and the log then keeps no witness.
func WitnessPath(home string) (string, error) {
	home, err := StateDir(home)
	if err != nil {
		return "", err
	}
	cfg, err := LoadConfig(home)
	if err != nil {
		return "", err
	}
	return witnessFor(home, cfg, "")
}

// witnessFor picks the witness file: explicit, else config.yaml's, else the
// default in the user's state home.
func witnessFor(home string, cfg Config, explicit string) (string, error) {
	if explicit != "" {
		return filepath.Abs(explicit)
	}
	if cfg.Evidence.Witness != "" {
		return cfg.Evidence.Witness, nil
	}
	p, err := evidence.DefaultWitnessPath(home)
	if errors.Is(err, evidence.ErrNoStateHome) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cavra: %w", err)
	}
	return p, nil
}

// rollbackDetected is the decision for every action while the evidence log
// fails its witness check: nothing is decided, and nothing is recorded, on
// a history that cannot be confirmed.
func rollbackDetected(a Action, err error) Decision {
	d := failed(a, "the evidence log was rolled back, replaced or emptied, so every action is blocked until a person examines it and resets its witness: "+
		strings.TrimPrefix(err.Error(), "evidence: "))
	d.RuleID, d.Severity = RuleRollbackDetected, Critical
	d.Matches[0].RuleID, d.Matches[0].Severity = RuleRollbackDetected, Critical
	return d
}

// Witness returns the path of the evidence log's witness file ("" when it
// keeps none).
func (g *Guard) Witness() string {
	if g.log == nil {
		return ""
	}
	return g.log.Witness()
}

// WitnessReset is the data of a witness-reset evidence record: the witness
// that was replaced (what it recorded, and why the log did not match it)
// and who reset it, why.
type WitnessReset struct {
	Witness  string                     `json:"witness"`            // the witness file
	Previous *evidence.SignedCheckpoint `json:"previous,omitempty"` // what it recorded; nil when there was none or it could not be read
	Problem  string                     `json:"problem,omitempty"`  // why the log failed its witness check ("" when it did not)
	By       string                     `json:"by"`
	Reason   string                     `json:"reason"`
}

// ResetWitness starts the evidence log's witness anew, for a person who has
// examined a detected rollback (or restored a backup on purpose): it records
// a witness_reset record with what the old witness held, the problem, who
// and why; moves the old witness file aside (PATH.replaced-<unix time>);
// and signs and witnesses the log as it is. Decisions are then recorded
// again. by and reason are required. The agent a Guard governs must never
// be able to run this (the control plane is refused to agents).
func (g *Guard) ResetWitness(ctx context.Context, by, reason string) (WitnessReset, error) {
	switch {
	case g == nil || g.closed.Load():
		return WitnessReset{}, ErrClosed
	case g.opts.ReadOnly:
		return WitnessReset{}, ErrReadOnly
	case strings.TrimSpace(by) == "" || strings.TrimSpace(reason) == "":
		return WitnessReset{}, errors.New("cavra: reset witness: who resets it and why are required")
	case g.log.Witness() == "":
		return WitnessReset{}, errors.New("cavra: reset witness: the evidence log keeps no witness (no state home, and none configured)")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	rec := WitnessReset{Witness: g.log.Witness(), By: by, Reason: reason}
	if w, err := evidence.ReadWitness(rec.Witness); err == nil {
		sc := w.Signed()
		rec.Previous = &sc
	} else if !errors.Is(err, fs.ErrNotExist) {
		rec.Problem = "the witness could not be read: " + err.Error()
	}
	if err := g.log.Rollback(); err != nil {
		var we *evidence.WitnessError
		if errors.As(err, &we) {
			rec.Problem = we.Err.Error()
		} else {
			rec.Problem = err.Error()
		}
	}
	if _, _, err := g.log.ResetWitness(context.WithoutCancel(ctx), evidence.Entry{Kind: evidence.KindWitnessReset, Data: rec}); err != nil {
		return rec, fmt.Errorf("cavra: reset witness: %w", err)
	}
	if a := g.active.Load(); a != nil {
		// Open recorded no policy while the log failed its witness.
		if err := g.recordPolicy(ctx, a.set, a.mode); err != nil {
			return rec, fmt.Errorf("cavra: reset witness: record policy change: %w", err)
		}
	}
	return rec, nil
}
