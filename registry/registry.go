package registry

import (
	"fmt"
	"sort"
)

// Registry is an immutable snapshot of agents and MCP servers. The zero
// value and nil are empty registries.
type Registry struct {
	agents  map[string]*Agent
	servers map[string]*Server
	names   map[string]*Server // by name, for lookups the original allowed
}

// New builds a registry from records, filling defaults and applying
// profiles. Duplicate ids and invalid records are errors naming the record.
func New(agents []Agent, servers []Server) (*Registry, error) {
	r := &Registry{agents: make(map[string]*Agent, len(agents)), servers: make(map[string]*Server, len(servers)), names: map[string]*Server{}}
	for i := range agents {
		a := agents[i]
		if err := a.normalize(); err != nil {
			return nil, fmt.Errorf("registry: agents[%d]: %w", i, err)
		}
		if _, dup := r.agents[a.ID]; dup {
			return nil, fmt.Errorf("registry: agents[%d]: duplicate agent_id %q", i, a.ID)
		}
		r.agents[a.ID] = &a
	}
	for i := range servers {
		s := servers[i]
		if err := s.normalize(); err != nil {
			return nil, fmt.Errorf("registry: mcp_servers[%d]: %w", i, err)
		}
		if _, dup := r.servers[s.ID]; dup {
			return nil, fmt.Errorf("registry: mcp_servers[%d]: duplicate server_id %q", i, s.ID)
		}
		r.servers[s.ID] = &s
	}
	for _, s := range r.servers {
		if _, isID := r.servers[s.Name]; !isID {
			r.names[s.Name] = s
		}
	}
	return r, nil
}

// Agent returns the agent with the given id.
func (r *Registry) Agent(id string) (Agent, bool) {
	if r == nil {
		return Agent{}, false
	}
	a, ok := r.agents[id]
	if !ok {
		return Agent{}, false
	}
	return *a, true
}

// Server returns the MCP server with the given id, or else name.
func (r *Registry) Server(idOrName string) (Server, bool) {
	s := r.server(idOrName)
	if s == nil {
		return Server{}, false
	}
	return *s, true
}

func (r *Registry) server(idOrName string) *Server {
	if r == nil {
		return nil
	}
	if s, ok := r.servers[idOrName]; ok {
		return s
	}
	return r.names[idOrName]
}

// Agents returns every agent, sorted by id.
func (r *Registry) Agents() []Agent {
	if r == nil {
		return nil
	}
	out := make([]Agent, 0, len(r.agents))
	for _, a := range r.agents {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Servers returns every MCP server, sorted by id.
func (r *Registry) Servers() []Server {
	if r == nil {
		return nil
	}
	out := make([]Server, 0, len(r.servers))
	for _, s := range r.servers {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Counts returns how many agents and MCP servers the registry holds,
// without copying them.
func (r *Registry) Counts() (agents, servers int) {
	if r == nil {
		return 0, 0
	}
	return len(r.agents), len(r.servers)
}

// Empty reports whether the registry has no records.
func (r *Registry) Empty() bool { return r == nil || len(r.agents)+len(r.servers) == 0 }
