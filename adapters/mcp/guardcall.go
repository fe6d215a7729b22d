package mcp

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"strconv"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/mcptool"
	"github.com/cavra-dev/cavra/registry"
)

// This file holds what a guarded MCP server's calls need whatever the MCP
// library: building the action, reading the input schema, the texts of a
// block and an approval. It does not use the go-sdk's types beyond the
// annotations' conversion, so the mcp-go adapter and the proxy reuse it.

// callInput is what callAction makes an action of.
type callInput struct {
	Server, Tool              string
	Args                      map[string]any
	Agent                     cavra.Agent
	Root                      string
	Context                   map[string]string
	ClientName, ClientVersion string
	Hash                      string
	Annotations               *registry.Annotations
	Roles                     map[string]string
}

// Context keys of the MCP client that calls (from the initialize
// handshake's clientInfo).
const (
	ContextClientName    = "mcp_client_name"
	ContextClientVersion = "mcp_client_version"
)

// callAction is the mcp_tool_call action of one call.
func callAction(in callInput) cavra.Action {
	c := make(map[string]string, len(in.Context)+8)
	maps.Copy(c, in.Context)
	if in.Root != "" {
		root := in.Root
		if abs, err := filepath.Abs(root); err == nil {
			root = abs
		}
		c[decision.ContextCwd] = filepath.ToSlash(root)
		c[decision.ContextToolLocal] = "true"
	}
	if in.ClientName != "" {
		c[ContextClientName] = in.ClientName
	}
	if in.ClientVersion != "" {
		c[ContextClientVersion] = in.ClientVersion
	}
	if in.Hash != "" {
		c[decision.ContextToolHash] = in.Hash
	}
	if an := in.Annotations; an != nil {
		c[decision.ContextToolReadOnly] = strconv.FormatBool(an.ReadOnlyHint)
		c[decision.ContextToolIdempotent] = strconv.FormatBool(an.IdempotentHint)
		if an.DestructiveHint != nil {
			c[decision.ContextToolDestructive] = strconv.FormatBool(*an.DestructiveHint)
		}
		if an.OpenWorldHint != nil {
			c[decision.ContextToolOpenWorld] = strconv.FormatBool(*an.OpenWorldHint)
		}
	}
	if len(in.Roles) > 0 {
		roles := make(map[string]mcptool.Role, len(in.Roles))
		for k, v := range in.Roles {
			if r, err := mcptool.ParseRole(v); err == nil {
				roles[k] = r
			}
		}
		if s := mcptool.FormatRoles(roles); s != "" {
			c[decision.ContextToolArgRoles] = s
		}
	}
	return cavra.Action{Type: cavra.MCPToolCall, Server: in.Server, Tool: in.Tool, Args: in.Args, Agent: in.Agent, Context: c}
}

// Formats of the input schema that say what a string property is, for a
// property whose name says nothing (JSON Schema's own formats, and the
// common path formats some servers use).
var (
	urlFormats  = map[string]bool{"uri": true, "url": true, "iri": true, "uri-reference": true, "iri-reference": true}
	pathFormats = map[string]bool{"path": true, "file-path": true, "filepath": true, "file": true, "directory": true,
		"dir-path": true, "directory-path": true, "filename": true}
)

// argRoles reads the roles of a tool's arguments from its input schema
// (the format of a property, or of an array property's items, when its
// name says nothing) and the program's mapping, which wins. A mapping with
// a role that is not one is an error: the tool is then not run.
func argRoles(schema json.RawMessage, mapping map[string]string) (map[string]string, error) {
	out := map[string]string{}
	var s struct {
		Properties map[string]struct {
			Format string `json:"format"`
			Items  *struct {
				Format string `json:"format"`
			} `json:"items"`
		} `json:"properties"`
	}
	if len(schema) > 0 && json.Unmarshal(schema, &s) == nil {
		for name, p := range s.Properties {
			if mcptool.Known(name) {
				continue
			}
			f := p.Format
			if f == "" && p.Items != nil {
				f = p.Items.Format
			}
			switch f = strings.ToLower(f); {
			case urlFormats[f]:
				out[name] = "url"
			case pathFormats[f]:
				out[name] = "path"
			}
		}
	}
	for name, role := range mapping {
		r, err := mcptool.ParseRole(role)
		if err != nil {
			return nil, fmt.Errorf("GuardOptions.Tools: argument %s: %w", name, err)
		}
		if name == "" || strings.ContainsAny(name, "=,") {
			return nil, fmt.Errorf("GuardOptions.Tools: argument name %q cannot be mapped (empty, or holds = or ,)", name)
		}
		out[name] = r.String()
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// annotationsOf converts the go-sdk's annotations to the registry's.
func annotationsOf(a *sdk.ToolAnnotations) *registry.Annotations {
	if a == nil {
		return nil
	}
	return &registry.Annotations{Title: a.Title, ReadOnlyHint: a.ReadOnlyHint, DestructiveHint: a.DestructiveHint,
		IdempotentHint: a.IdempotentHint, OpenWorldHint: a.OpenWorldHint}
}

// toolHash is the definition hash the registry pins (registry.ToolHash).
func toolHash(name, title, description string, schema json.RawMessage, an *registry.Annotations) (string, error) {
	if string(schema) == "null" {
		schema = nil
	}
	return registry.ToolHash(registry.Tool{Name: name, Title: title, Description: description, InputSchema: schema, Annotations: an})
}

// blockText tells the model what was blocked and why.
func blockText(server, tool string, d cavra.Decision) string {
	return fmt.Sprintf("CAVRA blocked this call of %s (tool %q of MCP server %q): %s\nRule %s, decision %s. The tool was not run; "+
		"do not retry it as it is: change what you asked for, or ask the user.", cavra.MCPName(server, tool), tool, server,
		strings.TrimSpace(d.Reason), d.RuleID, orNone(d.DecisionID))
}

// approvalText tells the model that a person must approve, and how.
func approvalText(server, tool string, d cavra.Decision) string {
	if d.ApprovalID == "" {
		return fmt.Sprintf("CAVRA requires approval for this call of %s (rule %s): %s\nNo approval request could be created, "+
			"so the tool was not run.", cavra.MCPName(server, tool), d.RuleID, strings.TrimSpace(d.Reason))
	}
	group := ""
	if d.ApproverGroup != "" {
		group = " (" + d.ApproverGroup + ")"
	}
	return fmt.Sprintf("CAVRA requires approval for this call of %s (rule %s): %s\nApproval request %s waits for a person%s; "+
		"the tool was not run. Ask the user to approve it on their terminal:\n  cavra approval approve %s --local --reason '…'\n"+
		"then call the tool again with the same arguments.", cavra.MCPName(server, tool), d.RuleID, strings.TrimSpace(d.Reason),
		d.ApprovalID, group, d.ApprovalID)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func newSessionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "mcp_" + hex.EncodeToString(b[:])
}

// parseRoleWord reads a role word of GuardOptions.Tools.
func parseRoleWord(s string) (mcptool.Role, error) { return mcptool.ParseRole(s) }
