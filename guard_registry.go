package cavra

import (
	"context"
	"errors"
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
	} else if g.st != nil { // a read-only Guard without a state database has an empty registry
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

// ErrRegistryFile means the Guard reads its registry from a file
// (Options.RegistryFile or config.yaml's registry.file), which it never
// changes: edit the file instead.
var ErrRegistryFile = errors.New("cavra: the registry is a file (registry.file); edit that file instead")

// RegisterAgent creates or replaces an agent record, as by, and records the
// change as evidence.
func (g *Guard) RegisterAgent(ctx context.Context, a registry.Agent, by string) (registry.Change, error) {
	return g.changeRegistry(ctx, func(s *registry.Store) (registry.Change, error) { return s.RegisterAgent(a, by) })
}

// SetAgentStatus sets an agent's status (registry.Disabled is the kill
// switch, registry.Active enables it again, registry.Retired retires it)
// with a reason, as by, and records the change as evidence.
func (g *Guard) SetAgentStatus(ctx context.Context, id string, st registry.Status, reason, by string) (registry.Change, error) {
	return g.changeRegistry(ctx, func(s *registry.Store) (registry.Change, error) { return s.SetAgentStatus(id, st, reason, by) })
}

// RegisterServer creates or replaces an MCP server's trust record (its
// trust tier and approval state: approve or revoke a server by registering
// it again), as by, and records the change as evidence.
func (g *Guard) RegisterServer(ctx context.Context, srv registry.Server, by string) (registry.Change, error) {
	return g.changeRegistry(ctx, func(s *registry.Store) (registry.Change, error) { return s.RegisterServer(srv, by) })
}

// PinTools pins an MCP server's tool definitions (a tools/list result) as
// the approved ones, as by, and records the change as evidence.
func (g *Guard) PinTools(ctx context.Context, serverID string, tools []registry.Tool, by string) (registry.Change, error) {
	return g.changeRegistry(ctx, func(s *registry.Store) (registry.Change, error) { return s.Pin(serverID, tools, by) })
}

// PinNewTools pins those of an MCP server's tools that have no pin yet
// (trust on first use, as cavra mcp proxy does), keeping every existing
// pin, as by, and records the change as evidence when it added any. A
// change with no pins added (After is empty) is not recorded.
func (g *Guard) PinNewTools(ctx context.Context, serverID string, tools []registry.Tool, by string) (registry.Change, error) {
	if err := g.writable(); err != nil {
		return registry.Change{}, err
	}
	if g.reg == nil {
		return registry.Change{}, ErrRegistryFile
	}
	ch, err := g.reg.PinNew(serverID, tools, by)
	if err != nil || ch.After == nil {
		return ch, err
	}
	if _, err := g.log.Append(context.WithoutCancel(ctx), evidence.Entry{Kind: evidence.KindRegistryChange, Data: ch}); err != nil {
		return ch, fmt.Errorf("%w: the registry changed (%s %s): %w", ErrNotRecorded, ch.Kind, ch.ID, err)
	}
	return ch, nil
}

// ImportRegistry adds (or, with replace, substitutes) the records of an
// original-format registry document in one transaction, as by, and
// records the import as evidence; source names the document in the record.
func (g *Guard) ImportRegistry(ctx context.Context, f registry.File, replace bool, source, by string) (registry.Change, error) {
	return g.changeRegistry(ctx, func(s *registry.Store) (registry.Change, error) {
		ch, err := s.Import(f, replace, by)
		ch.ID = source
		if replace {
			ch.Kind = "import.replace"
		}
		return ch, err
	})
}

// changeRegistry applies one change to the registry store and records it.
// The store commits first (it validates the change); the record follows at
// once, and a record that cannot be written is an error: the change is then
// in the registry without its record, and the evidence log that refused it
// blocks every later decision, so nothing is allowed on its strength
// unrecorded.
func (g *Guard) changeRegistry(ctx context.Context, fn func(*registry.Store) (registry.Change, error)) (registry.Change, error) {
	if err := g.writable(); err != nil {
		return registry.Change{}, err
	}
	if g.reg == nil {
		return registry.Change{}, ErrRegistryFile
	}
	ch, err := fn(g.reg)
	if err != nil {
		return ch, err
	}
	if _, err := g.log.Append(context.WithoutCancel(ctx), evidence.Entry{Kind: evidence.KindRegistryChange, Data: ch, AgentID: agentOf(ch)}); err != nil {
		return ch, fmt.Errorf("%w: the registry changed (%s %s): %w", ErrNotRecorded, ch.Kind, ch.ID, err)
	}
	return ch, nil
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
func (g *Guard) registryOptions(ctx context.Context, a Action, o *policy.EvalOptions) {
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
			o.MCPArgsAreData = m.Decision == Allow
			return
		}
	}
	_, known := r.Server(call.Server)
	if !known && ownsServer(ctx, call.Server) {
		// The calling program's own server (WithOwnMCPServer): trusted
		// by configuration, its tools decided by what they do.
		o.MCPTrusted = true
		return
	}
	if servers > 0 {
		m := r.CheckServer(call, g.regPolicy)
		o.MCPVerdict = &m
	}
}

type ownServerKey struct{}

// WithOwnMCPServer returns a context under which Evaluate and Check treat
// the MCP server serverID as the calling program's own: a server it serves
// in process (adapters/mcp.Guard) and so trusted by configuration. Its
// calls are not blocked for being unknown (the registry's
// mcp.registry.unknown, a pack's block_unknown_servers) and its tools are
// decided by what they do and by the facts of their arguments, as a
// registered server's are. What a person configured still wins: a
// registry record of the server (blocked, pending, pinned tools) decides
// as it always does, and a pack's blocked_servers still blocks it.
//
// Only Go code holding the Guard can set it; nothing an agent sends
// reaches a context value.
func WithOwnMCPServer(ctx context.Context, serverID string) context.Context {
	return context.WithValue(ctx, ownServerKey{}, serverID)
}

func ownsServer(ctx context.Context, server string) bool {
	id, _ := ctx.Value(ownServerKey{}).(string)
	return id != "" && id == server
}
