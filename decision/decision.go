// Package decision holds the plain data that flows through CAVRA: the Action
// an agent wants to perform and the Decision taken about it.
//
// Every other CAVRA package imports this one; it imports only the standard
// library (and CAVRA's internal canonical JSON encoder).
package decision

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// ActionType names what kind of action an agent wants to perform.
type ActionType string

// The action types CAVRA understands. The first five are the original CAVRA
// vocabulary; HTTPRequest and ToolCall cover what frameworks wrap.
const (
	ReadFile       ActionType = "read_file"
	WriteFile      ActionType = "write_file"
	ExecuteCommand ActionType = "execute_command"
	GitOperation   ActionType = "git_operation"
	MCPToolCall    ActionType = "mcp_tool_call"
	HTTPRequest    ActionType = "http_request"
	ToolCall       ActionType = "tool_call"
)

// ActionTypes lists every known action type, in a stable order.
var ActionTypes = []ActionType{ReadFile, WriteFile, ExecuteCommand, GitOperation, MCPToolCall, HTTPRequest, ToolCall}

// Valid reports whether t is one of the known action types.
func (t ActionType) Valid() bool {
	for _, k := range ActionTypes {
		if t == k {
			return true
		}
	}
	return false
}

// Agent says who is acting: the agent, its kind, the session it runs in and
// the human (or service) on whose behalf it acts.
type Agent struct {
	ID      string `json:"id,omitempty"`
	Type    string `json:"type,omitempty"`
	Session string `json:"session,omitempty"`
	Actor   string `json:"actor,omitempty"`
}

// Well-known keys of Action.Context.
const (
	ContextCwd         = "cwd"          // working directory the action runs in
	ContextProjectRoot = "project_root" // root that relative policy paths are anchored to (defaults to cwd)
	ContextRepo        = "repo"
	ContextBranch      = "branch"
	ContextEnvironment = "environment"
	ContextHome        = "home" // home directory used to expand "~" (defaults to the process's)
	// ContextSubagentID and ContextSubagentType name the subagent that asked
	// (a Claude Code Task-tool subagent): it acts under its parent's Agent,
	// and the decision records which subagent it was.
	ContextSubagentID   = "subagent_id"
	ContextSubagentType = "subagent_type"
	// ContextSandbox is "disabled" when the agent asks to run the action
	// outside its own sandbox (Claude Code's dangerouslyDisableSandbox);
	// the Guard refuses that unless the policy allows the command
	// unsandboxed (commands allow_unsandboxed).
	ContextSandbox = "sandbox"
	// SandboxDisabled is ContextSandbox's value for such a request.
	SandboxDisabled = "disabled"
)

// Action is what an agent wants to do. It is plain data: adapters build it
// from their host's protocol and the Guard decides about it.
type Action struct {
	Type      ActionType        `json:"type"`
	Target    string            `json:"target"`              // a path, a command line, a git ref, "server:tool", a URL
	Operation string            `json:"operation,omitempty"` // git operation (push), file mode, MCP capability
	Tool      string            `json:"tool,omitempty"`
	Server    string            `json:"server,omitempty"`
	Args      map[string]any    `json:"args,omitempty"`
	Agent     Agent             `json:"agent"`
	Context   map[string]string `json:"context,omitempty"`
	// Confinement is how the action will run, when the adapter runs it
	// confined (package confine). The decision record copies it; the
	// action digest does not cover it.
	Confinement *Confinement `json:"confinement,omitempty"`
}

// Match is one rule that fired while deciding.
type Match struct {
	RuleID        string   `json:"rule_id"`
	Decision      Outcome  `json:"decision"`
	Severity      Severity `json:"severity"`
	Reason        string   `json:"reason"`
	Pack          string   `json:"pack,omitempty"`
	Pattern       string   `json:"pattern,omitempty"` // the list entry that matched, for list-derived rules
	Subject       string   `json:"subject,omitempty"` // what matched: a path, a simple command, a server
	ApproverGroup string   `json:"approver_group,omitempty"`
	Controls      []string `json:"controls,omitempty"`
}

// Decision is CAVRA's answer about one Action. Its JSON form is the decision
// record of the original CAVRA plus matches, digests and mode information.
type Decision struct {
	DecisionID         string       `json:"decision_id"`
	SessionID          string       `json:"session_id"`
	AgentID            string       `json:"agent_id"`
	Actor              string       `json:"actor"`
	ActionType         ActionType   `json:"action_type"`
	Target             string       `json:"target"`
	RequestedOperation string       `json:"requested_operation"`
	ActionDigest       string       `json:"action_digest,omitempty"`
	PolicyPack         string       `json:"policy_pack"`
	PolicyDigest       string       `json:"policy_digest,omitempty"`
	RuleID             string       `json:"rule_id"`
	Decision           Outcome      `json:"decision"`
	Severity           Severity     `json:"severity"`
	Reason             string       `json:"reason"`
	Matches            []Match      `json:"matches"`
	ApproverGroup      string       `json:"approver_group,omitempty"`
	ApprovalID         string       `json:"approval_id,omitempty"`
	EvidenceRefs       []string     `json:"evidence_refs"`
	Timestamp          time.Time    `json:"timestamp"`
	CorrelationID      string       `json:"correlation_id"`
	SubagentID         string       `json:"subagent_id,omitempty"`   // the subagent that asked, acting as AgentID (ContextSubagentID)
	SubagentType       string       `json:"subagent_type,omitempty"` // its type (ContextSubagentType)
	Mode               Mode         `json:"mode"`
	BaseDecision       *Outcome     `json:"base_decision,omitempty"` // set when a mode changed the decision
	Attestation        *Attestation `json:"attestation,omitempty"`   // set under break_glass
	Confinement        *Confinement `json:"confinement,omitempty"`   // how the action runs, when the adapter said (Action.Confinement)
}

// Confinement says whether an action runs confined by the kernel, by what,
// and under which profile (package confine). Adapters that run the action
// themselves set it on the Action; the decision record carries it.
type Confinement struct {
	// By names the confinement: "landlock-abi-5", "claude-code-sandbox",
	// or "none".
	By string `json:"by"`
	// Profile is the digest of the confinement profile, "sha256:<hex>".
	Profile string `json:"profile,omitempty"`
	// Enforced reports that the kernel enforces it; false when the action
	// runs unconfined (best effort on a kernel without support).
	Enforced bool `json:"enforced"`
	// Note says what of the profile is not enforced, if anything.
	Note string `json:"note,omitempty"`
}

// Attestation records who invoked break-glass and why.
type Attestation struct {
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
}

// Mode is a policy mode: how the policy's decision becomes the effective one.
type Mode string

// Policy modes.
const (
	Enforce    Mode = "enforce"     // the policy's decision stands
	AuditOnly  Mode = "audit_only"  // record what would have happened, let it through (shadow mode)
	Strict     Mode = "strict"      // allow becomes require_approval
	BreakGlass Mode = "break_glass" // needs actor and reason; allowed with an attestation
)

// ParseMode parses a mode name; "" is Enforce.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return Enforce, nil
	case Enforce, AuditOnly, Strict, BreakGlass:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q (want enforce, audit_only, strict or break_glass)", s)
}

// Outcome is the three-valued result of a decision. Outcomes are ordered by
// restrictiveness: Allow < RequireApproval < Block. The zero value is not a
// valid outcome and never marshals.
type Outcome uint8

// The outcomes, least restrictive first.
const (
	Allow Outcome = iota + 1
	RequireApproval
	Block
)

var outcomeNames = [...]string{Allow: "allow", RequireApproval: "require_approval", Block: "block"}

// String returns the outcome's wire name ("allow", "require_approval", "block").
func (o Outcome) String() string {
	if o >= Allow && o <= Block {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Valid reports whether o is one of the three outcomes.
func (o Outcome) Valid() bool { return o >= Allow && o <= Block }

// ParseOutcome parses a wire name.
func ParseOutcome(s string) (Outcome, error) {
	for o := Allow; o <= Block; o++ {
		if outcomeNames[o] == s {
			return o, nil
		}
	}
	return 0, fmt.Errorf("unknown decision %q (want allow, require_approval or block)", s)
}

// MarshalText implements encoding.TextMarshaler.
func (o Outcome) MarshalText() ([]byte, error) {
	if !o.Valid() {
		return nil, fmt.Errorf("decision: invalid outcome %d", uint8(o))
	}
	return []byte(outcomeNames[o]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *Outcome) UnmarshalText(b []byte) error {
	v, err := ParseOutcome(string(b))
	if err != nil {
		return err
	}
	*o = v
	return nil
}

// Severity is an ordered risk level: Low < Medium < High < Critical. The zero
// value is not a valid severity and never marshals.
type Severity uint8

// The severities, lowest first.
const (
	Low Severity = iota + 1
	Medium
	High
	Critical
)

var severityNames = [...]string{Low: "low", Medium: "medium", High: "high", Critical: "critical"}

// String returns the severity's wire name.
func (s Severity) String() string {
	if s.Valid() {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// Valid reports whether s is one of the four severities.
func (s Severity) Valid() bool { return s >= Low && s <= Critical }

// ParseSeverity parses a wire name.
func ParseSeverity(str string) (Severity, error) {
	for s := Low; s <= Critical; s++ {
		if severityNames[s] == str {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want low, medium, high or critical)", str)
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) {
	if !s.Valid() {
		return nil, fmt.Errorf("decision: invalid severity %d", uint8(s))
	}
	return []byte(severityNames[s]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// MoreRestrictive reports whether match a should win over b when combining:
// the stricter outcome wins, then the higher severity. Equal matches do not
// win, so the earlier rule is kept.
func MoreRestrictive(a, b Match) bool {
	if a.Decision != b.Decision {
		return a.Decision > b.Decision
	}
	return a.Severity > b.Severity
}

// JSON renders d as indented JSON, the form the CLI prints.
func (d Decision) JSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
