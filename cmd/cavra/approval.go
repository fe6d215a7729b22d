package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/internal/store"
)

func newApprovalCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "approval",
		Short: "Enroll the approver passphrase; list, approve, deny and break glass on approval requests",
	}
	c.AddCommand(newApprovalEnrollCmd(), newApprovalListCmd(), newApprovalShowCmd(), newApprovalDecideCmd(approval.VerbApprove),
		newApprovalDecideCmd(approval.VerbDeny), newApprovalBreakGlassCmd(), newApprovalRoutesCmd())
	return c
}

// approvalFlags open a Guard and say who the approver is.
type approvalFlags struct {
	home, token, tokenFile, actor string
	local                         bool
	issuer, audience, jwks        string
}

func (f *approvalFlags) register(c *cobra.Command, credentials bool) {
	c.Flags().StringVar(&f.home, "home", "", "state directory (default: CAVRA_HOME, else the nearest .cavra/, else ./.cavra)")
	if !credentials {
		return
	}
	fl := c.Flags()
	fl.StringVar(&f.token, "token", "", "the approver's OIDC ID token (JWT)")
	fl.StringVar(&f.tokenFile, "token-file", "", "read the ID token from this file")
	fl.BoolVar(&f.local, "local", false, "approve as the local approver: asks on the terminal for the passphrase set with 'cavra approval enroll' (no identity provider)")
	fl.StringVar(&f.actor, "actor", os.Getenv("USER"), "who approves, for --local")
	fl.StringVar(&f.issuer, "issuer", "", "OIDC issuer (overrides config.yaml's approval.oidc)")
	fl.StringVar(&f.audience, "audience", "", "OIDC audience")
	fl.StringVar(&f.jwks, "jwks", "", "the issuer's JWKS: an https:// URL or a file")
}

func (f *approvalFlags) open(c *cobra.Command) (*cavra.Guard, error) {
	home, err := cavra.StateDir(f.home)
	if err != nil {
		return nil, err
	}
	if !store.Exists(home) { // nothing to decide on: create nothing
		return nil, fmt.Errorf("no approval requests yet (no state database in %s)", home)
	}
	opts := cavra.Options{Home: home}
	if f.issuer != "" || f.audience != "" || f.jwks != "" {
		if f.issuer == "" || f.audience == "" || f.jwks == "" {
			return nil, usageErr("--issuer, --audience and --jwks go together")
		}
		cfg, err := cavra.LoadConfig(home)
		if err != nil {
			return nil, err
		}
		ac := cfg.Approval
		ac.OIDC = &approval.OIDCFileConfig{Issuer: f.issuer, Audience: f.audience, JWKS: f.jwks}
		opts.Approval = &ac
	}
	return cavra.Open(c.Context(), opts)
}

// read runs fn with the approval requests of the state directory, opened
// read-only: nothing is created, expired or recorded. A state directory
// without a database gives the message to print instead.
func (f *approvalFlags) read(ctx context.Context, fn func(r approvalReader) error) (noState string, err error) {
	if o := owner(ctx, f.home); o != nil {
		defer o.Close()
		return "", fn(ownerApprovals{o})
	}
	st, err := cavra.OpenState(f.home, 0)
	if errors.Is(err, cavra.ErrNoState) {
		home, _ := cavra.StateDir(f.home)
		return fmt.Sprintf("no approval requests yet (no state database in %s)", home), nil
	}
	if err != nil {
		return "", err
	}
	defer st.Close()
	r, err := st.Approvals()
	if err != nil {
		return "", err
	}
	return "", fn(r)
}

// effective is a request's state at now: a pending request past its expiry
// is expired even before a sweep records it.
func effective(r approval.Request, now time.Time) approval.State {
	if r.State == approval.Pending && !now.Before(r.Expires) {
		return approval.Expired
	}
	return r.State
}

// credential returns the approver's credential for verb on subject (the
// request id, or for break-glass the digest or agent:<id>), after the
// person check (personPresent) for request id.
func (f *approvalFlags) credential(c *cobra.Command, g *cavra.Guard, verb approval.Verb, id, subject, reason string) (approval.Credential, error) {
	token, err := f.tokenValue()
	if err != nil {
		return nil, err
	}
	if err := personPresent(c, g, verb, id, f.actor, reason, f.local); err != nil {
		return nil, err
	}
	if token != "" {
		return approval.IDToken(token), nil
	}
	return g.SignLocalApproval(verb, subject, f.actor)
}

// tokenValue is the approver's ID token (--token or --token-file), after
// checking that the flags name exactly one kind of credential.
func (f *approvalFlags) tokenValue() (string, error) {
	token := f.token
	if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return "", err
		}
		token = strings.TrimSpace(string(b))
	}
	switch {
	case token != "" && f.local:
		return "", usageErr("give --token or --local, not both")
	case token == "" && !f.local:
		return "", usageErr("say who you are: --token JWT (or --token-file), or --local to type the enrolled approver passphrase")
	case f.local && strings.TrimSpace(f.actor) == "":
		return "", usageErr("--local needs --actor")
	}
	return token, nil
}

// requestStates are the values of approval list --state.
var requestStates = []approval.State{approval.Pending, approval.Approved, approval.Denied, approval.Expired, approval.BreakGlass}

func newApprovalListCmd() *cobra.Command {
	var af approvalFlags
	var state, group, agent string
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List approval requests, newest first",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			want := approval.State(state)
			if err := oneOf("--state", want, requestStates...); err != nil {
				return err
			}
			// Listing changes nothing: a request past its expiry shows as
			// expired; the next Guard to open records the expiry.
			var reqs []approval.Request
			now := time.Now()
			f := approval.Filter{Group: group, Agent: agent}
			if want != approval.Pending && want != approval.Expired {
				f.State = want
			}
			noState, err := af.read(c.Context(), func(r approvalReader) error {
				all, err := r.List(c.Context(), f)
				for i := range all {
					all[i].State = effective(all[i], now)
					if want == "" || all[i].State == want {
						reqs = append(reqs, all[i])
					}
				}
				return err
			})
			if err != nil {
				return err
			}
			if noState != "" && !asJSON {
				fmt.Fprintln(c.OutOrStdout(), noState)
				return nil
			}
			if asJSON {
				if reqs == nil {
					reqs = []approval.Request{}
				}
				return writeJSON(c.OutOrStdout(), reqs)
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tGROUP\tVOTES\tAGENT\tEXPIRES\tSUMMARY")
			for _, r := range reqs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\t%s\t%s\n", r.ID, r.State, r.Group, len(r.Approvals), r.Quorum,
					r.RequestedBy.Agent, r.Expires.Local().Format(time.DateTime), r.Summary)
			}
			return tw.Flush()
		},
	}
	af.register(c, false)
	c.Flags().StringVar(&state, "state", "", "pending, approved, denied, expired or break_glass")
	c.Flags().StringVar(&group, "group", "", "approver group")
	c.Flags().StringVar(&agent, "agent", "", "requesting agent")
	outputFlag(c, &asJSON, "print JSON")
	return c
}

func newApprovalShowCmd() *cobra.Command {
	var af approvalFlags
	var asJSON bool
	c := &cobra.Command{
		Use:   "show ID",
		Short: "Show an approval request with its history",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			var r approval.Request
			noState, err := af.read(c.Context(), func(ar approvalReader) error {
				var err error
				r, err = ar.Get(c.Context(), argv[0])
				return err
			})
			if err != nil {
				return err
			}
			if noState != "" {
				return fmt.Errorf("no approval request %s: %s", argv[0], noState)
			}
			r.State = effective(r, time.Now())
			if asJSON {
				return writeJSON(c.OutOrStdout(), r)
			}
			return printRequest(c.OutOrStdout(), r)
		},
	}
	af.register(c, false)
	documentOutputFlag(c, &asJSON, "the approval.Request with its history")
	return c
}

// printRequest is the text form of approval show: the request, then its
// history, oldest first.
func printRequest(w io.Writer, r approval.Request) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	row("approval", r.ID)
	row("state", string(r.State))
	row("summary", r.Summary)
	row("group", r.Group)
	row("votes", fmt.Sprintf("%d/%d", len(r.Approvals), r.Quorum))
	row("agent", r.RequestedBy.Agent)
	row("session", r.RequestedBy.Session)
	row("decision", r.DecisionID)
	row("rules", strings.Join(r.RuleIDs, ", "))
	row("created", r.Created.Local().Format(time.DateTime))
	row("expires", r.Expires.Local().Format(time.DateTime))
	if r.DecidedBy != nil {
		row("decided by", r.DecidedBy.Subject+" ("+r.DecidedBy.Issuer+")")
	}
	row("grant", r.GrantID)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.History) == 0 {
		return nil
	}
	fmt.Fprintln(w, "history:")
	for _, ev := range r.History {
		who := ""
		if ev.Actor != nil {
			who = ev.Actor.Subject + " (" + ev.Actor.Issuer + ")"
		}
		fmt.Fprintf(w, "  %s  %s  %s  %s%s\n", ev.Time.Local().Format(time.DateTime), ev.Type, who, ev.Reason, errSuffix(ev.Error))
	}
	return nil
}

func newApprovalDecideCmd(verb approval.Verb) *cobra.Command {
	var af approvalFlags
	var reason string
	var asJSON bool
	c := &cobra.Command{
		Use:   string(verb) + " ID",
		Short: fmt.Sprintf("%s an approval request as a verified approver", strings.ToUpper(string(verb[:1]))+string(verb[1:])),
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageErr("%s needs --reason", verb)
			}
			var r approval.Request
			if o := owner(c.Context(), af.home); o != nil {
				defer o.Close()
				var err error
				if r, err = af.decideViaOwner(c, o, verb, argv[0], reason); err != nil {
					return err
				}
			} else {
				g, err := af.open(c)
				if err != nil {
					return err
				}
				defer g.Close()
				cred, err := af.credential(c, g, verb, argv[0], argv[0], reason)
				if err != nil {
					return err
				}
				decide := g.Approve
				if verb == approval.VerbDeny {
					decide = g.Deny
				}
				if r, err = decide(c.Context(), argv[0], cred, reason); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), r)
			}
			fmt.Fprintf(c.OutOrStdout(), "%s: %s (%d/%d approvals)\n", r.ID, r.State, len(r.Approvals), r.Quorum)
			return nil
		},
	}
	af.register(c, true)
	c.Flags().StringVar(&reason, "reason", "", "why (required)")
	outputFlag(c, &asJSON, "the approval.Request after the vote")
	return c
}

func newApprovalBreakGlassCmd() *cobra.Command {
	var af approvalFlags
	var reason, scope, agent string
	var duration time.Duration
	var asJSON bool
	c := &cobra.Command{
		Use:   "break-glass [APPROVAL_ID] --reason R",
		Short: "Grant an action (or, with --scope agent, an agent for a time box) without the usual approval",
		Long: `Break glass: a verified person holding the break-glass group grants the action
of APPROVAL_ID (scope action), or every action of --agent for a time box
(scope agent, default 1 hour). The reason is required; it is recorded as a
critical evidence record and notified.`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageErr("break-glass needs --reason")
			}
			if err := oneOf("--scope", approval.Scope(scope), approval.ScopeAction, approval.ScopeAgent); err != nil {
				return err
			}
			if len(argv) == 0 && agent == "" {
				return usageErr("name the approval request, or --agent with --scope agent")
			}
			if o := owner(c.Context(), af.home); o != nil {
				defer o.Close()
				r, err := af.breakGlassViaOwner(c, o, argv, approval.Scope(scope), agent, reason, duration)
				if err != nil {
					return err
				}
				return printBreakGlass(c, r, asJSON)
			}
			g, err := af.open(c)
			if err != nil {
				return err
			}
			defer g.Close()
			bg := approval.BreakGlassRequest{Reason: reason, Scope: approval.Scope(scope), Duration: duration}
			switch {
			case len(argv) == 1:
				r, err := g.Approvals().Get(c.Context(), argv[0])
				if err != nil {
					return err
				}
				bg.Action, bg.DecisionID = r.Action, r.DecisionID
			case agent != "":
				bg.Action = cavra.Action{Agent: cavra.Agent{ID: agent}}
				if bg.Scope == "" {
					bg.Scope = approval.ScopeAgent
				}
			default:
				return usageErr("name the approval request, or --agent with --scope agent")
			}
			subject := approval.BreakGlassSubject(bg.Scope, "", bg.Action.Agent.ID)
			if bg.Scope != approval.ScopeAgent {
				digest, err := bg.Action.Digest()
				if err != nil {
					return err
				}
				subject = approval.BreakGlassSubject(approval.ScopeAction, digest, bg.Action.Agent.ID)
			}
			id := subject
			if len(argv) == 1 {
				id = argv[0]
			}
			if bg.Credential, err = af.credential(c, g, approval.VerbBreakGlass, id, subject, reason); err != nil {
				return err
			}
			r, err := g.BreakGlass(c.Context(), bg)
			if err != nil {
				return err
			}
			return printBreakGlass(c, r, asJSON)
		},
	}
	af.register(c, true)
	c.Flags().StringVar(&reason, "reason", "", "why (required)")
	c.Flags().StringVar(&scope, "scope", "", "action (default) or agent")
	c.Flags().StringVar(&agent, "agent", "", "the agent, for --scope agent")
	c.Flags().DurationVar(&duration, "duration", 0, "time box (default 1h; the configured maximum applies)")
	outputFlag(c, &asJSON, "the break_glass approval.Request")
	return c
}

// printBreakGlass prints the break_glass request r.
func printBreakGlass(c *cobra.Command, r approval.Request, asJSON bool) error {
	if asJSON {
		return writeJSON(c.OutOrStdout(), r)
	}
	fmt.Fprintf(c.OutOrStdout(), "%s: break_glass granted until %s\n", r.ID, r.Expires.Local().Format(time.DateTime))
	return nil
}

func newApprovalRoutesCmd() *cobra.Command {
	var af approvalFlags
	var asJSON bool
	c := &cobra.Command{
		Use:   "routes",
		Short: "Print the effective approval routing",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			// The routing is configuration: reading it opens no state.
			home, err := cavra.StateDir(af.home)
			if err != nil {
				return err
			}
			cfg, err := cavra.LoadConfig(home)
			if err != nil {
				return err
			}
			r := approval.DefaultRouting()
			if file := cfg.Approval.RoutingFile; file != "" {
				if !filepath.IsAbs(file) {
					file = filepath.Join(home, file)
				}
				if r, err = approval.LoadRouting(file); err != nil {
					return err
				}
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), r)
			}
			return printRoutes(c.OutOrStdout(), r)
		},
	}
	af.register(c, false)
	documentOutputFlag(c, &asJSON, "the approval.Routing, as a routing file has it")
	return c
}

// printRoutes is the text form of approval routes: one route a line, in
// the order they are tried, then the group used when none matches.
func printRoutes(w io.Writer, r *approval.Routing) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tWHEN\tGROUP\tQUORUM")
	for i, rt := range r.Routes {
		name := rt.Name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		quorum := rt.Quorum
		if quorum == 0 {
			quorum = 1
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", name, routeConditions(rt), rt.ApproverGroup, quorum)
	}
	fmt.Fprintf(tw, "(none matches)\t\t%s\t1\n", r.DefaultGroup)
	return tw.Flush()
}

// routeConditions spells a route's conditions as the routing file names
// them: rule_id_prefix=filesystem.write target_contains=iam/.
func routeConditions(rt approval.Route) string {
	var conds []string
	add := func(k, v string) {
		if v != "" {
			conds = append(conds, k+"="+v)
		}
	}
	add("rule_id", rt.RuleID)
	add("rule_id_prefix", rt.RuleIDPrefix)
	add("action_type", string(rt.ActionType))
	if rt.Severity != 0 {
		add("severity", rt.Severity.String())
	}
	if rt.MinSeverity != 0 {
		add("min_severity", rt.MinSeverity.String())
	}
	add("pack", rt.Pack)
	add("target", rt.Target)
	add("target_contains", rt.TargetContains)
	add("repo", rt.Repo)
	add("environment", rt.Environment)
	if len(conds) == 0 {
		return "any"
	}
	return strings.Join(conds, " ")
}
