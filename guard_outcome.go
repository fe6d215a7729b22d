package cavra

import (
	"context"

	"github.com/cavra-dev/cavra/evidence"
)

// ActionOutcome is what an adapter reports after an allowed action ran: linked to
// the action by its digest and the adapter's call id. It never carries the
// action's output (a file read's content may be a secret), only a digest of
// it.
type ActionOutcome struct {
	ActionDigest   string   `json:"action_digest"`
	CallID         string   `json:"call_id,omitempty"` // e.g. Claude Code's tool_use_id
	Tool           string   `json:"tool,omitempty"`
	Status         string   `json:"status"` // "completed", "failed", …
	ResponseDigest string   `json:"response_digest,omitempty"`
	ResponseBytes  int      `json:"response_bytes,omitempty"`
	DurationMS     *float64 `json:"duration_ms,omitempty"`
}

// RecordOutcome writes an action-outcome evidence record for a.
func (g *Guard) RecordOutcome(ctx context.Context, a Action, o ActionOutcome) (evidence.Ref, error) {
	if err := g.writable(); err != nil {
		return evidence.Ref{}, err
	}
	if o.ActionDigest == "" {
		d, err := a.Digest()
		if err != nil {
			return evidence.Ref{}, err
		}
		o.ActionDigest = d
	}
	return g.log.Append(context.WithoutCancel(ctx), evidence.Entry{Kind: evidence.KindOutcome, Data: o, SessionID: a.Agent.Session, AgentID: a.Agent.ID})
}
