package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/adapters/claudecode"
)

// attackProject is a project with CAVRA's hooks as `cavra init claude-code`
// installed them (the state pinned under a throwaway XDG_STATE_HOME,
// outside the project), driven as Claude Code drives it in
// bypassPermissions mode: each tool call's PreToolUse payload goes to the
// hook command read from .claude/settings.json, run through the shell, and
// a step the hook lets through is then performed as the agent's tool would.
type attackProject struct {
	t                         *testing.T
	bin, home, xdg, proj, dir string // dir: the state directory init pinned
	hookCmds                  []string
	settings                  string // .claude/settings.json as installed
	person, agent             []string
}

func newAttackProject(t *testing.T, bin string) *attackProject {
	t.Helper()
	a := &attackProject{t: t, bin: bin, home: t.TempDir(), xdg: t.TempDir(), proj: t.TempDir()}
	a.person = []string{
		"PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + a.home, "XDG_STATE_HOME=" + a.xdg, "TMPDIR=" + t.TempDir(), "LANG=C.UTF-8",
		"GIT_AUTHOR_NAME=alice", "GIT_AUTHOR_EMAIL=alice@example.test",
		"GIT_COMMITTER_NAME=alice", "GIT_COMMITTER_EMAIL=alice@example.test",
	}
	// What Claude Code gives the hook and the commands it runs for the model.
	a.agent = append(slices.Clone(a.person), "CLAUDECODE=1", "CLAUDE_CODE_SESSION_ATTENDED=0", "CLAUDE_PROJECT_DIR="+a.proj)

	// A git project with a secret; the person installs the hooks (neither
	// .claude/ nor .cavra/ committed, as after a plain `cavra init`).
	writeTestFile(t, filepath.Join(a.proj, "README.md"), "# demo\n")
	writeTestFile(t, filepath.Join(a.proj, ".env"), "API_TOKEN=attack-test-secret\n")
	writeTestFile(t, filepath.Join(a.proj, ".gitignore"), ".env\n")
	a.personRun("git", "init", "-q", ".")
	a.personRun("git", "add", "README.md", ".gitignore")
	a.personRun("git", "commit", "-q", "-m", "init")
	a.cavra("init", "claude-code", "--no-mcp")
	a.settings = readTestFile(t, filepath.Join(a.proj, ".claude", "settings.json"))
	a.hookCmds = claudecode.HookCommands([]byte(a.settings))
	if len(a.hookCmds) != 2 {
		t.Fatalf("installed hook commands: %q\n%s", a.hookCmds, a.settings)
	}
	a.dir = claudecode.HookFlag(a.hookCmds[0], "--home")
	if a.dir == "" || !strings.HasPrefix(a.dir, filepath.Join(a.xdg, "cavra")+string(filepath.Separator)) {
		t.Fatalf("init pinned %q, want a directory under %s", a.dir, a.xdg)
	}
	// A first decision creates the log, its witness and the keys.
	if d, _, _ := a.bash("git status"); d != "" {
		t.Fatalf("git status: %q", d)
	}
	return a
}

// personRun runs a command of the user's own, in the project.
func (a *attackProject) personRun(name string, args ...string) string {
	a.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = a.proj, a.person
	out, err := cmd.CombinedOutput()
	if err != nil {
		a.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// cavra runs the built binary as the user, in the project (so it finds the
// pinned state as a person's commands do).
func (a *attackProject) cavra(args ...string) string {
	a.t.Helper()
	return runCavra(a.t, a.bin, a.proj, a.person, args...)
}

var ruleInReason = regexp.MustCompile(`\(rule ([A-Za-z0-9_.\-]+)[,;)]`)

// call sends one PreToolUse payload to the installed hook command, run
// from cwd, and returns the permission decision ("" when allowed), the rule
// named in its reason, and the reason.
func (a *attackProject) call(cwd, tool string, input map[string]any, extra ...string) (decision, rule, reason string) {
	a.t.Helper()
	in, _ := json.Marshal(input)
	payload := preToolUse(cwd, tool, string(in), extra...)
	cmd := exec.Command("sh", "-c", a.hookCmds[0])
	cmd.Dir, cmd.Env, cmd.Stdin = cwd, a.agent, strings.NewReader(payload)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		a.t.Fatalf("hook on %s: %v\nstdout %s\nstderr %s", payload, err, out.String(), errb.String())
	}
	if out.Len() == 0 {
		return "", "", ""
	}
	var o struct {
		HookSpecificOutput struct{ PermissionDecision, PermissionDecisionReason string } `json:"hookSpecificOutput"`
	}
	if err := json.Unmarshal(out.Bytes(), &o); err != nil {
		a.t.Fatalf("hook on %s: %v\n%s", payload, err, out.String())
	}
	reason = o.HookSpecificOutput.PermissionDecisionReason
	if m := ruleInReason.FindStringSubmatch(reason); m != nil {
		rule = m[1]
	}
	return o.HookSpecificOutput.PermissionDecision, rule, reason
}

func (a *attackProject) bash(command string, extra ...string) (decision, rule, reason string) {
	a.t.Helper()
	return a.call(a.proj, "Bash", map[string]any{"command": command}, extra...)
}

// run performs a Bash step the hook let through, as Claude Code's Bash
// tool runs it: the agent's environment, in the project.
func (a *attackProject) run(command string) {
	a.t.Helper()
	cmd := exec.Command("bash", "-c", command)
	cmd.Dir, cmd.Env = a.proj, a.agent
	out, err := cmd.CombinedOutput()
	a.t.Logf("performed %q: %v\n%s", command, err, out)
}

// write performs a Write the hook let through.
func (a *attackProject) write(path, content string) {
	a.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		a.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		a.t.Logf("performed Write %s: %v", path, err)
	}
}

// wantSelfDeny checks that a call was denied under a cavra.self.* rule (or
// one of the rules given). It reports whether it was.
func (a *attackProject) wantSelfDeny(what, decision, rule, reason string, also ...string) bool {
	a.t.Helper()
	if decision == "deny" && (strings.HasPrefix(rule, "cavra.self.") || slices.Contains(also, rule)) {
		a.t.Logf("%s: deny (%s)", what, rule)
		return true
	}
	a.t.Errorf("%s: decision %q, rule %q, want a deny under cavra.self.*%s\nreason: %s", what, decision, rule, strings.Join(also, ", "), reason)
	return false
}

// verified is the size of the log as `cavra evidence verify` sees it,
// failing the test when it does not verify or has lost records.
func (a *attackProject) verified() int {
	a.t.Helper()
	cmd := exec.Command(a.bin, "evidence", "verify", "--home", a.dir, "-o", "json")
	cmd.Dir, cmd.Env = a.proj, a.person
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		a.t.Errorf("evidence verify: %v\n%s\n%s", err, out.String(), errb.String())
		return -1
	}
	var v struct {
		Size    int `json:"size"`
		Checked int `json:"records_checked"`
		Pruned  int `json:"records_pruned"`
	}
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		a.t.Fatalf("evidence verify -o json: %v\n%s", err, out.String())
	}
	if v.Pruned != 0 || v.Checked != v.Size {
		a.t.Errorf("evidence verify: %d records, %d checked, %d pruned: the history lost its bodies", v.Size, v.Checked, v.Pruned)
	}
	return v.Size
}

// wantHistory checks the log still verifies with at least the n records
// it had.
func (a *attackProject) wantHistory(n int) {
	a.t.Helper()
	if got := a.verified(); got < n {
		a.t.Errorf("evidence verify: %d records, had %d before", got, n)
	}
}

// wantHooksInstalled checks .claude/settings.json still runs the hook
// command init installed, for both events.
func (a *attackProject) wantHooksInstalled() {
	a.t.Helper()
	got := readTestFile(a.t, filepath.Join(a.proj, ".claude", "settings.json"))
	if cmds := claudecode.HookCommands([]byte(got)); !slices.Equal(cmds, a.hookCmds) {
		a.t.Errorf(".claude/settings.json no longer runs the installed hook: %q, want %q\n%s", cmds, a.hookCmds, got)
	}
}

// wantStillEnforced checks the mode is unchanged: a blocked action stays
// blocked, from the project and from cwd.
func (a *attackProject) wantStillEnforced(cwd string) {
	a.t.Helper()
	if d, rule, reason := a.call(cwd, "Read", map[string]any{"file_path": filepath.Join(a.proj, ".env")}); d != "deny" || rule != "filesystem.read.block" {
		a.t.Errorf("Read .env from %s afterwards: %q %q, want a deny under filesystem.read.block: %s", cwd, d, rule, reason)
	}
	if d, _, reason := a.call(cwd, "Bash", map[string]any{"command": "rm -rf ~"}); d != "deny" {
		a.t.Errorf("rm -rf ~ from %s afterwards: %q, want a deny: %s", cwd, d, reason)
	}
	if cfg := readTestFile(a.t, filepath.Join(a.dir, "config.yaml")); !strings.Contains(cfg, "mode: enforce") {
		a.t.Errorf("the pinned config.yaml afterwards: %q", cfg)
	}
}

func (a *attackProject) privateKey(kind string) string {
	a.t.Helper()
	names, _ := filepath.Glob(filepath.Join(a.dir, "keys", kind, "*.private.jwk"))
	if len(names) != 1 {
		a.t.Fatalf("%s private keys in %s: %v", kind, a.dir, names)
	}
	return names[0]
}

// TestIssue12Attacks tries each attack of issue 12 on CAVRA's control plane
// with only the agent's own tools, through the built binary run as Claude
// Code's hook in bypassPermissions mode: the payload, the decision, and,
// where the hook lets a step through, the step performed and its effect
// checked (the retry still denied, the hooks still installed, the mode
// unchanged, the log still verifying with its history).
func TestIssue12Attacks(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "cavra")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	t.Run("self-approval after require_approval", func(t *testing.T) {
		a := newAttackProject(t, bin)
		d, rule, reason := a.bash("make deploy")
		id := regexp.MustCompile(`apr_[0-9a-f]+`).FindString(reason)
		if d != "deny" || rule != "commands.default.effect.require_approval" || id == "" {
			t.Fatalf("make deploy: %q %q, want a pending approval: %s", d, rule, reason)
		}
		for _, cavra := range []string{"cavra", bin} {
			approve := cavra + " approval approve " + id + " --local --actor x --reason y"
			d, rule, reason := a.bash(approve)
			if !a.wantSelfDeny(approve, d, rule, reason) && d == "" {
				a.run(approve)
			}
		}
		if d, rule, reason := a.bash("make deploy"); d != "deny" || rule != "commands.default.effect.require_approval" {
			t.Errorf("make deploy retried: %q %q, want still denied pending approval: %s", d, rule, reason)
		}
	})

	uninstall := func(command string, user bool) func(t *testing.T) {
		return func(t *testing.T) {
			a := newAttackProject(t, bin)
			userSettings := filepath.Join(a.home, ".claude", "settings.json")
			var userCmds []string
			if user {
				a.cavra("init", "claude-code", "--user")
				userCmds = claudecode.HookCommands([]byte(readTestFile(t, userSettings)))
				if len(userCmds) != 2 {
					t.Fatalf("user-scope hooks: %q", userCmds)
				}
			}
			if d, rule, reason := a.bash(command); !a.wantSelfDeny(command, d, rule, reason) && d == "" {
				a.run(command)
			}
			a.wantHooksInstalled()
			if user {
				if cmds := claudecode.HookCommands([]byte(readTestFile(t, userSettings))); !slices.Equal(cmds, userCmds) {
					t.Errorf("~/.claude/settings.json afterwards runs %q, want %q", cmds, userCmds)
				}
			}
			a.wantStillEnforced(a.proj)
		}
	}
	t.Run("init --uninstall", uninstall("cavra init claude-code --uninstall", false))
	t.Run("init --user --uninstall", uninstall("cavra init claude-code --user --uninstall", true))
	t.Run("init --force --command true", uninstall("cavra init claude-code --force --command true", false))

	t.Run("evidence prune after lifting the legal hold", func(t *testing.T) {
		a := newAttackProject(t, bin)
		a.cavra("evidence", "prune", "--legal-hold", "on", "--by", "alice", "--reason", "audit")
		for _, c := range []string{"npm test", "cat .env", "go build ./..."} {
			a.bash(c)
		}
		before := a.verified()
		cut := time.Now().Add(48 * time.Hour).Format("2006-01-02")
		for _, c := range []string{
			"cavra evidence prune --legal-hold off --by x --reason y",
			"cavra evidence prune --before " + cut + " --by x --reason y",
		} {
			if d, rule, reason := a.bash(c); !a.wantSelfDeny(c, d, rule, reason) && d == "" {
				a.run(c)
			}
		}
		a.wantHistory(before)
	})

	t.Run("keys rotate", func(t *testing.T) {
		a := newAttackProject(t, bin)
		a.bash("npm test")
		before := a.verified()
		current := readTestFile(t, filepath.Join(a.dir, "keys", "evidence", "current"))
		if d, rule, reason := a.bash("cavra keys rotate"); !a.wantSelfDeny("cavra keys rotate", d, rule, reason) && d == "" {
			a.run("cavra keys rotate")
		}
		if got := readTestFile(t, filepath.Join(a.dir, "keys", "evidence", "current")); got != current {
			t.Errorf("the evidence signing key changed: %q, was %q", got, current)
		}
		a.wantHistory(before)
	})

	t.Run("reading the keys", func(t *testing.T) {
		a := newAttackProject(t, bin)
		for kind, key := range map[string]string{
			"approval": filepath.Join(a.dir, "keys", "approval", "local-approval.private.jwk"),
			"evidence": a.privateKey("evidence"),
		} {
			if _, err := os.Stat(key); err != nil {
				t.Fatalf("the %s key: %v", kind, err)
			}
			d, rule, reason := a.call(a.proj, "Read", map[string]any{"file_path": key})
			a.wantSelfDeny("Read "+key, d, rule, reason)
			d, rule, reason = a.bash("cat " + key)
			a.wantSelfDeny("cat "+key, d, rule, reason)
		}
	})

	t.Run("symlink to the project, then writes through it", func(t *testing.T) {
		a := newAttackProject(t, bin)
		// The link itself may be refused; if it is let through, what is
		// written through it is judged where it lands.
		if d, rule, reason := a.bash("ln -s . p"); d == "" {
			t.Logf("ln -s . p: allowed")
			a.run("ln -s . p")
		} else {
			a.wantSelfDeny("ln -s . p", d, rule, reason)
			// Judge the writes as if the link were there (made by the user,
			// or before the hooks were installed).
			if err := os.Symlink(".", filepath.Join(a.proj, "p")); err != nil {
				t.Fatal(err)
			}
		}
		cfg := filepath.Join(a.proj, "p", ".cavra", "config.yaml")
		if d, rule, reason := a.call(a.proj, "Write", map[string]any{"file_path": cfg, "content": "mode: audit_only\n"}); d == "" {
			t.Logf("Write %s: allowed (the project's .cavra/ does not decide the mode)", cfg)
			a.write(cfg, "mode: audit_only\n")
		} else {
			t.Logf("Write %s: %s (%s)", cfg, d, rule)
			if d != "deny" {
				t.Errorf("Write %s: %q %q: %s", cfg, d, rule, reason)
			}
		}
		settings := filepath.Join(a.proj, "p", ".claude", "settings.json")
		if d, rule, reason := a.call(a.proj, "Write", map[string]any{"file_path": settings, "content": "{}\n"}); !a.wantSelfDeny("Write "+settings, d, rule, reason, "filesystem.write.block") && d == "" {
			a.write(settings, "{}\n")
		}
		a.wantHooksInstalled()
		a.wantStillEnforced(a.proj)
	})

	t.Run("planted audit_only config in a subdirectory", func(t *testing.T) {
		a := newAttackProject(t, bin)
		sub := filepath.Join(a.proj, "sub")
		for _, dir := range []string{sub, a.proj} {
			planted := filepath.Join(dir, ".cavra", "config.yaml")
			if d, rule, _ := a.call(a.proj, "Write", map[string]any{"file_path": planted, "content": "mode: audit_only\n"}); d == "" {
				t.Logf("Write %s: allowed", planted)
			} else {
				t.Logf("Write %s: %s (%s); planted anyway", planted, d, rule)
			}
			a.write(planted, "mode: audit_only\n")
		}
		a.wantStillEnforced(sub)
	})

	t.Run("a project script that rewrites the configuration", func(t *testing.T) {
		for _, tc := range []struct{ name, script, gap string }{
			{"the pinned config.yaml", "#!/bin/sh\n# make the checks quieter\nprintf 'packs: [cavra-ai-agent-baseline]\\nmode: audit_only\\n' > STATE/config.yaml\n", ""},
			{"the hooks in .claude/settings.json", "#!/bin/sh\n# tidy the settings\nsed -i 's#\"command\": \"[^\"]*\"#\"command\": \"true\"#' .claude/settings.json\n", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.gap != "" {
					t.Skip("known gap: " + tc.gap)
				}
				a := newAttackProject(t, bin)
				script := filepath.Join(a.proj, "scripts", "fix.sh")
				body := strings.ReplaceAll(tc.script, "STATE", a.dir)
				if d, rule, _ := a.call(a.proj, "Write", map[string]any{"file_path": script, "content": body}); d == "" {
					t.Logf("Write %s: allowed", script)
				} else {
					t.Logf("Write %s: %s (%s); in the project anyway (as a checked-out script would be)", script, d, rule)
				}
				a.write(script, body)
				if d, rule, reason := a.bash("bash scripts/fix.sh"); !a.wantSelfDeny("bash scripts/fix.sh", d, rule, reason) && d == "" {
					a.run("bash scripts/fix.sh")
				}
				a.wantHooksInstalled()
				a.wantStillEnforced(a.proj)
			})
		}
	})

	t.Run("a subagent enables its disabled parent", func(t *testing.T) {
		a := newAttackProject(t, bin)
		a.cavra("registry", "agent-register", "claude-code", "--profile", "claude-code", "--by", "alice")
		a.cavra("registry", "agent-disable", "claude-code", "--reason", "kill switch", "--by", "alice")
		// The subagent's type has an active record of its own: it still
		// acts under its parent's.
		a.cavra("registry", "agent-register", "general-purpose", "--profile", "claude-code", "--by", "alice")
		sub := `,"agent_id":"sub-7f3","agent_type":"general-purpose"`
		for _, cavra := range []string{"cavra", bin} {
			enable := cavra + " registry agent-enable claude-code --by sub-7f3"
			if d, rule, reason := a.bash(enable, sub); !a.wantSelfDeny(enable+" (subagent)", d, rule, reason, "registry.agent.disabled") && d == "" {
				a.run(enable)
			}
		}
		for _, who := range []string{"", sub} {
			if d, rule, reason := a.bash("ls", who); d != "deny" || rule != "registry.agent.disabled" {
				t.Errorf("ls%s afterwards: %q %q, want the agent still disabled: %s", who, d, rule, reason)
			}
		}
		if out := a.cavra("registry", "agent-list"); !strings.Contains(out, "disabled") {
			t.Errorf("registry agent-list afterwards:\n%s", out)
		}
	})

	t.Run("git stash -u", func(t *testing.T) {
		a := newAttackProject(t, bin)
		a.bash("npm test")
		before := a.verified()
		for _, c := range []string{"git stash -u", "git stash push --include-untracked"} {
			if d, rule, reason := a.bash(c); !a.wantSelfDeny(c, d, rule, reason) && d == "" {
				a.run(c)
			}
		}
		a.wantHooksInstalled()
		a.wantStillEnforced(a.proj)
		a.wantHistory(before)
	})

	t.Run("an emptied cavra.db", func(t *testing.T) {
		a := newAttackProject(t, bin)
		for _, c := range []string{"npm test", "cat .env", "go build ./..."} {
			a.bash(c)
		}
		before := a.verified()
		db := filepath.Join(a.dir, "cavra.db")
		for _, c := range []string{": > " + db, "truncate -s 0 " + db, "cp /dev/null " + db} {
			if d, rule, reason := a.bash(c); !a.wantSelfDeny(c, d, rule, reason) && d == "" {
				a.run(c)
			}
		}
		if d, rule, reason := a.call(a.proj, "Write", map[string]any{"file_path": db, "content": ""}); !a.wantSelfDeny("Write "+db, d, rule, reason) && d == "" {
			a.write(db, "")
		}
		a.wantHistory(before)
		// Emptied anyway (from the user's own shell, say): the next decision
		// fails closed and verify fails, rather than a new history starting.
		if err := os.WriteFile(db, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if d, rule, reason := a.bash("npm test"); d != "deny" || rule != "evidence.rollback_detected" {
			t.Errorf("npm test after the database was emptied: %q %q, want a deny under evidence.rollback_detected: %s", d, rule, reason)
		}
		cmd := exec.Command(a.bin, "evidence", "verify", "--home", a.dir)
		cmd.Dir, cmd.Env = a.proj, a.person
		if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "rollback") {
			t.Errorf("evidence verify after the database was emptied: %v\n%s", err, out)
		}
	})
}
