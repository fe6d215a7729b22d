package cavra

import (
	"context"
	"fmt"
	"io"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/policy"
	"github.com/cavra-dev/cavra/registry"
)

// RegistryConfig is the registry section of config.yaml.
type RegistryConfig struct {
	// File is a registry document (the original CAVRA format) used instead
	// of the state database's registry.
	File string `yaml:"file"`
	// UnregisteredAgent is allow (default: the decision carries a
	// registry.agent.unregistered match as a flag), require_approval or block.
	UnregisteredAgent string `yaml:"unregistered_agent"`
	// AllowUnknownServers makes an unregistered MCP server require approval
	// instead of being blocked (the original's block_unknown=false).
	AllowUnknownServers bool `yaml:"allow_unknown_servers"`
}

// openRegistry opens the registry: the file named by Options.RegistryFile
// or config.yaml, else the state database's registry store.
func (g *Guard) openRegistry() error {
	file := g.opts.RegistryFile
	if file == "" {
		file = g.config.Registry.File
	}
	if file != "" {
		r, err := registry.LoadFile(file)
		if err != nil {
			return fmt.Errorf("cavra: %w", err)
		}
		g.regFile = r
	} else {
		v, err := g.st.Shared("registry", func(db *bolt.DB) (io.Closer, error) { return registry.OpenStore(db) })
		if err != nil {
			return fmt.Errorf("cavra: %w", err)
		}
		g.reg = v.(*registry.Store)
	}
	return g.registryPolicy()
}

// registryPolicy sets how the registry treats what it does not know, from
// the options and config.yaml.
func (g *Guard) registryPolicy() error {
	g.regPolicy.AllowUnknownServers = g.config.Registry.AllowUnknownServers
	g.regPolicy.UnregisteredAgent = g.opts.UnregisteredAgent
	if !g.regPolicy.UnregisteredAgent.Valid() && g.config.Registry.UnregisteredAgent != "" {
		o, err := decision.ParseOutcome(g.config.Registry.UnregisteredAgent)
		if err != nil {
			return fmt.Errorf("cavra: config registry.unregistered_agent: %w", err)
		}
		g.regPolicy.UnregisteredAgent = o
	}
	return nil
}

// Registry returns the current registry snapshot; nil (an empty registry,
// all of whose methods work) when there is none.
func (g *Guard) Registry() *registry.Registry {
	if g.regFile != nil {
		return g.regFile
	}
	if g.reg != nil {
		return g.reg.Registry()
	}
	return nil // a nil *registry.Registry is an empty registry
}

// RegistryStore returns the state database's registry store, or nil when
// the Guard uses a registry file.
func (g *Guard) RegistryStore() *registry.Store { return g.reg }

// RecordRegistryChange writes a registry change to evidence.
func (g *Guard) RecordRegistryChange(ctx context.Context, ch registry.Change) error {
	_, err := g.log.Append(ctx, evidence.Entry{Kind: evidence.KindRegistryChange, Data: ch, AgentID: agentOf(ch)})
	return err
}

func agentOf(ch registry.Change) string {
	if strings.HasPrefix(ch.Kind, "agent.") {
		return ch.ID
	}
	return ""
}

// registryOptions adds what the registry says about an action to the
// policy's evaluation options: the agent checks (a disabled agent blocks in
// every mode), the MCP verdict that replaces the pack's mcp lists when the
// registry knows any server, and the facts CEL rules see.
func (g *Guard) registryOptions(a Action, o *policy.EvalOptions) {
	r := g.Registry()
	agents, servers := r.Counts()
	if agents > 0 || g.regPolicy.UnregisteredAgent > decision.Allow {
		o.Extra = append(o.Extra, r.CheckAgent(a, g.regPolicy)...)
	}
	o.AgentFacts = r.AgentFacts(a)
	if a.Type != MCPToolCall {
		return
	}
	call, ok := registry.CallOf(a)
	if !ok {
		return // the policy blocks an MCP call that does not normalize
	}
	o.ServerFacts = r.ServerFacts(call)
	if m := OwnMCPVerdict(call.Server, call.Tool); m != nil {
		if _, known := r.Server(call.Server); !known {
			o.MCPVerdict = m
			return
		}
	}
	if servers > 0 {
		m := r.CheckServer(call, g.regPolicy)
		o.MCPVerdict = &m
	}
}
