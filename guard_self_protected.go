package cavra

import (
	"os"
	"path/filepath"
	"slices"
)

// ProtectedPaths returns what makes up CAVRA on this machine for an agent
// working in project, with home as its home directory: the state
// directory state (when given), the user's CAVRA state and configuration
// directories, the hook binary hook (when given), and the agents' hook and
// MCP settings files in the project and the home directory — the paths
// self-protection refuses agents' writes to (DESIGN §8), as absolute paths
// for a sandbox to deny writing (confine.Options.Protected). Directories
// stand for everything below them.
func ProtectedPaths(state, project, home, hook string) []string {
	var out []string
	add := func(p string) {
		if p != "" && filepath.IsAbs(p) {
			out = append(out, filepath.Clean(p))
		}
	}
	add(state)
	if state != "" {
		if r, err := filepath.EvalSymlinks(state); err == nil {
			add(r)
		}
	}
	add(hook)
	if home != "" {
		add(filepath.Join(home, ".local", "state", "cavra"))
		add(filepath.Join(home, ".config", "cavra"))
		// The agents' user configuration directories whole: settings,
		// hooks, commands and agents live there.
		add(filepath.Join(home, ".claude"))
		add(filepath.Join(home, ".claude.json"))
		add(filepath.Join(home, ".codex"))
		add(filepath.Join(home, ".gemini"))
		add(filepath.Join(home, ".cursor"))
		add(filepath.Join(home, ".cavra"))
	}
	if sh, err := UserStateHome(); err == nil {
		add(sh)
	}
	add("/etc/claude-code") // managed settings
	for _, v := range []string{"XDG_STATE_HOME", "XDG_CONFIG_HOME"} {
		if d := os.Getenv(v); d != "" {
			add(filepath.Join(d, "cavra"))
		}
	}
	if project != "" {
		add(filepath.Join(project, ".claude", "settings.json"))
		add(filepath.Join(project, ".claude", "settings.local.json"))
		add(filepath.Join(project, ".claude", "hooks"))
		add(filepath.Join(project, ".mcp.json"))
		add(filepath.Join(project, ".codex"))
		add(filepath.Join(project, ".gemini", "settings.json"))
		add(filepath.Join(project, ".cursor", "hooks.json"))
		add(filepath.Join(project, ".cursor", "mcp.json"))
		add(filepath.Join(project, ".cavra"))
	}
	slices.Sort(out)
	return slices.Compact(out)
}
