package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/registry"
)

// Client talks to the owner of a state directory over its control socket
// (or to `cavra serve` over TCP with NewClient). Its methods mirror the
// Guard's, so a command works the same through either.
type Client struct {
	base  string
	hc    *http.Client
	token string
	by    string
}

// WithBy returns a copy of c that names by as who makes its changes
// (ByHeader; recorded on the control socket beside the peer's uid and pid).
func (c *Client) WithBy(by string) *Client {
	cc := *c
	cc.by = by
	return &cc
}

// Dial connects to the owner of state directory home through its control
// socket. No socket, or one that nobody answers (its owner died), gives an
// error wrapping cavra.ErrNoOwner.
func Dial(ctx context.Context, home string) (*Client, error) {
	path := cavra.ControlSocketPath(home)
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (no %s)", cavra.ErrNoOwner, path)
	}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
		MaxIdleConnsPerHost: 64,
	}
	c := &Client{base: "http://cavra", hc: &http.Client{Transport: tr, Timeout: time.Minute}}
	hctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.do(hctx, http.MethodGet, "/healthz", "", nil, nil); err != nil {
		var p *Problem
		if errors.As(err, &p) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %s: %v", cavra.ErrNoOwner, path, err)
	}
	return c, nil
}

// NewClient returns a client of the API at baseURL (http://127.0.0.1:8787)
// sending token, if not empty, as the bearer token.
func NewClient(baseURL, token string, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	return &Client{base: baseURL, hc: hc, token: token}
}

// Close releases the client's idle connections.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	return nil
}

// do sends in (JSON) and decodes the answer into out; a problem answer is
// returned as a *Problem error.
func (c *Client) do(ctx context.Context, method, path, auth string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.by != "" {
		req.Header.Set(ByHeader, c.by)
	}
	switch {
	case auth != "":
		req.Header.Set("Authorization", auth)
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		p := &Problem{Status: resp.StatusCode, Title: resp.Status}
		if json.Unmarshal(data, p) != nil || p.Detail == "" {
			p.Detail = string(bytes.TrimSpace(data))
		}
		return p
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// Evaluate decides a through the owner; on a machinery failure the
// returned decision is a block.
func (c *Client) Evaluate(ctx context.Context, a cavra.Action) (cavra.Decision, error) {
	var d cavra.Decision
	err := c.do(ctx, http.MethodPost, "/v1/evaluate", "", a, &d)
	var p *Problem
	if errors.As(err, &p) && p.Decision != nil {
		return *p.Decision, err
	}
	if err != nil {
		return failedDecision(a, err), err
	}
	return d, nil
}

// failedDecision is the block of an action that the owner could not be
// asked about.
func failedDecision(a cavra.Action, err error) cavra.Decision {
	reason := "the state directory's owner could not be asked: " + err.Error()
	return cavra.Decision{SessionID: a.Agent.Session, AgentID: a.Agent.ID, ActionType: a.Type, Target: a.Target,
		RuleID: "guard.error", Decision: cavra.Block, Severity: cavra.High, Reason: reason,
		Matches: []cavra.Match{{RuleID: "guard.error", Decision: cavra.Block, Severity: cavra.High, Reason: reason}}, EvidenceRefs: []string{}}
}

// Check decides a without recording it.
func (c *Client) Check(ctx context.Context, a cavra.Action) (cavra.Decision, error) {
	var d cavra.Decision
	err := c.do(ctx, http.MethodPost, "/v1/check", "", a, &d)
	if err != nil {
		return failedDecision(a, err), err
	}
	return d, nil
}

// RecordOutcome records what an allowed action did.
func (c *Client) RecordOutcome(ctx context.Context, a cavra.Action, o cavra.ActionOutcome) (evidence.Ref, error) {
	var out struct {
		Ref string `json:"evidence_ref"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/outcomes", "", OutcomeRequest{Action: a, Outcome: o}, &out); err != nil {
		return evidence.Ref{}, err
	}
	return evidence.ParseRef(out.Ref)
}

// Approvals lists approval requests.
func (c *Client) Approvals(ctx context.Context, f approval.Filter) ([]approval.Request, error) {
	v := url.Values{}
	for k, s := range map[string]string{"state": string(f.State), "group": f.Group, "agent": f.Agent} {
		if s != "" {
			v.Set(k, s)
		}
	}
	var out []approval.Request
	err := c.do(ctx, http.MethodGet, "/v1/approvals?"+v.Encode(), "", nil, &out)
	return out, err
}

// Approval returns one approval request.
func (c *Client) Approval(ctx context.Context, id string) (approval.Request, error) {
	var out approval.Request
	err := c.do(ctx, http.MethodGet, "/v1/approvals/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// Authorization is the Authorization header value carrying cred.
func Authorization(cred approval.Credential) (string, error) {
	switch cr := cred.(type) {
	case approval.IDToken:
		return "Bearer " + string(cr), nil
	case approval.LocalSignature:
		return EncodeLocal(cr)
	case *approval.LocalSignature:
		return EncodeLocal(*cr)
	}
	return "", fmt.Errorf("httpapi: unsupported credential %T", cred)
}

// Approve approves request id with cred.
func (c *Client) Approve(ctx context.Context, id string, cred approval.Credential, reason string) (approval.Request, error) {
	return c.decide(ctx, "approve", id, cred, reason)
}

// Deny denies request id with cred.
func (c *Client) Deny(ctx context.Context, id string, cred approval.Credential, reason string) (approval.Request, error) {
	return c.decide(ctx, "deny", id, cred, reason)
}

func (c *Client) decide(ctx context.Context, verb, id string, cred approval.Credential, reason string) (approval.Request, error) {
	auth, err := Authorization(cred)
	if err != nil {
		return approval.Request{}, err
	}
	var out approval.Request
	err = c.do(ctx, http.MethodPost, "/v1/approvals/"+url.PathEscape(id)+"/"+verb, auth, DecideRequest{Reason: reason}, &out)
	return out, err
}

// BreakGlass breaks glass with cred.
func (c *Client) BreakGlass(ctx context.Context, req BreakGlassRequest, cred approval.Credential) (approval.Request, error) {
	auth, err := Authorization(cred)
	if err != nil {
		return approval.Request{}, err
	}
	var out approval.Request
	err = c.do(ctx, http.MethodPost, "/v1/break-glass", auth, req, &out)
	return out, err
}

// Decisions lists evidence records with the GET /v1/decisions filters.
func (c *Client) Decisions(ctx context.Context, filters url.Values) ([]evidence.Record, error) {
	var out []evidence.Record
	err := c.do(ctx, http.MethodGet, "/v1/decisions?"+filters.Encode(), "", nil, &out)
	return out, err
}

// Verify verifies the owner's whole log (trust nil: its own keys).
func (c *Client) Verify(ctx context.Context, req VerifyRequest) (*evidence.Report, error) {
	var out evidence.Report
	if err := c.do(ctx, http.MethodPost, "/v1/evidence/verify", "", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Registry returns the owner's registry.
func (c *Client) Registry(ctx context.Context) (RegistryDocument, error) {
	var out RegistryDocument
	err := c.do(ctx, http.MethodGet, "/v1/registry", "", nil, &out)
	return out, err
}

// RegisterAgent creates or replaces an agent record; by is WithBy's.
func (c *Client) RegisterAgent(ctx context.Context, a registry.Agent, by string) (registry.Change, error) {
	var ch registry.Change
	err := c.WithBy(by).do(ctx, http.MethodPut, "/v1/registry/agents/"+url.PathEscape(a.ID), "", a, &ch)
	return ch, err
}

// SetAgentStatus sets an agent's status.
func (c *Client) SetAgentStatus(ctx context.Context, id string, st registry.Status, reason, by string) (registry.Change, error) {
	var ch registry.Change
	err := c.WithBy(by).do(ctx, http.MethodPost, "/v1/registry/agents/"+url.PathEscape(id)+"/status", "", StatusRequest{Status: st, Reason: reason}, &ch)
	return ch, err
}

// RegisterServer creates or replaces an MCP server's trust record.
func (c *Client) RegisterServer(ctx context.Context, srv registry.Server, by string) (registry.Change, error) {
	var ch registry.Change
	err := c.WithBy(by).do(ctx, http.MethodPut, "/v1/registry/servers/"+url.PathEscape(srv.ID), "", srv, &ch)
	return ch, err
}

// PinTools pins an MCP server's tool definitions.
func (c *Client) PinTools(ctx context.Context, serverID string, tools []registry.Tool, by string) (registry.Change, error) {
	var ch registry.Change
	err := c.WithBy(by).do(ctx, http.MethodPut, "/v1/registry/servers/"+url.PathEscape(serverID)+"/tools", "", tools, &ch)
	return ch, err
}

// Decision returns the record of decision id.
func (c *Client) Decision(ctx context.Context, id string) (evidence.Record, error) {
	var out evidence.Record
	err := c.do(ctx, http.MethodGet, "/v1/decisions/"+url.PathEscape(id), "", nil, &out)
	return out, err
}

// Bundle returns a signed bundle of the records req selects.
func (c *Client) Bundle(ctx context.Context, req BundleRequest) (*evidence.Bundle, error) {
	var out evidence.Bundle
	if err := c.do(ctx, http.MethodPost, "/v1/evidence/bundles", "", req, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
