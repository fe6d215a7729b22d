package registry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// MaxFileSize bounds a registry file.
const MaxFileSize = 16 << 20

// File is the original CAVRA registry document: {"agents": [...],
// "mcp_servers": [...]}.
type File struct {
	Agents  []Agent  `json:"agents"`
	Servers []Server `json:"mcp_servers"`
}

var (
	agentFields = fieldSet("schema_version", "agent_id", "id", "type", "vendor", "version", "profile", "owner", "status",
		"status_reason", "capabilities", "scopes", "allowed_tools", "allowed_repositories", "risk_tier", "created_at",
		"updated_at", "last_seen", "evidence_refs")
	serverFields = fieldSet("schema_version", "server_id", "id", "name", "trust_tier", "approval_state", "capabilities",
		"allowed_tools", "owner", "pins", "created_at", "updated_at", "last_seen", "evidence_refs")
)

func fieldSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// ParseFile decodes a registry document strictly: unknown fields, wrong
// types and duplicate ids are errors that name the record. It accepts the
// original CAVRA's aliases (agent "id"; server "id" or "name").
func ParseFile(data []byte) (*Registry, error) {
	f, err := DecodeFile(data)
	if err != nil {
		return nil, err
	}
	return New(f.Agents, f.Servers)
}

// DecodeFile decodes a registry document without building a Registry.
func DecodeFile(data []byte) (File, error) {
	var f File
	if len(data) > MaxFileSize {
		return f, fmt.Errorf("registry: file is %d bytes, larger than the %d byte limit", len(data), MaxFileSize)
	}
	var doc map[string]json.RawMessage
	if err := strictUnmarshal(data, &doc); err != nil {
		return f, fmt.Errorf("registry: %w", err)
	}
	for k := range doc {
		if k != "agents" && k != "mcp_servers" && k != "schema_version" {
			return f, fmt.Errorf("registry: unknown top-level field %q (want agents, mcp_servers)", k)
		}
	}
	var agents, servers []map[string]json.RawMessage
	if raw, ok := doc["agents"]; ok {
		if err := strictUnmarshal(raw, &agents); err != nil {
			return f, fmt.Errorf("registry: agents: %w", err)
		}
	}
	if raw, ok := doc["mcp_servers"]; ok {
		if err := strictUnmarshal(raw, &servers); err != nil {
			return f, fmt.Errorf("registry: mcp_servers: %w", err)
		}
	}
	for i, rec := range agents {
		name := recordName("agents", i, rec, "agent_id", "id")
		if err := checkFields(name, rec, agentFields); err != nil {
			return f, err
		}
		if _, ok := rec["agent_id"]; !ok {
			if id, ok := rec["id"]; ok {
				rec["agent_id"] = id
			}
		}
		delete(rec, "id")
		delete(rec, "schema_version")
		var a Agent
		if err := remarshal(rec, &a); err != nil {
			return f, fmt.Errorf("registry: %s: %w", name, err)
		}
		f.Agents = append(f.Agents, a)
	}
	for i, rec := range servers {
		name := recordName("mcp_servers", i, rec, "server_id", "id", "name")
		if err := checkFields(name, rec, serverFields); err != nil {
			return f, err
		}
		if _, ok := rec["server_id"]; !ok {
			if id, ok := rec["id"]; ok {
				rec["server_id"] = id
			}
		}
		delete(rec, "id")
		delete(rec, "schema_version")
		var s Server
		if err := remarshal(rec, &s); err != nil {
			return f, fmt.Errorf("registry: %s: %w", name, err)
		}
		f.Servers = append(f.Servers, s)
	}
	return f, nil
}

// LoadFile reads and parses a registry file.
func LoadFile(path string) (*Registry, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	if st.Size() > MaxFileSize {
		return nil, fmt.Errorf("registry: %s is %d bytes, larger than the %d byte limit", path, st.Size(), MaxFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	r, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Export renders the registry as an original-format document.
func (r *Registry) Export() ([]byte, error) {
	f := File{Agents: r.Agents(), Servers: r.Servers()}
	if f.Agents == nil {
		f.Agents = []Agent{}
	}
	if f.Servers == nil {
		f.Servers = []Server{}
	}
	return json.MarshalIndent(f, "", "  ")
}

func recordName(list string, i int, rec map[string]json.RawMessage, keys ...string) string {
	for _, k := range keys {
		var id string
		if json.Unmarshal(rec[k], &id) == nil && id != "" {
			return fmt.Sprintf("%s[%d] (%s)", list, i, id)
		}
	}
	return fmt.Sprintf("%s[%d]", list, i)
}

func checkFields(name string, rec map[string]json.RawMessage, allowed map[string]bool) error {
	var unknown []string
	for k := range rec {
		if !allowed[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("registry: %s: unknown field(s) %s", name, strings.Join(unknown, ", "))
	}
	return nil
}

func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the document")
	}
	return nil
}

func remarshal(rec map[string]json.RawMessage, v any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
