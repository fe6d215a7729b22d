package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSandboxPath puts on PATH stand-ins for bwrap (exiting with bwrapExit)
// and, when socat, socat: doctor's check of whether the sandbox can run
// then gives the same answer on every machine.
func fakeSandboxPath(t *testing.T, bwrap bool, bwrapExit string, socat bool) {
	t.Helper()
	dir := t.TempDir()
	stub := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if bwrap {
		stub("bwrap", "echo 'bwrap: setting up uid map: Permission denied' >&2; exit "+bwrapExit)
	}
	if socat {
		stub("socat", "exit 0")
	}
	t.Setenv("PATH", dir)
}

// TestDoctorClaudeCodeSandbox: doctor's report in each state of Claude
// Code's sandbox — on and consistent, off, inconsistent with the policy,
// and unable to run here.
func TestDoctorClaudeCodeSandbox(t *testing.T) {
	home := testHome(t)
	proj := t.TempDir()
	user := filepath.Join(home, ".claude", "settings.json")
	state, err := defaultStateDir(proj, false)
	if err != nil {
		t.Fatal(err)
	}
	hook := "/bin/sh hook claude-code --home " + state
	doctor := func(name string, want ...string) string {
		t.Helper()
		_, out, _ := cli(t, "doctor", "claude-code", "--dir="+proj)
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: doctor lacks %q:\n%s", name, w, out)
			}
		}
		return out
	}
	// Off: installed without the sandbox.
	if code, out, errs := cli(t, "init", "claude-code", "--dir="+proj, "--command", hook, "--no-sandbox"); code != 0 || strings.Contains(out, "sandbox") {
		t.Fatalf("init --no-sandbox: %s %s", out, errs)
	}
	if _, err := os.Stat(user); !os.IsNotExist(err) {
		t.Fatalf("--no-sandbox wrote %s", user)
	}
	fakeSandboxPath(t, true, "0", true)
	doctor("off", "WARN Claude Code's sandbox is off", "run cavra init claude-code to configure it", "ok   the sandbox can run here")

	// On and consistent.
	if code, out, errs := cli(t, "init", "claude-code", "--dir="+proj, "--command", hook); code != 0 {
		t.Fatalf("init: %s %s", out, errs)
	}
	doctor("on", "ok   Claude Code's sandbox is on", "ok   the sandbox cannot be skipped", "ok   the sandbox can run here",
		"ok   the sandbox settings match the active policy")
	// A second init changes nothing.
	if _, out, _ := cli(t, "init", "claude-code", "--dir="+proj, "--command", hook); strings.Count(out, "no change") != 3 {
		t.Errorf("second init:\n%s", out)
	}

	// Inconsistent: a setting loosened by hand, then a policy change.
	data, err := os.ReadFile(user)
	if err != nil {
		t.Fatal(err)
	}
	loose := strings.Replace(string(data), `"allowUnsandboxedCommands": false`, `"allowUnsandboxedCommands": true`, 1)
	loose = strings.Replace(loose, `"`+filepath.Join(home, ".aws", "credentials")+`",`, "", 1)
	if err := os.WriteFile(user, []byte(loose), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := cli(t, "doctor", "claude-code", "--dir="+proj)
	for _, w := range []string{"FAIL the sandbox cannot be skipped", "FAIL the sandbox settings match the active policy",
		"denyRead lacks " + filepath.Join(home, ".aws", "credentials"), "allowUnsandboxedCommands is true, want false", "run cavra init claude-code again"} {
		if !strings.Contains(out, w) {
			t.Errorf("inconsistent: doctor lacks %q:\n%s", w, out)
		}
	}
	if code != exitFailure {
		t.Errorf("inconsistent: exit %d", code)
	}
	// Re-running init repairs it; a policy change (another pack) is then a
	// difference until init runs again.
	cli(t, "init", "claude-code", "--dir="+proj, "--command", hook)
	doctor("repaired", "ok   the sandbox settings match the active policy")
	if err := os.WriteFile(filepath.Join(state, "config.yaml"), []byte("packs: [cavra-ai-agent-baseline, cavra-cloud-iam]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out = doctor("policy changed", "FAIL the sandbox settings match the active policy")
	t.Logf("after a policy change:\n%s", out)
	if _, out, _ := cli(t, "init", "claude-code", "--dir="+proj, "--command", hook); !strings.Contains(out, "installed") {
		t.Errorf("init after a policy change changed nothing:\n%s", out)
	}
	doctor("policy changed, init again", "ok   the sandbox settings match the active policy")

	// A project's settings that loosen it (Claude Code honours them over
	// the user's).
	local := filepath.Join(proj, ".claude", "settings.local.json")
	if err := os.WriteFile(local, []byte(`{"sandbox": {"enabled": false, "filesystem": {"allowRead": ["~/.ssh"]}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	doctor("project loosens", "FAIL the project's settings loosen Claude Code's sandbox: "+local+": sandbox.enabled false, sandbox.filesystem.allowRead ~/.ssh")
	os.Remove(local)
	doctor("project does not loosen", "ok   the project's settings leave Claude Code's sandbox as configured")

	// Unavailable: no bwrap on PATH, then a bwrap without user namespaces.
	fakeSandboxPath(t, false, "0", true)
	doctor("no bwrap", "FAIL the sandbox cannot run here: bwrap not on PATH", "apt-get install -y bubblewrap socat", "Claude Code refuses to start")
	fakeSandboxPath(t, true, "1", false)
	doctor("no socat", "FAIL the sandbox cannot run here: socat not on PATH")
	fakeSandboxPath(t, true, "1", true)
	doctor("no user namespaces", "FAIL the sandbox cannot run here: bwrap cannot create its namespaces", "Permission denied", "unprivileged_userns_clone")
}

// TestDoctorOtherSandbox: doctor says whether Codex's and Gemini CLI's own
// sandboxes are on, and what to set.
func TestDoctorOtherSandbox(t *testing.T) {
	home := testHome(t)
	proj := t.TempDir()
	t.Setenv("GEMINI_SANDBOX", "")
	_, out, _ := cli(t, "doctor", "codex", "--dir="+proj)
	for _, w := range []string{"WARN Codex's sandbox_mode is not set", `sandbox_mode = "workspace-write"`, "[sandbox_workspace_write]", "network_access = false", "writable_roots = ["} {
		if !strings.Contains(out, w) {
			t.Errorf("codex, no config: doctor lacks %q:\n%s", w, out)
		}
	}
	if err := os.MkdirAll(filepath.Join(home, ".codex"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, ".codex", "config.toml"), []byte("model = \"x\"\nsandbox_mode = \"workspace-write\" # on\n[sandbox_workspace_write]\nnetwork_access = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, out, _ := cli(t, "doctor", "codex", "--dir="+proj); !strings.Contains(out, `ok   Codex's sandbox is on (sandbox_mode "workspace-write"`) {
		t.Errorf("codex, workspace-write: %s", out)
	}
	if _, out, _ := cli(t, "doctor", "gemini-cli", "--dir="+proj); !strings.Contains(out, "WARN Gemini CLI's sandbox is not on") || !strings.Contains(out, "--sandbox") {
		t.Errorf("gemini-cli, off: %s", out)
	}
	t.Setenv("GEMINI_SANDBOX", "docker")
	if _, out, _ := cli(t, "doctor", "gemini-cli", "--dir="+proj); !strings.Contains(out, "ok   Gemini CLI's sandbox is on (GEMINI_SANDBOX=docker)") {
		t.Errorf("gemini-cli, on: %s", out)
	}
}
