package claudecode

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
)

// MaxPayload bounds a hook payload read from stdin. A Write of a large file
// carries its content, so the bound is generous; beyond it the call is
// blocked, never passed.
const MaxPayload = 32 << 20

// Hook events this adapter handles.
const (
	PreToolUse  = "PreToolUse"
	PostToolUse = "PostToolUse"
)

// Payload is a Claude Code hook input (PreToolUse or PostToolUse). Unknown
// fields are ignored and optional ones may be missing.
type Payload struct {
	SessionID      string          `json:"session_id"`
	TranscriptPath string          `json:"transcript_path"`
	Cwd            string          `json:"cwd"`
	PermissionMode string          `json:"permission_mode"`
	HookEventName  string          `json:"hook_event_name"`
	ToolName       string          `json:"tool_name"`
	ToolInput      map[string]any  `json:"tool_input"`
	ToolUseID      string          `json:"tool_use_id"`
	PromptID       string          `json:"prompt_id"`
	AgentID        string          `json:"agent_id"`
	AgentType      string          `json:"agent_type"`
	ToolResponse   json.RawMessage `json:"tool_response,omitempty"`
	DurationMS     *float64        `json:"duration_ms,omitempty"`
}

// Decode reads one hook payload. Empty, oversized, malformed or incomplete
// input is an error (the handler turns it into a block).
func Decode(r io.Reader) (Payload, error) {
	var p Payload
	data, err := io.ReadAll(io.LimitReader(r, MaxPayload+1))
	if err != nil {
		return p, fmt.Errorf("reading the hook payload: %w", err)
	}
	if len(data) > MaxPayload {
		return p, fmt.Errorf("the hook payload is larger than %d bytes", MaxPayload)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return p, errors.New("the hook payload is empty")
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("the hook payload is not valid JSON: %w", err)
	}
	switch p.HookEventName {
	case PreToolUse, PostToolUse:
	case "":
		return p, errors.New("the hook payload has no hook_event_name")
	default:
		return p, fmt.Errorf("hook event %q is not handled by cavra (configure it for PreToolUse and PostToolUse)", p.HookEventName)
	}
	if p.ToolName == "" {
		return p, errors.New("the hook payload has no tool_name")
	}
	return p, nil
}

// Env is what the hook process knows beyond its payload.
type Env struct {
	ProjectDir string // CLAUDE_PROJECT_DIR
	// Agent is the registry id the calls are decided under: the one the
	// install pinned (cavra hook … --agent), "" for the agent's own name
	// ("claude-code", "codex", …). It never comes from the payload, so a
	// subagent, or a payload naming another agent, cannot act under another
	// registry record.
	Agent    string
	Attended string // CLAUDE_CODE_SESSION_ATTENDED ("0" in headless -p runs)
	// ExplicitAllow makes an allow print permissionDecision "allow" (which
	// skips Claude Code's prompt); by default an allow prints nothing and
	// Claude Code's own permission rules still apply.
	ExplicitAllow bool
}

// EnvFromOS reads Env from the process environment.
func EnvFromOS() Env {
	return Env{ProjectDir: os.Getenv("CLAUDE_PROJECT_DIR"), Attended: os.Getenv("CLAUDE_CODE_SESSION_ATTENDED")}
}

// Action maps the payload to the action CAVRA decides about: the tool call
// (see Action), the agent (env.Agent, else "claude-code", of type
// "claude-code"), the session, and context cwd, project_root, tool_use_id,
// prompt_id and permission_mode. The project root is CLAUDE_PROJECT_DIR, else
// the git root of cwd, else cwd.
//
// A subagent (a Task-tool subagent: the payload carries agent_id and
// agent_type) acts under its parent's registry record and session: the
// agent id is the install's, whatever the payload says, so disabling the
// agent stops its subagents too. The subagent's own id and type are kept in
// the context (subagent_id, subagent_type), and so in the evidence.
func (p Payload) Action(env Env) cavra.Action {
	a := Action(ToolCall{ToolName: p.ToolName, ToolInput: p.ToolInput, Cwd: p.Cwd})
	a.Agent = cavra.Agent{ID: env.agentID(ClaudeCode), Type: string(ClaudeCode), Session: p.SessionID}
	if a.Context == nil {
		a.Context = map[string]string{}
	}
	set := func(k, v string) {
		if v != "" {
			a.Context[k] = v
		}
	}
	set("project_root", projectRoot(env.ProjectDir, p.Cwd))
	set("tool_use_id", p.ToolUseID)
	set("prompt_id", p.PromptID)
	set("permission_mode", p.PermissionMode)
	set(decision.ContextSubagentID, p.AgentID)
	set(decision.ContextSubagentType, p.AgentType)
	return a
}

// agentID is the registry id calls are decided under: env.Agent, else the
// agent's own name.
func (env Env) agentID(agent Agent) string {
	if env.Agent != "" {
		return env.Agent
	}
	return string(agent)
}

func projectRoot(projectDir, cwd string) string {
	if projectDir != "" {
		return filepath.Clean(projectDir)
	}
	if cwd == "" {
		return ""
	}
	for dir := filepath.Clean(cwd); ; {
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return filepath.Clean(cwd)
		}
		dir = parent
	}
}

// attended reports whether a person can answer a permission prompt.
func (p Payload) attended(env Env) bool {
	if env.Attended == "0" {
		return false
	}
	switch p.PermissionMode {
	case "bypassPermissions", "dontAsk":
		return false
	}
	return true
}

// Output is the JSON a PreToolUse hook prints on stdout.
type Output struct {
	HookSpecificOutput *HookOutput `json:"hookSpecificOutput,omitempty"`
	SystemMessage      string      `json:"systemMessage,omitempty"`
}

// HookOutput is Output's hookSpecificOutput.
type HookOutput struct {
	HookEventName            string `json:"hookEventName"`
	PermissionDecision       string `json:"permissionDecision"`
	PermissionDecisionReason string `json:"permissionDecisionReason"`
}

// Render turns a decision into what Claude Code reads: block → deny with a
// reason written for the model; require_approval → ask when a person is at
// the keyboard, else deny telling the model only to stop and report the
// pending approval, with how to approve it in systemMessage, which the user
// sees and the model does not; allow → nothing (nil), or an explicit allow
// when configured.
func Render(d cavra.Decision, p Payload, env Env) []byte {
	var hs *HookOutput
	var user string
	switch d.Decision {
	case cavra.Allow:
		if !env.ExplicitAllow {
			return nil
		}
		hs = &HookOutput{PermissionDecision: "allow", PermissionDecisionReason: fmt.Sprintf("CAVRA allowed this (%s).", d.RuleID)}
	case cavra.RequireApproval:
		if p.attended(env) {
			hs = &HookOutput{PermissionDecision: "ask", PermissionDecisionReason: fmt.Sprintf("CAVRA asks for a person's approval: %s (rule %s%s).",
				d.Reason, d.RuleID, groupText(d.ApproverGroup))}
		} else {
			hs = &HookOutput{PermissionDecision: "deny", PermissionDecisionReason: approvalText(d)}
			user = approvalUserText(d)
		}
	default:
		hs = &HookOutput{PermissionDecision: "deny", PermissionDecisionReason: fmt.Sprintf(
			"CAVRA blocked this %s: %s (rule %s, decision %s). Do not retry it or work around it; choose another way to reach the goal, or ask the user.",
			describe(p), d.Reason, d.RuleID, d.DecisionID)}
	}
	hs.HookEventName = PreToolUse
	b, _ := json.Marshal(Output{HookSpecificOutput: hs, SystemMessage: user})
	return append(b, '\n')
}

func groupText(g string) string {
	if g == "" {
		return ""
	}
	return "; approver group " + g
}

// approvalText is what the model reads of a require_approval nobody can
// answer now: stop and report. It never says how to approve: approving is
// a person's act, and the agent is refused it (issue 12).
func approvalText(d cavra.Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CAVRA requires a person's approval before this runs: %s (rule %s%s).", d.Reason, d.RuleID, groupText(d.ApproverGroup))
	if d.ApprovalID != "" {
		fmt.Fprintf(&b, " Approval %s is pending. Stop here and report to the user that a person must approve request %s; once they have, the same call will pass. Do not try to approve it yourself and do not work around it.", d.ApprovalID, d.ApprovalID)
	} else {
		b.WriteString(" Nobody is at the keyboard to approve it now; tell the user what you wanted to run and why, and do not work around it.")
	}
	return b.String()
}

// approvalUserText is what the user reads of the same decision (Claude
// Code's systemMessage, Cursor's user_message, Gemini CLI's systemMessage):
// how a person approves, from their own terminal.
func approvalUserText(d cavra.Decision) string {
	if d.ApprovalID == "" {
		return ""
	}
	return fmt.Sprintf("CAVRA: approval %s is pending%s. To approve, run in your own terminal (not through the agent): "+
		"cavra approval approve %s --local --reason '…' (it asks for the passphrase set with `cavra approval enroll`), "+
		"or --token <ID token> with an identity provider; `cavra approval show %s` says what it is for.",
		d.ApprovalID, groupText(d.ApproverGroup), d.ApprovalID, d.ApprovalID)
}

func describe(p Payload) string {
	switch p.ToolName {
	case "Bash":
		return "command"
	case "Read", "Glob", "Grep":
		return "read"
	case "Write", "Edit", "MultiEdit", "NotebookEdit":
		return "edit"
	}
	return p.ToolName + " call"
}

// Guard is what the hook needs of a cavra.Guard.
type Guard interface {
	Evaluate(ctx context.Context, a cavra.Action) (cavra.Decision, error)
	RecordOutcome(ctx context.Context, a cavra.Action, o cavra.ActionOutcome) (evidence.Ref, error)
}

// Result is what the hook process prints and how it exits.
type Result struct {
	Stdout []byte
	Stderr string
	Exit   int
}

// Fail is the result for anything that kept the hook from deciding: exit 2
// with the reason on stderr, which Claude Code treats as a block and shows to
// the model. Never exit 1, which Claude Code treats as "proceed".
func Fail(reason string) Result {
	return Result{Stderr: "CAVRA could not decide, so the call is blocked: " + reason + "\n", Exit: 2}
}

// Handle decides one PreToolUse call, or records a PostToolUse outcome
// (PostToolUse prints nothing and never blocks what already ran). The
// decision is recorded by the Guard before anything is printed.
func Handle(ctx context.Context, g Guard, p Payload, env Env) Result {
	if p.HookEventName == PostToolUse {
		// What ran is recorded; the output itself is not (a Read's output is
		// the file's content), only its digest and size.
		o := cavra.ActionOutcome{CallID: p.ToolUseID, Tool: p.ToolName, Status: "completed", DurationMS: p.DurationMS}
		if len(p.ToolResponse) > 0 {
			sum := sha256.Sum256(p.ToolResponse)
			o.ResponseDigest, o.ResponseBytes = "sha256:"+hex.EncodeToString(sum[:]), len(p.ToolResponse)
			var r struct {
				IsError bool `json:"is_error"`
			}
			if json.Unmarshal(p.ToolResponse, &r) == nil && r.IsError {
				o.Status = "failed"
			}
		}
		if _, err := g.RecordOutcome(ctx, p.Action(env), o); err != nil {
			// The call already ran; say so, but do not pretend to block it.
			return Result{Stderr: "CAVRA could not record the outcome: " + err.Error() + "\n"}
		}
		return Result{}
	}
	d, err := g.Evaluate(ctx, p.Action(env))
	if err != nil && d.Decision != cavra.Block {
		return Fail(err.Error())
	}
	return Result{Stdout: Render(d, p, env)}
}
