// Package mcpguard is what a guarded MCP server's calls need whatever the
// MCP library (go-sdk in adapters/mcp, mcp-go in adapters/mcpgo, the
// proxy): the action of a call, the roles of its arguments from the input
// schema and a mapping, the definition hash, the decision and the outcome
// record, and the texts of a block and of an approval request.
package mcpguard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/mcptool"
	"github.com/cavra-dev/cavra/registry"
)

// Input is what Action makes an action of.
type Input struct {
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

// Action is the mcp_tool_call action of one call.
func Action(in Input) cavra.Action {
	// The agent is what the caller says, else the client's own name (a
	// claim, not an identity), else "mcp-client".
	if in.Agent.ID == "" {
		in.Agent.ID = in.ClientName
	}
	if in.Agent.ID == "" {
		in.Agent.ID = "mcp-client"
	}
	if in.Agent.Type == "" {
		in.Agent.Type = "mcp_client"
	}
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
		// destructiveHint "is meaningful only when readOnlyHint == false"
		// (the MCP specification); mcp-go sets it true on every tool by
		// default, read-only ones too.
		if an.DestructiveHint != nil && !an.ReadOnlyHint {
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

// ArgRoles reads the roles of a tool's arguments from its input schema
// (the format of a property, or of an array property's items, when its
// name says nothing) and the program's mapping, which wins. A mapping with
// a role that is not one is an error: the tool is then not run.
func ArgRoles(schema json.RawMessage, mapping map[string]string) (map[string]string, error) {
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
			return nil, fmt.Errorf("tool mapping: argument %s: %w", name, err)
		}
		if name == "" || strings.ContainsAny(name, "=,") {
			return nil, fmt.Errorf("tool mapping: argument name %q cannot be mapped (empty, or holds = or ,)", name)
		}
		out[name] = r.String()
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// ToolHash is the definition hash the registry pins (registry.ToolHash).
func ToolHash(name, title, description string, schema json.RawMessage, an *registry.Annotations) (string, error) {
	if string(schema) == "null" {
		schema = nil
	}
	return registry.ToolHash(registry.Tool{Name: name, Title: title, Description: description, InputSchema: schema, Annotations: an})
}

// BlockText tells the model what was blocked and why.
func BlockText(server, tool string, d cavra.Decision) string {
	return fmt.Sprintf("CAVRA blocked this call of %s (tool %q of MCP server %q): %s\nRule %s, decision %s. The tool was not run; "+
		"do not retry it as it is: change what you asked for, or ask the user.", cavra.MCPName(server, tool), tool, server,
		strings.TrimSpace(d.Reason), d.RuleID, orNone(d.DecisionID))
}

// ApprovalText tells the model that a person must approve, and how.
func ApprovalText(server, tool string, d cavra.Decision) string {
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

// NewSessionID is an id for a session that has none.
func NewSessionID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "mcp_" + hex.EncodeToString(b[:])
}

// ParseRoleWord reads a role word of a mapping.
func ParseRoleWord(s string) (mcptool.Role, error) { return mcptool.ParseRole(s) }

// Decide decides one call's action through g, as the calling program's own
// server unless registryDecides. The decision is never zero: a Guard that
// fails answers a block that says why.
func Decide(ctx context.Context, g *cavra.Guard, a cavra.Action, registryDecides bool) cavra.Decision {
	if !registryDecides {
		ctx = cavra.WithOwnMCPServer(ctx, a.Server)
	}
	d, _ := g.Evaluate(ctx, a) // on an error d is a block that says so
	return d
}

// Check is Decide as a dry run (Guard.Check): nothing recorded. ok is false
// when the check failed.
func Check(ctx context.Context, g *cavra.Guard, a cavra.Action, registryDecides bool) (d cavra.Decision, ok bool) {
	if !registryDecides {
		ctx = cavra.WithOwnMCPServer(ctx, a.Server)
	}
	d, err := g.Check(ctx, a)
	return d, err == nil
}

// Refusal is the text of a decision that does not let the call run, and
// the decision as _meta for programs; ok is false for an allow.
func Refusal(server, tool string, d cavra.Decision) (text string, meta map[string]any, ok bool) {
	switch d.Decision {
	case cavra.Allow:
		return "", nil, false
	case cavra.RequireApproval:
		text = ApprovalText(server, tool, d)
	default:
		text = BlockText(server, tool, d)
	}
	meta = map[string]any{"decision": d.Decision.String(), "rule_id": d.RuleID, "reason": d.Reason}
	if d.DecisionID != "" {
		meta["decision_id"] = d.DecisionID
	}
	if d.ApprovalID != "" {
		meta["approval_id"] = d.ApprovalID
	}
	return text, meta, true
}

// MetaDecision is the _meta key of the decision a refused call carries.
const MetaDecision = "dev.cavra/decision"

// RecordOutcome records what an allowed call did: completed, or failed (a
// tool error, isError, or a protocol error, err), with a digest and the
// size of the result's JSON, never the result. The call has run: an
// outcome that cannot be written is not a reason to hide its result (the
// log that refused it blocks later decisions).
func RecordOutcome(ctx context.Context, g *cavra.Guard, a cavra.Action, d cavra.Decision, result []byte, isError bool, err error, took time.Duration) {
	o := cavra.ActionOutcome{ActionDigest: d.ActionDigest, CallID: d.DecisionID, Tool: cavra.MCPName(a.Server, a.Tool), Status: "completed"}
	ms := float64(took.Microseconds()) / 1000
	o.DurationMS = &ms
	if isError || err != nil {
		o.Status = "failed"
	}
	if result != nil {
		sum := sha256.Sum256(result)
		o.ResponseDigest, o.ResponseBytes = "sha256:"+hex.EncodeToString(sum[:]), len(result)
	}
	_, _ = g.RecordOutcome(ctx, a, o)
}

// DecodeArgs reads a call's arguments: absent or null is no arguments;
// anything but a JSON object is invalid.
func DecodeArgs(raw json.RawMessage) (map[string]any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return map[string]any{}, nil
	}
	var args map[string]any
	if err := json.Unmarshal(raw, &args); err != nil {
		return nil, fmt.Errorf("arguments are not a JSON object: %v", err)
	}
	if args == nil {
		args = map[string]any{}
	}
	return args, nil
}
