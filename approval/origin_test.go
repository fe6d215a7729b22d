package approval_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/approval"
)

// fakeProc writes a procfs with the given processes: pid → parent, comm,
// argv.
type proc struct {
	ppid int
	comm string
	argv []string
}

func fakeProc(t *testing.T, procs map[int]proc) string {
	t.Helper()
	root := t.TempDir()
	for pid, p := range procs {
		dir := filepath.Join(root, strconv.Itoa(pid))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		status := "Name:\t" + p.comm + "\nState:\tS (sleeping)\nPid:\t" + strconv.Itoa(pid) + "\nPPid:\t" + strconv.Itoa(p.ppid) + "\n"
		os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644)
		os.WriteFile(filepath.Join(dir, "comm"), []byte(p.comm+"\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "cmdline"), []byte(strings.Join(p.argv, "\x00")+"\x00"), 0o644)
	}
	return root
}

func TestDetectAgent(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	// self (100) ← bash (90) ← <agent> (80) ← login shell (70) ← init (1)
	tree := func(agent proc) string {
		agent.ppid = 70
		return fakeProc(t, map[int]proc{
			100: {90, "cavra", []string{"cavra", "approval", "approve"}},
			90:  {80, "bash", []string{"/bin/bash", "-c", "cavra approval approve"}},
			80:  agent,
			70:  {1, "zsh", []string{"-zsh"}},
			1:   {0, "systemd", []string{"/sbin/init"}},
		})
	}
	for _, tc := range []struct {
		name       string
		getenv     func(string) string
		proc       string
		agent      string
		evidence   string
		undetected bool
	}{
		{name: "Claude Code's marker", getenv: env("CLAUDECODE", "1"), agent: "claude-code", evidence: "CLAUDECODE=1"},
		{name: "Gemini CLI's marker", getenv: env("GEMINI_CLI", "1"), agent: "gemini-cli", evidence: "GEMINI_CLI=1"},
		{name: "Codex sandbox", getenv: env("CODEX_SANDBOX", "seatbelt"), agent: "codex"},
		{name: "Codex network-disabled sandbox", getenv: env("CODEX_SANDBOX_NETWORK_DISABLED", "1"), agent: "codex"},
		{name: "Cursor's marker", getenv: env("CURSOR_AGENT", "1"), agent: "cursor"},
		{name: "a marker set to 0 is still the agent (it could set it so)", getenv: env("CLAUDECODE", "0"), agent: "claude-code"},
		{name: "native claude binary", proc: tree(proc{comm: "claude", argv: []string{"/home/u/.local/bin/claude"}}), agent: "claude-code", evidence: "ancestor process 80: claude"},
		{name: "node running claude-code", proc: tree(proc{comm: "node", argv: []string{"node", "/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js", "-p"}}), agent: "claude-code"},
		{name: "node running gemini", proc: tree(proc{comm: "node", argv: []string{"/usr/bin/node", "/usr/local/bin/gemini"}}), agent: "gemini-cli"},
		{name: "node running codex", proc: tree(proc{comm: "node", argv: []string{"node", "/opt/npm/lib/node_modules/@openai/codex/bin/codex.js"}}), agent: "codex"},
		{name: "cursor-agent", proc: tree(proc{comm: "cursor-agent", argv: []string{"cursor-agent"}}), agent: "cursor"},
		{name: "codex renamed process, argv0", proc: tree(proc{comm: "tokio-runtime-w", argv: []string{"/usr/local/bin/codex", "exec"}}), agent: "codex"},
		{name: "an ordinary terminal", proc: tree(proc{comm: "tmux: server", argv: []string{"tmux"}}), undetected: true},
		{name: "node running something else", proc: tree(proc{comm: "node", argv: []string{"node", "server.js"}}), undetected: true},
		{name: "no procfs", proc: filepath.Join(t.TempDir(), "none"), undetected: true},
	} {
		o, ok := approval.DetectAgent(tc.getenv, tc.proc, 100)
		if ok == tc.undetected || o.Agent != tc.agent || !strings.Contains(o.Evidence, tc.evidence) {
			t.Errorf("%s: %+v %v; want agent %q (%q)", tc.name, o, ok, tc.agent, tc.evidence)
		}
	}
}

// A cycle in the parent links (a corrupt or hostile procfs) ends the walk.
func TestDetectAgentCycle(t *testing.T) {
	t.Parallel()
	root := fakeProc(t, map[int]proc{
		100: {90, "cavra", nil},
		90:  {91, "sh", nil},
		91:  {90, "sh", nil},
	})
	if o, ok := approval.DetectAgent(nil, root, 100); ok {
		t.Fatalf("detected %+v", o)
	}
}
