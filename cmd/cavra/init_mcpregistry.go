package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/claudecode"
	"github.com/cavra-dev/cavra/registry"
)

// agentServer is one MCP server of the agent's own configuration, and the
// file (and place in it) it was read from.
type agentServer struct {
	name, source string
}

// mcpServerEvent is one agent's server in the report of an init: Change is
// registered, would_register or left (already in the registry).
type mcpServerEvent struct {
	Name          string `json:"name"`
	Source        string `json:"source"`
	Change        string `json:"change"`
	TrustTier     string `json:"trust_tier,omitempty"`
	ApprovalState string `json:"approval_state,omitempty"`
	Owner         string `json:"owner,omitempty"`
}

func (e mcpServerEvent) text() string {
	switch e.Change {
	case "registered":
		return fmt.Sprintf("registered MCP server %s (from %s) as the user's: trust tier approved, approval approved\n", e.Name, e.Source)
	case "would_register":
		return fmt.Sprintf("would register MCP server %s (from %s) as the user's: trust tier approved, approval approved\n", e.Name, e.Source)
	}
	owner := e.Owner
	if owner == "" {
		owner = "none"
	}
	return fmt.Sprintf("MCP server %s (from %s) is in the registry already (trust tier %s, approval %s, owner %s); left as it is\n",
		e.Name, e.Source, e.TrustTier, e.ApprovalState, owner)
}

func (r *initRun) serverEvent(e mcpServerEvent) {
	if r.flags.asJSON {
		r.report.MCPServers = append(r.report.MCPServers, e)
		return
	}
	fmt.Fprint(r.w, e.text())
}

// claudeCodeServers lists the MCP servers Claude Code is configured with
// for the project dir, CAVRA's own left out: with user, only the
// user-scope ones of ~/.claude.json (a user install's state serves every
// project); else the local-scope ones of ~/.claude.json
// (projects[<dir>].mcpServers), the project's .mcp.json and the user-scope
// ones, in Claude Code's order of precedence, each name once. A file that
// cannot be read as Claude Code's format gives a warning and no servers;
// nothing is lost, nothing is changed in it.
func (r *initRun) claudeCodeServers(dir string, user bool) []agentServer {
	var out []agentServer
	seen := map[string]bool{}
	add := func(source string, servers []claudecode.MCPServer) {
		for _, s := range servers {
			switch {
			case s.Name == cavra.OwnMCPServer:
				if !claudecode.IsOurMCPEntry(s.Entry, cavraBinary()) {
					fmt.Fprintf(r.errw, "warning: %s: mcpServers.%s is not CAVRA's MCP server; not registered (the registry keeps the name %q for CAVRA's own)\n",
						source, s.Name, s.Name)
				}
				continue
			case claudecode.IsOurMCPEntry(s.Entry, cavraBinary()):
				continue // CAVRA's own, under another name
			case s.Name == "" || seen[s.Name]:
				continue
			}
			seen[s.Name] = true
			out = append(out, agentServer{name: s.Name, source: source})
		}
	}
	statePath, userServers, local := r.claudeUserServers(dir)
	if !user {
		add(statePath+" projects["+absPath(dir)+"].mcpServers", local)
		path := absPath(claudecode.MCPConfigPath(dir))
		data, err := claudecode.ReadSettings(path)
		var servers []claudecode.MCPServer
		if err == nil {
			servers, err = claudecode.MCPServers(data)
		}
		if err != nil {
			fmt.Fprintf(r.errw, "warning: %s: %v; its MCP servers were not registered (cavra did not change it)\n", path, err)
		}
		add(path, servers)
	}
	add(statePath+" mcpServers", userServers)
	return out
}

// claudeUserServers reads ~/.claude.json (of HOME): its path, the
// user-scope servers and the local-scope servers of the project dir (under
// its absolute path, or the one with symbolic links resolved). A file that
// cannot be read gives a warning and no servers.
func (r *initRun) claudeUserServers(dir string) (path string, user, local []claudecode.MCPServer) {
	home, err := os.UserHomeDir()
	if err != nil {
		fmt.Fprintf(r.errw, "warning: no home directory (%v): the MCP servers of ~/.claude.json were not registered\n", err)
		return "~/.claude.json", nil, nil
	}
	path = claudecode.UserStatePath(home)
	data, err := claudecode.ReadSettings(path)
	if err == nil {
		keys := []string{absPath(dir)}
		if real, err := filepath.EvalSymlinks(dir); err == nil && absPath(real) != keys[0] {
			keys = append(keys, absPath(real))
		}
		user, local, err = claudecode.UserMCPServers(data, keys...)
	}
	if err != nil {
		fmt.Fprintf(r.errw, "warning: %s: %v; its MCP servers were not registered (cavra did not change it)\n", path, err)
		return path, nil, nil
	}
	return path, user, local
}

// userServer is the registry record `cavra init` gives one of the agent's
// own servers: the person configured it, so it is theirs and approved.
func userServer(name string) registry.Server {
	return registry.Server{ID: name, Name: name, TrustTier: registry.Approved, ApprovalState: registry.StateApproved, Owner: "user"}
}

// registerServers records the agent's own MCP servers in the registry of
// the pinned state directory as the user's (userServer), each change as
// evidence by "cavra init <agent> (<file>)". A server the registry knows
// already (by id or name) is left as it is: a person's record is never
// overwritten or downgraded. With --dry-run the registry is only read.
// A state directory that another process holds, or a registry kept in a
// file (registry.file), gives a warning and registers nothing: the hooks
// are installed either way.
func (r *initRun) registerServers(ctx context.Context, agent claudecode.Agent, servers []agentServer) error {
	if len(servers) == 0 {
		return nil
	}
	if cfg, err := cavra.LoadConfig(r.home); err == nil && cfg.Registry.File != "" {
		fmt.Fprintf(r.errw, "warning: %s keeps the registry in a file (registry.file: %s), which cavra init does not change: add the agent's MCP servers to it\n",
			filepath.Join(r.home, cavra.ConfigFile), cfg.Registry.File)
		return nil
	}
	opts := cavra.Options{Dir: r.flags.dir, Home: r.home, StoreTimeout: 2 * time.Second, ReadOnly: r.flags.dryRun}
	g, err := cavra.Open(ctx, opts)
	if errors.Is(err, cavra.ErrStateInUse) {
		fmt.Fprintf(r.errw, "warning: the state directory %s is in use by another process (%v); the agent's MCP servers were not registered: run cavra init %s again when it is free, or cavra registry mcp-register\n",
			r.home, err, agent)
		return nil
	}
	if err != nil {
		return fmt.Errorf("registering the agent's MCP servers: %w", err)
	}
	defer g.Close()
	for _, s := range servers {
		if have, ok := g.Registry().Server(s.name); ok {
			r.serverEvent(mcpServerEvent{Name: s.name, Source: s.source, Change: "left",
				TrustTier: string(have.TrustTier), ApprovalState: string(have.ApprovalState), Owner: have.Owner})
			continue
		}
		ev := mcpServerEvent{Name: s.name, Source: s.source, Change: "would_register",
			TrustTier: string(registry.Approved), ApprovalState: string(registry.StateApproved), Owner: "user"}
		if !r.flags.dryRun {
			_, err := g.RegisterServer(ctx, userServer(s.name), fmt.Sprintf("cavra init %s (%s)", agent, s.source))
			if errors.Is(err, cavra.ErrRegistryFile) {
				fmt.Fprintf(r.errw, "warning: %v: the agent's MCP servers were not registered; add them to that file\n", err)
				return nil
			}
			if err != nil {
				return fmt.Errorf("registering MCP server %s: %w", s.name, err)
			}
			ev.Change = "registered"
		}
		r.serverEvent(ev)
	}
	return nil
}
