package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
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
