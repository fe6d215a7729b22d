package mcp

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/internal/mcpguard"
	"github.com/cavra-dev/cavra/registry"
)

// PinMode is what the proxy does with a tool the registry has no pin for.
type PinMode int

// Pin modes.
const (
	// PinOnFirstUse pins each tool's definition the first time the proxy
	// lists it (trust on first use) and registers an unregistered server
	// as approved: the person who configured the proxy chose the server.
	PinOnFirstUse PinMode = iota
	// PinRequireApproval pins nothing: an unregistered server is
	// registered pending, so its calls require approval until a person
	// approves it and pins its tools (cavra registry mcp-register,
	// mcp-pin).
	PinRequireApproval
)

// ProxyOptions configures a Proxy. Only ServerID is required.
type ProxyOptions struct {
	// ServerID is the downstream server's id in decisions, evidence and the
	// registry. Required.
	ServerID string
	// Root, Tools, Agent and Context are GuardOptions'.
	Root    string
	Tools   map[string]map[string]string
	Agent   cavra.Agent
	Context map[string]string
	// Pin is what to do with a tool without a pin (default PinOnFirstUse).
	Pin PinMode
	// HideBlocked leaves out of tools/list the tools that policy blocks
	// outright, as GuardOptions.HideBlocked does: a tool whose call with no
	// arguments is blocked (checked as a dry run, not recorded). A pinned
	// tool is hidden all the same: a pin proves the definition, not that
	// calls are safe. Calls of a hidden tool are still decided (and
	// blocked), in case a client calls it without listing.
	HideBlocked bool
	// PassMeta passes the downstream result's _meta through to the client.
	// By default a forwarded result is rebuilt from its content, structured
	// content and isError, so the downstream's _meta (its serverInfo,
	// anything it smuggles there) does not reach the client.
	PassMeta bool
	// ApproveByElicitation asks the person at the client, through an MCP
	// elicitation, to approve a call that requires approval, when the
	// client supports elicitation; an accepted answer is recorded as a
	// local approval of channel "mcp-elicitation" (docs/mcp-proxy.md: the
	// answer is the client's word, so only turn this on for a client that
	// shows elicitations to the person and never answers them itself).
	ApproveByElicitation bool
	// OpenGuard, when set, opens the Guard for the length of one call or
	// one sync instead of using the Guard given to NewProxy, which may
	// then be nil: so that a long-running proxy does not hold the state
	// directory that hooks and cavra commands open too.
	OpenGuard func(context.Context) (*cavra.Guard, error)
}

// ElicitationChannel is the channel an approval given through an MCP
// elicitation is recorded with (in the approver's name and the reason).
const ElicitationChannel = "mcp-elicitation"

// approvalInput is the input request id of an approval elicitation.
const approvalInput = "cavra_approval"

// Proxy is a governing MCP gateway: an MCP server that mirrors the tools of
// a downstream server and forwards each call through a Guard.
type Proxy struct {
	g    *cavra.Guard
	opts ProxyOptions
	srv  *sdk.Server
	key  []byte // signs RequestState
	sess string

	mu    sync.Mutex
	cs    *sdk.ClientSession
	tools map[string]*proxyTool

	syncMu   sync.Mutex
	inflight sync.WaitGroup
	done     chan struct{}
	err      error
}

type proxyTool struct {
	tool *sdk.Tool
	def  *toolDef
	reg  registry.Tool
}

// NewProxy returns a proxy that decides with g (or ProxyOptions.OpenGuard).
// Connect it to the downstream server, then serve Server to clients.
func NewProxy(g *cavra.Guard, opts ProxyOptions) (*Proxy, error) {
	if opts.ServerID == "" {
		return nil, errors.New("cavra: mcp proxy: a server id is required")
	}
	if g == nil && opts.OpenGuard == nil {
		return nil, errors.New("cavra: mcp proxy: a Guard or OpenGuard is required")
	}
	p := &Proxy{g: g, opts: opts, key: make([]byte, 32), tools: map[string]*proxyTool{}, done: make(chan struct{}),
		sess: mcpguard.NewSessionID()}
	_, _ = rand.Read(p.key)
	p.srv = sdk.NewServer(&sdk.Implementation{Name: "cavra-proxy-" + opts.ServerID, Version: "1"},
		&sdk.ServerOptions{Capabilities: &sdk.ServerCapabilities{Tools: &sdk.ToolCapabilities{ListChanged: true}}})
	if opts.HideBlocked {
		p.srv.AddReceivingMiddleware(p.hideBlocked)
	}
	return p, nil
}

// Server is the upstream server clients connect to.
func (p *Proxy) Server() *sdk.Server { return p.srv }

// Connect connects to the downstream server over t, registers it (unless
// the registry knows it), mirrors its tools and pins them per Pin, and
// watches it: when it exits, Done is closed and calls fail with a tool
// error that says so.
func (p *Proxy) Connect(ctx context.Context, t sdk.Transport) error {
	c := sdk.NewClient(&sdk.Implementation{Name: "cavra-proxy", Version: "1"}, &sdk.ClientOptions{
		ToolListChangedHandler: func(ctx context.Context, _ *sdk.ToolListChangedRequest) {
			go func() { _ = p.Sync(context.WithoutCancel(ctx)) }()
		},
	})
	cs, err := c.Connect(ctx, t, nil)
	if err != nil {
		return fmt.Errorf("cavra: mcp proxy: connecting to %s: %w", p.opts.ServerID, err)
	}
	p.mu.Lock()
	p.cs = cs
	p.mu.Unlock()
	go func() {
		err := cs.Wait()
		p.mu.Lock()
		if err == nil {
			err = errors.New("the connection closed")
		}
		p.err = err
		p.mu.Unlock()
		close(p.done)
	}()
	if err := p.register(ctx); err != nil {
		_ = cs.Close()
		return err
	}
	if err := p.Sync(ctx); err != nil {
		_ = cs.Close()
		return err
	}
	return nil
}

// Definitions returns the downstream tools' definitions as last listed,
// in the registry's form: what a person pins again after reviewing a
// changed tool (Guard.PinTools, cavra registry mcp-pin).
func (p *Proxy) Definitions() []registry.Tool {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]registry.Tool, 0, len(p.tools))
	for _, pt := range p.tools {
		out = append(out, pt.reg)
	}
	slices.SortFunc(out, func(a, b registry.Tool) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Done is closed when the downstream connection ends.
func (p *Proxy) Done() <-chan struct{} { return p.done }

// Err says why the downstream connection ended (nil while it runs).
func (p *Proxy) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Drain waits at most d for the calls in flight to return (after the
// downstream died, they return its tool error at once).
func (p *Proxy) Drain(d time.Duration) {
	ch := make(chan struct{})
	go func() { p.inflight.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(d):
	}
}

// Close closes the downstream connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	cs := p.cs
	p.mu.Unlock()
	if cs == nil {
		return nil
	}
	return cs.Close()
}

func (p *Proxy) guard(ctx context.Context) (*cavra.Guard, func(), error) {
	if p.opts.OpenGuard == nil {
		return p.g, func() {}, nil
	}
	g, err := p.opts.OpenGuard(ctx)
	if err != nil {
		return nil, nil, err
	}
	return g, func() { _ = g.Close() }, nil
}

// register adds the server to the registry when the registry does not know
// it: approved under PinOnFirstUse, pending under PinRequireApproval. A
// registry file is left as it is.
func (p *Proxy) register(ctx context.Context) error {
	g, release, err := p.guard(ctx)
	if err != nil {
		return fmt.Errorf("cavra: mcp proxy: %w", err)
	}
	defer release()
	if _, ok := g.Registry().Server(p.opts.ServerID); ok {
		return nil
	}
	srv := registry.Server{ID: p.opts.ServerID, Name: p.opts.ServerID, TrustTier: registry.Approved, ApprovalState: registry.StateApproved}
	if p.opts.Pin == PinRequireApproval {
		srv.TrustTier, srv.ApprovalState = registry.Unknown, registry.StatePending
	}
	if _, err := g.RegisterServer(ctx, srv, "cavra mcp proxy (first use)"); err != nil && !errors.Is(err, cavra.ErrRegistryFile) {
		return fmt.Errorf("cavra: mcp proxy: registering %s: %w", p.opts.ServerID, err)
	}
	return nil
}

// Sync lists the downstream tools again and mirrors them: new and changed
// tools are added (a changed one keeps its old pin, so its calls are
// blocked until a person pins it again), gone ones removed; under
// PinOnFirstUse the tools without a pin are pinned. It runs on every
// tools/list_changed notification of the downstream.
func (p *Proxy) Sync(ctx context.Context) error {
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	p.mu.Lock()
	cs := p.cs
	p.mu.Unlock()
	if cs == nil {
		return errors.New("cavra: mcp proxy: not connected")
	}
	seen := map[string]*proxyTool{}
	var regTools []registry.Tool
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return fmt.Errorf("cavra: mcp proxy: listing the tools of %s: %w", p.opts.ServerID, err)
		}
		if t == nil || t.Name == "" {
			continue
		}
		schema, err := json.Marshal(t.InputSchema)
		if err != nil {
			return fmt.Errorf("cavra: mcp proxy: tool %s: input schema: %w", t.Name, err)
		}
		hash, err := mcpguard.ToolHash(t.Name, t.Title, t.Description, schema, annotationsOf(t.Annotations))
		if err != nil {
			return fmt.Errorf("cavra: mcp proxy: tool %s: %w", t.Name, err)
		}
		roles, err := mcpguard.ArgRoles(schema, p.opts.Tools[t.Name])
		if err != nil {
			return fmt.Errorf("cavra: mcp proxy: tool %s: %w", t.Name, err)
		}
		if string(schema) == "null" {
			schema = nil
		}
		rt := registry.Tool{Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: schema, Annotations: annotationsOf(t.Annotations)}
		seen[t.Name] = &proxyTool{tool: t, def: &toolDef{hash: hash, annotations: t.Annotations, roles: roles}, reg: rt}
		regTools = append(regTools, rt)
	}
	if p.opts.Pin == PinOnFirstUse && len(regTools) > 0 {
		if err := p.pinNew(ctx, regTools); err != nil {
			return err
		}
	}
	p.mu.Lock()
	old := p.tools
	p.tools = seen
	p.mu.Unlock()
	var gone []string
	for name := range old {
		if _, ok := seen[name]; !ok {
			gone = append(gone, name)
		}
	}
	if len(gone) > 0 {
		p.srv.RemoveTools(gone...)
	}
	for name, pt := range seen {
		if o, ok := old[name]; ok && o.def.hash == pt.def.hash {
			continue
		}
		mirror := *pt.tool
		mirror.Meta = nil // the downstream's, not ours to pass on
		if mirror.InputSchema == nil {
			mirror.InputSchema = map[string]any{"type": "object"}
		}
		p.srv.AddTool(&mirror, p.forward)
	}
	return nil
}

func (p *Proxy) pinNew(ctx context.Context, tools []registry.Tool) error {
	g, release, err := p.guard(ctx)
	if err != nil {
		return fmt.Errorf("cavra: mcp proxy: %w", err)
	}
	defer release()
	if _, err := g.PinNewTools(ctx, p.opts.ServerID, tools, "cavra mcp proxy (first use)"); err != nil && !errors.Is(err, cavra.ErrRegistryFile) {
		return fmt.Errorf("cavra: mcp proxy: pinning the tools of %s: %w", p.opts.ServerID, err)
	}
	return nil
}

// forward is the handler of every mirrored tool.
func (p *Proxy) forward(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	if req == nil || req.Params == nil || req.Params.Name == "" {
		return nil, invalidParams("tools/call: missing tool name")
	}
	p.inflight.Add(1)
	defer p.inflight.Done()
	name := req.Params.Name
	args, aerr := mcpguard.DecodeArgs(req.Params.Arguments)
	if aerr != nil {
		return nil, invalidParams("tools/call: " + aerr.Error())
	}
	p.mu.Lock()
	pt := p.tools[name]
	cs := p.cs
	p.mu.Unlock()
	if pt == nil {
		return nil, invalidParams(fmt.Sprintf("unknown tool %q", name))
	}
	select {
	case <-p.done:
		return p.downstreamGone(name, nil), nil
	default:
	}
	g, release, err := p.guard(ctx)
	if err != nil {
		return toolError(fmt.Sprintf("CAVRA blocked %s: the Guard could not be opened, so the tool is not run: %v", name, err)), nil
	}
	defer release()
	a := p.action(req, name, args, pt.def)
	start := time.Now()
	d := mcpguard.Decide(ctx, g, a, true)
	if d.Decision == cavra.RequireApproval && d.ApprovalID != "" && p.canElicit(req.Session) {
		var res *sdk.CallToolResult
		d, res = p.approveInPlace(ctx, g, req, a, d)
		if res != nil {
			return res, nil
		}
	}
	if text, meta, refused := mcpguard.Refusal(p.opts.ServerID, name, d); refused {
		return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: text}}, Meta: sdk.Meta{MetaDecision: meta}}, nil
	}
	params := &sdk.CallToolParams{Name: name}
	if len(req.Params.Arguments) > 0 {
		params.Arguments = req.Params.Arguments // unchanged, byte for byte
	}
	res, err := cs.CallTool(ctx, params)
	var body []byte
	if res != nil {
		body, _ = json.Marshal(res)
	}
	mcpguard.RecordOutcome(ctx, g, a, d, body, res != nil && res.IsError, err, time.Since(start))
	if err != nil {
		var je *jsonrpc.Error
		if errors.As(err, &je) {
			return nil, je // the downstream's protocol error, as it sent it
		}
		// A connection that broke mid-call ends the session a moment
		// after the call sees it; wait that moment to tell the two apart.
		select {
		case <-p.done:
			return p.downstreamGone(name, err), nil
		case <-time.After(goneWait):
		}
		return toolError(fmt.Sprintf("the call of %s to MCP server %q failed: %v", name, p.opts.ServerID, err)), nil
	}
	if p.opts.PassMeta {
		return res, nil
	}
	return &sdk.CallToolResult{Content: res.Content, StructuredContent: res.StructuredContent, IsError: res.IsError}, nil
}

// hideBlocked is receiving middleware that filters tools/list.
func (p *Proxy) hideBlocked(next sdk.MethodHandler) sdk.MethodHandler {
	return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
		r, err := next(ctx, method, req)
		if method != "tools/list" || err != nil {
			return r, err
		}
		lr, ok := r.(*sdk.ListToolsResult)
		if !ok || lr == nil {
			return r, err
		}
		g, release, gerr := p.guard(ctx)
		out := *lr
		out.Tools = make([]*sdk.Tool, 0, len(lr.Tools))
		if gerr != nil {
			return &out, nil // fail closed: nothing can be decided, nothing is offered
		}
		defer release()
		ss, _ := req.GetSession().(*sdk.ServerSession)
		for _, t := range lr.Tools {
			if t == nil || p.blockedOutright(ctx, g, ss, t.Name) {
				continue
			}
			out.Tools = append(out.Tools, t)
		}
		return &out, nil
	}
}

// blockedOutright checks (as a dry run) the tool's call with no arguments;
// a tool the proxy does not know, or whose check fails, is hidden.
func (p *Proxy) blockedOutright(ctx context.Context, g *cavra.Guard, ss *sdk.ServerSession, name string) bool {
	p.mu.Lock()
	pt := p.tools[name]
	p.mu.Unlock()
	if pt == nil {
		return true
	}
	a := p.action(&sdk.CallToolRequest{Session: ss}, name, map[string]any{}, pt.def)
	d, ok := mcpguard.Check(ctx, g, a, true)
	return !ok || d.Decision == cavra.Block
}

func (p *Proxy) downstreamGone(tool string, err error) *sdk.CallToolResult {
	why := p.Err()
	if why == nil {
		why = err
	}
	return toolError(fmt.Sprintf("the MCP server %q behind CAVRA's proxy exited (%v); the call of %s did not complete and may or may not have run. "+
		"The proxy is shutting down: restart the client's MCP connection.", p.opts.ServerID, why, tool))
}

func (p *Proxy) action(req *sdk.CallToolRequest, tool string, args map[string]any, def *toolDef) cavra.Action {
	agent := p.opts.Agent
	var clientName, clientVersion string
	if ss := req.Session; ss != nil {
		if ip := ss.InitializeParams(); ip != nil && ip.ClientInfo != nil {
			clientName, clientVersion = ip.ClientInfo.Name, ip.ClientInfo.Version
		}
		if agent.Session == "" {
			agent.Session = ss.ID()
		}
	}
	if agent.Session == "" {
		agent.Session = p.sess
	}
	if req.Extra != nil && req.Extra.TokenInfo != nil && agent.Actor == "" {
		agent.Actor = req.Extra.TokenInfo.UserID
	}
	return mcpguard.Action(mcpguard.Input{
		Server: p.opts.ServerID, Tool: tool, Args: args, Agent: agent, Root: p.opts.Root, Context: p.opts.Context,
		ClientName: clientName, ClientVersion: clientVersion,
		Hash: def.hash, Annotations: annotationsOf(def.annotations), Roles: def.roles,
	})
}

// canElicit reports whether approvals are asked in place and the client
// said in its handshake that it handles elicitations.
func (p *Proxy) canElicit(ss *sdk.ServerSession) bool {
	if !p.opts.ApproveByElicitation || ss == nil {
		return false
	}
	ip := ss.InitializeParams()
	return ip != nil && ip.Capabilities != nil && ip.Capabilities.Elicitation != nil
}

// approveInPlace asks the person at the client to approve the call, as a
// multi-round-trip input request (the go-sdk turns it into an
// elicitation/create on older protocols): the first time it returns the
// input-required result; on the retry it verifies the signed RequestState
// against this call's action digest and approval id, records the answer and
// decides again. A nil result means: go on with the decision returned.
func (p *Proxy) approveInPlace(ctx context.Context, g *cavra.Guard, req *sdk.CallToolRequest, a cavra.Action, d cavra.Decision) (cavra.Decision, *sdk.CallToolResult) {
	resp, answered := req.Params.InputResponses[approvalInput]
	if !answered {
		return d, &sdk.CallToolResult{
			InputRequests: sdk.InputRequestMap{approvalInput: p.elicitation(a, d)},
			RequestState:  p.signState(d.ApprovalID, d.ActionDigest),
		}
	}
	if err := p.verifyState(req.Params.RequestState, d.ApprovalID, d.ActionDigest); err != nil {
		return d, toolError(fmt.Sprintf("CAVRA requires approval for this call (approval request %s); the answer from the client was not accepted: %v. "+
			"The tool was not run.", d.ApprovalID, err))
	}
	er, _ := resp.(*sdk.ElicitResult)
	actor := ElicitationChannel
	if cn := a.Context[ContextClientName]; cn != "" {
		actor += ":" + cn
	}
	if a.Agent.Actor != "" {
		actor += ":" + a.Agent.Actor
	}
	approve := er != nil && er.Action == "accept"
	if approve {
		v, _ := er.Content["approve"].(bool)
		approve = v
	}
	verb, fn, say := approval.VerbApprove, g.Approve, "approved"
	if !approve {
		if er == nil || er.Action != "decline" && er.Action != "accept" { // cancelled: no answer
			return d, toolError(fmt.Sprintf("CAVRA requires approval for this call of %s: the person cancelled the approval at the client. "+
				"Approval request %s still waits; the tool was not run.", cavra.MCPName(p.opts.ServerID, a.Tool), d.ApprovalID))
		}
		verb, fn, say = approval.VerbDeny, g.Deny, "declined"
	}
	sig, err := g.SignLocalApproval(verb, d.ApprovalID, actor)
	if err == nil {
		_, err = fn(ctx, d.ApprovalID, sig, fmt.Sprintf("%s at the MCP client (channel %s, as the client reports)", say, ElicitationChannel))
	}
	if !approve {
		return d, toolError(fmt.Sprintf("CAVRA: the person declined this call of %s at the client (approval request %s). The tool was not run; "+
			"do not retry it as it is.", cavra.MCPName(p.opts.ServerID, a.Tool), d.ApprovalID))
	}
	if err != nil {
		return d, toolError(fmt.Sprintf("CAVRA requires approval for this call of %s: the approval given at the client could not be recorded (%v). "+
			"Approval request %s still waits; approve it on a terminal with cavra approval approve %s --local.",
			cavra.MCPName(p.opts.ServerID, a.Tool), err, d.ApprovalID, d.ApprovalID))
	}
	return mcpguard.Decide(ctx, g, a, true), nil
}

// elicitation is the yes/no question put to the person.
func (p *Proxy) elicitation(a cavra.Action, d cavra.Decision) *sdk.ElicitParams {
	args, _ := json.Marshal(a.Args)
	if len(args) > 600 {
		args = append(args[:600:600], "…"...)
	}
	msg := fmt.Sprintf("CAVRA: approve this call?\n\nTool %s of MCP server %q\nArguments: %s\n\nWhy approval is needed (rule %s): %s\nApproval request %s.",
		a.Tool, p.opts.ServerID, args, d.RuleID, strings.TrimSpace(d.Reason), d.ApprovalID)
	return &sdk.ElicitParams{Mode: "form", Message: msg, RequestedSchema: map[string]any{
		"type": "object",
		"properties": map[string]any{
			"approve": map[string]any{"type": "boolean", "title": "Approve this call", "description": "Run " + a.Tool + " once with these arguments"},
		},
		"required": []any{"approve"},
	}}
}

// goneWait is how long a failed call waits to learn whether the
// downstream exited.
const goneWait = time.Second

// stateTTL bounds how long an approval question stays answerable.
const stateTTL = 10 * time.Minute

type requestState struct {
	ApprovalID string `json:"aid"`
	Digest     string `json:"dig"`
	Exp        int64  `json:"exp"`
}

// signState binds the question to the call: the client echoes it back and
// cannot forge or move it to another call (an HMAC under the proxy's key).
func (p *Proxy) signState(approvalID, digest string) string {
	b, _ := json.Marshal(requestState{approvalID, digest, time.Now().Add(stateTTL).Unix()})
	m := hmac.New(sha256.New, p.key)
	m.Write(b)
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (p *Proxy) verifyState(s, approvalID, digest string) error {
	body, mac, ok := strings.Cut(s, ".")
	if !ok {
		return errors.New("no request state")
	}
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	sum, err2 := base64.RawURLEncoding.DecodeString(mac)
	if err1 != nil || err2 != nil {
		return errors.New("malformed request state")
	}
	m := hmac.New(sha256.New, p.key)
	m.Write(b)
	if !hmac.Equal(m.Sum(nil), sum) {
		return errors.New("request state not signed by this proxy")
	}
	var st requestState
	if err := json.Unmarshal(b, &st); err != nil {
		return errors.New("malformed request state")
	}
	if st.ApprovalID != approvalID || st.Digest != digest {
		return errors.New("the answer was given for another call")
	}
	if time.Now().Unix() > st.Exp {
		return errors.New("the question expired")
	}
	return nil
}
