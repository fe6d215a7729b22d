package claudecode

import (
	"encoding/json"
	"fmt"
	"path/filepath"
)

// Installing CAVRA's hooks into the other agents' configuration files. Each
// agent's file is merged the way Claude Code's settings are: every other key
// and hook is kept, keys stay in their order, running the install twice
// changes nothing, and uninstalling removes exactly the handlers that run
// "cavra hook <agent>". The formats and their sources are in docs/agents.md.

// GeminiTimeoutMS is the timeout written for Gemini CLI's hooks, which count
// in milliseconds (HookTimeout seconds).
const GeminiTimeoutMS = HookTimeout * 1000

var formats = map[Agent]hookFormat{
	ClaudeCode: claudeFormat,
	// Codex: .codex/hooks.json, the same shape as Claude Code's hooks;
	// "*" matches every tool (shell commands arrive as "Bash", edits as
	// "apply_patch", MCP tools as "mcp__server__tool"). Codex has no
	// onFailure: a hook that crashes or times out lets the call run.
	Codex: {
		agent: Codex, events: []string{PreToolUse, PostToolUse}, grouped: true,
		handler: func(command, _ string) handler {
			return handler{Type: "command", Command: command, Timeout: HookTimeout}
		},
	},
	// Cursor: .cursor/hooks.json, {"version": 1, "hooks": {event: [{"command": …}]}}.
	// failClosed turns a crash or a timeout of a before-event hook into a
	// block. No timeout is written: sources disagree on its unit, and with
	// failClosed a timeout blocks rather than lets through.
	Cursor: {
		agent: Cursor, grouped: false,
		events: []string{"beforeShellExecution", "beforeMCPExecution", "beforeReadFile",
			"afterShellExecution", "afterMCPExecution", "afterFileEdit"},
		handler: func(command, event string) handler {
			h := handler{Command: command}
			switch event {
			case "beforeShellExecution", "beforeMCPExecution", "beforeReadFile":
				h.FailClosed = true
			}
			return h
		},
		top: []topKey{{"version", json.RawMessage("1")}},
	},
	// Gemini CLI: .gemini/settings.json, hooks.BeforeTool / hooks.AfterTool
	// with matcher groups; timeouts in milliseconds; "name" lets a person
	// find (and disable) the hook with /hooks.
	GeminiCLI: {
		agent: GeminiCLI, events: []string{"BeforeTool", "AfterTool"}, grouped: true,
		handler: func(command, _ string) handler {
			return handler{Name: "cavra", Type: "command", Command: command, Timeout: GeminiTimeoutMS,
				Description: "CAVRA decides each tool call before it runs and records what ran"}
		},
	},
}

func formatOf(agent Agent) (hookFormat, error) {
	f, ok := formats[agent]
	if !ok {
		return hookFormat{}, fmt.Errorf("no hook installer for agent %q", agent)
	}
	return f, nil
}

// HookEvents lists the events cavra hooks into for agent, in the agent's
// spelling.
func HookEvents(agent Agent) []string {
	f, err := formatOf(agent)
	if err != nil {
		return nil
	}
	return append([]string(nil), f.events...)
}

// InstallHooks returns data (the bytes of agent's hook configuration file;
// empty for none) with a hook running command for every event cavra's codec
// for that agent handles. Everything else in the file is kept; if the hooks
// are there already, data comes back unchanged.
func InstallHooks(agent Agent, data []byte, command string) ([]byte, bool, error) {
	f, err := formatOf(agent)
	if err != nil {
		return nil, false, err
	}
	return installHooks(f, data, command)
}

// UninstallHooks removes exactly the handlers that run "cavra hook <agent>"
// from data, dropping matcher groups and events it leaves empty.
func UninstallHooks(agent Agent, data []byte) ([]byte, bool, error) {
	if agent == ClaudeCode {
		return Uninstall(data) // its http hooks too
	}
	f, err := formatOf(agent)
	if err != nil {
		return nil, false, err
	}
	return uninstallHooks(f, data)
}

// HooksInstalled reports whether every hook InstallHooks adds is present.
func HooksInstalled(agent Agent, data []byte) (bool, error) {
	f, err := formatOf(agent)
	if err != nil {
		return false, err
	}
	return hooksInstalled(f, data)
}

// AgentHookCommands returns the commands of agent's hooks of ours in data.
func AgentHookCommands(agent Agent, data []byte) []string {
	f, err := formatOf(agent)
	if err != nil {
		return nil
	}
	return hookCommands(f, data)
}

// HooksEmpty reports whether data holds nothing but what an install of
// agent's hooks would create in an empty file, with the hooks removed: the
// file has no meaning left and may go, if cavra created it.
func HooksEmpty(agent Agent, data []byte) bool {
	f, err := formatOf(agent)
	if err != nil {
		return false
	}
	doc, hooks, err := parseHooksFile(data)
	if err != nil || hooks.len() > 0 {
		return false
	}
	doc.del("hooks")
	for _, t := range f.top {
		if v, ok := doc.get(t.key); ok && string(v) == string(t.value) {
			doc.del(t.key)
		}
	}
	return doc.len() == 0
}

// HookConfigPath is where agent reads hooks: in the project directory dir,
// or, for user, in home (for Codex, home is CODEX_HOME when it is set; the
// caller passes it).
func HookConfigPath(agent Agent, dir string, user bool) string {
	switch agent {
	case ClaudeCode:
		if user {
			return filepath.Join(dir, ".claude", "settings.json")
		}
		return SettingsPath(dir)
	case Codex:
		if user {
			return filepath.Join(dir, "hooks.json") // dir is the Codex home
		}
		return filepath.Join(dir, ".codex", "hooks.json")
	case Cursor:
		return filepath.Join(dir, ".cursor", "hooks.json")
	case GeminiCLI:
		return filepath.Join(dir, ".gemini", "settings.json")
	}
	return ""
}
