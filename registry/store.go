package registry

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/internal/store"
)

// Buckets of the registry in the state database.
var (
	agentsBucket  = []byte("registry.agents")
	serversBucket = []byte("registry.servers")
)

// Change describes one change to the registry, for evidence: who changed
// which record, and the record before and after (nil when absent).
type Change struct {
	Kind   string `json:"kind"` // agent.register, agent.status, mcp.register, mcp.pin, import
	ID     string `json:"id,omitempty"`
	By     string `json:"by,omitempty"`
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
}

// Store keeps the registry in the state database (its own buckets) and
// serves an immutable snapshot that is swapped atomically on every change,
// so readers never lock and see each change on their next read.
type Store struct {
	db   *bolt.DB
	mu   sync.Mutex // serializes writers
	snap atomic.Pointer[Registry]
	now  func() time.Time
}

// OpenStore loads the registry kept in db, creating its buckets.
func OpenStore(db *bolt.DB) (*Store, error) {
	s := &Store{db: db, now: func() time.Time { return time.Now().UTC() }}
	var f File
	if err := store.EnsureBuckets(db, agentsBucket, serversBucket); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	err := db.View(func(tx *bolt.Tx) error {
		ab, sb := tx.Bucket(agentsBucket), tx.Bucket(serversBucket)
		if ab == nil || sb == nil {
			return nil // a read-only database without a registry: empty
		}
		if err := ab.ForEach(func(k, v []byte) error {
			var a Agent
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("stored agent %q: %w", k, err)
			}
			f.Agents = append(f.Agents, a)
			return nil
		}); err != nil {
			return err
		}
		return sb.ForEach(func(k, v []byte) error {
			var srv Server
			if err := json.Unmarshal(v, &srv); err != nil {
				return fmt.Errorf("stored MCP server %q: %w", k, err)
			}
			f.Servers = append(f.Servers, srv)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	r, err := New(f.Agents, f.Servers)
	if err != nil {
		return nil, err
	}
	s.snap.Store(r)
	return s, nil
}

// Registry returns the current snapshot.
func (s *Store) Registry() *Registry { return s.snap.Load() }

// update applies fn to a copy of the records, validates the result, writes
// the records that changed in one transaction and swaps the snapshot. On any
// error nothing is written.
func (s *Store) update(fn func(f *File) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := s.snap.Load()
	f := File{Agents: cur.Agents(), Servers: cur.Servers()}
	if err := fn(&f); err != nil {
		return err
	}
	next, err := New(f.Agents, f.Servers)
	if err != nil {
		return err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{agentsBucket, serversBucket} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		ab, sb := tx.Bucket(agentsBucket), tx.Bucket(serversBucket)
		for _, a := range next.Agents() {
			v, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if err := ab.Put([]byte(a.ID), v); err != nil {
				return err
			}
		}
		for _, srv := range next.Servers() {
			v, err := json.Marshal(srv)
			if err != nil {
				return err
			}
			if err := sb.Put([]byte(srv.ID), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("registry: writing: %w", err)
	}
	s.snap.Store(next)
	return nil
}

// RegisterAgent creates or replaces an agent record.
func (s *Store) RegisterAgent(a Agent, by string) (Change, error) {
	ch := Change{Kind: "agent.register", ID: a.ID, By: by}
	err := s.update(func(f *File) error {
		now := s.now()
		a.UpdatedAt = now
		a.CreatedAt = now
		for i := range f.Agents {
			if f.Agents[i].ID == a.ID {
				ch.Before = f.Agents[i]
				a.CreatedAt = f.Agents[i].CreatedAt
				f.Agents[i] = a
				return nil
			}
		}
		f.Agents = append(f.Agents, a)
		return nil
	})
	if err != nil {
		return ch, err
	}
	ch.After, _ = s.Registry().Agent(a.ID)
	return ch, nil
}

// SetAgentStatus changes an agent's status (Disabled is the kill switch).
func (s *Store) SetAgentStatus(id string, st Status, reason, by string) (Change, error) {
	ch := Change{Kind: "agent.status", ID: id, By: by}
	err := s.update(func(f *File) error {
		for i := range f.Agents {
			if f.Agents[i].ID == id {
				ch.Before = f.Agents[i]
				f.Agents[i].Status, f.Agents[i].StatusReason, f.Agents[i].UpdatedAt = st, reason, s.now()
				return nil
			}
		}
		return fmt.Errorf("registry: no agent %q", id)
	})
	if err != nil {
		return ch, err
	}
	ch.After, _ = s.Registry().Agent(id)
	return ch, nil
}

// RegisterServer creates or replaces an MCP server record, keeping its pins
// when the new record carries none.
func (s *Store) RegisterServer(srv Server, by string) (Change, error) {
	if srv.ID == "" {
		srv.ID = srv.Name
	}
	ch := Change{Kind: "mcp.register", ID: srv.ID, By: by}
	err := s.update(func(f *File) error {
		now := s.now()
		srv.UpdatedAt, srv.CreatedAt = now, now
		for i := range f.Servers {
			if f.Servers[i].ID == srv.ID {
				ch.Before = f.Servers[i]
				srv.CreatedAt = f.Servers[i].CreatedAt
				if srv.Pins == nil {
					srv.Pins = f.Servers[i].Pins
				}
				f.Servers[i] = srv
				return nil
			}
		}
		f.Servers = append(f.Servers, srv)
		return nil
	})
	if err != nil {
		return ch, err
	}
	ch.After, _ = s.Registry().Server(srv.ID)
	return ch, nil
}

// Pin records the definitions of a server's tools, as a tools/list result
// lists them, as the approved ones; tools not listed lose their pins.
func (s *Store) Pin(serverID string, tools []Tool, by string) (Change, error) {
	ch := Change{Kind: "mcp.pin", ID: serverID, By: by}
	pins := make(map[string]Pin, len(tools))
	now := s.now()
	for _, t := range tools {
		if t.Name == "" {
			return ch, fmt.Errorf("registry: pin: a tool without a name")
		}
		h, err := ToolHash(t)
		if err != nil {
			return ch, fmt.Errorf("registry: pin: %w", err)
		}
		pins[t.Name] = Pin{Hash: h, PinnedAt: now, PinnedBy: by}
	}
	err := s.update(func(f *File) error {
		for i := range f.Servers {
			if f.Servers[i].ID == serverID || f.Servers[i].Name == serverID {
				ch.Before = f.Servers[i].Pins
				f.Servers[i].Pins, f.Servers[i].UpdatedAt = pins, now
				return nil
			}
		}
		return fmt.Errorf("registry: no MCP server %q (register it first)", serverID)
	})
	if err != nil {
		return ch, err
	}
	ch.After = pins
	return ch, nil
}

// PinNew pins the tools of tools that the server has no pin for yet
// (trust on first use), keeping every existing pin: a tool whose
// definition changed keeps its old pin, so its calls stay blocked until a
// person pins it again (Pin). The change lists only the pins it added;
// with none to add nothing is written.
func (s *Store) PinNew(serverID string, tools []Tool, by string) (Change, error) {
	ch := Change{Kind: "mcp.pin_first_use", ID: serverID, By: by}
	now := s.now()
	added := map[string]Pin{}
	err := s.update(func(f *File) error {
		for i := range f.Servers {
			if f.Servers[i].ID != serverID && f.Servers[i].Name != serverID {
				continue
			}
			pins := make(map[string]Pin, len(f.Servers[i].Pins)+len(tools))
			for k, v := range f.Servers[i].Pins {
				pins[k] = v
			}
			for _, t := range tools {
				if t.Name == "" {
					return fmt.Errorf("registry: pin: a tool without a name")
				}
				if _, ok := pins[t.Name]; ok {
					continue
				}
				h, err := ToolHash(t)
				if err != nil {
					return fmt.Errorf("registry: pin: %w", err)
				}
				pins[t.Name] = Pin{Hash: h, PinnedAt: now, PinnedBy: by}
				added[t.Name] = pins[t.Name]
			}
			if len(added) == 0 {
				return errNothing
			}
			f.Servers[i].Pins, f.Servers[i].UpdatedAt = pins, now
			return nil
		}
		return fmt.Errorf("registry: no MCP server %q (register it first)", serverID)
	})
	if errors.Is(err, errNothing) {
		return ch, nil
	}
	ch.After = added
	return ch, err
}

// errNothing ends an update that has nothing to change.
var errNothing = errors.New("registry: nothing to change")

// Import adds (or, with replace, substitutes) the records of an
// original-format registry document, in one transaction: a bad record
// means nothing is imported.
func (s *Store) Import(f File, replace bool, by string) (Change, error) {
	ch := Change{Kind: "import", By: by, After: map[string]int{"agents": len(f.Agents), "mcp_servers": len(f.Servers)}}
	if _, err := New(f.Agents, f.Servers); err != nil {
		return ch, err // duplicates or bad records in the document itself
	}
	err := s.update(func(cur *File) error {
		if replace {
			cur.Agents, cur.Servers = nil, nil
		}
		for _, a := range f.Agents {
			replaced := false
			for i := range cur.Agents {
				if cur.Agents[i].ID == a.ID {
					cur.Agents[i], replaced = a, true
				}
			}
			if !replaced {
				cur.Agents = append(cur.Agents, a)
			}
		}
		for _, srv := range f.Servers {
			if srv.ID == "" {
				srv.ID = srv.Name
			}
			replaced := false
			for i := range cur.Servers {
				if cur.Servers[i].ID == srv.ID {
					cur.Servers[i], replaced = srv, true
				}
			}
			if !replaced {
				cur.Servers = append(cur.Servers, srv)
			}
		}
		return nil
	})
	return ch, err
}

// Close implements io.Closer so a Store can be shared per database file; the
// database itself belongs to whoever opened it.
func (s *Store) Close() error { return nil }

// OpenStoreMemory returns an empty store that keeps nothing: for reading a
// state directory that has no database yet.
func OpenStoreMemory() (*Store, error) {
	s := &Store{now: func() time.Time { return time.Now().UTC() }}
	r, err := New(nil, nil)
	if err != nil {
		return nil, err
	}
	s.snap.Store(r)
	return s, nil
}
