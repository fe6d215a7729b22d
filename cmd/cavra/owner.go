package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/registry"
)

// One owner, many clients: while a process owns a state directory (cavra
// serve, the MCP proxy, a program with cavra.Options.Control), it serves the
// directory's control socket and holds its database. Commands and hooks
// then go through the owner — the same decisions, the same evidence —
// instead of failing with "the state directory is in use by another
// process". With no owner they open the directory themselves.

// owner returns a client of home's owner, or nil when nobody serves its
// control socket (then the command opens the directory itself).
func owner(ctx context.Context, home string) *httpapi.Client {
	dir, err := cavra.StateDir(home)
	if err != nil {
		return nil
	}
	if _, err := os.Lstat(cavra.ControlSocketPath(dir)); err != nil {
		return nil
	}
	c, err := httpapi.Dial(ctx, dir)
	if err != nil {
		return nil
	}
	return c
}

// approvalReader is what approval list and show read: a state
// directory's approvals, or its owner's.
type approvalReader interface {
	List(ctx context.Context, f approval.Filter) ([]approval.Request, error)
	Get(ctx context.Context, id string) (approval.Request, error)
}

// ownerApprovals reads approvals through the owner.
type ownerApprovals struct{ c *httpapi.Client }

func (o ownerApprovals) List(ctx context.Context, f approval.Filter) ([]approval.Request, error) {
	return o.c.Approvals(ctx, f)
}

func (o ownerApprovals) Get(ctx context.Context, id string) (approval.Request, error) {
	r, err := o.c.Approval(ctx, id)
	var p *httpapi.Problem
	if errors.As(err, &p) && p.Status == 404 {
		return r, fmt.Errorf("%w: %s", approval.ErrNotFound, id)
	}
	return r, err
}

// decideViaOwner approves or denies request id through the owner: the
// same person checks as locally (not from inside an agent; --local asks for
// the enrolled passphrase on the terminal), then the credential goes to the
// owner, which checks the calling process again and verifies the
// credential.
func (f *approvalFlags) decideViaOwner(c *cobra.Command, o *httpapi.Client, verb approval.Verb, id, reason string) (approval.Request, error) {
	cred, err := f.ownerCredential(c, verb, id, id)
	if err != nil {
		return approval.Request{}, err
	}
	if verb == approval.VerbDeny {
		return o.Deny(c.Context(), id, cred, reason)
	}
	return o.Approve(c.Context(), id, cred, reason)
}

// breakGlassViaOwner breaks glass through the owner: the same person checks
// as locally, a credential bound to the same subject (the request's action
// digest, or the agent), and the owner checks the calling process again
// (refusing, and recording, a break-glass from inside an agent).
func (f *approvalFlags) breakGlassViaOwner(c *cobra.Command, o *httpapi.Client, argv []string, scope approval.Scope, agent, reason string, d time.Duration) (approval.Request, error) {
	req := httpapi.BreakGlassRequest{Scope: scope, Reason: reason}
	if d != 0 {
		req.Duration = d.String()
	}
	bg := approval.BreakGlassRequest{Scope: scope}
	if len(argv) == 1 {
		r, err := ownerApprovals{o}.Get(c.Context(), argv[0])
		if err != nil {
			return r, err
		}
		req.ApprovalID, bg.Action = argv[0], r.Action
	} else {
		req.Agent, bg.Action = agent, cavra.Action{Agent: cavra.Agent{ID: agent}}
		if bg.Scope == "" {
			req.Scope, bg.Scope = approval.ScopeAgent, approval.ScopeAgent
		}
	}
	subject, err := httpapi.BreakGlassSubject(bg)
	if err != nil {
		return approval.Request{}, err
	}
	id := subject
	if req.ApprovalID != "" {
		id = req.ApprovalID
	}
	cred, err := f.ownerCredential(c, approval.VerbBreakGlass, id, subject)
	if err != nil {
		return approval.Request{}, err
	}
	return o.BreakGlass(c.Context(), req, cred)
}

// ownerCredential is credential for a command whose directory is owned.
func (f *approvalFlags) ownerCredential(c *cobra.Command, verb approval.Verb, id, subject string) (approval.Credential, error) {
	token, err := f.tokenValue()
	if err != nil {
		return nil, err
	}
	home, err := cavra.StateDir(f.home)
	if err != nil {
		return nil, err
	}
	if err := personCheck(home, func(err error) error { return err }, verb, id, f.local); err != nil {
		return nil, err
	}
	if token != "" {
		return approval.IDToken(token), nil
	}
	return cavra.SignLocalApprovalAt(home, verb, subject, f.actor)
}

// queryValues are the GET /v1/decisions filters of q.
func queryValues(q evidence.Query) url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("session", q.Session)
	set("agent", q.Agent)
	set("rule_id", q.RuleID)
	set("action_type", string(q.ActionType))
	set("kind", string(q.Kind))
	if q.Decision != 0 {
		set("decision", q.Decision.String())
	}
	if q.Severity != 0 {
		set("severity", q.Severity.String())
	}
	if !q.Since.IsZero() {
		set("since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		set("until", q.Until.Format(time.RFC3339Nano))
	}
	if q.FromSeq > 0 {
		set("from_seq", strconv.FormatInt(q.FromSeq, 10))
	}
	if q.ToSeq > 0 {
		set("to_seq", strconv.FormatInt(q.ToSeq, 10))
	}
	for _, id := range q.DecisionIDs {
		v.Add("decision_id", id)
	}
	if q.Limit > 0 {
		set("limit", strconv.Itoa(q.Limit))
	}
	return v
}

// registryChanger is what the registry commands change the registry with:
// a Guard on the state directory, or its owner.
type registryChanger interface {
	RegisterAgent(ctx context.Context, a registry.Agent, by string) (registry.Change, error)
	SetAgentStatus(ctx context.Context, id string, st registry.Status, reason, by string) (registry.Change, error)
	RegisterServer(ctx context.Context, srv registry.Server, by string) (registry.Change, error)
	PinTools(ctx context.Context, serverID string, tools []registry.Tool, by string) (registry.Change, error)
	ImportRegistry(ctx context.Context, f registry.File, replace bool, source, by string) (registry.Change, error)
}

var _ registryChanger = (*cavra.Guard)(nil)

// ownerRegistry changes the registry through the owner.
type ownerRegistry struct{ *httpapi.Client }

// ImportRegistry is not offered by the owner: an import replaces many
// records in one transaction, which the API has no route for yet.
func (ownerRegistry) ImportRegistry(context.Context, registry.File, bool, string, string) (registry.Change, error) {
	return registry.Change{}, errors.New("registry import is not available while another process owns the state directory (stop cavra serve, or import through its owner's Guard)")
}
