package mcp

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/google/jsonschema-go/jsonschema"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
)

// Name is the server's name in the MCP handshake, and the name it is
// registered under in .mcp.json.
const Name = "cavra"

// Defaults for Options.
const (
	// DefaultStoreTimeout is how long a lookup waits for the state database
	// when another process (a hook) holds it.
	DefaultStoreTimeout = 500 * time.Millisecond
	// DefaultVerifyTimeout bounds evidence_verify, which holds a read lock
	// on the state database while it runs.
	DefaultVerifyTimeout = time.Second
)

// Options configures NewServer. A nil *Options (or the zero value) uses
// the state directory and the policy that `cavra hook` would use in the
// process's working directory.
type Options struct {
	// Home is the state directory; "" means CAVRA_HOME, else the nearest
	// .cavra directory up from the working directory, else ./.cavra.
	Home string
	// Packs names the policy packs (ids or paths); empty means config.yaml's,
	// else the bundled default pack.
	Packs []string
	// PolicyDirs are added to config.yaml's policy directories (and
	// CAVRA_POLICY_DIR's, which come first).
	PolicyDirs []string
	// Mode is the policy mode; "" means config.yaml's, else the packs'.
	Mode cavra.Mode
	// Dir is the directory relative paths in actions are resolved against
	// when an action's context has no "cwd"; "" means the working directory
	// at NewServer.
	Dir string
	// StoreTimeout bounds each wait for the state database; 0 means
	// DefaultStoreTimeout.
	StoreTimeout time.Duration
	// VerifyTimeout bounds evidence_verify; 0 means DefaultVerifyTimeout.
	VerifyTimeout time.Duration
	// Version is reported in the handshake; "" means the module version.
	Version string
	// Logger receives the go-sdk's log; nil discards it.
	Logger *slog.Logger
}

// instructions are sent to clients in the handshake.
const instructions = `CAVRA decides, before an AI agent acts, whether an action is allowed, blocked or needs a person's approval.
These tools are advisory dry runs: ask before you act (check_* tools, explain_decision) so you can choose an action the policy allows. The hooks enforce; nothing here is recorded or changes any decision.
When a hook answers that an action needs approval (apr_...), a person must approve it; use approval_status to see whether they have, then retry the same action. You cannot approve, deny or break glass through these tools.`

// server holds what the tools share. It holds no open database.
type server struct {
	home          string
	dir           string
	storeTimeout  time.Duration
	verifyTimeout time.Duration
	packs         []string
	dirs          []string
	mode          cavra.Mode
}

// NewServer returns an MCP server offering CAVRA's tools. It resolves the
// state directory but opens nothing: the policy is compiled on the first
// call, and the state database is opened only during a call that reads it.
func NewServer(opts *Options) (*sdk.Server, error) {
	s, o, err := newServer(opts)
	if err != nil {
		return nil, err
	}
	srv := sdk.NewServer(&sdk.Implementation{Name: Name, Title: "CAVRA", Version: o.Version},
		&sdk.ServerOptions{Instructions: instructions, Logger: o.Logger})
	s.register(srv)
	return srv, nil
}

// newServer checks opts and fills in the defaults.
func newServer(opts *Options) (*server, Options, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Mode != "" {
		if _, err := decision.ParseMode(string(o.Mode)); err != nil {
			return nil, o, fmt.Errorf("mcp: %w", err)
		}
	}
	home, err := cavra.StateDir(o.Home)
	if err != nil {
		return nil, o, fmt.Errorf("mcp: %w", err)
	}
	if o.Dir == "" {
		if o.Dir, err = os.Getwd(); err != nil {
			return nil, o, fmt.Errorf("mcp: working directory: %w", err)
		}
	}
	if o.StoreTimeout <= 0 {
		o.StoreTimeout = DefaultStoreTimeout
	}
	if o.VerifyTimeout <= 0 {
		o.VerifyTimeout = DefaultVerifyTimeout
	}
	if o.Version == "" {
		o.Version = moduleVersion()
	}
	return &server{
		home: home, dir: o.Dir, storeTimeout: o.StoreTimeout, verifyTimeout: o.VerifyTimeout,
		packs: o.Packs, dirs: o.PolicyDirs, mode: o.Mode,
	}, o, nil
}

// ToolNames lists the server's tools in the order they are registered.
func ToolNames() []string {
	names := make([]string, len(tools))
	for i, t := range tools {
		names[i] = t.name
	}
	return names
}

// tool describes one tool; add registers it with its typed handler.
type tool struct {
	name, title, description string
	add                      func(s *server, srv *sdk.Server, t *sdk.Tool)
}

// tools is every tool the server offers. None changes state.
var tools = []tool{
	{"check_action", "Check an action", "Dry run: what CAVRA's policy decides about any action (read_file, write_file, execute_command, git_operation, mcp_tool_call, http_request, tool_call). Returns the outcome (allow, block, require_approval), rule id, severity, reason, approver group and every matching rule. Advisory: nothing is recorded; the hooks enforce.",
		addTool((*server).checkAction)},
	{"check_file_read", "Check a file read", "Dry run: may the agent read this file? Returns CAVRA's decision with rule, severity and reason. Advisory: nothing is recorded; the hooks enforce.",
		addTool((*server).checkFileRead)},
	{"check_file_write", "Check a file write", "Dry run: may the agent write (create or edit) this file? Returns CAVRA's decision with rule, severity, reason and approver group. Advisory: nothing is recorded; the hooks enforce.",
		addTool((*server).checkFileWrite)},
	{"check_command", "Check a shell command", "Dry run: may the agent run this shell command line? Every simple command of the line is checked (cd x && terraform apply is two commands). Returns CAVRA's decision. Advisory: nothing is recorded; the hooks enforce.",
		addTool((*server).checkCommand)},
	{"check_git_operation", "Check a git operation", "Dry run: may the agent perform this git operation (push, force push, branch delete...) on this ref? Returns CAVRA's decision. Advisory: nothing is recorded; the hooks enforce.",
		addTool((*server).checkGitOperation)},
	{"check_mcp_tool_call", "Check an MCP tool call", "Dry run: may the agent call this tool of this MCP server? Returns the policy's decision; the registry's trust records and tool pins are applied by the hook, not here. Advisory: nothing is recorded.",
		addTool((*server).checkMCPToolCall)},
	{"explain_decision", "Explain a decision", "Explain how CAVRA decides about an action: how it is understood (the simple commands of a command line, the paths read, written or deleted, URLs, git facts) and every rule that matched and why. Advisory: nothing is recorded.",
		addTool((*server).explainDecision)},
	{"approval_status", "Approval request status", "Look up an approval request by id (apr_...): its state (pending, approved, denied, expired, break_glass), approver group, votes and quorum, expiry and what to do next. Read-only: approving is for people, not agents.",
		addTool((*server).approvalStatus)},
	{"list_pending_approvals", "List pending approvals", "List the approval requests still waiting for a person, newest first, optionally for one approver group or agent. Read-only.",
		addTool((*server).listPendingApprovals)},
	{"policy_list", "List policy packs", "The active policy (packs, digest, mode) and every available policy pack. Read-only.",
		addTool((*server).policyList)},
	{"policy_describe", "Describe a policy pack", "One policy pack by id: metadata, inheritance, its compiled rules and lists, digest. Read-only.",
		addTool((*server).policyDescribe)},
	{"evidence_verify", "Verify the evidence log", "Verify the local evidence log: every record's hash, the hash chain, the Merkle tree and every signed checkpoint. Reports ok, or the first bad sequence number. Read-only.",
		addTool((*server).evidenceVerify)},
}

// register adds every tool to srv.
func (s *server) register(srv *sdk.Server) {
	no := false
	for _, t := range tools {
		t.add(s, srv, &sdk.Tool{
			Name: t.name, Title: t.title, Description: t.description,
			Annotations: &sdk.ToolAnnotations{Title: t.title, ReadOnlyHint: true, IdempotentHint: true, DestructiveHint: &no, OpenWorldHint: &no},
		})
	}
}

// handler is a tool's typed handler as a method of server.
type handler[In, Out any] func(s *server, ctx context.Context, req *sdk.CallToolRequest, in In) (*sdk.CallToolResult, Out, error)

// addTool registers a typed handler. The input schema is inferred from In
// (descriptions from jsonschema tags) and adjusted by inputSchema. A panic in
// a handler becomes a tool error.
func addTool[In, Out any](h handler[In, Out]) func(s *server, srv *sdk.Server, t *sdk.Tool) {
	return func(s *server, srv *sdk.Server, t *sdk.Tool) {
		t.InputSchema = inputSchema[In]()
		sdk.AddTool(srv, t, func(ctx context.Context, req *sdk.CallToolRequest, in In) (res *sdk.CallToolResult, out Out, err error) {
			defer func() {
				if r := recover(); r != nil {
					var zero Out
					res, out, err = nil, zero, fmt.Errorf("internal error in %s: %v", t.Name, r)
				}
			}()
			return h(s, ctx, req, in)
		})
	}
}

// inputSchema infers In's schema (a struct's schema admits no unknown
// properties) and lists the action types in ActionInput's "type".
func inputSchema[In any]() *jsonschema.Schema {
	sch, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("mcp: input schema of %T: %v", *new(In), err))
	}
	if _, ok := any(*new(In)).(ActionInput); ok {
		p := sch.Properties["type"]
		for _, t := range decision.ActionTypes {
			p.Enum = append(p.Enum, string(t))
		}
	}
	return sch
}

func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
