package claudecode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// MCPServerName is the key of CAVRA's entry in .mcp.json's mcpServers.
const MCPServerName = "cavra"

// MCPArgs are the arguments of CAVRA's MCP server entry.
var MCPArgs = []string{"mcp", "serve"}

// MCPConfigPath returns .mcp.json, Claude Code's project-scope MCP
// configuration, under dir.
func MCPConfigPath(dir string) string { return filepath.Join(dir, ".mcp.json") }

// mcpEntry is the entry InstallMCP writes.
type mcpEntry struct {
	Command string   `json:"command"`
	Args    []string `json:"args"`
}

// MCPConflictError reports an mcpServers.cavra entry that cavra did not
// write: InstallMCP leaves it alone unless forced.
type MCPConflictError struct {
	Existing json.RawMessage
}

func (e *MCPConflictError) Error() string {
	return fmt.Sprintf("mcpServers.%s already exists and is not CAVRA's MCP server (%s); left as it is", MCPServerName, e.Existing)
}

// MCPServeArgs are the arguments of CAVRA's MCP server entry for the state
// directory home: MCPArgs, then "--home" home (none when home is "").
func MCPServeArgs(home string) []string {
	if home == "" {
		return append([]string(nil), MCPArgs...)
	}
	return append(append([]string(nil), MCPArgs...), "--home", home)
}

// IsOurMCPEntry reports whether an mcpServers entry is one InstallMCP wrote:
// the arguments "mcp serve" (and a "--home DIR" after them) and a command
// that is self (the binary installing, whatever its name) or a program named
// cavra at any path (the binary moved, or was written as "cavra").
func IsOurMCPEntry(raw json.RawMessage, self string) bool {
	var e struct {
		Command string   `json:"command"`
		Args    []string `json:"args"`
	}
	if json.Unmarshal(raw, &e) != nil || len(e.Args) < len(MCPArgs) || !slices.Equal(e.Args[:len(MCPArgs)], MCPArgs) {
		return false
	}
	if rest := e.Args[len(MCPArgs):]; len(rest) != 0 && (len(rest) != 2 || rest[0] != "--home") {
		return false
	}
	if self != "" && e.Command == self {
		return true
	}
	base := filepath.Base(strings.ReplaceAll(e.Command, `\`, "/"))
	return base == "cavra" || strings.EqualFold(base, "cavra.exe")
}

// InstallMCP returns data (the bytes of a .mcp.json; empty for none) with
// mcpServers.cavra = {"command": command, "args": args} (MCPServeArgs).
// Every other server and key is kept as it was. An entry of ours already
// there (under any path) keeps its command; its arguments become args (an
// older install gets the state directory pinned). A different
// mcpServers.cavra is an *MCPConflictError, unless force, which replaces it.
func InstallMCP(data []byte, command string, args []string, force bool) ([]byte, bool, error) {
	doc, servers, err := parseMCP(data)
	if err != nil {
		return nil, false, err
	}
	var entry []byte
	if raw, ok := servers.get(MCPServerName); ok {
		switch {
		case IsOurMCPEntry(raw, command):
			obj, err := parseObject(raw)
			if err != nil {
				return nil, false, err
			}
			var have []string
			if v, ok := obj.get("args"); ok && json.Unmarshal(v, &have) == nil && slices.Equal(have, args) {
				return data, false, nil
			}
			b, err := marshal(args)
			if err != nil {
				return nil, false, err
			}
			obj.set("args", b)
			if entry, err = obj.MarshalJSON(); err != nil {
				return nil, false, err
			}
		case !force:
			return nil, false, &MCPConflictError{Existing: compactOrRaw(raw)}
		}
	}
	if entry == nil {
		if entry, err = marshal(mcpEntry{Command: command, Args: args}); err != nil {
			return nil, false, err
		}
	}
	servers.set(MCPServerName, entry)
	b, err := servers.MarshalJSON()
	if err != nil {
		return nil, false, err
	}
	doc.set("mcpServers", b)
	out, err := doc.render()
	return out, true, err
}

// UninstallMCP removes mcpServers.cavra if it is ours (IsOurMCPEntry), and
// mcpServers with it when no server is left.
func UninstallMCP(data []byte, self string) ([]byte, bool, error) {
	doc, servers, err := parseMCP(data)
	if err != nil {
		return nil, false, err
	}
	raw, ok := servers.get(MCPServerName)
	if !ok || !IsOurMCPEntry(raw, self) {
		return data, false, nil
	}
	servers.del(MCPServerName)
	if servers.len() == 0 {
		doc.del("mcpServers")
	} else {
		b, err := servers.MarshalJSON()
		if err != nil {
			return nil, false, err
		}
		doc.set("mcpServers", b)
	}
	out, err := doc.render()
	return out, true, err
}

// MCPInstalled reports whether data has CAVRA's MCP server entry, and
// returns the entry found under mcpServers.cavra (ours or not).
func MCPInstalled(data []byte, self string) (ours bool, entry json.RawMessage, err error) {
	_, servers, err := parseMCP(data)
	if err != nil {
		return false, nil, err
	}
	raw, ok := servers.get(MCPServerName)
	if !ok {
		return false, nil, nil
	}
	return IsOurMCPEntry(raw, self), compactOrRaw(raw), nil
}

// MCPEmpty reports whether data has no servers and no other key left.
func MCPEmpty(data []byte) bool {
	doc, servers, err := parseMCP(data)
	if err != nil || servers.len() > 0 {
		return false
	}
	doc.del("mcpServers")
	return doc.len() == 0
}

func parseMCP(data []byte) (doc, servers *jsonObject, err error) {
	doc, err = parseObject(data)
	if err != nil {
		return nil, nil, fmt.Errorf("not a JSON object (Claude Code would not load its servers): %w", err)
	}
	servers = newObject()
	if raw, ok := doc.get("mcpServers"); ok {
		if servers, err = objectValue(raw); err != nil {
			return nil, nil, fmt.Errorf("mcpServers %v", err)
		}
	}
	return doc, servers, nil
}

func compactOrRaw(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// proxyArgs are the arguments that start a wrapped entry's.
var proxyArgs = []string{"mcp", "proxy", "--server-id"}

// WrapMCP returns data (a .mcp.json) with each stdio server entry (one with
// a command) but CAVRA's own launched through the proxy instead:
// {"command": self, "args": ["mcp", "proxy", "--server-id", NAME, ("--home",
// home,) "--", COMMAND, ARGS...]}, every other key of the entry (env…)
// kept. The original command and arguments are the ones after "--", so
// UnwrapMCP restores them exactly. wrapped names the servers it wrapped;
// an entry wrapped already, or over HTTP (a url), is left as it is.
func WrapMCP(data []byte, self, home string) (out []byte, wrapped []string, err error) {
	doc, servers, err := parseMCP(data)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range slices.Clone(servers.keys) {
		raw, _ := servers.get(name)
		if name == MCPServerName || IsOurMCPEntry(raw, self) || isWrapped(raw) {
			continue
		}
		obj, err := parseObject(raw)
		if err != nil {
			continue
		}
		var e struct {
			Command string   `json:"command"`
			Args    []string `json:"args"`
		}
		if json.Unmarshal(raw, &e) != nil || e.Command == "" {
			continue
		}
		args := append(slices.Clone(proxyArgs), name)
		if home != "" {
			args = append(args, "--home", home)
		}
		args = append(append(args, "--", e.Command), e.Args...)
		cb, _ := marshal(self)
		ab, err := marshal(args)
		if err != nil {
			return nil, nil, err
		}
		obj.set("command", cb)
		obj.set("args", ab)
		b, err := obj.MarshalJSON()
		if err != nil {
			return nil, nil, err
		}
		servers.set(name, b)
		wrapped = append(wrapped, name)
	}
	if len(wrapped) == 0 {
		return data, nil, nil
	}
	out, err = renderServers(doc, servers)
	return out, wrapped, err
}

// renderServers puts the edited mcpServers object back into the document.
func renderServers(doc, servers *jsonObject) ([]byte, error) {
	b, err := servers.MarshalJSON()
	if err != nil {
		return nil, err
	}
	doc.set("mcpServers", b)
	return doc.render()
}

// UnwrapMCP undoes WrapMCP: each wrapped entry gets back the command and
// arguments after its "--" (an entry that had no arguments gets none).
func UnwrapMCP(data []byte) (out []byte, unwrapped []string, err error) {
	doc, servers, err := parseMCP(data)
	if err != nil {
		return nil, nil, err
	}
	for _, name := range slices.Clone(servers.keys) {
		raw, _ := servers.get(name)
		if !isWrapped(raw) {
			continue
		}
		obj, err := parseObject(raw)
		if err != nil {
			continue
		}
		var e struct {
			Args []string `json:"args"`
		}
		_ = json.Unmarshal(raw, &e)
		i := slices.Index(e.Args, "--")
		cb, _ := marshal(e.Args[i+1])
		obj.set("command", cb)
		if rest := e.Args[i+2:]; len(rest) > 0 {
			ab, _ := marshal(rest)
			obj.set("args", ab)
		} else {
			obj.del("args")
		}
		b, err := obj.MarshalJSON()
		if err != nil {
			return nil, nil, err
		}
		servers.set(name, b)
		unwrapped = append(unwrapped, name)
	}
	if len(unwrapped) == 0 {
		return data, nil, nil
	}
	out, err = renderServers(doc, servers)
	return out, unwrapped, err
}

// isWrapped reports whether an entry is one WrapMCP wrote: its arguments
// are "mcp proxy --server-id NAME … -- COMMAND …" (whatever the path and
// name of the cavra binary).
func isWrapped(raw json.RawMessage) bool {
	var e struct {
		Command string   `json:"command"`
		Args    []string `json:"args"`
	}
	if json.Unmarshal(raw, &e) != nil || len(e.Args) < len(proxyArgs)+1 || !slices.Equal(e.Args[:len(proxyArgs)], proxyArgs) {
		return false
	}
	i := slices.Index(e.Args, "--")
	return i > len(proxyArgs) && i+1 < len(e.Args)
}
