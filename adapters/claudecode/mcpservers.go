package claudecode

import (
	"fmt"
	"path/filepath"
)

// MCPServer is one server of an agent's MCP configuration: its key under
// mcpServers (the name its tools are called under, mcp__<name>__<tool>) and
// its entry as written.
type MCPServer struct {
	Name  string
	Entry []byte
}

// UserStatePath returns ~/.claude.json under home: Claude Code's own state
// file, where it keeps the user-scope MCP servers (top-level mcpServers)
// and each project's local-scope ones (projects[<dir>].mcpServers).
func UserStatePath(home string) string { return filepath.Join(home, ".claude.json") }

// MCPServers returns the servers of a .mcp.json (data; empty for none), in
// the order of the file.
func MCPServers(data []byte) ([]MCPServer, error) {
	_, servers, err := parseMCP(data)
	if err != nil {
		return nil, err
	}
	return serverList(servers), nil
}

// UserMCPServers returns the servers of ~/.claude.json (data; empty for
// none): the user-scope ones (top-level mcpServers) and the local-scope ones
// of the project under the first of projects (the keys Claude Code may
// use for the project's directory) that the file has.
func UserMCPServers(data []byte, projects ...string) (user, local []MCPServer, err error) {
	doc, servers, err := parseMCP(data)
	if err != nil {
		return nil, nil, err
	}
	user = serverList(servers)
	raw, ok := doc.get("projects")
	if !ok {
		return user, nil, nil
	}
	all, err := objectValue(raw)
	if err != nil {
		return user, nil, fmt.Errorf("projects %v", err)
	}
	for _, p := range projects {
		raw, ok := all.get(p)
		if !ok {
			continue
		}
		proj, err := objectValue(raw)
		if err != nil {
			return user, nil, fmt.Errorf("projects[%q] %v", p, err)
		}
		servers := newObject()
		if raw, ok := proj.get("mcpServers"); ok {
			if servers, err = objectValue(raw); err != nil {
				return user, nil, fmt.Errorf("projects[%q].mcpServers %v", p, err)
			}
		}
		return user, serverList(servers), nil
	}
	return user, nil, nil
}

func serverList(servers *jsonObject) []MCPServer {
	out := make([]MCPServer, 0, servers.len())
	for _, k := range servers.keys {
		out = append(out, MCPServer{Name: k, Entry: compactOrRaw(servers.vals[k])})
	}
	return out
}
