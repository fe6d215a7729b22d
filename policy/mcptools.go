package policy

import (
	"fmt"
	"strings"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/mcptool"
)

// MCPTool is what a pack says about one MCP tool's arguments (mcp.tools):
// which argument is a path read or written, a command, a URL, SQL…, and
// whether its paths are this machine's. The key it is under is the tool's
// name, for the tool of that name on any server, or "server:tool".
type MCPTool struct {
	// Args maps an argument's name (a property name at any depth; an
	// array's elements take its role) to a role: path, read, write, dir,
	// command, code, url, host, sql or branch.
	Args map[string]string `json:"args,omitempty"`
	// Local: the tool's paths are this machine's files, relative ones under
	// the action's working directory.
	Local bool `json:"local,omitempty"`
}

// mcpToolHints is a compiled mcp.tools entry.
type mcpToolHints struct {
	roles map[string]mcptool.Role
	local bool
}

// compileMCPTools checks and compiles mcp.tools.
func compileMCPTools(in map[string]MCPTool) (map[string]mcpToolHints, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make(map[string]mcpToolHints, len(in))
	for key, t := range in {
		server, tool, scoped := strings.Cut(key, ":")
		if strings.TrimSpace(key) == "" || scoped && (server == "" || tool == "" || strings.Contains(tool, ":")) {
			return nil, fmt.Errorf("policy: mcp.tools: key %q is not a tool name or server:tool", key)
		}
		h := mcpToolHints{roles: make(map[string]mcptool.Role, len(t.Args)), local: t.Local}
		for arg, role := range t.Args {
			if arg == "" || strings.ContainsAny(arg, "=,") {
				return nil, fmt.Errorf("policy: mcp.tools.%s.args: argument name %q cannot be mapped (empty, or holds = or ,)", key, arg)
			}
			r, err := mcptool.ParseRole(role)
			if err != nil {
				return nil, fmt.Errorf("policy: mcp.tools.%s.args.%s: %w", key, arg, err)
			}
			h.roles[arg] = r
		}
		out[key] = h
	}
	return out, nil
}

// MCPTools returns the pack's argument roles of MCP tools (mcp.tools), by
// tool name or server:tool, roles as written.
func (s *Set) MCPTools() map[string]MCPTool {
	out := make(map[string]MCPTool, len(s.mcpTools))
	for k, h := range s.mcpTools {
		t := MCPTool{Args: make(map[string]string, len(h.roles)), Local: h.local}
		for a, r := range h.roles {
			t.Args[a] = r.String()
		}
		out[k] = t
	}
	return out
}

// mcpHints are the hints a call's arguments are read with: the adapter's
// (the action's context: GuardOptions.Tools, the input schema's formats),
// then the pack's for the tool by name, then for server:tool. The pack's
// role of an argument replaces the adapter's: the policy's author has the
// last word on what an argument is.
func (e *evaluation) mcpHints(server, tool string) mcptool.Hints {
	h := mcptool.HintsOf(e.act.Context[decision.ContextToolArgRoles], e.act.Context[decision.ContextToolLocal])
	if len(e.set.mcpTools) == 0 {
		return h
	}
	byName, ok1 := e.set.mcpTools[tool]
	byServer, ok2 := e.set.mcpTools[server+":"+tool]
	if !ok1 && !ok2 {
		return h
	}
	roles := make(map[string]mcptool.Role, len(h.Roles)+len(byName.roles)+len(byServer.roles))
	for _, m := range []map[string]mcptool.Role{h.Roles, byName.roles, byServer.roles} {
		for k, v := range m {
			roles[k] = v
		}
	}
	h.Roles = roles
	h.Local = h.Local || byName.local || byServer.local
	return h
}

// mcpPinnedFloor is the tool's own verdict under a registry that allows
// the call: a registered server with the tool pinned proves who serves
// the tool and that its definition is the one reviewed, not that a call
// destroying something is safe. So a destructive tool (delete_repository,
// drop_table) is still judged by what it does — asked about or blocked as
// on an unregistered server — unless a pack rule decided the call.
func (e *evaluation) mcpPinnedFloor(call *mcptool.Call) (decision.Match, bool) {
	if e.opts.MCPVerdict.Decision != decision.Allow || e.opts.MCPArgsAreData || e.celHit {
		return decision.Match{}, false
	}
	m := e.mcpToolVerdict(call)
	if !strings.HasPrefix(m.RuleID, "mcp.tool.delete.") {
		return decision.Match{}, false
	}
	return m, true
}
