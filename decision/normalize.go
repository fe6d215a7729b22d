package decision

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrInvalidAction is wrapped by Normalize's errors: the action cannot be
// decided as given (an MCP call that names no server, or two spellings of
// its name that disagree).
var ErrInvalidAction = errors.New("invalid action")

// MCPName is the name of an MCP tool in the "mcp__<server>__<tool>" form
// that Claude Code, Codex and Gemini CLI give the tools of configured MCP
// servers.
func MCPName(server, tool string) string { return "mcp__" + server + "__" + tool }

// ParseMCPName splits "mcp__<server>__<tool>": the server is what comes
// before the first "__" after the prefix, the tool the rest. ok is false for
// any other string.
func ParseMCPName(name string) (server, tool string, ok bool) {
	rest, ok := strings.CutPrefix(name, "mcp__")
	if !ok {
		return "", "", false
	}
	server, tool, ok = strings.Cut(rest, "__")
	if !ok || server == "" || tool == "" {
		return "", "", false
	}
	return server, tool, true
}

// Normalize returns the action in the one form every part of CAVRA decides
// on, so that the spelling an adapter or caller chose cannot change the
// decision. Today that concerns MCP tool calls: the server and the tool may
// be given as Server and Tool, as Target "server:tool", or as an
// "mcp__server__tool" name in Tool or Target, with white space around any
// part. Normalize fills Server and Tool, sets Target to "server:tool" (or to
// "server" for a call that names no tool), and fails — wrapping ErrInvalidAction — when no server is named, when the
// spellings name different servers or tools, or when a name holds white
// space or control characters inside. Server ids and tool names keep their
// case: MCP tool names are case-sensitive, and so are the server names the
// agents' configurations use. Other actions are returned unchanged.
//
// Normalize is idempotent; an action it returned normalizes to itself.
func (a Action) Normalize() (Action, error) {
	if a.Type != MCPToolCall {
		return a, nil
	}
	var server, tool string
	merge := func(from, s, t string) error {
		s, t = strings.TrimSpace(s), strings.TrimSpace(t)
		if s != "" {
			if server != "" && server != s {
				return fmt.Errorf("%w: the MCP call names server %q and, in %s, %q", ErrInvalidAction, server, from, s)
			}
			server = s
		}
		if t != "" {
			if tool != "" && tool != t {
				return fmt.Errorf("%w: the MCP call names tool %q and, in %s, %q", ErrInvalidAction, tool, from, t)
			}
			tool = t
		}
		return nil
	}
	if err := merge("server", a.Server, ""); err != nil {
		return a, err
	}
	if s, t, ok := ParseMCPName(strings.TrimSpace(a.Tool)); ok {
		if err := merge("tool", s, t); err != nil {
			return a, err
		}
	} else if err := merge("tool", "", a.Tool); err != nil {
		return a, err
	}
	target := strings.TrimSpace(a.Target)
	if s, t, ok := ParseMCPName(target); ok {
		if err := merge("target", s, t); err != nil {
			return a, err
		}
	} else if s, t, ok := strings.Cut(target, ":"); ok {
		if err := merge("target", s, t); err != nil {
			return a, err
		}
	} else if err := merge("target", target, ""); err != nil {
		return a, err
	}
	switch {
	case server == "":
		return a, fmt.Errorf("%w: the MCP tool call names no server", ErrInvalidAction)
	case !plainName(server):
		return a, fmt.Errorf("%w: MCP server name %q holds white space or control characters", ErrInvalidAction, server)
	case !plainName(tool):
		return a, fmt.Errorf("%w: MCP tool name %q holds white space or control characters", ErrInvalidAction, tool)
	case strings.HasPrefix(tool, "mcp__"):
		// An agent's name for a tool in the place of the tool's own name:
		// ambiguous, and not idempotent.
		return a, fmt.Errorf("%w: MCP tool name %q is itself an mcp__ name", ErrInvalidAction, tool)
	case strings.Contains(server, ":"):
		return a, fmt.Errorf("%w: MCP server name %q holds a colon", ErrInvalidAction, server)
	}
	a.Server, a.Tool, a.Target = server, tool, server+":"+tool
	if tool == "" { // a call that names only its server, as the original CAVRA's demo does
		a.Target = server
	}
	return a, nil
}

// plainName reports whether s has no white space and no control or
// invisible formatting characters (which would let two names look alike).
func plainName(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}
