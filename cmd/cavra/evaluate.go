package main

import (
	"encoding/json"
	"fmt"
	"io"
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
	fl.StringVar(&f.home, "home", "", "state directory (default: CAVRA_HOME, else the nearest .cavra/, else ./.cavra)")
	fl.StringVar(&f.mode, "mode", "", "policy mode: enforce, audit_only, strict or break_glass")
	fl.StringVar(&f.bgActor, "break-glass-actor", "", "who invokes break_glass mode")
	fl.StringVar(&f.bgWhy, "break-glass-reason", "", "why break_glass mode is invoked")
	fl.StringVar(&f.reg, "registry", "", "use this registry file (original CAVRA format) instead of the state directory's registry")
}

// open opens the Guard for a command that decides once and exits; expect
// names the actions it is about to decide (see cavra.Options.Expect).
func (f *policyFlags) open(c *cobra.Command, expect ...cavra.Action) (*cavra.Guard, error) {
	mode, err := decision.ParseMode(f.mode)
	if err != nil {
		return nil, usageErr("--mode: %v", err)
	}
	if f.mode == "" {
		mode = ""
	}
	return cavra.Open(c.Context(), cavra.Options{
		Packs: f.packs, PolicyDirs: f.dirs, Home: f.home, Mode: mode,
		BreakGlassActor: f.bgActor, BreakGlassReason: f.bgWhy, RegistryFile: f.reg,
		ShortLived: true, // one decision per process: checkpoints only when due
		Expect:     expect,
	})
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

func (f *actionFlags) action(typ, target string) (cavra.Action, error) {
	a := cavra.Action{
		Type: cavra.ActionType(typ), Target: target, Operation: f.operation, Server: f.server, Tool: f.tool,
		Agent: cavra.Agent{ID: f.agent, Session: f.session, Actor: f.actor},
	}
	if !a.Type.Valid() {
		names := make([]string, len(decision.ActionTypes))
		for i, t := range decision.ActionTypes {
			names[i] = string(t)
		}
		return a, usageErr("unknown action type %q (want one of %s)", typ, strings.Join(names, ", "))
	}
	if a.Type == cavra.MCPToolCall && (a.Server == "" || a.Tool == "") {
		sv, tl, ok := strings.Cut(target, ":")
		if !ok && a.Server == "" {
			return a, usageErr("mcp_tool_call needs TARGET as SERVER:TOOL, or --server and --tool")
		}
		if a.Server == "" {
			a.Server = sv
		}
		if a.Tool == "" {
			a.Tool = tl
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
	var asJSON bool
	c := &cobra.Command{
		Use:   "evaluate ACTION_TYPE TARGET",
		Short: "Decide about one action",
		Long: `Decide about one action and print the decision.

ACTION_TYPE is read_file, write_file, execute_command, git_operation,
mcp_tool_call, http_request or tool_call. TARGET is a path, a command line,
a git ref, SERVER:TOOL, a URL or a tool name.

Exit status: 0 allow, 3 require_approval, 4 block, 2 usage error, 1 failure.`,
		Example: `  cavra evaluate read_file .env --json
  cavra evaluate execute_command 'cd infra && terraform apply -auto-approve'
  cavra evaluate git_operation origin/main --operation push
  cavra evaluate mcp_tool_call github:create_issue`,
		Args: args(cobra.ExactArgs(2)),
		RunE: func(c *cobra.Command, argv []string) error {
			a, err := af.action(argv[0], argv[1])
			if err != nil {
				return err
			}
			g, err := pf.open(c, a)
			if err != nil {
				return err
			}
			defer g.Close()
			d, err := g.Evaluate(c.Context(), a)
			if err := printDecision(c.OutOrStdout(), d, asJSON); err != nil {
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
	outputFlag(c, &asJSON, "print the decision as JSON")
	return c
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

func printDecision(w io.Writer, d cavra.Decision, asJSON bool) error {
	if asJSON {
		b, err := d.JSON()
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	_, err := fmt.Fprintln(w, decisionLine(d))
	return err
}

// decisionLine is the one-line human form of a decision.
func decisionLine(d cavra.Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s [%s, %s]", d.Decision, d.Reason, d.RuleID, d.Severity)
	if d.ApproverGroup != "" && d.Decision == cavra.RequireApproval {
		fmt.Fprintf(&b, " approver: %s", d.ApproverGroup)
	}
	if d.BaseDecision != nil {
		fmt.Fprintf(&b, " (mode %s; policy said %s)", d.Mode, *d.BaseDecision)
	}
	return b.String()
}
