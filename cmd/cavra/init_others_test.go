package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/adapters/claudecode"
)

// An existing project file of each agent with hooks and settings of its own.
var initOtherFixtures = []struct {
	agent, file, orig string
}{
	{"codex", ".codex/hooks.json", `{"hooks":{"SessionStart":[{"matcher":"startup|resume","hooks":[{"type":"command","command":"sh .codex/hooks/start.sh"}]}],"PreToolUse":[{"matcher":"^Bash$","hooks":[{"type":"command","command":"python3 .codex/hooks/policy.py","timeout":10}]}]}}`},
	{"cursor", ".cursor/hooks.json", `{"version":1,"hooks":{"beforeShellExecution":[{"command":"./hooks/audit.sh"}],"stop":[{"command":"./hooks/stop.sh"}]}}`},
	{"gemini-cli", ".gemini/settings.json", `{"theme":"GitHub","hooks":{"disabled":["scanner"],"BeforeTool":[{"matcher":"write_file","hooks":[{"name":"scanner","type":"command","command":"./scan.sh","timeout":5000}]}]},"mcpServers":{"gh":{"command":"gh-mcp"}}}`},
}

func TestInitOtherAgents(t *testing.T) {
	testHome(t)
	for _, fx := range initOtherFixtures {
		t.Run(fx.agent, func(t *testing.T) {
			proj := t.TempDir()
			path := filepath.Join(proj, fx.file)
			writeTestFile(t, path, fx.orig)
			d := "--dir=" + proj
			code, out, errs := cli(t, "init", fx.agent, d, "--dry-run")
			if code != 0 || !strings.Contains(out, "+++ "+path) || !strings.Contains(out, "cavra hook "+fx.agent) {
				t.Fatalf("dry run: %s %s", out, errs)
			}
			if readTestFile(t, path) != fx.orig {
				t.Fatal("--dry-run wrote the file")
			}
			if code, out, errs := cli(t, "init", fx.agent, d); code != 0 || !strings.Contains(out, "installed CAVRA hooks") {
				t.Fatalf("init: %s %s", out, errs)
			}
			first := readTestFile(t, path)
			var before, after map[string]any
			json.Unmarshal([]byte(fx.orig), &before)
			if err := json.Unmarshal([]byte(first), &after); err != nil {
				t.Fatalf("not JSON after init: %v\n%s", err, first)
			}
			for k, v := range before {
				if k != "hooks" && !reflect.DeepEqual(after[k], v) {
					t.Errorf("%s changed: %v -> %v", k, v, after[k])
				}
			}
			for event, v := range before["hooks"].(map[string]any) {
				got := after["hooks"].(map[string]any)[event]
				if l, ok := v.([]any); ok {
					got = got.([]any)[:len(l)]
				}
				if !reflect.DeepEqual(got, v) {
					t.Errorf("hooks.%s lost its own entries:\n%s", event, first)
				}
			}
			if code, out, _ := cli(t, "init", fx.agent, d); code != 0 || !strings.Contains(out, "no change") || readTestFile(t, path) != first {
				t.Fatalf("second init changed the file: %s", out)
			}
			if code, out, errs := cli(t, "init", fx.agent, d, "--uninstall"); code != 0 || !strings.Contains(out, "removed CAVRA hooks") || strings.Contains(out, "deleted") {
				t.Fatalf("uninstall: %s %s", out, errs)
			}
			var orig any
			json.Unmarshal([]byte(fx.orig), &orig)
			if got := meaningOf(t, path); !reflect.DeepEqual(got, orig) {
				t.Fatalf("uninstall did not restore the original:\n%s", readTestFile(t, path))
			}
		})
	}
}

func TestInitOtherAgentsUser(t *testing.T) {
	home := testHome(t)
	codexHome := filepath.Join(home, "codex-home")
	t.Setenv("CODEX_HOME", codexHome)
	for agent, path := range map[string]string{
		"codex":      filepath.Join(codexHome, "hooks.json"),
		"cursor":     filepath.Join(home, ".cursor", "hooks.json"),
		"gemini-cli": filepath.Join(home, ".gemini", "settings.json"),
	} {
		code, out, errs := cli(t, "init", agent, "--user", "--command", "/bin/sh hook "+agent)
		if code != 0 || !strings.Contains(out, "installed CAVRA hooks in "+path) || !strings.Contains(out, "note: ") {
			t.Fatalf("%s --user: %s %s", agent, out, errs)
		}
		if code, out, _ := cli(t, "doctor", agent, "--user"); code != 0 || strings.Contains(out, "FAIL") {
			t.Errorf("doctor %s --user:\n%s", agent, out)
		}
		if code, out, errs := cli(t, "init", agent, "--user", "--uninstall"); code != 0 || !strings.Contains(out, "deleted the file") {
			t.Fatalf("%s --user --uninstall: %s %s", agent, out, errs)
		}
		if _, err := os.Stat(filepath.Dir(path)); !os.IsNotExist(err) {
			t.Errorf("%s: the directory cavra created is still there", agent)
		}
		if code, out, _ := cli(t, "doctor", agent, "--user"); code == 0 || !strings.Contains(out, "FAIL") {
			t.Errorf("doctor %s --user after uninstall:\n%s", agent, out)
		}
	}
}

func TestInitRefusesWhatItCannotMerge(t *testing.T) {
	testHome(t)
	proj := t.TempDir()
	path := filepath.Join(proj, ".gemini", "settings.json")
	withComments := "{\n  // my theme\n  \"theme\": \"GitHub\"\n}\n"
	writeTestFile(t, path, withComments)
	code, _, errs := cli(t, "init", "gemini-cli", "--dir="+proj)
	if code == 0 || !strings.Contains(errs, "merge this into it by hand") || !strings.Contains(errs, `"BeforeTool"`) {
		t.Fatalf("init over a file with comments: %d %s", code, errs)
	}
	if readTestFile(t, path) != withComments {
		t.Fatal("the file was changed")
	}
	cursor := filepath.Join(proj, ".cursor", "hooks.json")
	writeTestFile(t, cursor, `{"version":1,"hooks":{"beforeReadFile":{"command":"x"}}}`)
	if code, _, errs := cli(t, "init", "cursor", "--dir="+proj); code == 0 || !strings.Contains(errs, "not a list") {
		t.Fatalf("init over a malformed hooks list: %d %s", code, errs)
	}
	if code, _, errs := cli(t, "init", "cursor", "--dir="+proj, "--uninstall"); code != 0 {
		t.Fatalf("uninstall from a file with nothing of ours: %d %s", code, errs)
	}
}

func TestHookCommandLine(t *testing.T) {
	t.Parallel()
	// A go test binary is a temporary build: the command falls back to PATH.
	for _, agent := range []string{"claude-code", "codex", "cursor", "gemini-cli"} {
		if got := hookCommandLine(&initFlags{}, claudecode.Agent(agent), "/s/p-1"); got != "cavra hook "+agent+" --home /s/p-1" {
			t.Errorf("hookCommandLine(%s) = %q", agent, got)
		}
	}
	if got := hookCommandLine(&initFlags{agent: "ci-bot"}, claudecode.ClaudeCode, "/a b"); got != "cavra hook claude-code --home '/a b' --agent ci-bot" {
		t.Errorf("with --agent: %q", got)
	}
	if got := hookCommandLine(&initFlags{agent: "codex"}, claudecode.Codex, "/s"); got != "cavra hook codex --home /s" {
		t.Errorf("--agent naming the agent itself: %q", got)
	}
	if got := hookCommandLine(&initFlags{command: "/x/cavra hook codex --explicit-allow"}, claudecode.Codex, "/s"); got != "/x/cavra hook codex --explicit-allow" {
		t.Errorf("override: %q", got)
	}
	for cmd, want := range map[string]string{
		"cavra hook claude-code --home /s/p-1":                         "/s/p-1",
		"'/a b/cavra' hook claude-code --home '/it'\\''s/x' --agent y": "/it's/x",
		`cavra hook codex --home="/q \"r\"" --x`:                       `/q "r"`,
		`cavra hook codex --home\ x`:                                   "",
		"cavra hook cursor":                                            "",
	} {
		if got := claudecode.HookFlag(cmd, "--home"); got != want {
			t.Errorf("HookFlag(%q, --home) = %q, want %q", cmd, got, want)
		}
	}
	for in, want := range map[string]string{"/usr/bin/cavra": "/usr/bin/cavra", "/a b/cavra": "'/a b/cavra'", "/it's/cavra": `'/it'\''s/cavra'`} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q", in, got)
		}
	}
}
