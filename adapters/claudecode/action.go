// Package claudecode connects CAVRA to Claude Code's hooks. This file maps
// one tool call, as a PreToolUse hook receives it, to the action CAVRA
// decides about; the hook codec and handler build on it.
package claudecode

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
)

// ToolCall is the part of a Claude Code hook payload that says what the agent
// wants to do. Unknown fields of the payload are ignored.
type ToolCall struct {
	ToolName  string         `json:"tool_name"`
	ToolInput map[string]any `json:"tool_input"`
	Cwd       string         `json:"cwd"`
}

// Action maps a tool call to a CAVRA action. It is lenient: a missing or
// mistyped field gives an empty target, which the policy refuses (a file
// action without a path, an empty command), rather than an error here.
//
//   - Bash: execute_command on tool_input.command; with
//     dangerouslyDisableSandbox set (anything but false or absent), the
//     context says sandbox=disabled, which the Guard refuses unless the
//     policy allows the command unsandboxed.
//   - Read, Glob, Grep: read_file on tool_input.file_path or .path ("." when
//     Glob or Grep searches the working directory).
//   - Write, Edit, MultiEdit: write_file on tool_input.file_path;
//     NotebookEdit on .notebook_path.
//   - WebFetch, WebSearch: http_request on tool_input.url (WebSearch without
//     a URL: its query).
//   - mcp__<server>__<tool>: mcp_tool_call with Server, Tool and the input as
//     Args.
//   - anything else: tool_call with the tool's name.
//
// The working directory goes into the context as "cwd"; the whole tool
// input is kept as Args.
func Action(c ToolCall) cavra.Action {
	in := c.ToolInput
	a := cavra.Action{Tool: c.ToolName, Args: in}
	if c.Cwd != "" {
		a.Context = map[string]string{"cwd": c.Cwd}
	}
	switch c.ToolName {
	case "Bash":
		a.Type, a.Target = cavra.ExecuteCommand, str(in, "command")
		if asksUnsandboxed(in) {
			if a.Context == nil {
				a.Context = map[string]string{}
			}
			a.Context[decision.ContextSandbox] = decision.SandboxDisabled
		}
	case "Read":
		a.Type, a.Target = cavra.ReadFile, str(in, "file_path")
	case "Glob", "Grep":
		a.Type, a.Target = cavra.ReadFile, first(str(in, "path"), str(in, "file_path"), ".")
	case "Write", "Edit", "MultiEdit":
		a.Type, a.Target = cavra.WriteFile, str(in, "file_path")
	case "NotebookEdit":
		a.Type, a.Target = cavra.WriteFile, first(str(in, "notebook_path"), str(in, "file_path"))
	case "WebFetch", "WebSearch":
		a.Type, a.Target = cavra.HTTPRequest, first(str(in, "url"), str(in, "query"))
	default:
		if server, tool, ok := cavra.ParseMCPName(c.ToolName); ok {
			a.Type, a.Server, a.Tool = cavra.MCPToolCall, server, tool
			a.Target = server + ":" + tool
			return a
		}
		a.Type, a.Target = cavra.ToolCall, c.ToolName
	}
	return a
}

// ParseToolCall reads a hook payload (or just {tool_name, tool_input, cwd})
// and maps it with Action.
func ParseToolCall(data []byte) (cavra.Action, error) {
	var c ToolCall
	if err := json.Unmarshal(data, &c); err != nil {
		return cavra.Action{}, fmt.Errorf("claudecode: tool call: %w", err)
	}
	return Action(c), nil
}

// str returns in[key] as a string; numbers and booleans are formatted, other
// kinds give "".
func str(in map[string]any, key string) string {
	switch v := in[key].(type) {
	case string:
		return v
	case float64, bool, json.Number:
		return fmt.Sprint(v)
	}
	return ""
}

func first(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}

// asksUnsandboxed reports whether a Bash input asks to run outside Claude
// Code's sandbox. Claude Code sends a boolean; any other present value
// (a string "true", a number) counts as asking too, so an odd encoding
// cannot slip past.
func asksUnsandboxed(in map[string]any) bool {
	v, ok := in["dangerouslyDisableSandbox"]
	if !ok || v == nil {
		return false
	}
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return !strings.EqualFold(strings.TrimSpace(x), "false") && strings.TrimSpace(x) != ""
	}
	return true
}
