package cavra

import (
	"context"
	"io"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/evidence"
)

// ApprovalReader reads approval requests and grants. It changes nothing:
// approving, denying, breaking glass and expiring go through the Guard,
// which records each change as evidence.
type ApprovalReader struct{ s *approval.Store }

// Get returns the request with id, or an error wrapping approval.ErrNotFound.
func (r ApprovalReader) Get(ctx context.Context, id string) (approval.Request, error) {
	if r.s == nil {
		return approval.Request{}, ErrClosed
	}
	return r.s.Get(ctx, id)
}

// List returns the requests f selects, newest first.
func (r ApprovalReader) List(ctx context.Context, f approval.Filter) ([]approval.Request, error) {
	if r.s == nil {
		return nil, ErrClosed
	}
	return r.s.List(ctx, f)
}

// Grant returns the grant with id, if there is one.
func (r ApprovalReader) Grant(ctx context.Context, id string) (approval.Grant, bool, error) {
	if r.s == nil {
		return approval.Grant{}, false, ErrClosed
	}
	return r.s.Grant(ctx, id)
}

// Routing returns the routing that new requests follow (an immutable
// snapshot).
func (r ApprovalReader) Routing() *approval.Routing {
	if r.s == nil {
		return approval.DefaultRouting()
	}
	return r.s.Routing()
}

// EvidenceReader queries, verifies and exports an evidence log; without
// one (a read-only Guard on a directory with no state yet) its methods
// return ErrNoState. It appends,
// prunes and holds nothing: pruning and legal hold go through the Guard,
// which records them.
type EvidenceReader struct{ l *evidence.Log }

// ID returns the log's id.
func (r *EvidenceReader) ID() string {
	if r.l == nil {
		return ""
	}
	return r.l.ID()
}

// Info returns the log's size and head.
func (r *EvidenceReader) Info() (evidence.Info, error) {
	if r.l == nil {
		return evidence.Info{}, ErrNoState
	}
	return r.l.Info()
}

// Get returns the record with sequence number seq.
func (r *EvidenceReader) Get(seq int64) (evidence.Record, error) {
	if r.l == nil {
		return evidence.Record{}, ErrNoState
	}
	return r.l.Get(seq)
}

// Find returns the decision record with decisionID.
func (r *EvidenceReader) Find(decisionID string) (evidence.Record, error) {
	if r.l == nil {
		return evidence.Record{}, ErrNoState
	}
	return r.l.Find(decisionID)
}

// List returns the records q selects, newest first.
func (r *EvidenceReader) List(ctx context.Context, q evidence.Query) ([]evidence.Record, error) {
	if r.l == nil {
		return nil, ErrNoState
	}
	return r.l.List(ctx, q)
}

// LatestCheckpoint returns the newest signed checkpoint.
func (r *EvidenceReader) LatestCheckpoint() (evidence.SignedCheckpoint, error) {
	if r.l == nil {
		return evidence.SignedCheckpoint{}, ErrNoState
	}
	return r.l.LatestCheckpoint()
}

// Rollback returns the witness failure found when the log was opened (an
// error wrapping evidence.ErrRollback and naming the witness), or nil.
func (r *EvidenceReader) Rollback() error {
	if r.l == nil {
		return ErrNoState
	}
	return r.l.Rollback()
}

// Verify checks the whole log against trust (nil: the log's own key ring),
// and against its witness.
func (r *EvidenceReader) Verify(ctx context.Context, trust *jose.JSONWebKeySet) (*evidence.Report, error) {
	if r.l == nil {
		return nil, ErrNoState
	}
	return r.l.Verify(ctx, trust)
}

// Export writes the records q selects, oldest first, as JSON Lines or OCSF
// (evidence.FormatJSONL, evidence.FormatOCSF), and returns how many.
func (r *EvidenceReader) Export(ctx context.Context, w io.Writer, q evidence.Query, format string) (int, error) {
	if r.l == nil {
		return 0, ErrNoState
	}
	return r.l.Export(ctx, w, q, format)
}
