package registry

import (
	"fmt"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/mcptool"
)

// GroupAIGovernance is the approver group of registry decisions.
const GroupAIGovernance = "AI Governance"

// Policy says how the registry treats what it does not know.
type Policy struct {
	// UnregisteredAgent is the outcome for an agent the registry does not
	// know: Allow (the default; the decision carries a
	// registry.agent.unregistered match as a flag), RequireApproval or Block.
	UnregisteredAgent decision.Outcome
	// AllowUnknownServers turns the original's default — an unregistered MCP
	// server is blocked — into require_approval.
	AllowUnknownServers bool
}

// Call is an MCP tool call as the registry sees it.
type Call struct {
	Server     string
	Tool       string
	Capability string // optional, as the caller declares it
	// Hash is the current definition hash of the tool (ToolHash), when the
	// caller knows it (an MCP proxy does). Without it pins cannot be checked.
	Hash        string
	Annotations *Annotations
}

// CheckAgent returns the registry's matches about who is acting: the kill
// switch, the agent's tool and repository allowance, and unregistered agents.
func (r *Registry) CheckAgent(a decision.Action, p Policy) []decision.Match {
	id := a.Agent.ID
	rec := (*Agent)(nil)
	if r != nil {
		rec = r.agents[id]
	}
	if rec == nil {
		o := p.UnregisteredAgent
		if !o.Valid() {
			o = decision.Allow
		}
		m := decision.Match{RuleID: "registry.agent.unregistered", Decision: o, Severity: decision.Low,
			Reason: fmt.Sprintf("Agent %q is not registered.", id), Subject: id}
		switch o {
		case decision.RequireApproval:
			m.Severity, m.ApproverGroup = decision.Medium, GroupAIGovernance
		case decision.Block:
			m.Severity = decision.High
		}
		return []decision.Match{m}
	}
	if rec.Status != Active {
		why := ""
		if rec.StatusReason != "" {
			why = ": " + rec.StatusReason
		}
		return []decision.Match{{RuleID: "registry.agent.disabled", Decision: decision.Block, Severity: decision.Critical,
			Reason: fmt.Sprintf("Agent %q is %s%s.", id, rec.Status, why), Subject: id}}
	}
	var out []decision.Match
	if tool := actionTool(a); len(rec.AllowedTools) > 0 && tool != "" && !matchAny(rec.AllowedTools, tool) {
		out = append(out, decision.Match{RuleID: "registry.agent.scope", Decision: decision.RequireApproval, Severity: decision.Medium,
			Reason: fmt.Sprintf("Tool %q is outside agent %q's allowed tools.", tool, id), Subject: tool, ApproverGroup: GroupAIGovernance})
	}
	if len(rec.AllowedRepositories) > 0 {
		repo := a.Context[decision.ContextRepo]
		switch {
		case repo == "":
			out = append(out, decision.Match{RuleID: "registry.agent.scope", Decision: decision.RequireApproval, Severity: decision.Medium,
				Reason: fmt.Sprintf("Agent %q may only work in allowed repositories, and this action names none.", id), ApproverGroup: GroupAIGovernance})
		case !matchAny(rec.AllowedRepositories, repo):
			out = append(out, decision.Match{RuleID: "registry.agent.scope", Decision: decision.RequireApproval, Severity: decision.Medium,
				Reason: fmt.Sprintf("Repository %q is outside agent %q's allowed repositories.", repo, id), Subject: repo, ApproverGroup: GroupAIGovernance})
		}
	}
	if out == nil {
		out = []decision.Match{{RuleID: "registry.agent.allow", Decision: decision.Allow, Severity: decision.Low,
			Reason: fmt.Sprintf("Agent %q is registered and active.", id), Subject: id}}
	}
	return out
}

// actionTool is the tool an action uses, for allowance checks: the
// action's tool, or for an MCP call "mcp__<server>__<tool>" of its
// normalized names (decision.Action.Normalize), however the caller spelled
// them.
func actionTool(a decision.Action) string {
	if a.Type == decision.MCPToolCall {
		n, err := a.Normalize()
		if err != nil {
			return a.Tool // the policy blocks an action that does not normalize
		}
		return decision.MCPName(n.Server, n.Tool)
	}
	return a.Tool
}

// CallOf is the registry's view of an MCP tool call action: its normalized
// server and tool (decision.Action.Normalize), the capability it declares
// as its operation and the tool definition hash in its "tool_hash" context.
// ok is false when the action is not an MCP call or does not normalize.
func CallOf(a decision.Action) (c Call, ok bool) {
	if a.Type != decision.MCPToolCall {
		return Call{}, false
	}
	n, err := a.Normalize()
	if err != nil {
		return Call{}, false
	}
	return Call{Server: n.Server, Tool: n.Tool, Capability: n.Operation, Hash: n.Context[decision.ContextToolHash],
		Annotations: annotationsOf(n.Context)}, true
}

// matchAny reports whether s equals, or matches as a glob (allows), one
// of the patterns.
func matchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if allows(p, s) {
			return true
		}
	}
	return false
}

// CheckServer returns the registry's decision about an MCP tool call, in the
// original CAVRA's order — unknown, blocked or denied, pending or
// unproven tier, tool scope, capability scope, allow — with the tool-pin
// check after blocked: a pinned tool whose definition changed is blocked
// until it is pinned again. The first row that applies decides.
func (r *Registry) CheckServer(c Call, p Policy) decision.Match {
	s := r.server(c.Server)
	subject := c.Server + ":" + c.Tool
	switch {
	case s == nil:
		if p.AllowUnknownServers {
			return decision.Match{RuleID: "mcp.registry.unknown", Decision: decision.RequireApproval, Severity: decision.High,
				Reason: "MCP server is not registered.", Subject: subject, ApproverGroup: GroupAIGovernance}
		}
		return decision.Match{RuleID: "mcp.registry.unknown", Decision: decision.Block, Severity: decision.High,
			Reason: "MCP server is not registered.", Subject: subject}
	case s.TrustTier == Blocked || s.ApprovalState == StateDenied:
		return decision.Match{RuleID: "mcp.registry.blocked", Decision: decision.Block, Severity: decision.High,
			Reason: "MCP server is blocked or denied in the trust registry.", Subject: subject}
	}
	if pin, ok := s.Pins[c.Tool]; ok && c.Hash != "" && pin.Hash != c.Hash {
		return decision.Match{RuleID: "mcp.registry.tool_changed", Decision: decision.Block, Severity: decision.Critical,
			Reason:  fmt.Sprintf("MCP tool %q changed since it was approved (pinned %s, now %s); re-approve it with cavra registry mcp-pin.", c.Tool, short(pin.Hash), short(c.Hash)),
			Subject: subject}
	}
	switch {
	case s.ApprovalState == StatePending || s.TrustTier == Unknown || s.TrustTier == Experimental:
		return decision.Match{RuleID: "mcp.registry.requires_approval", Decision: decision.RequireApproval, Severity: decision.Medium,
			Reason: "MCP server requires trust approval before use.", Subject: subject, ApproverGroup: GroupAIGovernance}
	case len(s.AllowedTools) > 0 && !matchAny(s.AllowedTools, c.Tool):
		return decision.Match{RuleID: "mcp.registry.tool_scope", Decision: decision.RequireApproval, Severity: decision.Medium,
			Reason: "MCP tool is outside the server's approved tool scope.", Subject: subject, ApproverGroup: GroupAIGovernance}
	case c.Capability != "" && len(s.Capabilities) > 0 && !contains(s.Capabilities, c.Capability):
		return decision.Match{RuleID: "mcp.registry.capability_scope", Decision: decision.RequireApproval, Severity: decision.Medium,
			Reason: "MCP capability is outside the server's approved capability scope.", Subject: subject, ApproverGroup: GroupAIGovernance}
	case len(s.Pins) > 0 && c.Hash != "" && s.Pins[c.Tool].Hash == "":
		return decision.Match{RuleID: "mcp.registry.tool_unpinned", Decision: decision.RequireApproval, Severity: decision.Medium,
			Reason: fmt.Sprintf("MCP tool %q is not among the server's pinned tools.", c.Tool), Subject: subject, ApproverGroup: GroupAIGovernance}
	}
	return decision.Match{RuleID: "mcp.registry.allow", Decision: decision.Allow, Severity: decision.Low,
		Reason: "MCP server is approved in the trust registry.", Subject: subject}
}

func short(h string) string {
	if len(h) > 19 {
		return h[:19]
	}
	return h
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

// AgentFacts returns what CEL rules see as `agent`: the action's identity
// plus the registry record when there is one.
func (r *Registry) AgentFacts(a decision.Action) map[string]any {
	f := map[string]any{"id": a.Agent.ID, "type": a.Agent.Type, "session": a.Agent.Session, "actor": a.Agent.Actor,
		"registered": false, "status": "", "profile": "", "capabilities": []any{}, "scopes": []any{}, "risk_tier": "", "owner": ""}
	if rec := r.agentRec(a.Agent.ID); rec != nil {
		f["registered"], f["status"], f["profile"], f["risk_tier"], f["owner"] = true, string(rec.Status), rec.Profile, rec.RiskTier, rec.Owner
		f["capabilities"], f["scopes"] = anyList(rec.Capabilities), anyList(rec.Scopes)
		if f["type"] == "" {
			f["type"] = rec.Type
		}
	}
	return f
}

func (r *Registry) agentRec(id string) *Agent {
	if r == nil {
		return nil
	}
	return r.agents[id]
}

// ServerFacts returns what CEL rules see as `server` for an MCP call,
// including `server.tool` {name, class, pinned, changed, read_only,
// destructive, open_world}.
func (r *Registry) ServerFacts(c Call) map[string]any {
	s := r.server(c.Server)
	tool := map[string]any{"name": c.Tool, "class": Classify(s, c.Tool), "pinned": false, "changed": false,
		"read_only": false, "destructive": false, "open_world": false, "kind": "unknown", "verb": ""}
	if n := mcptool.ParseName(c.Tool); n.Verb != "" {
		tool["kind"], tool["verb"] = n.Kind.String(), n.Verb // the policy raises kind by the annotations
	}
	if an := c.Annotations; an != nil {
		tool["read_only"] = an.ReadOnlyHint
		tool["destructive"] = an.DestructiveHint != nil && *an.DestructiveHint
		tool["open_world"] = an.OpenWorldHint != nil && *an.OpenWorldHint
	}
	f := map[string]any{"id": c.Server, "name": c.Server, "registered": false, "trust_tier": string(Unknown),
		"approval_state": "", "capabilities": []any{}, "allowed_tools": []any{}, "owner": "", "tool": tool}
	if s != nil {
		f["id"], f["name"], f["registered"] = s.ID, s.Name, true
		f["trust_tier"], f["approval_state"], f["owner"] = string(s.TrustTier), string(s.ApprovalState), s.Owner
		f["capabilities"], f["allowed_tools"] = anyList(s.Capabilities), anyList(s.AllowedTools)
		if pin, ok := s.Pins[c.Tool]; ok {
			tool["pinned"] = true
			tool["changed"] = c.Hash != "" && c.Hash != pin.Hash
		}
	}
	return f
}

func anyList(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// annotationsOf reads the tool annotations an MCP proxy put in the
// context (decision.ContextToolReadOnly…); nil when it put none.
func annotationsOf(ctx map[string]string) *Annotations {
	b := func(k string) (bool, bool) {
		switch ctx[k] {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return false, false
	}
	var an Annotations
	any := false
	if v, ok := b(decision.ContextToolReadOnly); ok {
		an.ReadOnlyHint, any = v, true
	}
	if v, ok := b(decision.ContextToolDestructive); ok {
		an.DestructiveHint, any = &v, true
	}
	if v, ok := b(decision.ContextToolIdempotent); ok {
		an.IdempotentHint, any = v, true
	}
	if v, ok := b(decision.ContextToolOpenWorld); ok {
		an.OpenWorldHint, any = &v, true
	}
	if !any {
		return nil
	}
	return &an
}
