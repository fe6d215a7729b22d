// Package mcpgo puts a cavra.Guard in front of the tools of an MCP server
// built on github.com/mark3labs/mcp-go, as adapters/mcp does for go-sdk
// servers; it is its own module so that the core does not depend on
// mcp-go.
//
//	s := server.NewMCPServer("files", "1.0.0", mcpgo.Guard(g, mcpgo.GuardOptions{ServerID: "files", Root: root}))
//
// Every tools/call is decided as an mcp_tool_call action and recorded
// before the tool runs; a block or an approval request is a tool error
// (isError: true) whose text the model reads, the decision in _meta
// ("dev.cavra/decision"). The options, the trust of the server and the
// mapping of arguments to facts are adapters/mcp's: see
// docs/mcp-middleware.md.
//
// # Differences from the go-sdk middleware
//
//   - mcp-go applies tool middleware in the order added, outermost first:
//     pass Guard before other tool middleware.
//   - Arguments that are not a JSON object are a tool error, not a -32602
//     protocol error: mcp-go's tool middleware cannot answer one.
//   - HideBlocked uses mcp-go's tool filter, which mcp-go also applies to
//     tools/call: a hidden tool's call is mcp-go's "tool not found" (-32602)
//     and is not recorded.
package mcpgo

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/internal/mcpguard"
	"github.com/cavra-dev/cavra/registry"
)

// GuardOptions configures Guard; the fields mean what they mean in
// adapters/mcp.GuardOptions.
type GuardOptions struct {
	ServerID        string                       // required
	Root            string                       // relative paths resolve here; paths are this machine's
	Tools           map[string]map[string]string // tool → argument → role (path, read, write, command, url, sql…)
	HideBlocked     bool                         // tools/list leaves out the tools policy blocks outright
	Agent           cavra.Agent                  // defaults: the client's name, the session id
	Context         map[string]string            // added to every action's context
	RegistryDecides bool                         // the server is not the program's own
}

// MetaDecision is the _meta key of the decision a refused call carries.
const MetaDecision = mcpguard.MetaDecision

// Guard returns the server option that guards the server's tools.
func Guard(g *cavra.Guard, opts GuardOptions) server.ServerOption {
	gd := &guard{g: g, opts: opts, defs: map[string]cached{}}
	return func(s *server.MCPServer) {
		gd.srv = s
		server.WithToolHandlerMiddleware(gd.middleware)(s)
		if opts.HideBlocked {
			server.WithToolFilter(gd.filter)(s)
		}
	}
}

type guard struct {
	g    *cavra.Guard
	opts GuardOptions
	srv  *server.MCPServer

	mu   sync.Mutex
	defs map[string]cached // by tool name, checked against the definition's JSON
}

type cached struct {
	def  []byte
	hash string
	an   *registry.Annotations
	role map[string]string
}

const maxDefs = 4096

// derive reads what the Guard needs of a tool's definition.
func (gd *guard) derive(t mcp.Tool) (cached, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return cached{}, fmt.Errorf("tool definition: %w", err)
	}
	gd.mu.Lock()
	c, ok := gd.defs[t.Name]
	gd.mu.Unlock()
	if ok && string(c.def) == string(b) {
		return c, nil
	}
	var raw struct {
		InputSchema json.RawMessage `json:"inputSchema"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return cached{}, fmt.Errorf("tool definition: %w", err)
	}
	an := annotationsOf(t.Annotations)
	hash, err := mcpguard.ToolHash(t.Name, t.Title, t.Description, raw.InputSchema, an)
	if err != nil {
		return cached{}, err
	}
	roles, err := mcpguard.ArgRoles(raw.InputSchema, gd.opts.Tools[t.Name])
	if err != nil {
		return cached{}, err
	}
	c = cached{def: b, hash: hash, an: an, role: roles}
	gd.mu.Lock()
	if len(gd.defs) >= maxDefs {
		clear(gd.defs)
	}
	gd.defs[t.Name] = c
	gd.mu.Unlock()
	return c, nil
}

func annotationsOf(a mcp.ToolAnnotation) *registry.Annotations {
	v := func(p *bool) bool { return p != nil && *p }
	return &registry.Annotations{Title: a.Title, ReadOnlyHint: v(a.ReadOnlyHint), DestructiveHint: a.DestructiveHint,
		IdempotentHint: v(a.IdempotentHint), OpenWorldHint: a.OpenWorldHint}
}

// action builds the call's action.
func (gd *guard) action(ctx context.Context, tool string, args map[string]any, c cached) cavra.Action {
	agent := gd.opts.Agent
	var name, version string
	if cs := server.ClientSessionFromContext(ctx); cs != nil {
		if ci, ok := cs.(server.SessionWithClientInfo); ok {
			info := ci.GetClientInfo()
			name, version = info.Name, info.Version
		}
		if agent.Session == "" {
			agent.Session = cs.SessionID()
		}
	}
	return mcpguard.Action(mcpguard.Input{Server: gd.opts.ServerID, Tool: tool, Args: args, Agent: agent, Root: gd.opts.Root,
		Context: gd.opts.Context, ClientName: name, ClientVersion: version, Hash: c.hash, Annotations: c.an, Roles: c.role})
}

func refused(text string, meta map[string]any) *mcp.CallToolResult {
	res := mcp.NewToolResultError(text)
	if meta != nil {
		res.Meta = mcp.NewMetaFromMap(map[string]any{MetaDecision: meta})
	}
	return res
}

func (gd *guard) middleware(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
		name := req.Params.Name
		running := false
		defer func() {
			if r := recover(); r != nil {
				if running {
					panic(r)
				}
				res, err = refused(fmt.Sprintf("CAVRA blocked %s: internal error while deciding: %v", name, r), nil), nil
			}
		}()
		var args map[string]any
		switch a := req.Params.Arguments.(type) {
		case nil:
			args = map[string]any{}
		case map[string]any:
			args = a
		default:
			return refused(fmt.Sprintf("CAVRA blocked %s: its arguments are not a JSON object", name), nil), nil
		}
		st := gd.srv.GetTool(name)
		if st == nil {
			return refused(fmt.Sprintf("CAVRA blocked %s: the server does not list the tool", name), nil), nil
		}
		c, derr := gd.derive(st.Tool)
		if derr != nil {
			return refused(fmt.Sprintf("CAVRA blocked %s: the tool's definition could not be read, so it is not run: %v", name, derr), nil), nil
		}
		a := gd.action(ctx, name, args, c)
		start := time.Now()
		d := mcpguard.Decide(ctx, gd.g, a, gd.opts.RegistryDecides)
		if text, meta, no := mcpguard.Refusal(gd.opts.ServerID, name, d); no {
			return refused(text, meta), nil
		}
		running = true
		res, err = next(ctx, req)
		running = false
		var body []byte
		if res != nil {
			body, _ = json.Marshal(res)
		}
		mcpguard.RecordOutcome(ctx, gd.g, a, d, body, res != nil && res.IsError, err, time.Since(start))
		return res, err
	}
}

// filter leaves out the tools whose probe (no arguments, a dry run) is a
// block; mcp-go applies it to tools/call too.
func (gd *guard) filter(ctx context.Context, tools []mcp.Tool) []mcp.Tool {
	out := make([]mcp.Tool, 0, len(tools))
	for _, t := range tools {
		c, err := gd.derive(t)
		if err != nil {
			continue
		}
		d, ok := mcpguard.Check(ctx, gd.g, gd.action(ctx, t.Name, map[string]any{}, c), gd.opts.RegistryDecides)
		if ok && d.Decision != cavra.Block {
			out = append(out, t)
		}
	}
	return out
}
