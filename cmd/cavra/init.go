package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/claudecode"
)

// hookCommandLine is the command written into an agent's hook settings: this
// binary by absolute path (so the hook does not depend on PATH), unless it
// is a temporary `go run` build, in which case "cavra" from PATH.
func hookCommandLine(override string) string {
	if override != "" {
		return override
	}
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "cavra hook claude-code"
	}
	if strings.ContainsAny(exe, " \t'\"") {
		exe = "'" + strings.ReplaceAll(exe, "'", `'\''`) + "'"
	}
	return exe + " hook claude-code"
}

func newInitCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "init",
		Short: "Put CAVRA in front of a coding agent",
	}
	c.AddCommand(newInitClaudeCodeCmd())
	return c
}

func newInitClaudeCodeCmd() *cobra.Command {
	var user, dryRun, uninstall bool
	var packs []string
	var command, dir string
	c := &cobra.Command{
		Use:   "claude-code",
		Short: "Install CAVRA's PreToolUse and PostToolUse hooks into Claude Code's settings",
		Long: `Merge into .claude/settings.json (or ~/.claude/settings.json with --user) a
PreToolUse and a PostToolUse hook for every tool (matcher "*": MCP tools and
subagents included) running "cavra hook claude-code", with a timeout and
onFailure "block". Every other setting and hook is kept; running it twice
changes nothing; --dry-run prints the result instead of writing it;
--uninstall removes exactly what it added. A project install also creates
.cavra/config.yaml naming the packs (when there is none).`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			base := dir
			if user {
				home, err := os.UserHomeDir()
				if err != nil {
					return err
				}
				base = home
			}
			path := claudecode.SettingsPath(base)
			old, err := claudecode.ReadSettings(path)
			if err != nil {
				return err
			}
			var next []byte
			var changed bool
			if uninstall {
				next, changed, err = claudecode.Uninstall(old)
			} else {
				next, changed, err = claudecode.Install(old, hookCommandLine(command))
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			w := c.OutOrStdout()
			if dryRun {
				if !changed {
					fmt.Fprintf(w, "%s: no change\n", path)
					return nil
				}
				fmt.Fprintf(w, "%s would become:\n%s", path, next)
				return nil
			}
			if changed {
				if err := claudecode.WriteSettings(path, next); err != nil {
					return err
				}
				verb := "installed CAVRA hooks in"
				if uninstall {
					verb = "removed CAVRA hooks from"
				}
				fmt.Fprintf(w, "%s %s\n", verb, path)
			} else {
				fmt.Fprintf(w, "%s: no change\n", path)
			}
			if !uninstall && !user {
				if err := writeProjectConfig(w, filepath.Join(dir, ".cavra"), packs); err != nil {
					return err
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&user, "user", false, "install into ~/.claude/settings.json instead of the project's")
	c.Flags().Bool("project", true, "install into the project's .claude/settings.json (the default)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "print the resulting settings instead of writing them")
	c.Flags().BoolVar(&uninstall, "uninstall", false, "remove exactly the hooks cavra added")
	c.Flags().StringArrayVar(&packs, "policy-pack", nil, "packs for .cavra/config.yaml (default cavra-ai-agent-baseline)")
	c.Flags().StringVar(&command, "command", "", "hook command to write (default: this binary's absolute path + \" hook claude-code\")")
	c.Flags().StringVar(&dir, "dir", ".", "project directory")
	return c
}

func writeProjectConfig(w interface{ Write([]byte) (int, error) }, home string, packs []string) error {
	cfg := filepath.Join(home, cavra.ConfigFile)
	if _, err := os.Stat(cfg); err == nil {
		fmt.Fprintf(w, "%s exists; left as it is\n", cfg)
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if len(packs) == 0 {
		packs = []string{"cavra-ai-agent-baseline"}
	}
	if _, err := cavra.CompilePolicy(packs, nil); err != nil {
		return fmt.Errorf("--policy-pack: %w", err)
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	body := fmt.Sprintf("# CAVRA configuration; flags override it.\npacks: [%s]\nmode: enforce\n", strings.Join(packs, ", "))
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "wrote %s\n", cfg)
	return nil
}

func newDoctorCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check an agent integration",
	}
	c.AddCommand(newDoctorClaudeCodeCmd())
	return c
}

func newDoctorClaudeCodeCmd() *cobra.Command {
	var dir string
	c := &cobra.Command{
		Use:   "claude-code",
		Short: "Report whether Claude Code will run CAVRA's hooks, and what a sample call decides",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			w := c.OutOrStdout()
			problems := 0
			report := func(ok bool, format string, a ...any) {
				mark := "ok  "
				if !ok {
					mark = "FAIL"
					problems++
				}
				fmt.Fprintf(w, "%s %s\n", mark, fmt.Sprintf(format, a...))
			}
			path := claudecode.SettingsPath(dir)
			data, err := claudecode.ReadSettings(path)
			if err != nil {
				return err
			}
			installed, perr := claudecode.Installed(data)
			report(perr == nil, "%s parses as a JSON object (Claude Code ignores a whole settings file that does not)%s", path, errText(perr))
			report(installed, "PreToolUse and PostToolUse hooks with matcher \"*\" run cavra")
			for _, cmdline := range claudecode.HookCommands(data) {
				bin := strings.Fields(cmdline)[0]
				bin = strings.Trim(bin, `'"`)
				resolved, err := exec.LookPath(bin)
				report(err == nil, "hook command %q finds its binary%s", cmdline, orResolved(resolved, err))
			}
			g, err := cavra.Open(c.Context(), cavra.Options{Dir: dir})
			if err != nil {
				report(false, "CAVRA opens its policy and state: %v", err)
			} else {
				defer g.Close()
				p := claudecode.Payload{HookEventName: claudecode.PreToolUse, ToolName: "Read", Cwd: dir,
					ToolInput: map[string]any{"file_path": filepath.Join(dir, ".env")}, SessionID: "cavra-doctor"}
				d, derr := g.Evaluate(context.WithoutCancel(c.Context()), p.Action(claudecode.EnvFromOS()))
				report(derr == nil && d.Decision == cavra.Block, "a sample Read of .env is blocked (%s, %s)", d.Decision, d.RuleID)
			}
			if problems > 0 {
				return &exitError{code: exitFailure, err: fmt.Errorf("%d problem(s); run: cavra init claude-code", problems)}
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", ".", "project directory")
	return c
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

func orResolved(resolved string, err error) string {
	if err != nil {
		return ": " + err.Error()
	}
	return " (" + resolved + ")"
}
