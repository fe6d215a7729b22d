package approval

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// AgentOrigin says why a process is taken to run inside a coding agent.
type AgentOrigin struct {
	Agent    string `json:"agent"`    // claude-code, codex, cursor, gemini-cli
	Evidence string `json:"evidence"` // e.g. "CLAUDECODE=1", "ancestor 4242: claude"
}

// agentMarkers are environment variables coding agents set for the commands
// they run. Claude Code's is verified (docs/agents.md); Gemini CLI's is set
// by its shell tool; the Codex and Cursor ones are what their sandboxes and
// CLIs are reported to set, not verified against a running client: the
// process walk is the check that does not depend on them.
var agentMarkers = []struct{ name, agent string }{
	{"CLAUDECODE", "claude-code"},
	{"GEMINI_CLI", "gemini-cli"},
	{"CODEX_SANDBOX", "codex"},
	{"CODEX_SANDBOX_NETWORK_DISABLED", "codex"},
	{"CODEX_THREAD_ID", "codex"},
	{"CURSOR_AGENT", "cursor"},
}

// agentBinaries are the coding agents' executable names.
var agentBinaries = map[string]string{
	"claude": "claude-code", "codex": "codex", "cursor-agent": "cursor", "gemini": "gemini-cli",
}

// agentPackages name agents started as a script of a JavaScript runtime
// (node /usr/lib/node_modules/@anthropic-ai/claude-code/cli.js).
var agentPackages = []struct{ part, agent string }{
	{"@anthropic-ai/claude-code", "claude-code"},
	{"@openai/codex", "codex"},
	{"@google/gemini-cli", "gemini-cli"},
	{"cursor-agent", "cursor"},
}

// maxAncestors bounds the walk up the process tree.
const maxAncestors = 64

// DetectAgent reports whether process pid runs inside a coding agent: an
// agent's marker in the environment (getenv), or — where procRoot is a
// Linux procfs, normally "/proc" — an ancestor process whose name,
// executable or script is a known agent (claude, codex, cursor-agent,
// gemini, or node running one of them). Tests simulate an agent by setting
// CLAUDECODE=1 in the environment, by running the command under a parent
// process named claude, or by passing a fake getenv and procRoot.
//
// It is a tripwire, not a sandbox: a process that scrubs its environment
// and re-parents itself to init escapes it, which is why a local approval
// also needs the enrolled passphrase.
func DetectAgent(getenv func(string) string, procRoot string, pid int) (AgentOrigin, bool) {
	if getenv != nil {
		for _, m := range agentMarkers {
			// Set at all is enough: an agent that sets CLAUDECODE=0 in front
			// of a command is still the agent.
			if v := getenv(m.name); v != "" {
				return AgentOrigin{Agent: m.agent, Evidence: m.name + "=" + v}, true
			}
		}
	}
	if procRoot == "" {
		return AgentOrigin{}, false
	}
	seen := map[int]bool{}
	for p := parentOf(procRoot, pid); p > 1 && len(seen) < maxAncestors && !seen[p]; p = parentOf(procRoot, p) {
		seen[p] = true
		if agent, what := agentProcess(procRoot, p); agent != "" {
			return AgentOrigin{Agent: agent, Evidence: "ancestor process " + strconv.Itoa(p) + ": " + what}, true
		}
	}
	return AgentOrigin{}, false
}

// parentOf reads the PPid line of /proc/<pid>/status; 0 when unknown.
func parentOf(procRoot string, pid int) int {
	b, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "status"))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "PPid:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				return 0
			}
			return n
		}
	}
	return 0
}

// agentProcess names the agent process pid is, with what showed it.
func agentProcess(procRoot string, pid int) (agent, what string) {
	dir := filepath.Join(procRoot, strconv.Itoa(pid))
	var names []string
	if b, err := os.ReadFile(filepath.Join(dir, "comm")); err == nil {
		names = append(names, strings.TrimSpace(string(b)))
	}
	if exe, err := os.Readlink(filepath.Join(dir, "exe")); err == nil {
		names = append(names, filepath.Base(strings.TrimSuffix(exe, " (deleted)")))
	}
	var argv []string
	if b, err := os.ReadFile(filepath.Join(dir, "cmdline")); err == nil {
		for _, a := range bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0}) {
			argv = append(argv, string(a))
		}
	}
	if len(argv) > 0 {
		names = append(names, filepath.Base(argv[0]))
	}
	runtime := false
	for _, n := range names {
		if a, ok := agentBinaries[n]; ok {
			return a, n
		}
		switch n {
		case "node", "nodejs", "bun", "deno":
			runtime = true
		}
	}
	if runtime {
		for _, arg := range argv[min(1, len(argv)):min(4, len(argv))] {
			if a, ok := agentBinaries[filepath.Base(arg)]; ok {
				return a, "node " + arg
			}
			for _, pk := range agentPackages {
				if strings.Contains(arg, pk.part) {
					return pk.agent, "node " + arg
				}
			}
		}
	}
	return "", ""
}
