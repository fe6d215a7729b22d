package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/registry"
)

func newRegistryCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "registry",
		Short: "Govern agent identities and the MCP server trust registry",
	}
	c.AddCommand(newAgentRegisterCmd(), newAgentListCmd(), newAgentStatusCmd("agent-disable", registry.Disabled),
		newAgentStatusCmd("agent-enable", registry.Active), newAgentStatusCmd("agent-retire", registry.Retired),
		newProfilesCmd(), newMCPRegisterCmd(), newMCPListCmd(), newMCPCheckCmd(), newMCPPinCmd(),
		newMCPClassificationsCmd(), newRegistryImportCmd(), newRegistryExportCmd())
	return c
}

// The values of the registry's enum-valued flags.
var (
	agentStatuses        = []registry.Status{registry.Active, registry.Disabled, registry.Retired}
	trustTiers           = []registry.TrustTier{registry.Trusted, registry.Approved, registry.Experimental, registry.Blocked, registry.Unknown}
	serverApprovalStates = []registry.ApprovalState{registry.StateApproved, registry.StatePending, registry.StateDenied, registry.StateNotRequired}
)

// profileIDs are the ids of the predefined profiles, sorted.
func profileIDs() []string {
	var ids []string
	for _, p := range registry.Profiles() {
		ids = append(ids, p.ID)
	}
	return ids
}

// capabilityNames are the MCP capability classes, sorted.
func capabilityNames() []string {
	var names []string
	for _, cl := range registry.Classifications() {
		names = append(names, cl.Capability)
	}
	return names
}

// registryFlags locate the state directory and name who makes a change.
type registryFlags struct {
	home string
	by   string
}

func (f *registryFlags) register(c *cobra.Command, changes bool) {
	c.Flags().StringVar(&f.home, "home", "", "state directory (default: CAVRA_HOME, else walking up: the one cavra init pinned for the project, or the nearest .cavra/; else ./.cavra)")
	if changes {
		c.Flags().StringVar(&f.by, "by", os.Getenv("USER"), "who makes the change (recorded in evidence)")
	}
}

// change opens a Guard on the state directory and runs fn with it: every
// registry change goes through a Guard method, which records it as
// evidence (who changed what, when).
func (f *registryFlags) change(c *cobra.Command, fn func(g registryChanger) error) error {
	if o := owner(c.Context(), f.home); o != nil {
		defer o.Close()
		return fn(ownerRegistry{o})
	}
	g, err := cavra.Open(c.Context(), cavra.Options{Home: f.home})
	if err != nil {
		return err
	}
	defer g.Close()
	return fn(g)
}

// read returns the registry to show, opening nothing for writing: the file
// config.yaml names, else the state database's registry read-only. A state
// directory without a database is an empty registry and a note saying so
// ("" when there is a registry); nothing is created.
func (f *registryFlags) read() (*registry.Registry, string, error) {
	home, err := cavra.StateDir(f.home)
	if err != nil {
		return nil, "", err
	}
	cfg, err := cavra.LoadConfig(home)
	if err != nil {
		return nil, "", err
	}
	if cfg.Registry.File != "" {
		r, err := registry.LoadFile(cfg.Registry.File)
		return r, "", err
	}
	if o := owner(context.Background(), home); o != nil {
		defer o.Close()
		doc, err := o.Registry(context.Background())
		if err != nil {
			return nil, "", err
		}
		r, err := registry.New(doc.Agents, doc.Servers)
		return r, "", err
	}
	st, err := cavra.OpenState(home, 0)
	if errors.Is(err, cavra.ErrNoState) {
		return nil, fmt.Sprintf("nothing registered yet (no state database in %s)", home), nil
	}
	if err != nil {
		return nil, "", err
	}
	defer st.Close()
	r, err := st.Registry()
	return r, "", err
}

func newAgentRegisterCmd() *cobra.Command {
	var rf registryFlags
	var a registry.Agent
	var status string
	var asJSON bool
	c := &cobra.Command{
		Use:   "agent-register ID",
		Short: "Register (or replace) an agent identity",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			a.ID, a.Status = argv[0], registry.Status(status)
			if err := oneOf("--profile", a.Profile, profileIDs()...); err != nil {
				return err
			}
			if err := oneOf("--status", a.Status, agentStatuses...); err != nil {
				return err
			}
			return rf.change(c, func(g registryChanger) error {
				ch, err := g.RegisterAgent(c.Context(), a, rf.by)
				if err != nil {
					return err
				}
				return printAgentChange(c, ch, asJSON, "registered")
			})
		},
	}
	rf.register(c, true)
	fl := c.Flags()
	fl.StringVar(&a.Profile, "profile", "", "capability profile (see: cavra registry profiles)")
	fl.StringVar(&a.Type, "agent-type", "", "agent type (default coding-agent)")
	fl.StringVar(&a.Vendor, "vendor", "", "vendor")
	fl.StringVar(&a.Version, "version", "", "version")
	fl.StringVar(&a.Owner, "owner", "", "owner")
	fl.StringVar(&status, "status", "active", "active, disabled or retired")
	fl.StringVar(&a.RiskTier, "risk-tier", "", "risk tier (default from the profile, else medium)")
	fl.StringArrayVar(&a.Capabilities, "capability", nil, "capability (repeatable; default from the profile)")
	fl.StringArrayVar(&a.Scopes, "scope", nil, "scope (repeatable)")
	fl.StringArrayVar(&a.AllowedTools, "tool", nil, "allowed tool or glob, e.g. Bash or mcp__github__* (repeatable; none = any)")
	fl.StringArrayVar(&a.AllowedRepositories, "repository", nil, "allowed repository or glob, e.g. acme/* (repeatable; none = any)")
	documentOutputFlag(c, &asJSON, "the agent's registry.Agent record after the change")
	return c
}

// printAgentChange prints the agent a registry change left: its record as
// JSON, or a line saying what happened to it.
func printAgentChange(c *cobra.Command, ch registry.Change, asJSON bool, did string) error {
	a, _ := ch.After.(registry.Agent)
	if asJSON {
		return writeJSON(c.OutOrStdout(), a)
	}
	_, err := fmt.Fprintf(c.OutOrStdout(), "%s agent %s: %s, profile %s, risk %s, tools %s, repositories %s\n", did, a.ID, a.Status,
		orDash(a.Profile), a.RiskTier, listOrAny(a.AllowedTools), listOrAny(a.AllowedRepositories))
	return err
}

func newAgentListCmd() *cobra.Command {
	var rf registryFlags
	var status, owner string
	var asJSON bool
	c := &cobra.Command{
		Use:   "agent-list",
		Short: "List registered agents",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := oneOf("--status", registry.Status(status), agentStatuses...); err != nil {
				return err
			}
			r, note, err := rf.read()
			if err != nil {
				return err
			}
			var out []registry.Agent
			for _, a := range r.Agents() {
				if (status == "" || string(a.Status) == status) && (owner == "" || a.Owner == owner) {
					out = append(out, a)
				}
			}
			if asJSON {
				if out == nil {
					out = []registry.Agent{}
				}
				return writeJSON(c.OutOrStdout(), out)
			}
			if note != "" {
				fmt.Fprintln(c.OutOrStdout(), note)
				return nil
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tPROFILE\tOWNER\tRISK\tTOOLS\tREPOSITORIES")
			for _, a := range out {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Status, a.Profile, a.Owner, a.RiskTier,
					listOrAny(a.AllowedTools), listOrAny(a.AllowedRepositories))
			}
			return tw.Flush()
		},
	}
	rf.register(c, false)
	c.Flags().StringVar(&status, "status", "", "only agents with this status")
	c.Flags().StringVar(&owner, "owner", "", "only agents with this owner")
	outputFlag(c, &asJSON, "print JSON")
	return c
}

func listOrAny(l []string) string {
	if len(l) == 0 {
		return "any"
	}
	return strings.Join(l, ",")
}

func newAgentStatusCmd(use string, st registry.Status) *cobra.Command {
	var rf registryFlags
	var reason string
	var asJSON bool
	c := &cobra.Command{
		Use:   use + " ID",
		Short: fmt.Sprintf("Set an agent's status to %s", st),
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			if st != registry.Active && strings.TrimSpace(reason) == "" {
				return usageErr("%s needs --reason", use)
			}
			return rf.change(c, func(g registryChanger) error {
				ch, err := g.SetAgentStatus(c.Context(), argv[0], st, reason, rf.by)
				if err != nil {
					return err
				}
				if asJSON {
					return printAgentChange(c, ch, true, "")
				}
				fmt.Fprintf(c.OutOrStdout(), "agent %s is %s\n", argv[0], st)
				return nil
			})
		},
	}
	rf.register(c, true)
	c.Flags().StringVar(&reason, "reason", "", "why (required to disable or retire)")
	outputFlag(c, &asJSON, "the agent's registry.Agent record after the change")
	return c
}

func newProfilesCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "profiles",
		Short: "List the predefined agent capability profiles",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if asJSON {
				return writeJSON(c.OutOrStdout(), registry.Profiles())
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROFILE\tVENDOR\tRISK\tCAPABILITIES\tSCOPES")
			for _, p := range registry.Profiles() {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, p.Vendor, p.RiskTier, strings.Join(p.Capabilities, ","), strings.Join(p.Scopes, ","))
			}
			return tw.Flush()
		},
	}
	outputFlag(c, &asJSON, "print JSON")
	return c
}

func newMCPRegisterCmd() *cobra.Command {
	var rf registryFlags
	var s registry.Server
	var tier, state string
	var asJSON bool
	c := &cobra.Command{
		Use:   "mcp-register ID",
		Short: "Register (or replace) an MCP server's trust record",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			s.ID, s.TrustTier, s.ApprovalState = argv[0], registry.TrustTier(tier), registry.ApprovalState(state)
			if err := oneOf("--trust-tier", s.TrustTier, trustTiers...); err != nil {
				return err
			}
			if err := oneOf("--approval-state", s.ApprovalState, serverApprovalStates...); err != nil {
				return err
			}
			return rf.change(c, func(g registryChanger) error {
				ch, err := g.RegisterServer(c.Context(), s, rf.by)
				if err != nil {
					return err
				}
				srv, _ := ch.After.(registry.Server)
				if asJSON {
					return writeJSON(c.OutOrStdout(), srv)
				}
				_, err = fmt.Fprintf(c.OutOrStdout(), "registered MCP server %s: trust tier %s, approval %s, capabilities %s, tools %s\n",
					srv.ID, srv.TrustTier, srv.ApprovalState, listOrAny(srv.Capabilities), listOrAny(srv.AllowedTools))
				return err
			})
		},
	}
	rf.register(c, true)
	fl := c.Flags()
	fl.StringVar(&s.Name, "name", "", "display name (default the id)")
	fl.StringVar(&tier, "trust-tier", "unknown", "trusted, approved, experimental, blocked or unknown")
	fl.StringVar(&state, "approval-state", "pending", "approved, pending, denied or not_required")
	fl.StringVar(&s.Owner, "owner", "", "owner")
	fl.StringArrayVar(&s.Capabilities, "capability", nil, "capability (repeatable; see mcp-classifications)")
	fl.StringArrayVar(&s.AllowedTools, "tool", nil, "allowed tool or glob (repeatable; none = any)")
	documentOutputFlag(c, &asJSON, "the server's registry.Server record after the change")
	return c
}

func newMCPListCmd() *cobra.Command {
	var rf registryFlags
	var tier, state, capability string
	var asJSON bool
	c := &cobra.Command{
		Use:   "mcp-list",
		Short: "List registered MCP servers",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if err := oneOf("--trust-tier", registry.TrustTier(tier), trustTiers...); err != nil {
				return err
			}
			if err := oneOf("--approval-state", registry.ApprovalState(state), serverApprovalStates...); err != nil {
				return err
			}
			r, note, err := rf.read()
			if err != nil {
				return err
			}
			var out []registry.Server
			for _, srv := range r.Servers() {
				if (tier == "" || string(srv.TrustTier) == tier) && (state == "" || string(srv.ApprovalState) == state) &&
					(capability == "" || contains(srv.Capabilities, capability)) {
					out = append(out, srv)
				}
			}
			if asJSON {
				if out == nil {
					out = []registry.Server{}
				}
				return writeJSON(c.OutOrStdout(), out)
			}
			if note != "" {
				fmt.Fprintln(c.OutOrStdout(), note)
				return nil
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tTIER\tAPPROVAL\tCAPABILITIES\tTOOLS\tPINS")
			for _, srv := range out {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\n", srv.ID, srv.TrustTier, srv.ApprovalState,
					listOrAny(srv.Capabilities), listOrAny(srv.AllowedTools), len(srv.Pins))
			}
			return tw.Flush()
		},
	}
	rf.register(c, false)
	c.Flags().StringVar(&tier, "trust-tier", "", "only servers of this tier")
	c.Flags().StringVar(&state, "approval-state", "", "only servers in this approval state")
	c.Flags().StringVar(&capability, "capability", "", "only servers with this capability")
	outputFlag(c, &asJSON, "print JSON")
	return c
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func newMCPCheckCmd() *cobra.Command {
	var rf registryFlags
	var call registry.Call
	var file string
	var allowUnknown, asJSON bool
	c := &cobra.Command{
		Use:   "mcp-check SERVER TOOL",
		Short: "Print the registry's decision for an MCP tool call (exit 0 allow, 3 require_approval, 4 block)",
		Args:  args(cobra.ExactArgs(2)),
		RunE: func(c *cobra.Command, argv []string) error {
			call.Server, call.Tool = argv[0], argv[1]
			check := func(r *registry.Registry) error {
				m := r.CheckServer(call, registry.Policy{AllowUnknownServers: allowUnknown})
				var err error
				if asJSON {
					err = writeJSON(c.OutOrStdout(), map[string]any{"match": m, "server": r.ServerFacts(call)})
				} else {
					_, err = fmt.Fprintf(c.OutOrStdout(), "%s: %s [%s, %s]\n", m.Decision, m.Reason, m.RuleID, m.Severity)
				}
				if err != nil {
					return err
				}
				return outcomeExit(m.Decision)
			}
			if file != "" {
				r, err := registry.LoadFile(file)
				if err != nil {
					return err
				}
				return check(r)
			}
			r, _, err := rf.read()
			if err != nil {
				return err
			}
			return check(r)
		},
	}
	rf.register(c, false)
	c.Flags().StringVar(&call.Capability, "capability", "", "the capability the call uses")
	c.Flags().StringVar(&call.Hash, "hash", "", "the tool's current definition hash (sha256:…), to check its pin")
	c.Flags().StringVar(&file, "registry", "", "use this registry file instead of the state directory")
	c.Flags().BoolVar(&allowUnknown, "allow-unknown-servers", false, "unregistered servers require approval instead of being blocked")
	documentOutputFlag(c, &asJSON, `{"match": the decision.Match, "server": what CEL rules see as server}`)
	return c
}

// readTools reads a tools/list result ({"tools": [...]}) or a bare list of tools.
func readTools(path string) ([]registry.Tool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var wrapped struct {
		Tools []registry.Tool `json:"tools"`
	}
	if err := json.Unmarshal(data, &wrapped); err == nil && wrapped.Tools != nil {
		return wrapped.Tools, nil
	}
	var bare []registry.Tool
	if err := json.Unmarshal(data, &bare); err != nil {
		return nil, fmt.Errorf("%s: want a tools/list result {\"tools\": [...]} or a list of tools: %w", path, err)
	}
	return bare, nil
}

func newMCPPinCmd() *cobra.Command {
	var rf registryFlags
	var toolsFile string
	var asJSON bool
	c := &cobra.Command{
		Use:   "mcp-pin SERVER --tools tools.json",
		Short: "Pin a server's tool definitions (from a tools/list result) as the approved ones",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			if toolsFile == "" {
				return usageErr("mcp-pin needs --tools FILE (a tools/list result)")
			}
			tools, err := readTools(toolsFile)
			if err != nil {
				return err
			}
			return rf.change(c, func(g registryChanger) error {
				ch, err := g.PinTools(c.Context(), argv[0], tools, rf.by)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), ch.After)
				}
				pins, _ := ch.After.(map[string]registry.Pin)
				names := make([]string, 0, len(pins))
				for name := range pins {
					names = append(names, name)
				}
				sort.Strings(names)
				fmt.Fprintf(c.OutOrStdout(), "pinned %d tools of %s\n", len(pins), argv[0])
				for _, name := range names {
					fmt.Fprintf(c.OutOrStdout(), "  %s  %s\n", name, pins[name].Hash)
				}
				return nil
			})
		},
	}
	rf.register(c, true)
	c.Flags().StringVar(&toolsFile, "tools", "", "a tools/list result as JSON")
	documentOutputFlag(c, &asJSON, `the pins, {"TOOL": {"hash", "pinned_at", "pinned_by"}}`)
	return c
}

func newMCPClassificationsCmd() *cobra.Command {
	var capability string
	var asJSON bool
	c := &cobra.Command{
		Use:   "mcp-classifications",
		Short: "Print the MCP capability classes",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			list := registry.Classifications()
			if capability != "" {
				cl, ok := registry.ClassifyCapability(capability)
				if !ok {
					return oneOf("--capability", capability, capabilityNames()...)
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), cl)
				}
				list = []registry.Classification{cl}
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), list)
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CAPABILITY\tCATEGORY\tRISK\tDEFAULT\tAPPROVAL REQUIRED FOR")
			for _, cl := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cl.Capability, cl.Category, cl.RiskTier, cl.DefaultDecision, strings.Join(cl.ApprovalRequiredFor, ","))
			}
			return tw.Flush()
		},
	}
	c.Flags().StringVar(&capability, "capability", "", "only this capability")
	documentOutputFlag(c, &asJSON, "a list of registry.Classification, or one with --capability")
	return c
}

// importReport is the JSON of registry import: the document, the kind of
// change recorded (import, or import.replace with --replace) and how many
// records it brought.
type importReport struct {
	Source  string `json:"source"`
	Kind    string `json:"kind"`
	Agents  int    `json:"agents"`
	Servers int    `json:"mcp_servers"`
}

func newRegistryImportCmd() *cobra.Command {
	var rf registryFlags
	var replace, asJSON bool
	c := &cobra.Command{
		Use:   "import FILE",
		Short: "Import an original CAVRA registry document ({\"agents\": [...], \"mcp_servers\": [...]}) in one transaction",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			data, err := os.ReadFile(argv[0])
			if err != nil {
				return err
			}
			f, err := registry.DecodeFile(data)
			if err != nil {
				return fmt.Errorf("%s: %w", argv[0], err)
			}
			return rf.change(c, func(g registryChanger) error {
				ch, err := g.ImportRegistry(c.Context(), f, replace, argv[0], rf.by)
				if err != nil {
					if errors.Is(err, cavra.ErrRegistryFile) {
						return err
					}
					if errors.Is(err, cavra.ErrNotRecorded) {
						return err
					}
					return fmt.Errorf("%s: %w (nothing was imported)", argv[0], err)
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), importReport{Source: argv[0], Kind: ch.Kind, Agents: len(f.Agents), Servers: len(f.Servers)})
				}
				fmt.Fprintf(c.OutOrStdout(), "imported %d agents and %d MCP servers\n", len(f.Agents), len(f.Servers))
				return nil
			})
		},
	}
	rf.register(c, true)
	c.Flags().BoolVar(&replace, "replace", false, "replace the whole registry instead of adding to it")
	outputFlag(c, &asJSON, `{"source", "kind", "agents", "mcp_servers"}`)
	return c
}

func newRegistryExportCmd() *cobra.Command {
	var rf registryFlags
	var out string
	c := &cobra.Command{
		Use:   "export",
		Short: "Print the registry as an original-format document",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			r, note, err := rf.read()
			if err != nil {
				return err
			}
			if note != "" {
				fmt.Fprintln(c.ErrOrStderr(), note)
			}
			b, err := r.Export()
			if err != nil {
				return err
			}
			b = append(b, '\n')
			if out != "" {
				return os.WriteFile(out, b, 0o644)
			}
			_, err = c.OutOrStdout().Write(b)
			return err
		},
	}
	rf.register(c, false)
	c.Flags().StringVar(&out, "out", "", "write to this file")
	return c
}
