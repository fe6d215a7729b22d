package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func hookRun(t *testing.T, stdin string, env map[string]string) (int, string, string) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"hook", "claude-code"}, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestHookClaudeCode(t *testing.T) {
	t.Setenv("CAVRA_HOME", t.TempDir())
	proj := t.TempDir()
	pre := func(tool, input string) string {
		return `{"session_id":"s1","cwd":"` + proj + `","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"` + tool + `","tool_input":` + input + `,"tool_use_id":"toolu_1"}`
	}
	cases := []struct {
		name, stdin string
		env         map[string]string
		code        int
		stdout      string
		stderr      string
	}{
		{"dotenv read is denied", pre("Read", `{"file_path":"`+proj+`/.env"}`), nil, 0, `"permissionDecision":"deny"`, ""},
		{"allowed prints nothing", pre("Bash", `{"command":"terraform plan"}`), nil, 0, "", ""},
		{"approval asks when attended", pre("Bash", `{"command":"make deploy"}`), map[string]string{"CLAUDE_CODE_SESSION_ATTENDED": "1"}, 0, `"permissionDecision":"ask"`, ""},
		{"approval denies when headless", pre("Bash", `{"command":"make deploy"}`), map[string]string{"CLAUDE_CODE_SESSION_ATTENDED": "0"}, 0, `"permissionDecision":"deny"`, ""},
		{"unknown MCP server's read of a secret is denied", pre("mcp__unknown__read", `{"path":".env"}`), nil, 0, `"permissionDecision":"deny"`, ""},
		{"unknown MCP server's routine read runs", pre("mcp__unknown__read", `{"path":"README.md"}`), nil, 0, "", ""},
		{"malformed payload blocks with exit 2", `{"hook_event_name":`, nil, 2, "", "could not decide"},
		{"empty payload blocks with exit 2", ``, nil, 2, "", "empty"},
		{"unknown event blocks with exit 2", `{"hook_event_name":"Stop","tool_name":"x"}`, nil, 2, "", "Stop"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := hookRun(t, tc.stdin, tc.env)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out, errs)
			}
			if tc.stdout == "" && out != "" {
				t.Fatalf("stdout %q, want nothing", out)
			}
			if !strings.Contains(out, tc.stdout) || !strings.Contains(errs, tc.stderr) {
				t.Fatalf("stdout %q stderr %q; want %q / %q", out, errs, tc.stdout, tc.stderr)
			}
		})
	}
}

func TestHookRecordsEvidence(t *testing.T) {
	home := t.TempDir()
	t.Setenv("CAVRA_HOME", home)
	proj := t.TempDir()
	pre := `{"session_id":"s9","cwd":"` + proj + `","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"terraform plan"},"tool_use_id":"toolu_9"}`
	post := `{"session_id":"s9","cwd":"` + proj + `","hook_event_name":"PostToolUse","tool_name":"Bash","tool_input":{"command":"terraform plan"},"tool_use_id":"toolu_9","tool_response":{"stdout":"No changes."},"duration_ms":42}`
	if code, _, errs := hookRun(t, pre, nil); code != 0 {
		t.Fatalf("pre: %s", errs)
	}
	if code, _, errs := hookRun(t, post, nil); code != 0 {
		t.Fatalf("post: %s", errs)
	}
	code, out, _ := cli(t, "evidence", "list", "--session", "s9", "--json", "--home", home)
	if code != 0 || !strings.Contains(out, `"decision"`) || !strings.Contains(out, "toolu_9") {
		t.Fatalf("evidence list: exit %d\n%s", code, out)
	}
}

func TestHookOtherAgents(t *testing.T) {
	t.Setenv("CAVRA_HOME", t.TempDir())
	proj := t.TempDir()
	run1 := func(agent, stdin string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"hook", agent}, strings.NewReader(stdin), &out, &errb)
		return code, out.String(), errb.String()
	}
	if code, _, errs := run1("codex", `{"hook_event_name":"PreToolUse","tool_name":"shell","cwd":"`+proj+`","tool_input":{"command":["bash","-lc","cat .env"]}}`); code != 2 || !strings.Contains(errs, "filesystem.read.block") {
		t.Fatalf("codex cat .env: exit %d %s", code, errs)
	}
	if code, out, _ := run1("cursor", `{"hook_event_name":"beforeReadFile","workspace_roots":["`+proj+`"],"file_path":"`+proj+`/.env","content":"S=1"}`); code != 0 || !strings.Contains(out, `"permission":"deny"`) {
		t.Fatalf("cursor .env: exit %d %s", code, out)
	}
	if code, out, _ := run1("gemini-cli", `{"hook_event_name":"BeforeTool","cwd":"`+proj+`","tool_name":"run_shell_command","tool_input":{"command":"terraform plan"}}`); code != 0 || strings.TrimSpace(out) != "{}" {
		t.Fatalf("gemini terraform plan: exit %d %s", code, out)
	}
	if code, _, errs := run1("gemini-cli", `not json`); code != 2 || !strings.Contains(errs, "could not decide") {
		t.Fatalf("gemini malformed: exit %d %s", code, errs)
	}
}
