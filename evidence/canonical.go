package evidence

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/canonjson"
)

// The types below mirror decision.Decision, Match and Attestation with
// their members declared in sorted order, so encoding/json writes canonical
// JSON directly: no decode and re-encode on the append path. mirrorsComplete
// checks at start-up that they name every member of the originals; if a
// member is ever added to decision.Decision without being added here, the
// slow, general canonjson path is used instead (and a test fails), so no
// field can be left out of a record.
type decisionJSON struct {
	ActionDigest       string              `json:"action_digest,omitempty"`
	ActionType         decision.ActionType `json:"action_type"`
	Actor              string              `json:"actor"`
	AgentID            string              `json:"agent_id"`
	ApprovalID         string              `json:"approval_id,omitempty"`
	ApproverGroup      string              `json:"approver_group,omitempty"`
	Attestation        *attestationJSON    `json:"attestation,omitempty"`
	BaseDecision       *decision.Outcome   `json:"base_decision,omitempty"`
	Confinement        *confinementJSON    `json:"confinement,omitempty"`
	CorrelationID      string              `json:"correlation_id"`
	Decision           decision.Outcome    `json:"decision"`
	DecisionID         string              `json:"decision_id"`
	EvidenceRefs       []string            `json:"evidence_refs"`
	Matches            []matchJSON         `json:"matches"`
	Mode               decision.Mode       `json:"mode"`
	PolicyDigest       string              `json:"policy_digest,omitempty"`
	PolicyPack         string              `json:"policy_pack"`
	Reason             string              `json:"reason"`
	RequestedOperation string              `json:"requested_operation"`
	RuleID             string              `json:"rule_id"`
	SessionID          string              `json:"session_id"`
	Severity           decision.Severity   `json:"severity"`
	SubagentID         string              `json:"subagent_id,omitempty"`
	SubagentType       string              `json:"subagent_type,omitempty"`
	Target             string              `json:"target"`
	Timestamp          time.Time           `json:"timestamp"`
}

type matchJSON struct {
	ApproverGroup string            `json:"approver_group,omitempty"`
	Controls      []string          `json:"controls,omitempty"`
	Decision      decision.Outcome  `json:"decision"`
	Pack          string            `json:"pack,omitempty"`
	Pattern       string            `json:"pattern,omitempty"`
	Reason        string            `json:"reason"`
	RuleID        string            `json:"rule_id"`
	Severity      decision.Severity `json:"severity"`
	Subject       string            `json:"subject,omitempty"`
}

type confinementJSON struct {
	By       string `json:"by"`
	Enforced bool   `json:"enforced"`
	Note     string `json:"note,omitempty"`
	Profile  string `json:"profile,omitempty"`
}

type attestationJSON struct {
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
}

var mirrorsComplete = sameMembers(reflect.TypeFor[decision.Decision](), reflect.TypeFor[decisionJSON]()) &&
	sameMembers(reflect.TypeFor[decision.Match](), reflect.TypeFor[matchJSON]()) &&
	sameMembers(reflect.TypeFor[decision.Attestation](), reflect.TypeFor[attestationJSON]()) &&
	sameMembers(reflect.TypeFor[decision.Confinement](), reflect.TypeFor[confinementJSON]())

// sameMembers reports whether two structs have the same JSON tags, and
// whether b declares them sorted by name.
func sameMembers(a, b reflect.Type) bool {
	tags := func(t reflect.Type) []string {
		var out []string
		for i := range t.NumField() {
			out = append(out, t.Field(i).Tag.Get("json"))
		}
		return out
	}
	ta, tb := tags(a), tags(b)
	if !sort.SliceIsSorted(tb, func(i, j int) bool { return strings.Split(tb[i], ",")[0] < strings.Split(tb[j], ",")[0] }) {
		return false
	}
	sort.Strings(ta)
	sorted := append([]string(nil), tb...)
	sort.Strings(sorted)
	return reflect.DeepEqual(ta, sorted)
}

// canonicalDecision encodes d as canonical JSON.
func canonicalDecision(d *decision.Decision) ([]byte, error) {
	if !mirrorsComplete {
		return canonjson.Marshal(d)
	}
	m := decisionJSON{
		ActionDigest: d.ActionDigest, ActionType: d.ActionType, Actor: d.Actor, AgentID: d.AgentID,
		ApprovalID: d.ApprovalID, ApproverGroup: d.ApproverGroup, BaseDecision: d.BaseDecision,
		CorrelationID: d.CorrelationID, Decision: d.Decision, DecisionID: d.DecisionID, EvidenceRefs: d.EvidenceRefs,
		Mode: d.Mode, PolicyDigest: d.PolicyDigest, PolicyPack: d.PolicyPack, Reason: d.Reason,
		RequestedOperation: d.RequestedOperation, RuleID: d.RuleID, SessionID: d.SessionID, Severity: d.Severity,
		SubagentID: d.SubagentID, SubagentType: d.SubagentType, Target: d.Target, Timestamp: d.Timestamp,
	}
	if d.Attestation != nil {
		m.Attestation = &attestationJSON{Actor: d.Attestation.Actor, Reason: d.Attestation.Reason}
	}
	if c := d.Confinement; c != nil {
		m.Confinement = &confinementJSON{By: c.By, Enforced: c.Enforced, Note: c.Note, Profile: c.Profile}
	}
	if d.Matches != nil {
		m.Matches = make([]matchJSON, len(d.Matches))
		for i, x := range d.Matches {
			m.Matches[i] = matchJSON{ApproverGroup: x.ApproverGroup, Controls: x.Controls, Decision: x.Decision, Pack: x.Pack,
				Pattern: x.Pattern, Reason: x.Reason, RuleID: x.RuleID, Severity: x.Severity, Subject: x.Subject}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// encoding/json escapes invalid UTF-8 as \ufffd, which the canonical
	// form writes as the character itself; leave that rare case to the
	// general path.
	if bytes.Contains(out, []byte(`\ufffd`)) {
		return canonjson.Marshal(d)
	}
	return out, nil
}
