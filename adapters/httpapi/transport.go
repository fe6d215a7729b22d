package httpapi

import (
	"fmt"
	"net/http"

	"github.com/cavra-dev/cavra"
)

// TransportOptions configures Transport. The zero value is usable.
type TransportOptions struct {
	// Agent is who sends the requests (the agent the transport belongs to).
	Agent cavra.Agent
	// Identity, when set, says who sends a request; it replaces Agent.
	Identity func(*http.Request) cavra.Agent
	// Context is added to each action's context (a session's cwd, say).
	Context map[string]string
	// DryRun decides with Guard.Check instead of Evaluate: nothing is
	// recorded and no approval request is created.
	DryRun bool
}

// BlockedError is the error of a request the policy blocked; it was not
// sent. Decision says why (RuleID, Reason).
type BlockedError struct {
	Decision cavra.Decision
	// Err is the Guard's error when the decision could not be taken (the
	// request is blocked all the same).
	Err error
}

func (e *BlockedError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("cavra: the request was not sent: %s (%v)", e.Decision.Reason, e.Err)
	}
	return fmt.Sprintf("cavra: the request was blocked by %s: %s", e.Decision.RuleID, e.Decision.Reason)
}

func (e *BlockedError) Unwrap() error { return e.Err }

// ApprovalError is the error of a request that waits for a person's
// approval; it was not sent. Once approval ApprovalID is granted, the same
// request is allowed.
type ApprovalError struct {
	Decision   cavra.Decision
	ApprovalID string
}

func (e *ApprovalError) Error() string {
	return fmt.Sprintf("cavra: the request needs approval %s (%s): %s", e.ApprovalID, e.Decision.RuleID, e.Decision.Reason)
}

// Transport returns an http.RoundTripper that decides each outgoing
// request as an http_request action before base (nil means
// http.DefaultTransport) sends it: the target is the URL, the operation the
// method, and the context holds the method and host. Headers and the body
// are not given to the policy, so that credentials in them are not written
// to evidence; a secret in the URL is seen (and blocked by the bundled
// packs). A request that is not allowed is not sent: RoundTrip returns a
// *BlockedError or an *ApprovalError (wrapped in a *url.Error by
// http.Client). Each redirect is a new request and is decided on its own.
func Transport(g *cavra.Guard, base http.RoundTripper, opts TransportOptions) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{g: g, base: base, opts: opts}
}

type transport struct {
	g    *cavra.Guard
	base http.RoundTripper
	opts TransportOptions
}

// RequestAction is the http_request action Transport decides for r.
func RequestAction(r *http.Request) cavra.Action {
	return cavra.Action{
		Type: cavra.HTTPRequest, Target: r.URL.String(), Operation: r.Method,
		Context: map[string]string{"method": r.Method, "host": r.URL.Hostname()},
	}
}

func (t *transport) RoundTrip(r *http.Request) (_ *http.Response, err error) {
	closeBody := func() {
		if r.Body != nil {
			r.Body.Close()
		}
	}
	defer func() {
		if v := recover(); v != nil {
			closeBody()
			err = &BlockedError{Decision: cavra.Decision{Decision: cavra.Block, RuleID: "guard.error", Reason: "internal error while deciding"},
				Err: fmt.Errorf("cavra: transport: panic: %v", v)}
		}
	}()
	a := RequestAction(r)
	for k, v := range t.opts.Context {
		if _, ok := a.Context[k]; !ok {
			a.Context[k] = v
		}
	}
	a.Agent = t.opts.Agent
	if t.opts.Identity != nil {
		a.Agent = t.opts.Identity(r)
	}
	var d cavra.Decision
	if t.opts.DryRun {
		d, err = t.g.Check(r.Context(), a)
	} else {
		d, err = t.g.Evaluate(r.Context(), a)
	}
	switch {
	case err != nil:
		closeBody()
		return nil, &BlockedError{Decision: d, Err: err}
	case d.Decision == cavra.RequireApproval:
		closeBody()
		return nil, &ApprovalError{Decision: d, ApprovalID: d.ApprovalID}
	case d.Decision != cavra.Allow:
		closeBody()
		return nil, &BlockedError{Decision: d}
	}
	return t.base.RoundTrip(r)
}
