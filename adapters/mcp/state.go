package mcp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/evidence"
)

// withState opens the state database read-only for the length of fn. It
// waits at most the store timeout for a process holding it (a hook, a cavra
// command) and then gives up with an error saying so: the server never
// holds the database between calls, and never hangs on it.
func (s *server) withState(fn func(st *cavra.State) error) error {
	st, err := cavra.OpenState(s.home, s.storeTimeout)
	if errors.Is(err, cavra.ErrStateInUse) {
		return fmt.Errorf("the CAVRA state directory %s is in use by another process (a hook or a cavra command) and stayed locked for %s; try again in a moment", s.home, s.storeTimeout)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// ApprovalInput is approval_status's input.
type ApprovalInput struct {
	ApprovalID string `json:"approval_id" jsonschema:"the approval request's id, apr_... as the hook reported it"`
}

// ApprovalStatus is one approval request as an agent needs to see it.
type ApprovalStatus struct {
	ApprovalID    string   `json:"approval_id"`
	State         string   `json:"state" jsonschema:"pending, approved, denied, expired or break_glass"`
	ApproverGroup string   `json:"approver_group"`
	Votes         int      `json:"votes" jsonschema:"distinct approvals so far"`
	Quorum        int      `json:"quorum" jsonschema:"approvals needed"`
	Approvers     []string `json:"approvers,omitempty"`
	Summary       string   `json:"summary"`
	ActionType    string   `json:"action_type"`
	Target        string   `json:"target"`
	RuleIDs       []string `json:"rule_ids,omitempty"`
	Severity      string   `json:"severity,omitempty"`
	Agent         string   `json:"agent,omitempty"`
	Session       string   `json:"session,omitempty"`
	CreatedAt     string   `json:"created_at"`
	ExpiresAt     string   `json:"expires_at"`
	DecidedAt     string   `json:"decided_at,omitempty"`
	DecidedBy     string   `json:"decided_by,omitempty"`
	DeniedUntil   string   `json:"denied_until,omitempty"`
	Next          string   `json:"next" jsonschema:"what the agent can do now"`
}

// ListApprovalsInput is list_pending_approvals's input.
type ListApprovalsInput struct {
	Group string `json:"group,omitempty" jsonschema:"only requests for this approver group"`
	Agent string `json:"agent,omitempty" jsonschema:"only requests from this agent"`
	Limit int    `json:"limit,omitempty" jsonschema:"at most this many (default 50, at most 500)"`
}

// ApprovalList is list_pending_approvals's output.
type ApprovalList struct {
	Pending []ApprovalStatus `json:"pending"`
	Note    string           `json:"note,omitempty"`
}

func (s *server) approvalStatus(ctx context.Context, _ *sdk.CallToolRequest, in ApprovalInput) (*sdk.CallToolResult, ApprovalStatus, error) {
	id := strings.TrimSpace(in.ApprovalID)
	if err := need("approval_id", id); err != nil {
		return nil, ApprovalStatus{}, err
	}
	if len(id) > 128 {
		return nil, ApprovalStatus{}, fmt.Errorf("approval_id is too long to be an approval id")
	}
	var r approval.Request
	err := s.withState(func(state *cavra.State) error {
		st, err := state.Approvals()
		if err != nil {
			return err
		}
		r, err = st.Get(ctx, id)
		return err
	})
	if errors.Is(err, approval.ErrNotFound) || errors.Is(err, cavra.ErrNoState) {
		return nil, ApprovalStatus{}, fmt.Errorf("no approval request %q in %s", id, s.home)
	}
	if err != nil {
		return nil, ApprovalStatus{}, err
	}
	out := status(r, time.Now())
	text := fmt.Sprintf("%s: %s (%d/%d approvals, group %s, expires %s). %s", out.ApprovalID, out.State, out.Votes, out.Quorum,
		out.ApproverGroup, out.ExpiresAt, out.Next)
	return textResult(text, false), out, nil
}

func (s *server) listPendingApprovals(ctx context.Context, _ *sdk.CallToolRequest, in ListApprovalsInput) (*sdk.CallToolResult, ApprovalList, error) {
	switch {
	case in.Limit < 0:
		return nil, ApprovalList{}, errors.New("limit cannot be negative")
	case in.Limit == 0:
		in.Limit = 50
	case in.Limit > 500:
		in.Limit = 500
	}
	var reqs []approval.Request
	err := s.withState(func(state *cavra.State) error {
		st, err := state.Approvals()
		if err != nil {
			return err
		}
		reqs, err = st.List(ctx, approval.Filter{State: approval.Pending, Group: in.Group, Agent: in.Agent, Limit: in.Limit})
		return err
	})
	if errors.Is(err, cavra.ErrNoState) {
		return textResult("no pending approval requests (no state database yet)", false), ApprovalList{Pending: []ApprovalStatus{}, Note: err.Error()}, nil
	}
	if err != nil {
		return nil, ApprovalList{}, err
	}
	now := time.Now()
	out := ApprovalList{Pending: make([]ApprovalStatus, len(reqs))}
	var b strings.Builder
	fmt.Fprintf(&b, "%d pending approval requests", len(reqs))
	for i, r := range reqs {
		out.Pending[i] = status(r, now)
		fmt.Fprintf(&b, "\n%s %s (%d/%d, group %s): %s", r.ID, out.Pending[i].State, len(r.Approvals), r.Quorum, r.Group, r.Summary)
	}
	return textResult(b.String(), false), out, nil
}

// status summarizes a request at now; a pending request past its expiry is
// expired even before a sweep records it.
func status(r approval.Request, now time.Time) ApprovalStatus {
	st := r.State
	if st == approval.Pending && !now.Before(r.Expires) {
		st = approval.Expired
	}
	out := ApprovalStatus{
		ApprovalID: r.ID, State: string(st), ApproverGroup: r.Group, Votes: len(r.Approvals), Quorum: r.Quorum,
		Summary: r.Summary, ActionType: string(r.Action.Type), Target: r.Action.Target, RuleIDs: r.RuleIDs,
		Agent: r.RequestedBy.Agent, Session: r.RequestedBy.Session,
		CreatedAt: stamp(r.Created), ExpiresAt: stamp(r.Expires), DecidedAt: stamp(r.Decided), DeniedUntil: stamp(r.DeniedUntil),
	}
	if r.Severity != 0 {
		out.Severity = r.Severity.String()
	}
	for _, id := range r.Approvals {
		out.Approvers = append(out.Approvers, who(id))
	}
	if r.DecidedBy != nil {
		out.DecidedBy = who(*r.DecidedBy)
	}
	switch st {
	case approval.Pending:
		// Said to the model: stop and report, never how to approve.
		out.Next = fmt.Sprintf("Waiting for a person in %q to approve %s. Stop and report to the user that a person must approve it; do not try to approve it yourself, and do not retry until it is approved.", r.Group, r.ID)
	case approval.Approved:
		out.Next = "Approved: retry exactly the same action; the hook will allow it while the grant lasts."
	case approval.BreakGlass:
		out.Next = "Break-glass granted: retry exactly the same action."
	case approval.Denied:
		out.Next = "Denied: do not retry this action; choose another approach or ask the user."
	case approval.Expired:
		out.Next = "Expired: retrying the action creates a new approval request."
	}
	return out
}

// who names an approver for people: name, else email, else subject.
func who(id approval.Identity) string {
	n := orElse(id.Name, orElse(id.Email, id.Subject))
	if id.Local {
		n += " (local key)"
	}
	return n
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// EvidenceReport is evidence_verify's output.
type EvidenceReport struct {
	OK          bool   `json:"ok"`
	StateDir    string `json:"state_dir"`
	LogID       string `json:"log_id,omitempty"`
	Size        int64  `json:"size" jsonschema:"records in the log"`
	Checked     int64  `json:"records_checked"`
	Pruned      int64  `json:"records_pruned"`
	Checkpoints int    `json:"checkpoints"`
	Unsigned    int64  `json:"records_after_last_checkpoint" jsonschema:"verified records not yet under a signed checkpoint"`
	FirstBadSeq int64  `json:"first_bad_seq,omitempty" jsonschema:"the first record that failed, when one did"`
	Error       string `json:"error,omitempty"`
}

// EvidenceInput is evidence_verify's input (none).
type EvidenceInput struct{}

func (s *server) evidenceVerify(ctx context.Context, _ *sdk.CallToolRequest, _ EvidenceInput) (*sdk.CallToolResult, EvidenceReport, error) {
	out := EvidenceReport{StateDir: s.home}
	ctx, cancel := context.WithTimeout(ctx, s.verifyTimeout)
	defer cancel()
	var verr error
	err := s.withState(func(state *cavra.State) error {
		l, err := state.Evidence()
		if err != nil {
			return err
		}
		rep, err := l.Verify(ctx, nil)
		if rep != nil {
			out.LogID, out.Size, out.Checked, out.Pruned, out.Checkpoints, out.Unsigned =
				rep.LogID, rep.Size, rep.Checked, rep.Pruned, rep.Checkpoints, rep.Unsigned
		}
		verr = err
		return nil
	})
	switch {
	case errors.Is(err, cavra.ErrNoState) || errors.Is(err, evidence.ErrNoLog):
		return nil, out, fmt.Errorf("no evidence log in %s (nothing has been decided there)", s.home)
	case err != nil:
		return nil, out, err
	case errors.Is(verr, context.DeadlineExceeded):
		return nil, out, fmt.Errorf("verification did not finish within %s (checked %d of %d records); it stopped so that hooks are not held up: run `cavra evidence verify` instead",
			s.verifyTimeout, out.Checked, out.Size)
	case errors.Is(verr, context.Canceled):
		return nil, out, verr
	case verr != nil:
		out.Error = verr.Error()
		var ve *evidence.VerifyError
		if errors.As(verr, &ve) {
			out.FirstBadSeq = ve.Seq
		}
		text := "NOT VERIFIED: " + verr.Error()
		return textResult(text, true), out, nil
	}
	out.OK = true
	text := fmt.Sprintf("verified: log %s, %d records (%d checked, %d pruned), %d checkpoints", out.LogID, out.Size, out.Checked, out.Pruned, out.Checkpoints)
	if out.Unsigned > 0 {
		text += fmt.Sprintf("; the last %d records are not yet under a signed checkpoint", out.Unsigned)
	}
	return textResult(text, false), out, nil
}
