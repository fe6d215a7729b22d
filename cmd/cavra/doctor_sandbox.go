package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cavra-dev/cavra/adapters/claudecode"
)

// sandboxRunnable says whether Claude Code's sandbox can run on this
// machine (Linux: bubblewrap and socat on PATH, and bwrap able to create
// its namespaces); what is missing, and how to fix it, when not.
func sandboxRunnable(ctx context.Context) (ok bool, why string) {
	var missing []string
	for _, b := range []string{"bwrap", "socat"} {
		if _, err := exec.LookPath(b); err != nil {
			missing = append(missing, b)
		}
	}
	if len(missing) > 0 {
		return false, strings.Join(missing, " and ") + " not on PATH: install them (Debian/Ubuntu: apt-get install -y bubblewrap socat; Fedora: dnf install bubblewrap socat)"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--unshare-all", "true").CombinedOutput()
	if err != nil {
		return false, "bwrap cannot create its namespaces (`bwrap --ro-bind / / --unshare-all true`: " + strings.TrimSpace(string(out)) + errText(err) +
			"): enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 also kernel.apparmor_restrict_unprivileged_userns=0), " +
			"or run the agent where they are available"
	}
	return true, ""
}

// sandbox reports on Claude Code's sandbox for the project dir whose hooks
// use the state directory home: on or off, able to run here, and matching
// what `cavra init claude-code` would write from the active policy.
func (r *doctorReport) sandbox(ctx context.Context, dir, home string, hookCmds []string) {
	hook := ""
	if len(hookCmds) > 0 {
		hook = hookProgram(hookCmds[0])
	}
	want, err := sandboxFor(ctx, dir, home, hook, nil)
	if err != nil {
		r.check(false, "CAVRA derives Claude Code's sandbox settings from the policy: %v", err)
		return
	}
	userData, err := claudecode.ReadSettings(want.userPath)
	if err != nil {
		r.check(false, "%s: %v", want.userPath, err)
		return
	}
	raw, perr := claudecode.SandboxOf(userData)
	var s claudecode.Sandbox
	on := perr == nil && raw != nil && json.Unmarshal(raw, &s) == nil && s.Enabled
	if !on {
		r.warn(true, "Claude Code's sandbox is off (no sandbox.enabled in %s): commands the agent runs are limited only by the hook's decision, and a script it writes and runs is not confined; "+
			"run cavra init claude-code to configure it from the policy", want.userPath)
	} else {
		r.check(true, "Claude Code's sandbox is on (%s)", want.userPath)
		r.check(s.FailIfUnavailable && !s.AllowUnsandboxedCommands, "the sandbox cannot be skipped (failIfUnavailable true, allowUnsandboxedCommands false)")
		if p := claudecode.SettingsProblems(userData); len(p) > 0 {
			r.check(false, "Claude Code would accept %s%s", want.userPath, listText(p))
		}
	}
	runnable, why := sandboxRunnable(ctx)
	switch {
	case runnable:
		r.check(true, "the sandbox can run here (bwrap and socat on PATH, user namespaces available)")
	case on:
		r.check(false, "the sandbox cannot run here: %s. With failIfUnavailable, Claude Code refuses to start until it can", why)
	default:
		r.note(false, "the sandbox could not run here either: %s", why)
	}
	if !on {
		return
	}
	projData, err := claudecode.ReadSettings(want.projectPath)
	if err != nil {
		r.check(false, "%s: %v", want.projectPath, err)
		return
	}
	// Claude Code lets a project's settings switch off or loosen a sandbox
	// the user's settings configure (2.1.332): the agent is refused writing
	// them, but a repository can ship them.
	var loose []string
	for _, p := range []string{want.projectPath, filepath.Join(filepath.Dir(want.projectPath), "settings.local.json")} {
		data, err := claudecode.ReadSettings(p)
		if err != nil {
			continue
		}
		if l := claudecode.SandboxLoosening(data); len(l) > 0 {
			loose = append(loose, p+": "+strings.Join(l, ", "))
		}
	}
	if len(loose) > 0 {
		r.check(false, "the project's settings loosen Claude Code's sandbox%s; Claude Code honours them over the user's: remove those keys", listText(loose))
	} else {
		r.check(true, "the project's settings leave Claude Code's sandbox as configured")
	}
	var diffs []string
	for _, x := range []struct {
		path string
		data []byte
		s    claudecode.Sandbox
	}{{want.userPath, userData, want.user}, {want.projectPath, projData, want.project}} {
		d, err := claudecode.SandboxDiff(x.data, x.s)
		if err != nil {
			d = []string{err.Error()}
		}
		for _, l := range d {
			diffs = append(diffs, x.path+": "+l)
		}
	}
	r.check(len(diffs) == 0, "the sandbox settings match the active policy (%s, profile %s)%s%s", want.profile.Policy, want.profile.Digest(), listText(diffs),
		map[bool]string{true: "; run cavra init claude-code again to rewrite them from the policy", false: ""}[len(diffs) > 0])
}

// hookProgram is the program a hook command line runs: its first word,
// unquoted.
func hookProgram(cmdline string) string {
	if w := claudecode.HookWords(cmdline); len(w) > 0 {
		return w[0]
	}
	return ""
}

// otherSandbox reports on the native sandbox of Codex and Gemini CLI.
// CAVRA does not write their sandbox settings (Codex keeps them in
// config.toml, which cavra init does not edit; Gemini CLI's format is not
// one CAVRA has verified): doctor says whether it is on, and exactly what
// to set, from the same profile Claude Code's settings come from.
func (r *doctorReport) otherSandbox(ctx context.Context, agent claudecode.Agent, dir, home string) {
	switch agent {
	case claudecode.Codex:
		codexHome := os.Getenv("CODEX_HOME")
		if codexHome == "" {
			h, err := os.UserHomeDir()
			if err != nil {
				return
			}
			codexHome = filepath.Join(h, ".codex")
		}
		cfg := filepath.Join(codexHome, "config.toml")
		data, _ := os.ReadFile(cfg)
		mode := tomlString(string(data), "sandbox_mode")
		want, err := sandboxFor(ctx, dir, home, "", nil)
		if err != nil {
			r.check(false, "CAVRA derives the sandbox settings from the policy: %v", err)
			return
		}
		roots := make([]string, 0, len(want.user.Filesystem.AllowWrite))
		for _, w := range want.user.Filesystem.AllowWrite {
			roots = append(roots, strconv.Quote(w))
		}
		snippet := fmt.Sprintf("sandbox_mode = \"workspace-write\"\n[sandbox_workspace_write]\nwritable_roots = [%s]\nnetwork_access = false", strings.Join(roots, ", "))
		switch mode {
		case "workspace-write", "read-only":
			r.check(true, "Codex's sandbox is on (sandbox_mode %q in %s); it confines writes, not reads: the policy's credential read blocks hold through the hook only", mode, cfg)
		default:
			if mode == "" {
				mode = "not set"
			}
			r.warn(true, "Codex's sandbox_mode is %s in %s: a script the agent writes and runs is not confined; set, from the policy:\n%s\n(and do not run codex with --dangerously-bypass-approvals-and-sandbox)", mode, cfg, snippet)
		}
	case claudecode.GeminiCLI:
		on := os.Getenv("GEMINI_SANDBOX")
		if on != "" && on != "false" && on != "0" {
			r.check(true, "Gemini CLI's sandbox is on (GEMINI_SANDBOX=%s)", on)
			return
		}
		r.warn(true, "Gemini CLI's sandbox is not on in this environment (GEMINI_SANDBOX unset): a script the agent writes and runs is not confined; "+
			"start it with --sandbox (or GEMINI_SANDBOX=true, or docker/podman), and keep the project's .env out of its environment (advanced.ignoreLocalEnv true). "+
			"cavra init gemini-cli does not write its sandbox setting: its settings format for it is not one CAVRA has verified")
	}
}

// tomlString returns the value of a top-level `key = "value"` line of a
// TOML document (before the first table), "" when there is none.
func tomlString(doc, key string) string {
	for _, line := range strings.Split(doc, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			return ""
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) != key {
			continue
		}
		v = strings.TrimSpace(v)
		if i := strings.Index(v, "#"); i > 0 && !strings.HasPrefix(v, `"`) {
			v = strings.TrimSpace(v[:i])
		}
		if s, err := strconv.Unquote(strings.SplitN(v, " #", 2)[0]); err == nil {
			return s
		}
		return strings.Trim(v, `"'`)
	}
	return ""
}
