package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/internal/mcpguard"
	"github.com/cavra-dev/cavra/registry"
)

// GuardOptions configures Guard. Only ServerID is required.
type GuardOptions struct {
	// ServerID is the server's id in decisions, evidence and the registry
	// (the "files" of mcp__files__read_file). Required: Guard blocks every
	// call without one.
	ServerID string
	// Root is the directory the server's relative paths are under, and
	// says that its paths are this machine's files: they are judged by the
	// filesystem lists as reads and writes of Root/path. "" leaves relative
	// paths to the Guard's working directory (cavra.Options.Dir) and the
	// tool's name to say whether they are local.
	Root string
	// Tools gives, per tool name, what its arguments are: argument name →
	// role (path, read, write, dir, command, code, url, host, sql, branch;
	// see docs/mcp-middleware.md). It replaces what the argument's name
	// and its schema's format would make it.
	Tools map[string]map[string]string
	// HideBlocked removes from tools/list the tools that policy blocks
	// outright: whose call with no arguments (a probe, checked as a dry run
	// and not recorded) is blocked. A tool blocked only for some arguments
	// stays listed; its calls are decided one by one.
	HideBlocked bool
	// Agent is who calls, in decisions and evidence. An empty ID is the
	// client's name from the MCP handshake (clientInfo.name: the client's
	// claim, not an identity), else "mcp-client"; an empty Session is the
	// MCP session id, else one id per connection.
	Agent cavra.Agent
	// Context is added to every action's context (environment, repo,
	// branch…). Guard sets cwd from Root and the tool_* keys itself.
	Context map[string]string
	// RegistryDecides treats the server like any other: the registry and
	// the pack's mcp lists decide whether it is trusted (an unregistered
	// server under block_unknown_servers is blocked). By default the
	// guarded server is the program's own (cavra.WithOwnMCPServer).
	RegistryDecides bool
}

// MetaDecision is the _meta key of the decision a refused call's result
// carries: decision, rule_id, reason, decision_id, approval_id.
const MetaDecision = mcpguard.MetaDecision

// Context keys of the MCP client that calls (from the initialize
// handshake's clientInfo).
const (
	ContextClientName    = mcpguard.ContextClientName
	ContextClientVersion = mcpguard.ContextClientVersion
)

// Guard returns receiving middleware that puts g in front of a go-sdk
// server's tools:
//
//	server.AddReceivingMiddleware(mcp.Guard(g, mcp.GuardOptions{ServerID: "files"}))
//
// Every tools/call is decided as an mcp_tool_call action (the server, the
// tool, its arguments as facts, the client, the session, the tool's
// annotations and definition hash) and recorded in g's evidence before it
// runs. An allowed call runs and its outcome is recorded; a blocked one is
// a tool error (isError: true) that says what was blocked and why, and the
// tool's handler is not called; one that needs approval is a tool error
// with the approval request's id and how to approve it. A decision that
// fails is a block. A tools/call without a tool name or with arguments
// that are not a JSON object is a protocol error (-32602 invalid params).
// With HideBlocked, tools/list leaves out the tools policy blocks outright.
//
// Add it last, so that it is outermost and sees every call first (the
// go-sdk's later-added middleware wraps the earlier).
func Guard(g *cavra.Guard, opts GuardOptions) sdk.Middleware {
	gd := &guard{g: g, opts: opts, defs: map[*sdk.Tool]*toolDef{}, sessions: map[weak.Pointer[sdk.ServerSession]]string{}}
	return func(next sdk.MethodHandler) sdk.MethodHandler {
		return func(ctx context.Context, method string, req sdk.Request) (sdk.Result, error) {
			switch method {
			case "tools/call":
				return gd.call(ctx, next, req)
			case "tools/list":
				if opts.HideBlocked {
					return gd.list(ctx, next, method, req)
				}
			}
			return next(ctx, method, req)
		}
	}
}

type guard struct {
	g    *cavra.Guard
	opts GuardOptions

	mu       sync.Mutex
	defs     map[*sdk.Tool]*toolDef // by the server's own definition, which AddTool replaces on change
	sessions map[weak.Pointer[sdk.ServerSession]]string
}

// maxDefs bounds the cache of tool definitions.
const maxDefs = 4096

// toolDef is what the Guard needs of a tool's definition.
type toolDef struct {
	hash        string
	annotations *sdk.ToolAnnotations
	roles       map[string]string // from the input schema's formats and GuardOptions.Tools
}

func invalidParams(msg string) error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: msg}
}

func (gd *guard) call(ctx context.Context, next sdk.MethodHandler, req sdk.Request) (res sdk.Result, err error) {
	ctr, ok := req.(*sdk.CallToolRequest)
	if !ok || ctr.Params == nil {
		return nil, invalidParams("tools/call: missing params")
	}
	p := ctr.Params
	if p.Name == "" {
		return nil, invalidParams("tools/call: missing tool name")
	}
	args, aerr := mcpguard.DecodeArgs(p.Arguments)
	if aerr != nil {
		return nil, invalidParams("tools/call: " + aerr.Error())
	}
	running := false
	defer func() {
		// Fail closed, never a panic, whatever the deciding did; a panic
		// of the tool itself is the server's to handle, as without Guard.
		if r := recover(); r != nil {
			if running {
				panic(r)
			}
			res, err = toolError(fmt.Sprintf("CAVRA blocked %s: internal error while deciding: %v", p.Name, r)), nil
		}
	}()
	def, derr := gd.def(ctx, next, ctr.Session, p.Name)
	if derr != nil {
		var je *jsonrpc.Error
		if errors.As(derr, &je) {
			return nil, derr
		}
		return toolError(fmt.Sprintf("CAVRA blocked %s: the tool's definition could not be read, so it is not run: %v", p.Name, derr)), nil
	}
	a := gd.action(ctr, p.Name, args, def)
	start := time.Now()
	d := mcpguard.Decide(ctx, gd.g, a, gd.opts.RegistryDecides)
	if text, meta, refused := mcpguard.Refusal(gd.opts.ServerID, p.Name, d); refused {
		return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: text}}, Meta: sdk.Meta{MetaDecision: meta}}, nil
	}
	running = true
	res, err = next(ctx, "tools/call", req)
	running = false
	var body []byte
	isError := false
	if cr, ok := res.(*sdk.CallToolResult); ok && cr != nil {
		isError = cr.IsError
		body, _ = json.Marshal(cr)
	}
	mcpguard.RecordOutcome(ctx, gd.g, a, d, body, isError, err, time.Since(start))
	return res, err
}

// action builds the mcp_tool_call action of one call.
func (gd *guard) action(ctr *sdk.CallToolRequest, tool string, args map[string]any, def *toolDef) cavra.Action {
	agent := gd.opts.Agent
	var clientName, clientVersion string
	if ss := ctr.Session; ss != nil {
		if ip := ss.InitializeParams(); ip != nil && ip.ClientInfo != nil {
			clientName, clientVersion = ip.ClientInfo.Name, ip.ClientInfo.Version
		}
		if agent.Session == "" {
			agent.Session = gd.sessionID(ss)
		}
	}
	if ctr.Extra != nil && ctr.Extra.TokenInfo != nil && agent.Actor == "" {
		agent.Actor = ctr.Extra.TokenInfo.UserID
	}
	return mcpguard.Action(mcpguard.Input{
		Server: gd.opts.ServerID, Tool: tool, Args: args, Agent: agent, Root: gd.opts.Root, Context: gd.opts.Context,
		ClientName: clientName, ClientVersion: clientVersion,
		Hash: def.hash, Annotations: annotationsOf(def.annotations), Roles: def.roles,
	})
}

// sessionID is the MCP session's id, or one made for the connection (stdio
// and in-memory sessions have none), forgotten when the session is.
func (gd *guard) sessionID(ss *sdk.ServerSession) string {
	if id := ss.ID(); id != "" {
		return id
	}
	k := weak.Make(ss)
	gd.mu.Lock()
	defer gd.mu.Unlock()
	if id, ok := gd.sessions[k]; ok {
		return id
	}
	id := mcpguard.NewSessionID()
	gd.sessions[k] = id
	runtime.AddCleanup(ss, func(k weak.Pointer[sdk.ServerSession]) {
		gd.mu.Lock()
		delete(gd.sessions, k)
		gd.mu.Unlock()
	}, k)
	return id
}

// def returns the definition of the named tool as the server lists it. It
// asks the server's own tools/list (inside the middleware chain, not over
// the wire) on every call, so a tool added, removed or changed since is
// seen; what it derives from a definition is cached by the definition.
func (gd *guard) def(ctx context.Context, next sdk.MethodHandler, ss *sdk.ServerSession, name string) (*toolDef, error) {
	params := &sdk.ListToolsParams{}
	for range 1000 { // pages
		r, err := next(ctx, "tools/list", &sdk.ListToolsRequest{Session: ss, Params: params})
		if err != nil {
			return nil, err
		}
		lr, ok := r.(*sdk.ListToolsResult)
		if !ok {
			return nil, fmt.Errorf("tools/list answered %T", r)
		}
		for _, t := range lr.Tools {
			if t != nil && t.Name == name {
				return gd.derive(t)
			}
		}
		if lr.NextCursor == "" {
			break
		}
		params = &sdk.ListToolsParams{Cursor: lr.NextCursor}
	}
	// As the server itself answers an unknown tool.
	return nil, invalidParams(fmt.Sprintf("unknown tool %q", name))
}

func (gd *guard) derive(t *sdk.Tool) (*toolDef, error) {
	gd.mu.Lock()
	d, ok := gd.defs[t]
	gd.mu.Unlock()
	if ok {
		return d, nil
	}
	schema, err := json.Marshal(t.InputSchema)
	if err != nil {
		return nil, fmt.Errorf("input schema: %w", err)
	}
	hash, err := mcpguard.ToolHash(t.Name, t.Title, t.Description, schema, annotationsOf(t.Annotations))
	if err != nil {
		return nil, err
	}
	roles, err := mcpguard.ArgRoles(schema, gd.opts.Tools[t.Name])
	if err != nil {
		return nil, err
	}
	d = &toolDef{hash: hash, annotations: t.Annotations, roles: roles}
	gd.mu.Lock()
	if len(gd.defs) >= maxDefs {
		clear(gd.defs)
	}
	gd.defs[t] = d
	gd.mu.Unlock()
	return d, nil
}

// list answers tools/list without the tools policy blocks outright.
func (gd *guard) list(ctx context.Context, next sdk.MethodHandler, method string, req sdk.Request) (sdk.Result, error) {
	r, err := next(ctx, method, req)
	if err != nil {
		return r, err
	}
	lr, ok := r.(*sdk.ListToolsResult)
	if !ok || lr == nil {
		return r, err
	}
	var ss *sdk.ServerSession
	if lreq, ok := req.(*sdk.ListToolsRequest); ok {
		ss = lreq.Session
	}
	out := *lr
	out.Tools = make([]*sdk.Tool, 0, len(lr.Tools))
	for _, t := range lr.Tools {
		if t == nil || gd.blockedOutright(ctx, ss, t) {
			continue
		}
		out.Tools = append(out.Tools, t)
	}
	return &out, nil
}

// blockedOutright checks (as a dry run) the tool's call with no arguments;
// a tool whose definition cannot be read, or whose check fails, is hidden.
func (gd *guard) blockedOutright(ctx context.Context, ss *sdk.ServerSession, t *sdk.Tool) bool {
	def, err := gd.derive(t)
	if err != nil {
		return true
	}
	a := gd.action(&sdk.CallToolRequest{Session: ss}, t.Name, map[string]any{}, def)
	d, ok := mcpguard.Check(ctx, gd.g, a, gd.opts.RegistryDecides)
	return !ok || d.Decision == cavra.Block
}

// annotationsOf converts the go-sdk's annotations to the registry's.
func annotationsOf(a *sdk.ToolAnnotations) *registry.Annotations {
	if a == nil {
		return nil
	}
	return &registry.Annotations{Title: a.Title, ReadOnlyHint: a.ReadOnlyHint, DestructiveHint: a.DestructiveHint,
		IdempotentHint: a.IdempotentHint, OpenWorldHint: a.OpenWorldHint}
}

// toolError is the tool error result of a call CAVRA could not decide.
func toolError(text string) *sdk.CallToolResult {
	return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: text}}}
}
