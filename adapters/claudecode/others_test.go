package claudecode

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
)

func TestOtherAgentsMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		agent   Agent
		payload string
		typ     cavra.ActionType
		target  string
		before  bool
	}{
		{Codex, `{"session_id":"s","cwd":"/p","hook_event_name":"PreToolUse","tool_name":"shell","tool_input":{"command":["bash","-lc","cat .env"]}}`, cavra.ExecuteCommand, "cat .env", true},
		{Codex, `{"hook_event_name":"PreToolUse","tool_name":"shell","tool_input":{"command":["rm","-rf","/tmp/x y"]},"cwd":"/p"}`, cavra.ExecuteCommand, "rm -rf '/tmp/x y'", true},
		{Codex, `{"hook_event_name":"PreToolUse","tool_name":"apply_patch","tool_input":{"input":"*** Begin Patch\n*** Update File: iam/role.tf\n@@\n-a\n+b\n*** End Patch"},"cwd":"/p"}`, cavra.WriteFile, "iam/role.tf", true},
		{Codex, `{"hook_event_name":"PreToolUse","tool_name":"mcp__github__create_issue","tool_input":{"title":"x"},"cwd":"/p"}`, cavra.MCPToolCall, "github:create_issue", true},
		{Codex, `{"hook_event_name":"PostToolUse","tool_name":"shell","tool_input":{"command":"ls"},"cwd":"/p"}`, cavra.ExecuteCommand, "ls", false},
		{Cursor, `{"hook_event_name":"beforeShellExecution","conversation_id":"c1","generation_id":"g1","workspace_roots":["/p"],"command":"npm test","cwd":"/p"}`, cavra.ExecuteCommand, "npm test", true},
		{Cursor, `{"hook_event_name":"beforeReadFile","workspace_roots":["/p"],"file_path":"/p/.env","content":"SECRET=1"}`, cavra.ReadFile, "/p/.env", true},
		{Cursor, `{"hook_event_name":"beforeMCPExecution","workspace_roots":["/p"],"tool_name":"query","tool_input":"{\"sql\":\"select 1\"}","command":"npx db-mcp"}`, cavra.MCPToolCall, "db-mcp:query", true},
		{Cursor, `{"hook_event_name":"afterFileEdit","workspace_roots":["/p"],"file_path":"/p/main.ts","edits":[]}`, cavra.WriteFile, "/p/main.ts", false},
		{GeminiCLI, `{"session_id":"s","cwd":"/p","hook_event_name":"BeforeTool","tool_name":"run_shell_command","tool_input":{"command":"git status"},"timestamp":"2026-11-25T00:00:00Z"}`, cavra.ExecuteCommand, "git status", true},
		{GeminiCLI, `{"cwd":"/p","hook_event_name":"BeforeTool","tool_name":"read_file","tool_input":{"absolute_path":"/p/.env"}}`, cavra.ReadFile, "/p/.env", true},
		{GeminiCLI, `{"cwd":"/p","hook_event_name":"BeforeTool","tool_name":"replace","tool_input":{"file_path":"/p/a.go","old_string":"a","new_string":"b"}}`, cavra.WriteFile, "/p/a.go", true},
		{GeminiCLI, `{"cwd":"/p","hook_event_name":"BeforeTool","tool_name":"web_fetch","tool_input":{"url":"https://x.test"}}`, cavra.HTTPRequest, "https://x.test", true},
	}
	for _, c := range cases {
		o, err := DecodeOther(c.agent, strings.NewReader(c.payload))
		if err != nil {
			t.Fatalf("%s %s: %v", c.agent, c.payload, err)
		}
		a := o.Action(Env{})
		if a.Type != c.typ || a.Target != c.target || o.Before != c.before || a.Agent.ID != string(c.agent) {
			t.Errorf("%s %s: got %s %q before=%v agent=%s", c.agent, c.payload, a.Type, a.Target, o.Before, a.Agent.ID)
		}
		if c.agent == Cursor && strings.Contains(c.payload, "SECRET") {
			b, _ := json.Marshal(a)
			if strings.Contains(string(b), "SECRET") {
				t.Errorf("the read file's content leaked into the action: %s", b)
			}
		}
	}
	for _, bad := range []struct {
		agent Agent
		in    string
	}{{Codex, ``}, {Codex, `{"hook_event_name":"Stop","tool_name":"x"}`}, {Cursor, `{"hook_event_name":"stop"}`}, {GeminiCLI, `{"hook_event_name":"BeforeModel"}`}, {GeminiCLI, `{`}} {
		if _, err := DecodeOther(bad.agent, strings.NewReader(bad.in)); err == nil {
			t.Errorf("%s accepted %q", bad.agent, bad.in)
		}
	}
}

func TestOtherAgentsRender(t *testing.T) {
	t.Parallel()
	block := cavra.Decision{Decision: cavra.Block, RuleID: "filesystem.read.block", Reason: "secret", DecisionID: "dec_1"}
	ask := cavra.Decision{Decision: cavra.RequireApproval, RuleID: "commands.default.require_approval", Reason: "review", ApprovalID: "apr_7"}
	allow := cavra.Decision{Decision: cavra.Allow}
	dec := func(agent Agent, in string) OtherPayload {
		o, err := DecodeOther(agent, strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	codex := dec(Codex, `{"hook_event_name":"PreToolUse","tool_name":"shell","tool_input":{"command":"x"}}`)
	if r := RenderOther(block, codex); r.Exit != 2 || !strings.Contains(r.Stderr, "filesystem.read.block") {
		t.Errorf("codex block: %+v", r)
	}
	// Codex shows stderr to the model only: it must not say how to approve.
	if r := RenderOther(ask, codex); r.Exit != 2 || !strings.Contains(r.Stderr, "apr_7") || strings.Contains(r.Stderr, "cavra approval approve") {
		t.Errorf("codex approval: %+v", r)
	}
	if r := RenderOther(allow, codex); r.Exit != 0 || r.Stdout != nil {
		t.Errorf("codex allow: %+v", r)
	}
	cursor := dec(Cursor, `{"hook_event_name":"beforeShellExecution","command":"x","cwd":"/p"}`)
	var out map[string]string
	r := RenderOther(ask, cursor)
	if json.Unmarshal(r.Stdout, &out) != nil || out["permission"] != "deny" || !strings.Contains(out["agent_message"], "apr_7") ||
		strings.Contains(out["agent_message"], "cavra approval approve") || !strings.Contains(out["user_message"], "cavra approval approve apr_7") {
		t.Errorf("cursor approval: %s", r.Stdout)
	}
	gemAsk := dec(GeminiCLI, `{"hook_event_name":"BeforeTool","tool_name":"run_shell_command","tool_input":{"command":"x"}}`)
	out = nil
	r = RenderOther(ask, gemAsk)
	if json.Unmarshal(r.Stdout, &out) != nil || out["decision"] != "deny" || strings.Contains(out["reason"], "cavra approval approve") ||
		!strings.Contains(out["systemMessage"], "cavra approval approve apr_7") {
		t.Errorf("gemini approval: %s", r.Stdout)
	}
	readFile := dec(Cursor, `{"hook_event_name":"beforeReadFile","file_path":"/p/.env"}`)
	r = RenderOther(block, readFile)
	out = nil
	if json.Unmarshal(r.Stdout, &out) != nil || out["permission"] != "deny" || len(out) != 1 {
		t.Errorf("cursor read block (permission only): %s", r.Stdout)
	}
	gem := dec(GeminiCLI, `{"hook_event_name":"BeforeTool","tool_name":"run_shell_command","tool_input":{"command":"x"}}`)
	r = RenderOther(block, gem)
	out = nil
	if json.Unmarshal(r.Stdout, &out) != nil || out["decision"] != "deny" || out["reason"] == "" {
		t.Errorf("gemini block: %s", r.Stdout)
	}
	if r := RenderOther(allow, gem); string(r.Stdout) != "{}\n" {
		t.Errorf("gemini allow: %q", r.Stdout)
	}
	after := dec(GeminiCLI, `{"hook_event_name":"AfterTool","tool_name":"run_shell_command","tool_input":{"command":"x"}}`)
	fg := &fakeGuard{}
	if r := HandleOther(context.Background(), fg, after, Env{}); string(r.Stdout) != "{}\n" || len(fg.outcomes) != 1 {
		t.Errorf("gemini after: %+v %d", r, len(fg.outcomes))
	}
}

func FuzzDecodeOther(f *testing.F) {
	f.Add("codex", `{"hook_event_name":"PreToolUse","tool_name":"shell","tool_input":{"command":["bash","-lc","ls"]}}`)
	f.Add("cursor", `{"hook_event_name":"beforeMCPExecution","tool_name":"q","tool_input":"{}","url":"http://x/y"}`)
	f.Add("gemini-cli", `{"hook_event_name":"BeforeTool","tool_name":"read_file","tool_input":{"absolute_path":"/x"}}`)
	f.Fuzz(func(t *testing.T, agent, in string) {
		o, err := DecodeOther(Agent(agent), strings.NewReader(in))
		if err != nil {
			return
		}
		o.Action(Env{})
		RenderOther(cavra.Decision{Decision: cavra.Block}, o)
	})
}
