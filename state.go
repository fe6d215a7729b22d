package cavra

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/store"
	"github.com/cavra-dev/cavra/registry"
)

// ErrNoState means a state directory has no database yet: nothing has been
// decided there.
var ErrNoState = errors.New("cavra: no state database yet")

// State is read-only access to a state directory's database — approval
// requests, the registry and the evidence log — for tools that look but do not decide (an
// MCP server answering "has my request been approved?", a dashboard). It
// holds a shared lock: while it is open no Guard of another process can
// open the directory, so open it for one lookup and close it at once. In one
// process it shares the database with the Guards there.
type State struct {
	home    string
	witness string
	st      *store.Store
}

// OpenState opens the database of the state directory home ("" finds it as
// Open does) read-only. It waits at most timeout (0 means 2 seconds) for
// another process that holds the database, then fails with an error
// wrapping ErrStateInUse; a directory without a database gives ErrNoState,
// unless the evidence log's witness (WitnessPath) records a log there: then
// the database was deleted or emptied, and the error wraps
// evidence.ErrRollback and names the witness.
func OpenState(home string, timeout time.Duration) (*State, error) {
	home, err := StateDir(home)
	if err != nil {
		return nil, err
	}
	witness, err := WitnessPath(home)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(store.Path(home)); err != nil || info.Size() == 0 {
		if witness != "" {
			if err := evidence.MissingLogError(witness, store.Path(home)); err != nil {
				return nil, fmt.Errorf("cavra: %w", err)
			}
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w in %s", ErrNoState, home)
		}
	}
	st, err := store.Open(home, &store.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return nil, fmt.Errorf("cavra: %w", err)
	}
	return &State{home: home, witness: witness, st: st}, nil
}

// Home returns the state directory.
func (s *State) Home() string { return s.home }

// Approvals returns read-only access to the approval requests and grants.
func (s *State) Approvals() (ApprovalReader, error) {
	st, err := approval.Open(s.st.DB(), nil)
	if err != nil {
		return ApprovalReader{}, err
	}
	return ApprovalReader{s: st}, nil
}

// Evidence returns the evidence log, opened read-only: it can be queried,
// verified (against its witness too) and exported; it records nothing. A
// database without a log gives an error wrapping evidence.ErrNoLog, or
// evidence.ErrRollback when its witness records one.
func (s *State) Evidence() (*EvidenceReader, error) {
	l, err := evidence.Open(s.st.DB(), evidence.Options{Keys: evidence.NewKeyRing(filepath.Join(s.home, evidence.KeyDir)), ReadOnly: true, Witness: s.witness})
	if err != nil {
		return nil, err
	}
	return &EvidenceReader{l: l}, nil
}

// Registry returns a snapshot of the registry kept in the database (empty
// when nothing was registered). A registry file that config.yaml names is
// not read here: see registry.LoadFile.
func (s *State) Registry() (*registry.Registry, error) {
	st, err := registry.OpenStore(s.st.DB())
	if err != nil {
		return nil, err
	}
	return st.Registry(), nil
}

// Close releases the database.
func (s *State) Close() error { return s.st.Close() }
