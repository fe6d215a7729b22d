package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/claudecode"
)

// agentInit describes `cavra init <agent>` for the agents besides Claude
// Code: where the file is, and what a person must still do in the agent.
type agentInit struct {
	name     string // the agent's name for people
	userFile string // for --help
	notes    []string
}

var agentInits = map[claudecode.Agent]agentInit{
	claudecode.Codex: {
		name: "Codex CLI", userFile: "$CODEX_HOME/hooks.json (~/.codex/hooks.json)",
		notes: []string{
			"Codex skips a new or changed hook, silently, until you trust it: open /hooks in Codex and trust both cavra hooks (codex exec has --dangerously-bypass-hook-trust for one run).",
			"Project hooks (.codex/hooks.json) load only in a project Codex trusts.",
			"Codex before 0.124 needs [features] codex_hooks = true in config.toml (cavra does not edit config.toml).",
			"Codex has no onFailure: a hook that crashes or times out lets the call run.",
		},
	},
	claudecode.Cursor: {
		name: "Cursor", userFile: "~/.cursor/hooks.json",
		notes: []string{
			"Cursor reloads hooks.json on change; check the Hooks tab in Cursor's settings (or its Hooks output channel) for errors.",
		},
	},
	claudecode.GeminiCLI: {
		name: "Gemini CLI", userFile: "~/.gemini/settings.json",
		notes: []string{
			"Gemini CLI runs hooks only while its hooks system is enabled: /hooks panel shows the status (and the hook named cavra).",
		},
	},
}

// agentBase is where agent's file lives: the project directory, or with
// --user the home directory (Codex: CODEX_HOME, else ~/.codex).
func agentBase(agent claudecode.Agent, f *initFlags) (string, error) {
	if !f.user {
		return f.dir, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	if agent == claudecode.Codex {
		if ch := os.Getenv("CODEX_HOME"); ch != "" {
			return ch, nil
		}
		return filepath.Join(home, ".codex"), nil
	}
	return home, nil
}

func newInitAgentCmd(agent claudecode.Agent) *cobra.Command {
	var f initFlags
	info := agentInits[agent]
	events := claudecode.HookEvents(agent)
	project := claudecode.HookConfigPath(agent, ".", false)
	c := &cobra.Command{
		Use:   string(agent),
		Short: fmt.Sprintf("Install CAVRA's hooks into %s (%s)", info.name, strings.TrimPrefix(project, "./")),
		Long: fmt.Sprintf(`Merge into %s (or %s with --user) hooks for %s
running "cavra hook %s --home DIR": the state directory is pinned, by
default $XDG_STATE_HOME/cavra/<project-id> (else ~/.local/state/cavra/...),
outside the project, mode 0700, with a config.yaml naming the packs (when
there is none). Every other key and hook is kept; running it twice
changes nothing; --dry-run prints the diff instead of writing; --uninstall
removes exactly what it added. A file cavra cannot
merge into (not the JSON the agent documents, or with comments) is left
alone, and the snippet to paste is printed. See docs/agents.md.`,
			strings.TrimPrefix(project, "./"), info.userFile, strings.Join(events, ", "), agent),
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			base, err := agentBase(agent, &f)
			if err != nil {
				return err
			}
			run, err := newInitRun(c, &f)
			if err != nil {
				return err
			}
			ch, err := run.hooksChange(agent, claudecode.HookConfigPath(agent, base, f.user))
			if err != nil {
				return err
			}
			if err := run.prepareState(); err != nil {
				return err
			}
			if err := run.apply([]fileChange{ch}); err != nil {
				return err
			}
			if !f.uninstall && !f.dryRun {
				for _, n := range info.notes {
					run.say("note: %s", n)
				}
			}
			return run.finish()
		},
	}
	f.register(c, agent, info.userFile)
	return c
}

func newDoctorAgentCmd(agent claudecode.Agent) *cobra.Command {
	var dir string
	var user, asJSON bool
	info := agentInits[agent]
	c := &cobra.Command{
		Use:   string(agent),
		Short: fmt.Sprintf("Report whether %s runs CAVRA's hooks", info.name),
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			rep := &doctorReport{w: c.OutOrStdout(), asJSON: asJSON}
			base, err := agentBase(agent, &initFlags{dir: dir, user: user})
			if err != nil {
				return err
			}
			path := claudecode.HookConfigPath(agent, base, user)
			data, err := claudecode.ReadSettings(path)
			if err != nil {
				return err
			}
			installed, perr := claudecode.HooksInstalled(agent, data)
			rep.settingsFile(path, data, perr, "")
			rep.check(installed, "hooks for %s run cavra hook %s", strings.Join(claudecode.HookEvents(agent), ", "), agent)
			rep.hookBinaries(claudecode.AgentHookCommands(agent, data))
			home := rep.stateDir(agent, dir, claudecode.AgentHookCommands(agent, data))
			rep.policyCheck(c.Context(), dir, home, cavra.Action{Type: cavra.ReadFile, Target: filepath.Join(dir, ".env")})
			rep.otherSandbox(c.Context(), agent, dir, home)
			return rep.finish("run: cavra init " + string(agent))
		},
	}
	c.Flags().StringVar(&dir, "dir", ".", "project directory")
	c.Flags().BoolVar(&user, "user", false, "check the user's file instead of the project's")
	outputFlag(c, &asJSON, "print {checks: [{status, message}], problems}")
	return c
}
