package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
)

// policyFlags select the policy: packs, policy directories, state directory and mode.
type policyFlags struct {
	packs   []string
	dirs    []string
	home    string
	mode    string
	bgActor string
	bgWhy   string
	reg     string
}

func (f *policyFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringArrayVar(&f.packs, "policy-pack", nil, "policy pack: a bundled id, an id in a policy directory, or a path (repeatable; default: config.yaml's, else cavra-ai-agent-baseline)")
	fl.StringArrayVar(&f.dirs, "policy-dir", nil, "directory of packs laid out as <dir>/<id>/policy.yaml (repeatable; also CAVRA_POLICY_DIR)")
	fl.StringVar(&f.home, "home", "", "state directory (default: CAVRA_HOME, else walking up: the one cavra init pinned for the project, or the nearest .cavra/; else ./.cavra)")
	fl.StringVar(&f.mode, "mode", "", "policy mode: enforce, audit_only, strict or break_glass")
	fl.StringVar(&f.bgActor, "break-glass-actor", "", "who invokes break_glass mode")
	fl.StringVar(&f.bgWhy, "break-glass-reason", "", "why break_glass mode is invoked")
	fl.StringVar(&f.reg, "registry", "", "use this registry file (original CAVRA format) instead of the state directory's registry")
}

// open opens the Guard for a command that decides once and exits; expect
// names the actions it is about to decide (see cavra.Options.Expect).
func (f *policyFlags) open(c *cobra.Command, expect ...cavra.Action) (*cavra.Guard, error) {
	o, err := f.options()
	if err != nil {
		return nil, err
	}
	o.ShortLived = true // one decision per process: checkpoints only when due
	o.Expect = expect
	return cavra.Open(c.Context(), o)
}

// openReadOnly opens the read-only Guard of a dry run (`policy explain`,
// `evaluate --dry-run`, doctor): the same policy, mode, registry and
// approvals as open's Guard, recording nothing and creating no state
// directory.
func (f *policyFlags) openReadOnly(c *cobra.Command) (*cavra.Guard, error) {
	o, err := f.options()
	if err != nil {
		return nil, err
	}
	o.ReadOnly = true
	return cavra.Open(c.Context(), o)
}

// options are the Guard options the flags give.
func (f *policyFlags) options() (cavra.Options, error) {
	mode, err := decision.ParseMode(f.mode)
	if err != nil {
		return cavra.Options{}, usageErr("--mode: %v", err)
	}
	if f.mode == "" {
		mode = ""
	}
	return cavra.Options{
		Packs: f.packs, PolicyDirs: f.dirs, Home: f.home, Mode: mode,
		BreakGlassActor: f.bgActor, BreakGlassReason: f.bgWhy, RegistryFile: f.reg,
	}, nil
}

// actionFlags describe the action beyond its type and target.
type actionFlags struct {
	agent, session, actor  string
	operation              string
	server, tool, argsJSON string
	context                []string
}

func (f *actionFlags) register(c *cobra.Command) {
	fl := c.Flags()
	fl.StringVar(&f.agent, "agent", "", "agent id")
	fl.StringVar(&f.session, "session", "", "session id")
	fl.StringVar(&f.actor, "actor", "", "the person or service the agent acts for")
	fl.StringVar(&f.operation, "operation", "", "git operation (push), file mode, or MCP capability")
	fl.StringVar(&f.server, "server", "", "MCP server (mcp_tool_call)")
	fl.StringVar(&f.tool, "tool", "", "tool name (mcp_tool_call, tool_call)")
	fl.StringVar(&f.argsJSON, "args", "", "tool arguments as a JSON object")
	fl.StringArrayVar(&f.context, "context", nil, "context key=value (repeatable; cwd, project_root, environment, repo, branch are understood)")
}

// changed names an action flag set on c's command line, or "".
func (f *actionFlags) changed(c *cobra.Command) string {
	for _, n := range []string{"agent", "session", "actor", "operation", "server", "tool", "args", "context"} {
		if c.Flags().Changed(n) {
			return n
		}
	}
	return ""
}

func (f *actionFlags) action(typ, target string) (cavra.Action, error) {
	a := cavra.Action{
		Type: cavra.ActionType(typ), Target: target, Operation: f.operation, Server: f.server, Tool: f.tool,
		Agent: cavra.Agent{ID: f.agent, Session: f.session, Actor: f.actor},
	}
	if !a.Type.Valid() {
		return a, usageErr("unknown action type %q (want one of %s)", typ, actionTypeNames())
	}
	if a.Type == cavra.MCPToolCall {
		n, err := a.Normalize()
		if err != nil {
			return a, usageErr("mcp_tool_call needs TARGET as SERVER:TOOL, or --server and --tool: %v", err)
		}
		if a = n; a.Tool == "" {
			return a, usageErr("mcp_tool_call needs TARGET as SERVER:TOOL, or --server and --tool")
		}
	}
	if f.argsJSON != "" {
		if err := json.Unmarshal([]byte(f.argsJSON), &a.Args); err != nil {
			return a, usageErr("--args must be a JSON object: %v", err)
		}
	}
	for _, kv := range f.context {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return a, usageErr("--context %q: want key=value", kv)
		}
		if a.Context == nil {
			a.Context = map[string]string{}
		}
		a.Context[strings.TrimSpace(k)] = v
	}
	return a, nil
}

func newEvaluateCmd() *cobra.Command {
	var pf policyFlags
	var af actionFlags
	var input string
	var asJSON, dryRun bool
	c := &cobra.Command{
		Use:   "evaluate ACTION_TYPE TARGET | -i FILE",
		Short: "Decide about one action",
		Long: `Decide about one action and print the decision.

ACTION_TYPE is read_file, write_file, execute_command, git_operation,
mcp_tool_call, http_request or tool_call. TARGET is a path, a command line,
a git ref, SERVER:TOOL, a URL or a tool name.

With -i FILE (or -i - for standard input) the action is read as one JSON
object instead, in the form of decision.Action:

  {"type": "execute_command", "target": "make deploy",
   "agent": {"id": "claude-code", "session": "s-42"},
   "context": {"cwd": "/src/app"}}

Its fields are type, target, operation, tool, server, args, agent (id, type,
session, actor) and context; an unknown or repeated field, or anything but one
JSON object, is a usage error. -i takes the place of ACTION_TYPE TARGET and of
the flags that describe the action (--agent, --context, …).

With --dry-run the decision is the one evaluate would take now (registry,
policy, mode, approvals), but nothing is recorded, no approval is requested,
no grant is used and no state directory is created.

Exit status: 0 allow, 3 require_approval, 4 block, 2 usage error, 1 failure.`,
		Example: `  cavra evaluate read_file .env -o json
  cavra evaluate execute_command 'cd infra && terraform apply -auto-approve'
  cavra evaluate git_operation origin/main --operation push
  cavra evaluate mcp_tool_call github:create_issue
  cavra evaluate -i action.json
  echo '{"type":"read_file","target":".env"}' | cavra evaluate -i -`,
		Args: func(c *cobra.Command, argv []string) error {
			if c.Flags().Changed("input") {
				if len(argv) > 0 {
					return usageErr("%s: give the action either as ACTION_TYPE TARGET or with -i, not both", c.CommandPath())
				}
				if f := af.changed(c); f != "" {
					return usageErr("%s: --%s describes the action, which -i reads whole: put it in the JSON", c.CommandPath(), f)
				}
				return nil
			}
			return args(cobra.ExactArgs(2))(c, argv)
		},
		RunE: func(c *cobra.Command, argv []string) error {
			a, err := evaluateAction(c, &af, input, argv)
			if err != nil {
				return err
			}
			var g *cavra.Guard
			if dryRun {
				g, err = pf.openReadOnly(c)
			} else {
				g, err = pf.open(c, a)
			}
			if err != nil {
				return err
			}
			defer g.Close()
			// The one place a decision is taken: a dry run asks Check,
			// which decides as Evaluate would and changes nothing.
			decide := g.Evaluate
			if dryRun {
				decide = g.Check
			}
			d, err := decide(c.Context(), a)
			if err := printDecision(c.OutOrStdout(), d, asJSON, pf.home); err != nil {
				return err
			}
			if err != nil {
				return &exitError{code: exitBlock, err: err}
			}
			return outcomeExit(d.Decision)
		},
	}
	pf.register(c)
	af.register(c)
	c.Flags().StringVarP(&input, "input", "i", "", "read the action as JSON from this file (- for standard input)")
	c.Flags().BoolVar(&dryRun, "dry-run", false, "decide as evaluate would now, recording and changing nothing (Guard.Check)")
	outputFlag(c, &asJSON, "print the decision as JSON")
	return c
}

// evaluateAction is the action evaluate decides: read with -i, else built
// from ACTION_TYPE TARGET and the action flags.
func evaluateAction(c *cobra.Command, af *actionFlags, input string, argv []string) (cavra.Action, error) {
	if !c.Flags().Changed("input") {
		return af.action(argv[0], argv[1])
	}
	if input == "" {
		return cavra.Action{}, usageErr("-i needs a file name, or - for standard input")
	}
	r := c.InOrStdin()
	name := "standard input"
	if input != "-" {
		f, err := os.Open(input)
		if err != nil {
			return cavra.Action{}, usageErr("-i: %v", err)
		}
		defer f.Close()
		r, name = f, input
	}
	a, err := decodeAction(r)
	if err != nil {
		return a, usageErr("%s: %v", name, err)
	}
	return a, nil
}

func outcomeExit(o cavra.Outcome) error {
	switch o {
	case cavra.Allow:
		return nil
	case cavra.RequireApproval:
		return &exitError{code: exitRequireApproval}
	}
	return &exitError{code: exitBlock}
}

// printDecision prints d as JSON or as text; the text of a pending
// approval says how to approve it (home is the --home flag, repeated so
// that the command finds the same state directory).
func printDecision(w io.Writer, d cavra.Decision, asJSON bool, home string) error {
	if asJSON {
		b, err := d.JSON()
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	if _, err := fmt.Fprintln(w, decisionLine(d)); err != nil {
		return err
	}
	if d.Decision == cavra.RequireApproval && d.ApprovalID != "" {
		cmd := "cavra approval approve " + d.ApprovalID
		if home != "" {
			cmd += " --home " + shellQuote(home)
		}
		_, err := fmt.Fprintf(w, "approve with: %s --local --reason '…'   (on your terminal: it asks for the passphrase set with `cavra approval enroll`; or --token JWT with an identity provider)\n", cmd)
		return err
	}
	return nil
}

// decisionLine is the one-line human form of a decision.
func decisionLine(d cavra.Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s [%s, %s]", d.Decision, d.Reason, d.RuleID, d.Severity)
	if d.Decision == cavra.RequireApproval {
		if d.ApprovalID != "" {
			fmt.Fprintf(&b, " approval: %s", d.ApprovalID)
		}
		if d.ApproverGroup != "" {
			fmt.Fprintf(&b, " approver: %s", d.ApproverGroup)
		}
	}
	if d.BaseDecision != nil {
		fmt.Fprintf(&b, " (mode %s; policy said %s)", d.Mode, *d.BaseDecision)
	}
	return b.String()
}
