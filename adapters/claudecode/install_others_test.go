package claudecode

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Existing files of each agent, with hooks and settings of their own.
var otherFixtures = map[Agent]string{
	Codex: `{
  "hooks": {
    "SessionStart": [{"matcher": "startup|resume", "hooks": [{"type": "command", "command": "sh .codex/hooks/session-start.sh", "statusMessage": "Loading"}]}],
    "PreToolUse": [{"matcher": "^Bash$", "hooks": [{"type": "command", "command": "python3 .codex/hooks/policy.py", "timeout": 10}]}]
  }
}`,
	Cursor: `{
  "version": 1,
  "hooks": {
    "beforeShellExecution": [{"command": "./hooks/audit.sh", "matcher": "curl|wget"}],
    "afterFileEdit": [{"command": "npx prettier --write"}],
    "stop": [{"command": "./hooks/stop.sh"}]
  }
}`,
	GeminiCLI: `{
  "theme": "GitHub",
  "general": {"vimMode": true},
  "hooks": {
    "disabled": ["secret-scanner"],
    "BeforeTool": [{"matcher": "write_file|replace", "hooks": [{"name": "secret-scanner", "type": "command", "command": "$GEMINI_PROJECT_DIR/.gemini/hooks/scan.sh", "timeout": 5000}]}],
    "SessionStart": [{"matcher": "startup", "hooks": [{"type": "command", "command": "echo hi"}]}]
  },
  "mcpServers": {"github": {"command": "github-mcp"}}
}`,
}

// normal is a file's meaning with the containers an install may leave
// empty (hooks, an event's list) dropped, and Cursor's version ignored when
// it is the default: what an agent reads from it.
func normal(t *testing.T, b []byte) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	if h, ok := v["hooks"].(map[string]any); ok {
		for k, l := range h {
			if l, ok := l.([]any); ok && len(l) == 0 {
				delete(h, k)
			}
		}
		if len(h) == 0 {
			delete(v, "hooks")
		}
	}
	return v
}

func TestInstallHooksOtherAgents(t *testing.T) {
	t.Parallel()
	for agent, orig := range otherFixtures {
		t.Run(string(agent), func(t *testing.T) {
			t.Parallel()
			cmd := "/opt/cavra hook " + string(agent)
			once, changed, err := InstallHooks(agent, []byte(orig), cmd)
			if err != nil || !changed {
				t.Fatalf("install: %v %v", changed, err)
			}
			if ok, err := HooksInstalled(agent, once); !ok || err != nil {
				t.Fatalf("HooksInstalled = %v, %v:\n%s", ok, err, once)
			}
			// Every original key and hook is still there.
			var before, after map[string]any
			json.Unmarshal([]byte(orig), &before)
			json.Unmarshal(once, &after)
			for k, v := range before {
				if k == "hooks" {
					continue
				}
				if !reflect.DeepEqual(after[k], v) {
					t.Errorf("%s changed: %v -> %v", k, v, after[k])
				}
			}
			bh, ah := before["hooks"].(map[string]any), after["hooks"].(map[string]any)
			for event, l := range bh {
				got := ah[event]
				if gl, ok := got.([]any); ok {
					if wl, ok := l.([]any); ok {
						got = gl[:min(len(gl), len(wl))]
					}
				}
				if !reflect.DeepEqual(got, l) {
					t.Errorf("hooks.%s lost its own entries: %v -> %v", event, l, ah[event])
				}
			}
			for _, event := range HookEvents(agent) {
				l, _ := ah[event].([]any)
				if len(l) == 0 || !strings.Contains(mustJSON(l[len(l)-1]), cmd) {
					t.Errorf("hooks.%s has no cavra hook: %v", event, ah[event])
				}
			}
			if cmds := AgentHookCommands(agent, once); len(cmds) != len(HookEvents(agent)) {
				t.Errorf("AgentHookCommands = %v", cmds)
			}
			twice, changed, err := InstallHooks(agent, once, cmd)
			if err != nil || changed || string(twice) != string(once) {
				t.Fatalf("second install changed the file: %v %v", changed, err)
			}
			back, changed, err := UninstallHooks(agent, once)
			if err != nil || !changed {
				t.Fatalf("uninstall: %v %v", changed, err)
			}
			if !reflect.DeepEqual(normal(t, back), normal(t, []byte(orig))) {
				t.Fatalf("uninstall did not restore the original:\n%s", back)
			}
			if again, changed, _ := UninstallHooks(agent, back); changed || string(again) != string(back) {
				t.Fatal("a second uninstall changed the file")
			}
		})
	}
}

func TestInstallHooksShapes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		agent Agent
		want  string // the fresh file
	}{
		{Codex, `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"c hook codex","timeout":30}]}],"PostToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"c hook codex","timeout":30}]}]}}`},
		{Cursor, `{"version":1,"hooks":{"beforeShellExecution":[{"command":"c hook cursor","failClosed":true}],"beforeMCPExecution":[{"command":"c hook cursor","failClosed":true}],"beforeReadFile":[{"command":"c hook cursor","failClosed":true}],"afterShellExecution":[{"command":"c hook cursor"}],"afterMCPExecution":[{"command":"c hook cursor"}],"afterFileEdit":[{"command":"c hook cursor"}]}}`},
		{GeminiCLI, `{"hooks":{"BeforeTool":[{"matcher":"*","hooks":[{"name":"cavra","type":"command","command":"c hook gemini-cli","timeout":30000,"description":"CAVRA decides each tool call before it runs and records what ran"}]}],"AfterTool":[{"matcher":"*","hooks":[{"name":"cavra","type":"command","command":"c hook gemini-cli","timeout":30000,"description":"CAVRA decides each tool call before it runs and records what ran"}]}]}}`},
		{ClaudeCode, `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"c hook claude-code","timeout":30,"onFailure":"block"}]}],"PostToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"c hook claude-code","timeout":30,"onFailure":"block"}]}]}}`},
	}
	for _, c := range cases {
		out, _, err := InstallHooks(c.agent, nil, "c hook "+string(c.agent))
		if err != nil {
			t.Fatal(err)
		}
		if got := compactJSON(out); got != c.want {
			t.Errorf("%s fresh file:\n got %s\nwant %s", c.agent, got, c.want)
		}
		back, _, _ := UninstallHooks(c.agent, out)
		if !HooksEmpty(c.agent, back) {
			t.Errorf("%s: uninstall of a fresh install is not empty: %s", c.agent, back)
		}
	}
}

func TestInstallHooksRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		agent Agent
		in    string
	}{
		{GeminiCLI, "{\n  // a comment\n  \"theme\": \"x\"\n}"},
		{GeminiCLI, `{"hooks": {"BeforeTool": {"matcher": "*"}}}`},
		{Cursor, `{"version": 1, "hooks": []}`},
		{Codex, `[]`},
		{Codex, `{"hooks": {}} {}`},
		{Cursor, `{"version": 1,}`},
	} {
		if _, _, err := InstallHooks(c.agent, []byte(c.in), "cavra hook "+string(c.agent)); err == nil {
			t.Errorf("%s accepted %q", c.agent, c.in)
		}
	}
	if _, _, err := InstallHooks("windsurf", nil, "x"); err == nil {
		t.Error("an unknown agent was accepted")
	}
}

func TestUninstallLeavesOthersAndOtherAgents(t *testing.T) {
	t.Parallel()
	// A Gemini settings file that also holds a Claude-protocol cavra hook
	// (gemini hooks migrate --from-claude) and a user's group that shares
	// our handler: only the gemini-cli handler goes.
	in := `{"hooks":{"BeforeTool":[{"matcher":"*","hooks":[{"type":"command","command":"./mine.sh"},{"type":"command","command":"cavra hook gemini-cli"}]},{"matcher":"*","hooks":[{"type":"command","command":"cavra hook claude-code"}]}],"enabled":true}}`
	out, changed, err := UninstallHooks(GeminiCLI, []byte(in))
	if err != nil || !changed {
		t.Fatal(changed, err)
	}
	want := `{"hooks":{"BeforeTool":[{"matcher":"*","hooks":[{"type":"command","command":"./mine.sh"}]},{"matcher":"*","hooks":[{"type":"command","command":"cavra hook claude-code"}]}],"enabled":true}}`
	if got := compactJSON(out); got != want {
		t.Fatalf("got %s", got)
	}
}

func FuzzInstallHooks(f *testing.F) {
	for _, s := range otherFixtures {
		f.Add([]byte(s), uint8(0))
	}
	f.Add([]byte(existing), uint8(3))
	f.Add([]byte(`{"hooks":{"PreToolUse":null}}`), uint8(1))
	f.Add([]byte(`{"version":2,"hooks":{"beforeReadFile":[{"command":"cavra hook cursor"}]}}`), uint8(1))
	agents := []Agent{Codex, Cursor, GeminiCLI, ClaudeCode}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		agent := agents[int(which)%len(agents)]
		cmd := "/opt/cavra hook " + string(agent)
		out, _, err := InstallHooks(agent, data, cmd)
		if err != nil {
			return
		}
		if ok, err := HooksInstalled(agent, out); !ok || err != nil {
			t.Fatalf("not installed after install: %v\n%s", err, out)
		}
		again, changed, err := InstallHooks(agent, out, cmd)
		if err != nil || changed || string(again) != string(out) {
			t.Fatalf("install is not idempotent: %v %v", changed, err)
		}
		back, _, err := UninstallHooks(agent, out)
		if err != nil {
			t.Fatalf("uninstall of an install failed: %v", err)
		}
		if len(AgentHookCommands(agent, back)) != 0 {
			t.Fatalf("uninstall left a hook of ours:\n%s", back)
		}
		if !json.Valid(back) {
			t.Fatalf("uninstall wrote invalid JSON:\n%s", back)
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func compactJSON(b []byte) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return "invalid JSON: " + err.Error()
	}
	return buf.String()
}
