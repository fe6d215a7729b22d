package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/policy"
)

// maxText bounds a target or command line an agent may send; the hooks
// decide real calls of any size, but a dry run has no reason to parse more.
const maxText = 64 << 10

// ActionInput is check_action's and explain_decision's input: one action as
// CAVRA sees it.
type ActionInput struct {
	Type      string            `json:"type" jsonschema:"the action type: read_file, write_file, execute_command, git_operation, mcp_tool_call, http_request or tool_call"`
	Target    string            `json:"target,omitempty" jsonschema:"what the action is on: a file path, a shell command line, a git ref (origin/main), SERVER:TOOL for mcp_tool_call, a URL, or a tool name"`
	Operation string            `json:"operation,omitempty" jsonschema:"git operation (push), file mode, or the MCP capability the call uses"`
	Tool      string            `json:"tool,omitempty" jsonschema:"tool name (mcp_tool_call, tool_call)"`
	Server    string            `json:"server,omitempty" jsonschema:"MCP server id (mcp_tool_call)"`
	Args      map[string]any    `json:"args,omitempty" jsonschema:"the tool's arguments, as a JSON object"`
	Context   map[string]string `json:"context,omitempty" jsonschema:"context facts: cwd, project_root, environment, repo, branch"`
	Agent     string            `json:"agent,omitempty" jsonschema:"agent id; default: the MCP client's name"`
}

// FileInput is check_file_read's and check_file_write's input.
type FileInput struct {
	Path string `json:"path" jsonschema:"the file's path, relative to cwd or absolute"`
	Cwd  string `json:"cwd,omitempty" jsonschema:"working directory; default: the server's"`
}

// CommandInput is check_command's input.
type CommandInput struct {
	Command string `json:"command" jsonschema:"the shell command line, as the agent would run it"`
	Cwd     string `json:"cwd,omitempty" jsonschema:"working directory; default: the server's"`
	Branch  string `json:"branch,omitempty" jsonschema:"the current git branch, for a bare git push"`
}

// GitInput is check_git_operation's input.
type GitInput struct {
	Operation string `json:"operation,omitempty" jsonschema:"the git operation: push (the default), force_push, or a subcommand with flags such as 'push --force'"`
	Target    string `json:"target" jsonschema:"the ref it acts on, such as origin/main or main"`
	Cwd       string `json:"cwd,omitempty" jsonschema:"working directory; default: the server's"`
}

// MCPCallInput is check_mcp_tool_call's input.
type MCPCallInput struct {
	Server     string         `json:"server" jsonschema:"the MCP server's id"`
	Tool       string         `json:"tool" jsonschema:"the tool's name"`
	Capability string         `json:"capability,omitempty" jsonschema:"the capability the call uses (filesystem, network, ...), when known"`
	Args       map[string]any `json:"args,omitempty" jsonschema:"the call's arguments, as a JSON object"`
}

// Match is one rule that fired.
type Match struct {
	RuleID        string   `json:"rule_id"`
	Decision      string   `json:"decision"`
	Severity      string   `json:"severity"`
	Reason        string   `json:"reason"`
	Pack          string   `json:"pack,omitempty"`
	Pattern       string   `json:"pattern,omitempty"`
	Subject       string   `json:"subject,omitempty"`
	ApproverGroup string   `json:"approver_group,omitempty"`
	Controls      []string `json:"controls,omitempty"`
}

// Verdict is what a check returns: the decision the policy gives, as a dry
// run. Nothing was recorded, and the hook that decides the real call also
// applies the registry and approval grants.
type Verdict struct {
	DryRun        bool    `json:"dry_run" jsonschema:"always true: advisory, not recorded; the hooks enforce"`
	Decision      string  `json:"decision" jsonschema:"allow, block or require_approval"`
	RuleID        string  `json:"rule_id"`
	Severity      string  `json:"severity" jsonschema:"low, medium, high or critical"`
	Reason        string  `json:"reason"`
	ApproverGroup string  `json:"approver_group,omitempty" jsonschema:"who approves, when the decision is require_approval"`
	Matches       []Match `json:"matches" jsonschema:"every rule that fired"`
	ActionType    string  `json:"action_type"`
	Target        string  `json:"target"`
	PolicyPack    string  `json:"policy_pack"`
	PolicyDigest  string  `json:"policy_digest,omitempty"`
	Mode          string  `json:"mode"`
	BaseDecision  string  `json:"base_decision,omitempty" jsonschema:"what the policy said before the mode changed it"`
	Note          string  `json:"note"`
}

// Explanation is explain_decision's output: the verdict and the facts it
// was based on.
type Explanation struct {
	Verdict
	Facts map[string]any `json:"facts" jsonschema:"how the action was understood: commands, paths read/written/deleted, URLs, hosts, git facts"`
}

const dryRunNote = "Advisory dry run, decided as the hooks decide now (registry, policy, mode, approvals): nothing was recorded, no approval was requested and no grant was used. The hook decides the real call."

func (s *server) checkAction(ctx context.Context, req *sdk.CallToolRequest, in ActionInput) (*sdk.CallToolResult, Verdict, error) {
	a, err := in.action()
	if err != nil {
		return nil, Verdict{}, err
	}
	return s.check(ctx, req, a)
}

func (s *server) checkFileRead(ctx context.Context, req *sdk.CallToolRequest, in FileInput) (*sdk.CallToolResult, Verdict, error) {
	return s.checkFile(ctx, req, cavra.ReadFile, in)
}

func (s *server) checkFileWrite(ctx context.Context, req *sdk.CallToolRequest, in FileInput) (*sdk.CallToolResult, Verdict, error) {
	return s.checkFile(ctx, req, cavra.WriteFile, in)
}

func (s *server) checkFile(ctx context.Context, req *sdk.CallToolRequest, t cavra.ActionType, in FileInput) (*sdk.CallToolResult, Verdict, error) {
	if err := need("path", in.Path); err != nil {
		return nil, Verdict{}, err
	}
	return s.check(ctx, req, cavra.Action{Type: t, Target: in.Path, Context: withCwd(nil, in.Cwd)})
}

func (s *server) checkCommand(ctx context.Context, req *sdk.CallToolRequest, in CommandInput) (*sdk.CallToolResult, Verdict, error) {
	if err := need("command", in.Command); err != nil {
		return nil, Verdict{}, err
	}
	c := withCwd(nil, in.Cwd)
	if in.Branch != "" {
		c = with(c, decision.ContextBranch, in.Branch)
	}
	return s.check(ctx, req, cavra.Action{Type: cavra.ExecuteCommand, Target: in.Command, Context: c})
}

func (s *server) checkGitOperation(ctx context.Context, req *sdk.CallToolRequest, in GitInput) (*sdk.CallToolResult, Verdict, error) {
	if err := need("target", in.Target); err != nil {
		return nil, Verdict{}, err
	}
	return s.check(ctx, req, cavra.Action{Type: cavra.GitOperation, Target: in.Target, Operation: orElse(in.Operation, "push"), Context: withCwd(nil, in.Cwd)})
}

func (s *server) checkMCPToolCall(ctx context.Context, req *sdk.CallToolRequest, in MCPCallInput) (*sdk.CallToolResult, Verdict, error) {
	if err := errors.Join(need("server", in.Server), need("tool", in.Tool)); err != nil {
		return nil, Verdict{}, err
	}
	return s.check(ctx, req, cavra.Action{Type: cavra.MCPToolCall, Target: in.Server + ":" + in.Tool,
		Server: in.Server, Tool: in.Tool, Operation: in.Capability, Args: in.Args})
}

func (s *server) explainDecision(ctx context.Context, req *sdk.CallToolRequest, in ActionInput) (*sdk.CallToolResult, Explanation, error) {
	a, err := in.action()
	if err != nil {
		return nil, Explanation{}, err
	}
	s.identify(req, &a)
	g, err := s.guard(ctx)
	if err != nil {
		v := failedVerdict(a, err)
		return textResult(v.line(), true), Explanation{Verdict: v, Facts: map[string]any{}}, nil
	}
	d, fx, err := g.Explain(ctx, a)
	g.Close()
	v := verdict(d)
	facts := map[string]any{}
	if b, err := json.Marshal(fx); err == nil {
		_ = json.Unmarshal(b, &facts)
	}
	return textResult(v.line()+"\n"+factLines(fx)+v.matchLines(), err != nil), Explanation{Verdict: v, Facts: facts}, nil
}

// factLines says in a few lines how the action was understood.
func factLines(f policy.Facts) string {
	var b strings.Builder
	list := func(label string, items []string) {
		if len(items) > 0 {
			fmt.Fprintf(&b, "%s: %s\n", label, strings.Join(items, ", "))
		}
	}
	if len(f.Commands) > 0 {
		texts := make([]string, len(f.Commands))
		for i, c := range f.Commands {
			texts[i] = c.Text
		}
		fmt.Fprintf(&b, "commands: %s\n", strings.Join(texts, " | "))
	}
	list("reads", f.Reads)
	list("writes", f.Writes)
	list("deletes", f.Deletes)
	list("urls", f.URLs)
	return b.String()
}

// check decides about a as the hooks would now (Guard.Check), recording
// nothing. A policy that cannot be loaded, or state that cannot be read,
// gives a block, flagged as a tool error.
func (s *server) check(ctx context.Context, req *sdk.CallToolRequest, a cavra.Action) (*sdk.CallToolResult, Verdict, error) {
	s.identify(req, &a)
	g, err := s.guard(ctx)
	if err != nil {
		v := failedVerdict(a, err)
		return textResult(v.line(), true), v, nil
	}
	d, err := g.Check(ctx, a)
	g.Close()
	v := verdict(d)
	return textResult(v.line(), err != nil), v, nil
}

// identify names the agent: the input's, else the MCP client's name, as
// the hooks name the agent that makes the call.
func (s *server) identify(req *sdk.CallToolRequest, a *cavra.Action) {
	if a.Agent.ID != "" || req == nil || req.Session == nil {
		return
	}
	if p := req.Session.InitializeParams(); p != nil && p.ClientInfo != nil {
		a.Agent.ID = p.ClientInfo.Name
	}
}

// action checks the input and builds the action.
func (in ActionInput) action() (cavra.Action, error) {
	a := cavra.Action{
		Type: cavra.ActionType(in.Type), Target: in.Target, Operation: in.Operation,
		Tool: in.Tool, Server: in.Server, Args: in.Args, Agent: cavra.Agent{ID: in.Agent},
	}
	if !a.Type.Valid() {
		names := make([]string, len(decision.ActionTypes))
		for i, t := range decision.ActionTypes {
			names[i] = string(t)
		}
		return a, fmt.Errorf("invalid type %q: want one of %s", in.Type, strings.Join(names, ", "))
	}
	if a.Type == cavra.MCPToolCall {
		n, err := a.Normalize()
		if err != nil {
			return a, fmt.Errorf("mcp_tool_call needs server and tool, or target as SERVER:TOOL: %w", err)
		}
		if a = n; a.Tool == "" {
			return a, errors.New("mcp_tool_call needs server and tool, or target as SERVER:TOOL")
		}
	}
	if err := need("target", a.Target); err != nil {
		return a, err
	}
	for k, v := range in.Context {
		if strings.TrimSpace(k) == "" {
			return a, errors.New("context keys cannot be empty")
		}
		a.Context = with(a.Context, k, v)
	}
	return a, nil
}

// need reports a missing, blank or oversized string argument.
func need(name, v string) error {
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s is required and cannot be blank", name)
	}
	if len(v) > maxText {
		return fmt.Errorf("%s is too long (%d bytes; at most %d)", name, len(v), maxText)
	}
	return nil
}

func orElse(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

func with(c map[string]string, k, v string) map[string]string {
	if c == nil {
		c = map[string]string{}
	}
	c[k] = v
	return c
}

func withCwd(c map[string]string, cwd string) map[string]string {
	if cwd == "" {
		return c
	}
	return with(c, decision.ContextCwd, cwd)
}

// verdict turns a decision into a check's output.
func verdict(d cavra.Decision) Verdict {
	v := Verdict{
		DryRun: true, Decision: d.Decision.String(), RuleID: d.RuleID, Severity: d.Severity.String(), Reason: d.Reason,
		ActionType: string(d.ActionType), Target: d.Target, PolicyPack: d.PolicyPack, PolicyDigest: d.PolicyDigest,
		Mode: string(d.Mode), Matches: make([]Match, len(d.Matches)), Note: dryRunNote,
	}
	if d.Decision == cavra.RequireApproval {
		v.ApproverGroup = d.ApproverGroup
	}
	if d.BaseDecision != nil {
		v.BaseDecision = d.BaseDecision.String()
	}
	for i, m := range d.Matches {
		v.Matches[i] = Match{RuleID: m.RuleID, Decision: m.Decision.String(), Severity: m.Severity.String(), Reason: m.Reason,
			Pack: m.Pack, Pattern: m.Pattern, Subject: m.Subject, ApproverGroup: m.ApproverGroup, Controls: m.Controls}
	}
	return v
}

// failedVerdict is the answer when the policy cannot be loaded: a block,
// never an allow.
func failedVerdict(a cavra.Action, err error) Verdict {
	reason := "CAVRA could not load its policy or read its state, so it would block this action: " + err.Error()
	return Verdict{
		DryRun: true, Decision: cavra.Block.String(), RuleID: "guard.error", Severity: cavra.High.String(), Reason: reason,
		Matches:    []Match{{RuleID: "guard.error", Decision: cavra.Block.String(), Severity: cavra.High.String(), Reason: reason}},
		ActionType: string(a.Type), Target: a.Target, Mode: string(cavra.Enforce), Note: dryRunNote,
	}
}

// line is the verdict in one line of text.
func (v Verdict) line() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (dry run): %s [%s, %s]", v.Decision, v.Reason, v.RuleID, v.Severity)
	if v.ApproverGroup != "" {
		fmt.Fprintf(&b, "; approver group: %s", v.ApproverGroup)
	}
	if v.BaseDecision != "" {
		fmt.Fprintf(&b, "; mode %s, policy said %s", v.Mode, v.BaseDecision)
	}
	return b.String()
}

// matchLines lists the matches, one a line.
func (v Verdict) matchLines() string {
	var b strings.Builder
	b.WriteString("matches:")
	for _, m := range v.Matches {
		fmt.Fprintf(&b, "\n  %s %s [%s]: %s", m.Decision, m.RuleID, m.Severity, m.Reason)
		if m.Subject != "" {
			fmt.Fprintf(&b, " (on %q)", m.Subject)
		}
	}
	return b.String()
}

// textResult is a result with one text block; the structured output is
// added by the go-sdk.
func textResult(text string, isError bool) *sdk.CallToolResult {
	return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: text}}, IsError: isError}
}
