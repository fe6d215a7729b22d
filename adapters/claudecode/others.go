package claudecode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cavra-dev/cavra"
)

// The same core serves other coding agents' hooks. Each reads its agent's
// payload, maps it to the same actions as Claude Code's tools, and answers
// in that agent's protocol. None of them can "ask" in a hook the way Claude
// Code does, so require_approval is a deny that names the approval and how
// to grant it; the agent's retry then passes through the grant.

// Agent identifies a hook protocol.
type Agent string

// The supported hook protocols besides Claude Code.
const (
	Codex     Agent = "codex"
	Cursor    Agent = "cursor"
	GeminiCLI Agent = "gemini-cli"
)

// genericPayload holds the fields the other agents' payloads share with
// Claude Code's, plus Cursor's and Codex's own.
type genericPayload struct {
	Payload
	// Cursor.
	ConversationID string   `json:"conversation_id"`
	GenerationID   string   `json:"generation_id"`
	WorkspaceRoots []string `json:"workspace_roots"`
	Command        string   `json:"command"`
	FilePath       string   `json:"file_path"`
	URL            string   `json:"url"`
	// Cursor sends tool_input of MCP calls as a JSON string.
	RawToolInput json.RawMessage `json:"tool_input"`
	// Gemini CLI.
	Timestamp string `json:"timestamp"`
}

// OtherPayload is a decoded hook payload of Codex, Cursor or Gemini CLI.
type OtherPayload struct {
	Agent  Agent
	Event  string
	Before bool // a before-the-action event (it decides); else after (it records)
	Call   ToolCall
	p      genericPayload
}

// DecodeOther reads one hook payload of the given agent.
func DecodeOther(agent Agent, r io.Reader) (OtherPayload, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPayload+1))
	if err != nil {
		return OtherPayload{}, fmt.Errorf("reading the hook payload: %w", err)
	}
	if len(data) > MaxPayload {
		return OtherPayload{}, fmt.Errorf("the hook payload is larger than %d bytes", MaxPayload)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return OtherPayload{}, errors.New("the hook payload is empty")
	}
	var g genericPayload
	if err := json.Unmarshal(data, &g); err != nil {
		return OtherPayload{}, fmt.Errorf("the hook payload is not valid JSON: %w", err)
	}
	g.ToolInput = toolInput(g.RawToolInput)
	o := OtherPayload{Agent: agent, Event: g.HookEventName, p: g}
	switch agent {
	case Codex:
		return o, o.decodeCodex()
	case Cursor:
		return o, o.decodeCursor()
	case GeminiCLI:
		return o, o.decodeGemini()
	}
	return o, fmt.Errorf("unknown agent %q", agent)
}

// toolInput accepts an object, or an object encoded as a JSON string.
func toolInput(raw json.RawMessage) map[string]any {
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		return m
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && json.Unmarshal([]byte(s), &m) == nil {
		return m
	}
	return nil
}

func (o *OtherPayload) decodeCodex() error {
	switch o.Event {
	case "PreToolUse":
		o.Before = true
	case "PostToolUse":
	case "":
		return errors.New("the hook payload has no hook_event_name")
	default:
		return fmt.Errorf("hook event %q is not handled by cavra (configure PreToolUse and PostToolUse)", o.Event)
	}
	if o.p.ToolName == "" {
		return errors.New("the hook payload has no tool_name")
	}
	in := o.p.ToolInput
	switch o.p.ToolName {
	case "shell", "local_shell", "exec_command", "container.exec", "Bash":
		o.Call = ToolCall{ToolName: "Bash", ToolInput: map[string]any{"command": codexCommand(in)}, Cwd: firstString(str(in, "workdir"), o.p.Cwd)}
	case "apply_patch":
		paths := patchPaths(firstString(str(in, "input"), str(in, "patch"), str(in, "command")))
		path := ""
		if len(paths) > 0 {
			path = paths[0]
		}
		o.Call = ToolCall{ToolName: "Write", ToolInput: map[string]any{"file_path": path, "paths": anyStrings(paths)}, Cwd: o.p.Cwd}
	default:
		o.Call = ToolCall{ToolName: o.p.ToolName, ToolInput: in, Cwd: o.p.Cwd}
	}
	return nil
}

// codexCommand reads a shell command given as a string or an argv list
// (["bash", "-lc", "…"]).
func codexCommand(in map[string]any) string {
	switch c := in["command"].(type) {
	case string:
		return c
	case []any:
		parts := make([]string, 0, len(c))
		for _, p := range c {
			s, _ := p.(string)
			parts = append(parts, s)
		}
		if len(parts) == 3 && (parts[0] == "bash" || parts[0] == "sh" || parts[0] == "zsh") && strings.HasPrefix(parts[1], "-") && strings.Contains(parts[1], "c") {
			return parts[2]
		}
		for i, p := range parts {
			if strings.ContainsAny(p, " \t'\"$`\\|&;<>()") {
				parts[i] = "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
			}
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// patchPaths lists the files an apply_patch envelope touches.
func patchPaths(patch string) []string {
	var out []string
	for _, line := range strings.Split(patch, "\n") {
		for _, prefix := range []string{"*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: "} {
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), prefix); ok {
				out = append(out, strings.TrimSpace(rest))
			}
		}
	}
	return out
}

func (o *OtherPayload) decodeCursor() error {
	cwd := o.p.Cwd
	if cwd == "" && len(o.p.WorkspaceRoots) > 0 {
		cwd = o.p.WorkspaceRoots[0]
	}
	switch o.Event {
	case "beforeShellExecution", "afterShellExecution":
		o.Before = o.Event == "beforeShellExecution"
		o.Call = ToolCall{ToolName: "Bash", ToolInput: map[string]any{"command": o.p.Command}, Cwd: cwd}
	case "beforeReadFile":
		o.Before = true
		// The payload carries the file's content: never keep it.
		o.Call = ToolCall{ToolName: "Read", ToolInput: map[string]any{"file_path": o.p.FilePath}, Cwd: cwd}
	case "afterFileEdit":
		o.Call = ToolCall{ToolName: "Write", ToolInput: map[string]any{"file_path": o.p.FilePath}, Cwd: cwd}
	case "beforeMCPExecution", "afterMCPExecution":
		o.Before = o.Event == "beforeMCPExecution"
		server := mcpServerName(o.p.URL, o.p.Command)
		o.Call = ToolCall{ToolName: "mcp__" + server + "__" + o.p.ToolName, ToolInput: o.p.ToolInput, Cwd: cwd}
	case "":
		return errors.New("the hook payload has no hook_event_name")
	default:
		return fmt.Errorf("hook event %q is not handled by cavra", o.Event)
	}
	return nil
}

// mcpServerName names a Cursor MCP server from its URL or command.
func mcpServerName(url, command string) string {
	s := firstString(url, command)
	if s == "" {
		return "unknown"
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	f := strings.Fields(s)
	if len(f) > 0 {
		s = f[len(f)-1]
	}
	s = strings.TrimRight(s, "/")
	if i := strings.LastIndexAny(s, "/"); i >= 0 && !strings.Contains(s[:i], ".") {
		s = s[i+1:]
	}
	return strings.NewReplacer("__", "_", ":", "_").Replace(s)
}

func (o *OtherPayload) decodeGemini() error {
	switch o.Event {
	case "BeforeTool":
		o.Before = true
	case "AfterTool":
	case "":
		return errors.New("the hook payload has no hook_event_name")
	default:
		return fmt.Errorf("hook event %q is not handled by cavra (configure BeforeTool and AfterTool)", o.Event)
	}
	in := o.p.ToolInput
	cwd := o.p.Cwd
	switch o.p.ToolName {
	case "run_shell_command":
		o.Call = ToolCall{ToolName: "Bash", ToolInput: map[string]any{"command": str(in, "command")}, Cwd: firstString(str(in, "directory"), cwd)}
	case "read_file", "read_many_files", "glob", "search_file_content", "list_directory":
		o.Call = ToolCall{ToolName: "Read", ToolInput: map[string]any{"file_path": firstString(str(in, "absolute_path"), str(in, "file_path"), str(in, "path"), ".")}, Cwd: cwd}
	case "write_file", "replace", "edit":
		o.Call = ToolCall{ToolName: "Write", ToolInput: map[string]any{"file_path": firstString(str(in, "file_path"), str(in, "absolute_path"), str(in, "path"))}, Cwd: cwd}
	case "web_fetch", "google_web_search":
		o.Call = ToolCall{ToolName: "WebFetch", ToolInput: map[string]any{"url": firstString(str(in, "url"), str(in, "prompt"), str(in, "query"))}, Cwd: cwd}
	case "":
		return errors.New("the hook payload has no tool_name")
	default:
		o.Call = ToolCall{ToolName: o.p.ToolName, ToolInput: in, Cwd: cwd}
	}
	return nil
}

func firstString(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func anyStrings(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// Action maps the payload to the action CAVRA decides about.
func (o OtherPayload) Action(env Env) cavra.Action {
	a := Action(o.Call)
	if o.Agent == Codex && o.p.ToolName == "apply_patch" {
		// Every file the patch touches is in the digest; the target is the first.
		a.Args = map[string]any{"paths": o.Call.ToolInput["paths"]}
	}
	if o.Agent == Cursor && o.Event == "beforeReadFile" {
		a.Args = nil // never the content
	}
	session := firstString(o.p.SessionID, o.p.ConversationID)
	// The registry id is the install's (env.Agent), never the payload's.
	a.Agent = cavra.Agent{ID: env.agentID(o.Agent), Type: string(o.Agent), Session: session}
	if a.Context == nil {
		a.Context = map[string]string{}
	}
	root := env.ProjectDir
	if root == "" && len(o.p.WorkspaceRoots) > 0 {
		root = o.p.WorkspaceRoots[0]
	}
	if r := projectRoot(root, o.Call.Cwd); r != "" {
		a.Context["project_root"] = r
	}
	if id := firstString(o.p.ToolUseID, o.p.GenerationID); id != "" {
		a.Context["tool_use_id"] = id
	}
	return a
}

// RenderOther answers in the agent's protocol.
func RenderOther(d cavra.Decision, o OtherPayload) Result {
	if !o.Before {
		return afterResult(o)
	}
	allow := d.Decision == cavra.Allow
	var reason, user string
	switch d.Decision {
	case cavra.Allow:
	case cavra.RequireApproval:
		// The model is told to stop and report; how to approve goes only
		// where the user reads it (Codex has no such channel).
		reason, user = approvalText(d), approvalUserText(d)
	default:
		reason = fmt.Sprintf("CAVRA blocked this: %s (rule %s, decision %s). Do not retry it or work around it; choose another way, or ask the user.", d.Reason, d.RuleID, d.DecisionID)
	}
	switch o.Agent {
	case Cursor:
		out := map[string]any{"permission": "allow"}
		if !allow {
			out["permission"] = "deny"
			if o.Event != "beforeReadFile" {
				out["user_message"], out["agent_message"] = reason, reason
				if user != "" {
					out["user_message"] = user
				}
			}
		}
		b, _ := json.Marshal(out)
		return Result{Stdout: append(b, '\n')}
	case GeminiCLI:
		if allow {
			return Result{Stdout: []byte("{}\n")}
		}
		out := map[string]string{"decision": "deny", "reason": reason}
		if user != "" {
			out["systemMessage"] = user
		}
		b, _ := json.Marshal(out)
		return Result{Stdout: append(b, '\n')}
	}
	// Codex: a block is exit 2 with the reason on stderr; it cannot ask.
	if allow {
		return Result{}
	}
	return Result{Stderr: reason + "\n", Exit: 2}
}

// afterResult is the answer to an after-the-action event: nothing to decide.
func afterResult(o OtherPayload) Result {
	if o.Agent == Cursor || o.Agent == GeminiCLI {
		return Result{Stdout: []byte("{}\n")}
	}
	return Result{}
}

// FailOther is the fail-closed answer in the agent's protocol for anything
// that kept the hook from deciding: exit 2 with the reason on stderr, which
// each of these agents treats as a block.
func FailOther(reason string) Result { return Fail(reason) }

// HandleOther decides a before-the-action call, or records what an
// after-the-action event reports.
func HandleOther(ctx context.Context, g Guard, o OtherPayload, env Env) Result {
	a := o.Action(env)
	if !o.Before {
		out := cavra.ActionOutcome{CallID: a.Context["tool_use_id"], Tool: o.Call.ToolName, Status: "completed"}
		if _, err := g.RecordOutcome(ctx, a, out); err != nil {
			return Result{Stdout: afterResult(o).Stdout, Stderr: "CAVRA could not record the outcome: " + err.Error() + "\n"}
		}
		return afterResult(o)
	}
	d, err := g.Evaluate(ctx, a)
	if err != nil && d.Decision != cavra.Block {
		return FailOther(err.Error())
	}
	return RenderOther(d, o)
}
