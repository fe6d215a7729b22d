package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/adapters/claudecode"
)

// runIn runs the command line in-process with stdin.
func runIn(stdin string, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// installedHook runs `cavra init claude-code` in a fresh project and returns
// the project, the state directory the hook command pins, and the arguments
// that run the hook as installed.
func installedHook(t *testing.T, extra ...string) (proj, state string, hook []string) {
	t.Helper()
	testHome(t)
	t.Setenv("CAVRA_HOME", "")
	t.Setenv("CLAUDE_PROJECT_DIR", "")
	proj = t.TempDir()
	if code, out, errs := cli(t, append([]string{"init", "claude-code", "--dir", proj, "--no-mcp"}, extra...)...); code != 0 {
		t.Fatalf("init: exit %d\n%s\n%s", code, out, errs)
	}
	settings := readTestFile(t, filepath.Join(proj, ".claude", "settings.json"))
	cmds := claudecode.HookCommands([]byte(settings))
	if len(cmds) != 2 {
		t.Fatalf("hook commands: %q\n%s", cmds, settings)
	}
	state = claudecode.HookFlag(cmds[0], "--home")
	hook = []string{"hook", "claude-code", "--home", state}
	if id := claudecode.HookFlag(cmds[0], "--agent"); id != "" {
		hook = append(hook, "--agent", id)
	}
	return proj, state, hook
}

func preToolUse(cwd, tool, input string, extra ...string) string {
	return `{"session_id":"s1","cwd":"` + cwd + `","permission_mode":"bypassPermissions","hook_event_name":"PreToolUse","tool_name":"` +
		tool + `","tool_input":` + input + `,"tool_use_id":"toolu_1"` + strings.Join(extra, "") + `}`
}

// cavra init pins an absolute state directory outside the project, under
// the user's state home, with mode 0700; its config.yaml is there.
func TestInitPinsStateDirectory(t *testing.T) {
	proj, state, _ := installedHook(t)
	want, _ := defaultStateDir(proj, false)
	home, _ := os.UserHomeDir()
	if state != want || !strings.HasPrefix(state, filepath.Join(home, ".local", "state", "cavra", filepath.Base(proj)+"-")) {
		t.Fatalf("pinned %q, want %q under ~/.local/state/cavra", state, want)
	}
	st, err := os.Stat(state)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("state directory: %v %v, want mode 0700", st, err)
	}
	if cfg := readTestFile(t, filepath.Join(state, "config.yaml")); !strings.Contains(cfg, "mode: enforce") {
		t.Fatalf("config.yaml in the state directory: %q", cfg)
	}
	// $XDG_STATE_HOME wins over ~/.local/state; another project gets another directory.
	xdg := t.TempDir()
	t.Setenv("XDG_STATE_HOME", xdg)
	other := filepath.Join(t.TempDir(), filepath.Base(proj))
	if d, _ := defaultStateDir(other, false); filepath.Dir(d) != filepath.Join(xdg, "cavra") || d == want || filepath.Base(d)[:len(filepath.Base(proj))] != filepath.Base(proj) {
		t.Fatalf("default state directory of another project of the same name: %s", d)
	}
	// --home pins another directory; a reinstall keeps what was pinned.
	mine := filepath.Join(t.TempDir(), "mine")
	if code, out, errs := cli(t, "init", "claude-code", "--dir", proj, "--no-mcp", "--home", mine); code != 0 || !strings.Contains(out, "installed CAVRA hooks") {
		t.Fatalf("init --home: %d %s %s", code, out, errs)
	}
	code, out, _ := cli(t, "init", "claude-code", "--dir", proj, "--no-mcp")
	if settings := readTestFile(t, filepath.Join(proj, ".claude", "settings.json")); code != 0 || !strings.Contains(out, "keep the state directory they pinned: "+mine) ||
		!strings.Contains(settings, " --home "+mine) || strings.Contains(settings, state) {
		t.Fatalf("reinstall: %s\n%s", out, settings)
	}
	// doctor names the pinned directory.
	if _, out, _ := cli(t, "doctor", "claude-code", "--dir", proj); !strings.Contains(out, "ok   the hooks use the state directory "+mine+", pinned outside the project") {
		t.Fatalf("doctor:\n%s", out)
	}
}

// A .cavra/config.yaml the agent plants in a subdirectory (or in the
// project) with mode audit_only does not change the mode of the installed
// hook, wherever it runs.
func TestHookIgnoresPlantedConfig(t *testing.T) {
	proj, _, hook := installedHook(t)
	sub := filepath.Join(proj, "sub")
	for _, d := range []string{sub, proj} {
		writeTestFile(t, filepath.Join(d, ".cavra", "config.yaml"), "mode: audit_only\n")
	}
	t.Chdir(sub)
	read := preToolUse(sub, "Read", `{"file_path":"`+proj+`/.env"}`)
	if code, out, errs := runIn(read, hook...); code != 0 || !strings.Contains(out, `"permissionDecision":"deny"`) || !strings.Contains(out, "filesystem.read.block") {
		t.Fatalf("installed hook run in the planted directory: exit %d\n%s\n%s", code, out, errs)
	}
	// What the pin prevents: a hook without --home (an install from
	// before pinning) run there finds the planted file and lets it through.
	if code, out, errs := runIn(read, "hook", "claude-code"); code != 0 || out != "" {
		t.Fatalf("unpinned hook: exit %d %q %s; want the planted audit_only to let it through", code, out, errs)
	}
	// doctor warns about such an install.
	writeTestFile(t, filepath.Join(proj, ".claude", "settings.json"), `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"cavra hook claude-code"}]}],"PostToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"cavra hook claude-code"}]}]}}`)
	if _, out, _ := cli(t, "doctor", "claude-code", "--dir", proj); !strings.Contains(out, `WARN hook command "cavra hook claude-code" pins no state directory`) {
		t.Fatalf("doctor on an unpinned install:\n%s", out)
	}
}

// A subagent acts under its parent's registry record: disabling the agent
// stops its subagents, whatever id or type the payload gives; the
// subagent's own id is kept in the evidence.
func TestHookSubagentIdentity(t *testing.T) {
	proj, state, hook := installedHook(t)
	// A person's commands run in the project reach the hooks' pinned state
	// without --home.
	t.Chdir(proj)
	cli(t, "registry", "agent-register", "claude-code", "--profile", "claude-code", "--by", "alice")
	if code, out, errs := cli(t, "registry", "agent-disable", "claude-code", "--reason", "kill switch", "--by", "alice"); code != 0 {
		t.Fatalf("agent-disable: %d %s %s", code, out, errs)
	}
	for _, who := range []string{
		`,"agent_id":"sub-7f3","agent_type":"general-purpose"`,
		`,"agent_id":"sub-8","agent_type":"claude-code-admin"`,
		`,"agent_type":"ci-bot"`,
	} {
		p := preToolUse(proj, "Bash", `{"command":"ls"}`, who)
		if code, out, errs := runIn(p, hook...); code != 0 || !strings.Contains(out, `"permissionDecision":"deny"`) || !strings.Contains(out, "registry.agent.disabled") {
			t.Fatalf("subagent %s of a disabled agent: exit %d\n%s\n%s", who, code, out, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(proj, ".cavra", "cavra.db")); !os.IsNotExist(err) {
		t.Fatalf("the registry change went to a database in the project: %v", err)
	}
	code, out, _ := cli(t, "evidence", "list", "--home", state, "--agent", "claude-code", "-o", "json")
	if code != 0 || !strings.Contains(out, `"subagent_id":"sub-7f3"`) || !strings.Contains(out, `"subagent_type":"general-purpose"`) {
		t.Fatalf("evidence of the subagent's calls (under claude-code, its own id kept):\n%s", out)
	}
	// An install pinned to another registry id decides under that one.
	proj2, state2, hook2 := installedHook(t, "--agent", "ci-bot")
	if hook2[len(hook2)-1] != "ci-bot" {
		t.Fatalf("--agent not pinned: %q", hook2)
	}
	cli(t, "registry", "agent-register", "ci-bot", "--profile", "claude-code", "--home", state2, "--by", "alice")
	cli(t, "registry", "agent-disable", "ci-bot", "--home", state2, "--reason", "x", "--by", "alice")
	if code, out, errs := runIn(preToolUse(proj2, "Bash", `{"command":"ls"}`, `,"agent_type":"claude-code"`), hook2...); code != 0 || !strings.Contains(out, "registry.agent.disabled") {
		t.Fatalf("ci-bot disabled: exit %d\n%s\n%s", code, out, errs)
	}
}

// An install from before pinning migrates by re-running init: its state
// in the project's .cavra stays (and is pinned) unless --move-state moves
// it; nothing is lost on the way.
func TestInitMigratesOlderInstall(t *testing.T) {
	testHome(t)
	t.Setenv("CAVRA_HOME", "")
	proj := t.TempDir()
	legacy := filepath.Join(proj, ".cavra")
	old := `{"hooks":{"PreToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"cavra hook claude-code","timeout":30,"onFailure":"block"}]}],"PostToolUse":[{"matcher":"*","hooks":[{"type":"command","command":"cavra hook claude-code","timeout":30,"onFailure":"block"}]}]}}`
	settings := filepath.Join(proj, ".claude", "settings.json")
	writeTestFile(t, settings, old)
	writeTestFile(t, filepath.Join(legacy, "config.yaml"), "packs: [cavra-ai-agent-baseline]\nmode: enforce\n")
	cli(t, "evaluate", "read_file", ".env", "--home", legacy, "--session", "before-move")
	cli(t, "registry", "agent-register", "claude-code", "--profile", "claude-code", "--home", legacy, "--by", "alice")
	cli(t, "registry", "agent-disable", "claude-code", "--home", legacy, "--reason", "x", "--by", "alice")

	code, out, errs := cli(t, "init", "claude-code", "--dir", proj, "--no-mcp")
	if code != 0 || !strings.Contains(out, "stays where it was, in "+legacy) || !strings.Contains(out, "--move-state") || !strings.Contains(errs, "inside the project") {
		t.Fatalf("reinstall over an older install: %d\n%s\n%s", code, out, errs)
	}
	if got := readTestFile(t, settings); strings.Count(got, "cavra hook claude-code --home "+legacy) != 2 {
		t.Fatalf("the older hook commands were not pinned to the state where it is:\n%s", got)
	}
	if _, out, _ := cli(t, "doctor", "claude-code", "--dir", proj); !strings.Contains(out, "WARN the hooks use the state directory "+legacy+", inside the project") {
		t.Fatalf("doctor:\n%s", out)
	}

	code, out, errs = cli(t, "init", "claude-code", "--dir", proj, "--no-mcp", "--move-state")
	state, _ := defaultStateDir(proj, false)
	if code != 0 || !strings.Contains(out, "moved ") || !strings.Contains(out, "cavra.db") || !strings.Contains(out, "copied .cavra/config.yaml") {
		t.Fatalf("--move-state: %d\n%s\n%s", code, out, errs)
	}
	if got := readTestFile(t, settings); strings.Count(got, "cavra hook claude-code --home "+state) != 2 {
		t.Fatalf("hooks after --move-state:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(legacy, "cavra.db")); !os.IsNotExist(err) {
		t.Fatalf("cavra.db is still in the project: %v", err)
	}
	if _, err := os.Stat(filepath.Join(legacy, "config.yaml")); err != nil {
		t.Fatalf("the project's config.yaml (for review) was moved: %v", err)
	}
	// The history and the registry came along: the log verifies with its
	// records, and the agent is still disabled.
	if code, out, _ := cli(t, "evidence", "verify", "--home", state); code != 0 {
		t.Fatalf("evidence verify after the move: %d\n%s", code, out)
	}
	if _, out, _ := cli(t, "evidence", "list", "--home", state, "--session", "before-move"); !strings.Contains(out, "filesystem.read.block") {
		t.Fatalf("the record from before the move:\n%s", out)
	}
	hook := []string{"hook", "claude-code", "--home", state}
	if _, out, _ := runIn(preToolUse(proj, "Bash", `{"command":"ls"}`), hook...); !strings.Contains(out, "registry.agent.disabled") {
		t.Fatalf("the disabled agent after the move: %s", out)
	}
	if _, out, _ := cli(t, "doctor", "claude-code", "--dir", proj); !strings.Contains(out, "ok   the hooks use the state directory "+state) {
		t.Fatalf("doctor after the move:\n%s", out)
	}
}

// A first install in a project whose .cavra/ holds state from commands run
// there (no hooks used it) pins the default directory, and says how to
// carry that state over.
func TestInitFreshOverProjectState(t *testing.T) {
	testHome(t)
	t.Setenv("CAVRA_HOME", "")
	proj := t.TempDir()
	legacy := filepath.Join(proj, ".cavra")
	cli(t, "evaluate", "read_file", ".env", "--home", legacy)
	code, out, errs := cli(t, "init", "claude-code", "--dir", proj, "--no-mcp")
	state, _ := defaultStateDir(proj, false)
	if code != 0 || !strings.Contains(out, legacy+" holds state from commands run in the project, which these hooks do not use") || !strings.Contains(out, "--move-state") {
		t.Fatalf("init: %d\n%s\n%s", code, out, errs)
	}
	if got := readTestFile(t, filepath.Join(proj, ".claude", "settings.json")); strings.Count(got, "--home "+state) != 2 {
		t.Fatalf("hooks:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(legacy, "cavra.db")); err != nil {
		t.Fatalf("the project's database was touched: %v", err)
	}
}

// A project's own .cavra/config.yaml is copied into a new state directory
// (a project with its own pack keeps it), and init says what will decide:
// a mode that lets blocked calls through is a warning, not a silent choice.
// --dry-run creates no state directory.
func TestInitCopiesProjectConfig(t *testing.T) {
	testHome(t)
	t.Setenv("CAVRA_HOME", "")
	proj := t.TempDir()
	writeTestFile(t, filepath.Join(proj, ".cavra", "config.yaml"), "mode: audit_only\n")
	state, _ := defaultStateDir(proj, false)
	if code, out, _ := cli(t, "init", "claude-code", "--dir", proj, "--no-mcp", "--dry-run"); code != 0 || !strings.Contains(out, "would pin the state directory "+state) {
		t.Fatalf("--dry-run: %s", out)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatalf("--dry-run created the state directory: %v", err)
	}
	code, out, errs := cli(t, "init", "claude-code", "--dir", proj, "--no-mcp")
	if code != 0 || !strings.Contains(out, "copied .cavra/config.yaml") || !strings.Contains(out, "in mode audit_only") || !strings.Contains(errs, "sets mode audit_only") {
		t.Fatalf("init: %d\n%s\n%s", code, out, errs)
	}
	// From now on the project's copy is for review: changing it changes nothing.
	writeTestFile(t, filepath.Join(proj, ".cavra", "config.yaml"), "mode: enforce\n")
	if code, out, _ := cli(t, "init", "claude-code", "--dir", proj, "--no-mcp"); code != 0 || !strings.Contains(out, "exists; left as it is") || !strings.Contains(out, "in mode audit_only") {
		t.Fatalf("reinstall: %s", out)
	}
}

// TestHookBinaryPinnedState runs the built binary as Claude Code runs its
// hook — the command line init wrote, through the shell, a new process per
// call, in bypassPermissions — from a subdirectory where the agent planted
// a .cavra/config.yaml with mode audit_only, and as a subagent of an agent a
// person disabled.
func TestHookBinaryPinnedState(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "cavra")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home, proj := t.TempDir(), t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "CLAUDE_CODE_SESSION_ATTENDED=0", "CLAUDECODE=1", "CLAUDE_PROJECT_DIR=" + proj}
	cavraCmd := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("cavra %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	cavraCmd(proj, "init", "claude-code", "--no-mcp")
	cmds := claudecode.HookCommands([]byte(readTestFile(t, filepath.Join(proj, ".claude", "settings.json"))))
	if len(cmds) != 2 || !strings.HasPrefix(cmds[0], bin+" hook claude-code --home "+filepath.Join(home, ".local", "state", "cavra")) {
		t.Fatalf("installed hook commands: %q", cmds)
	}
	state := claudecode.HookFlag(cmds[0], "--home")
	hook := func(dir, payload string) string {
		t.Helper()
		cmd := exec.Command("sh", "-c", cmds[0])
		cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader(payload)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("hook: %v\n%s", err, out)
		}
		return string(out)
	}
	sub := filepath.Join(proj, "sub")
	for _, d := range []string{sub, proj} {
		writeTestFile(t, filepath.Join(d, ".cavra", "config.yaml"), "mode: audit_only\n")
	}
	if out := hook(sub, preToolUse(sub, "Read", `{"file_path":"`+proj+`/.env"}`)); !strings.Contains(out, `"permissionDecision":"deny"`) {
		t.Fatalf("a Read of .env from the planted subdirectory: %q", out)
	}
	if cfg := readTestFile(t, filepath.Join(state, "config.yaml")); !strings.Contains(cfg, "mode: enforce") {
		t.Fatalf("the pinned configuration: %q", cfg)
	}
	// A person disables the agent from the project; its subagent is stopped.
	cavraCmd(proj, "registry", "agent-register", "claude-code", "--profile", "claude-code", "--by", "alice")
	cavraCmd(proj, "registry", "agent-disable", "claude-code", "--reason", "kill switch", "--by", "alice")
	sa := preToolUse(proj, "Bash", `{"command":"ls"}`, `,"agent_id":"a-1","agent_type":"general-purpose"`)
	if out := hook(sub, sa); !strings.Contains(out, `"permissionDecision":"deny"`) || !strings.Contains(out, "registry.agent.disabled") {
		t.Fatalf("a subagent of the disabled agent: %q", out)
	}
	if out := cavraCmd(proj, "evidence", "verify"); !strings.Contains(out, "verified") {
		t.Fatalf("evidence verify from the project (the pinned state): %s", out)
	}
}
