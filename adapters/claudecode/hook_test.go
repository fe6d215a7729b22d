package claudecode

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
)

// realPre is a PreToolUse payload as Claude Code 2.1.332 sends it.
const realPre = `{"session_id":"9b1c","transcript_path":"/home/dev/.claude/projects/p/9b1c.jsonl","cwd":"/home/dev/proj",
"prompt_id":"p-1","permission_mode":"default","effort":{"level":"medium"},"hook_event_name":"PreToolUse",
"tool_name":"Bash","tool_input":{"command":"cat .env","description":"Show env"},"tool_use_id":"toolu_01"}`

type fakeGuard struct {
	d        cavra.Decision
	err      error
	got      cavra.Action
	outcomes []cavra.ActionOutcome
}

func (f *fakeGuard) RecordOutcome(_ context.Context, a cavra.Action, o cavra.ActionOutcome) (evidence.Ref, error) {
	f.got = a
	f.outcomes = append(f.outcomes, o)
	return evidence.Ref{}, nil
}

func (f *fakeGuard) Evaluate(_ context.Context, a cavra.Action) (cavra.Decision, error) {
	f.got = a
	return f.d, f.err
}

func decode(t *testing.T, s string) Payload {
	t.Helper()
	p, err := Decode(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", "   ", "{", `{"tool_name":"Bash"}`, `{"hook_event_name":"Stop","tool_name":"Bash"}`,
		`{"hook_event_name":"PreToolUse"}`, `[1,2]`} {
		if _, err := Decode(strings.NewReader(in)); err == nil {
			t.Errorf("Decode(%q) succeeded", in)
		}
	}
}

func TestPayloadAction(t *testing.T) {
	t.Parallel()
	p := decode(t, realPre)
	a := p.Action(Env{ProjectDir: "/home/dev/proj"})
	if a.Type != cavra.ExecuteCommand || a.Target != "cat .env" || a.Agent.ID != "claude-code" || a.Agent.Session != "9b1c" {
		t.Fatalf("action: %+v", a)
	}
	for k, want := range map[string]string{"cwd": "/home/dev/proj", "project_root": "/home/dev/proj", "tool_use_id": "toolu_01", "permission_mode": "default", "prompt_id": "p-1"} {
		if a.Context[k] != want {
			t.Errorf("context[%s] = %q, want %q", k, a.Context[k], want)
		}
	}
	sub := decode(t, `{"hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"/p/.env"},"cwd":"/p","agent_id":"a-7","agent_type":"code-reviewer","session_id":"s"}`)
	// A subagent acts under its parent's registry record and session; its
	// own id and type are kept in the context.
	if a := sub.Action(Env{}); a.Agent.ID != "claude-code" || a.Agent.Session != "s" || a.Context["subagent_id"] != "a-7" ||
		a.Context["subagent_type"] != "code-reviewer" || a.Type != cavra.ReadFile {
		t.Fatalf("subagent action: %+v", a)
	}
	// The id is the install's: a payload naming an agent does not change it.
	if a := sub.Action(Env{Agent: "ci-bot"}); a.Agent.ID != "ci-bot" || a.Agent.Type != "claude-code" {
		t.Fatalf("subagent action under --agent ci-bot: %+v", a)
	}
	mcp := decode(t, `{"hook_event_name":"PreToolUse","tool_name":"mcp__github__create_issue","tool_input":{"title":"x"},"cwd":"/p"}`)
	if a := mcp.Action(Env{}); a.Type != cavra.MCPToolCall || a.Server != "github" || a.Tool != "create_issue" {
		t.Fatalf("mcp action: %+v", a)
	}
	unknown := decode(t, `{"hook_event_name":"PreToolUse","tool_name":"TodoWrite","tool_input":{},"cwd":"/p"}`)
	if a := unknown.Action(Env{}); a.Type != cavra.ToolCall || a.Target != "TodoWrite" {
		t.Fatalf("unknown tool action: %+v", a)
	}
}

func hookOutput(t *testing.T, b []byte) HookOutput {
	t.Helper()
	var o struct {
		HookSpecificOutput HookOutput `json:"hookSpecificOutput"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatalf("not JSON: %q", b)
	}
	if o.HookSpecificOutput.HookEventName != PreToolUse {
		t.Fatalf("hookEventName: %q", b)
	}
	return o.HookSpecificOutput
}

func TestRender(t *testing.T) {
	t.Parallel()
	p := decode(t, realPre)
	block := cavra.Decision{Decision: cavra.Block, RuleID: "filesystem.read.block", Reason: "Matched sensitive path policy: .env", DecisionID: "dec_1"}
	o := hookOutput(t, Render(block, p, Env{}))
	if o.PermissionDecision != "deny" || !strings.Contains(o.PermissionDecisionReason, "filesystem.read.block") || !strings.Contains(o.PermissionDecisionReason, ".env") {
		t.Fatalf("block: %+v", o)
	}
	ask := cavra.Decision{Decision: cavra.RequireApproval, RuleID: "commands.default.require_approval", Reason: "review", ApproverGroup: "Repository Owners", ApprovalID: "apr_9"}
	if o := hookOutput(t, Render(ask, p, Env{})); o.PermissionDecision != "ask" {
		t.Fatalf("attended approval: %+v", o)
	}
	headless := p
	headless.PermissionMode = "bypassPermissions"
	out := Render(ask, headless, Env{})
	o = hookOutput(t, out)
	// The model is told to stop and report the request; only the user's
	// systemMessage says how to approve it.
	if o.PermissionDecision != "deny" || !strings.Contains(o.PermissionDecisionReason, "apr_9") ||
		!strings.Contains(o.PermissionDecisionReason, "Stop") || strings.Contains(o.PermissionDecisionReason, "cavra approval approve") ||
		strings.Contains(o.PermissionDecisionReason, "--local") || strings.Contains(o.PermissionDecisionReason, "enroll") {
		t.Fatalf("headless approval, model's text: %q", o.PermissionDecisionReason)
	}
	var whole Output
	if err := json.Unmarshal(out, &whole); err != nil || !strings.Contains(whole.SystemMessage, "cavra approval approve apr_9 --local") {
		t.Fatalf("headless approval, user's systemMessage: %q (%v)", whole.SystemMessage, err)
	}
	if o := hookOutput(t, Render(ask, p, Env{Attended: "0"})); o.PermissionDecision != "deny" {
		t.Fatalf("unattended session: %+v", o)
	}
	allow := cavra.Decision{Decision: cavra.Allow, RuleID: "commands.allow"}
	if out := Render(allow, p, Env{}); out != nil {
		t.Fatalf("allow printed %q; want nothing so Claude Code's own rules apply", out)
	}
	if o := hookOutput(t, Render(allow, p, Env{ExplicitAllow: true})); o.PermissionDecision != "allow" {
		t.Fatalf("explicit allow: %+v", o)
	}
}

func TestHandle(t *testing.T) {
	t.Parallel()
	p := decode(t, realPre)
	g := &fakeGuard{d: cavra.Decision{Decision: cavra.Block, RuleID: "r", Reason: "no"}}
	if res := Handle(context.Background(), g, p, Env{}); res.Exit != 0 || hookOutput(t, res.Stdout).PermissionDecision != "deny" {
		t.Fatalf("block: %+v", res)
	}
	// A machinery error with a block decision still renders the block.
	g = &fakeGuard{d: cavra.Decision{Decision: cavra.Block, RuleID: "guard.error", Reason: "evidence write failed"}, err: errors.New("disk full")}
	if res := Handle(context.Background(), g, p, Env{}); hookOutput(t, res.Stdout).PermissionDecision != "deny" {
		t.Fatalf("error+block: %+v", res)
	}
	// An error with anything else fails closed: exit 2.
	g = &fakeGuard{d: cavra.Decision{Decision: cavra.Allow}, err: errors.New("boom")}
	if res := Handle(context.Background(), g, p, Env{}); res.Exit != 2 || !strings.Contains(res.Stderr, "boom") {
		t.Fatalf("error: %+v", res)
	}
	post := p
	post.HookEventName = PostToolUse
	post.ToolResponse = []byte(`{"stdout":"SECRET=1","is_error":false}`)
	fg := &fakeGuard{}
	if res := Handle(context.Background(), fg, post, Env{}); res.Exit != 0 || res.Stdout != nil {
		t.Fatalf("post: %+v", res)
	}
	if len(fg.outcomes) != 1 || fg.outcomes[0].CallID != "toolu_01" || fg.outcomes[0].ResponseBytes == 0 || strings.Contains(fg.outcomes[0].ResponseDigest, "SECRET") {
		t.Fatalf("outcome: %+v", fg.outcomes)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(realPre))
	f.Add([]byte(`{"hook_event_name":"PreToolUse","tool_name":"mcp__a__b","tool_input":{"x":[1,{"y":null}]}}`))
	f.Add([]byte(`{"hook_event_name":"PostToolUse","tool_name":"Read","tool_response":{"content":"x"},"duration_ms":12}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Decode(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		a := p.Action(Env{})
		Render(cavra.Decision{Decision: cavra.RequireApproval}, p, Env{})
		_ = a
	})
}
