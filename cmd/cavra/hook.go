package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/claudecode"
	"github.com/cavra-dev/cavra/adapters/httpapi"
)

func newHookCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "hook",
		Short: "Run as a coding agent's hook: read its payload on stdin, answer in its protocol",
		// A hook process decides one call and exits: its collector is off
		// from package initialisation on (package oneshot, which main
		// imports), never here, where run in-process (tests, embedding) the
		// setting would outlive the call.
	}
	c.AddCommand(newHookClaudeCodeCmd(), newHookOtherCmd(claudecode.Codex), newHookOtherCmd(claudecode.Cursor), newHookOtherCmd(claudecode.GeminiCLI))
	return c
}

var otherHelp = map[claudecode.Agent]string{
	claudecode.Codex:     "Codex PreToolUse/PostToolUse hook: a block or require_approval exits 2 with the reason on stderr (Codex cannot ask).",
	claudecode.Cursor:    "Cursor hook (beforeShellExecution, beforeMCPExecution, beforeReadFile; after* events are recorded): prints {\"permission\": …}.",
	claudecode.GeminiCLI: "Gemini CLI BeforeTool/AfterTool hook: prints {\"decision\": \"deny\", \"reason\": …} or {} (Gemini CLI hooks cannot ask).",
}

func newHookOtherCmd(agent claudecode.Agent) *cobra.Command {
	var pf policyFlags
	var agentID string
	c := &cobra.Command{
		Use:   string(agent),
		Short: otherHelp[agent],
		Long: otherHelp[agent] + `

Anything that keeps it from deciding exits 2 with the reason on stderr, which
the agent treats as a block. require_approval is a deny naming the approval
id; after "cavra approval approve", the agent's retry passes.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			env := claudecode.EnvFromOS()
			env.Agent = agentID
			res := hookOther(c, &pf, agent, env)
			c.OutOrStdout().Write(res.Stdout)
			if res.Stderr != "" {
				fmt.Fprint(c.ErrOrStderr(), res.Stderr)
			}
			if res.Exit != 0 {
				return &exitError{code: res.Exit}
			}
			return nil
		},
	}
	registerHookFlags(c, &pf, &agentID, agent)
	return c
}

// registerHookFlags adds the flags of a hook command: the policy flags, with
// --home as the state directory init pinned, and --agent.
func registerHookFlags(c *cobra.Command, pf *policyFlags, agentID *string, agent claudecode.Agent) {
	pf.register(c)
	c.Flags().Lookup("home").Usage = "the state directory (its config.yaml, database, keys) cavra init pinned; without it (an install older than pinning) " +
		"CAVRA_HOME, else the project's .cavra/ ($CLAUDE_PROJECT_DIR), else the nearest .cavra/ — cavra doctor warns"
	c.Flags().StringVar(agentID, "agent", "", "the registry id the calls are decided under (default "+string(agent)+"); the payload never changes it, so a subagent acts under it too")
}

// hookHome is the state directory of a hook without --home (an install
// from before init pinned one): CAVRA_HOME, else the project's .cavra
// (CLAUDE_PROJECT_DIR, which the agent sets for the session, not the
// working directory the agent's commands move), else "" for the old
// discovery from the working directory. cavra doctor warns about such an
// install; re-running cavra init pins the directory.
func hookHome(pf *policyFlags, env claudecode.Env) {
	if pf.home != "" || os.Getenv("CAVRA_HOME") != "" || env.ProjectDir == "" || !filepath.IsAbs(env.ProjectDir) {
		return
	}
	pf.home = filepath.Join(env.ProjectDir, ".cavra")
}

func hookOther(c *cobra.Command, pf *policyFlags, agent claudecode.Agent, env claudecode.Env) (res claudecode.Result) {
	defer func() {
		if r := recover(); r != nil {
			res = claudecode.FailOther(fmt.Sprintf("internal error: %v", r))
		}
	}()
	p, err := claudecode.DecodeOther(agent, c.InOrStdin())
	if err != nil {
		return claudecode.FailOther(err.Error())
	}
	var expect []cavra.Action
	if p.Before {
		expect = append(expect, p.Action(env))
	}
	hookHome(pf, env)
	if o := owner(c.Context(), pf.home); o != nil {
		defer o.Close()
		return claudecode.HandleOther(c.Context(), o, p, env)
	}
	g, err := pf.open(c, expect...)
	if err != nil {
		return claudecode.FailOther(err.Error())
	}
	defer g.Close()
	return claudecode.HandleOther(c.Context(), g, p, env)
}

func newHookClaudeCodeCmd() *cobra.Command {
	var pf policyFlags
	var explicitAllow bool
	var agentID string
	c := &cobra.Command{
		Use:   "claude-code",
		Short: "Claude Code PreToolUse/PostToolUse hook",
		Long: `Decide a Claude Code tool call. Reads the hook payload on stdin; prints a
permissionDecision (deny for block; ask, or deny with the approval id when
nobody is at the keyboard, for require_approval; nothing for allow). Anything
that keeps it from deciding exits 2 with the reason on stderr, which Claude
Code treats as a block — never 1, which Claude Code treats as "proceed".

Its state (config.yaml with the packs and mode, the evidence database, the
keys) is the directory --home names, which cavra init pins; nothing found from
the working directory counts. Every call, a subagent's too, is decided under
the registry id --agent (default claude-code), never one the payload names.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			env := claudecode.EnvFromOS()
			env.ExplicitAllow = explicitAllow
			env.Agent = agentID
			res := hookClaudeCode(c, &pf, env)
			c.OutOrStdout().Write(res.Stdout)
			if res.Stderr != "" {
				fmt.Fprint(c.ErrOrStderr(), res.Stderr)
			}
			if res.Exit != 0 {
				return &exitError{code: res.Exit}
			}
			return nil
		},
	}
	registerHookFlags(c, &pf, &agentID, claudecode.ClaudeCode)
	c.Flags().BoolVar(&explicitAllow, "explicit-allow", false, `print permissionDecision "allow" for allowed calls (skips Claude Code's own prompt)`)
	return c
}

func hookClaudeCode(c *cobra.Command, pf *policyFlags, env claudecode.Env) (res claudecode.Result) {
	defer func() {
		if r := recover(); r != nil {
			res = claudecode.Fail(fmt.Sprintf("internal error: %v", r))
		}
	}()
	p, err := claudecode.Decode(c.InOrStdin())
	if err != nil {
		return claudecode.Fail(err.Error())
	}
	var expect []cavra.Action
	if p.HookEventName != claudecode.PostToolUse {
		expect = append(expect, p.Action(env))
	}
	hookHome(pf, env)
	if o := owner(c.Context(), pf.home); o != nil {
		defer o.Close()
		return claudecode.Handle(c.Context(), o, p, env)
	}
	g, err := pf.open(c, expect...)
	if err != nil {
		return claudecode.Fail(err.Error())
	}
	defer g.Close()
	return claudecode.Handle(c.Context(), g, p, env)
}

var (
	_ claudecode.Guard = (*cavra.Guard)(nil)
	_ claudecode.Guard = (*httpapi.Client)(nil)
)
