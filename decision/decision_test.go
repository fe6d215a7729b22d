package decision

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestOutcomeOrder(t *testing.T) {
	t.Parallel()
	if !(Allow < RequireApproval && RequireApproval < Block) {
		t.Fatalf("outcomes are not ordered allow < require_approval < block: %d %d %d", Allow, RequireApproval, Block)
	}
	var zero Outcome
	if zero.Valid() {
		t.Error("the zero Outcome is valid")
	}
	if !Allow.Valid() || !Block.Valid() || Outcome(Block+1).Valid() {
		t.Error("Valid does not bound the outcomes")
	}
}

func TestSeverityOrder(t *testing.T) {
	t.Parallel()
	if !(Low < Medium && Medium < High && High < Critical) {
		t.Fatalf("severities are not ordered: %d %d %d %d", Low, Medium, High, Critical)
	}
	var zero Severity
	if zero.Valid() || Severity(Critical+1).Valid() {
		t.Error("Valid accepts a value outside low..critical")
	}
	// Compared as strings, "medium" < "low"; as severities it must not be.
	if Medium < Low {
		t.Error("medium sorts below low")
	}
}

func TestOutcomeText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		o    Outcome
		wire string
	}{
		{Allow, "allow"},
		{RequireApproval, "require_approval"},
		{Block, "block"},
	}
	for _, tt := range tests {
		t.Run(tt.wire, func(t *testing.T) {
			t.Parallel()
			if got := tt.o.String(); got != tt.wire {
				t.Errorf("String() = %q, want %q", got, tt.wire)
			}
			b, err := json.Marshal(tt.o)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != `"`+tt.wire+`"` {
				t.Errorf("marshal = %s, want %q", b, tt.wire)
			}
			var back Outcome
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back != tt.o {
				t.Errorf("round trip gave %v, want %v", back, tt.o)
			}
			p, err := ParseOutcome(tt.wire)
			if err != nil || p != tt.o {
				t.Errorf("ParseOutcome(%q) = %v, %v", tt.wire, p, err)
			}
		})
	}
}

func TestSeverityText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    Severity
		wire string
	}{
		{Low, "low"},
		{Medium, "medium"},
		{High, "high"},
		{Critical, "critical"},
	}
	for _, tt := range tests {
		t.Run(tt.wire, func(t *testing.T) {
			t.Parallel()
			if got := tt.s.String(); got != tt.wire {
				t.Errorf("String() = %q, want %q", got, tt.wire)
			}
			b, err := json.Marshal(tt.s)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != `"`+tt.wire+`"` {
				t.Errorf("marshal = %s, want %q", b, tt.wire)
			}
			var back Severity
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back != tt.s {
				t.Errorf("round trip gave %v, want %v", back, tt.s)
			}
		})
	}
}

func TestInvalidValuesDoNotMarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    any
	}{
		{"zero outcome", Outcome(0)},
		{"outcome 9", Outcome(9)},
		{"zero severity", Severity(0)},
		{"severity 9", Severity(9)},
		{"decision with zero outcome", Decision{Severity: High}},
		{"decision with zero severity", Decision{Decision: Block}},
		{"match with zero outcome", Match{RuleID: "x", Severity: Low}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if b, err := json.Marshal(tt.v); err == nil {
				t.Errorf("marshal succeeded: %s", b)
			}
		})
	}
	if s := Outcome(7).String(); s != "Outcome(7)" {
		t.Errorf("Outcome(7).String() = %q", s)
	}
	if s := Severity(0).String(); s != "Severity(0)" {
		t.Errorf("Severity(0).String() = %q", s)
	}
}

func TestInvalidValuesDoNotUnmarshal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		into any
	}{
		{"unknown outcome", `"deny"`, new(Outcome)},
		{"case matters", `"Block"`, new(Outcome)},
		{"empty outcome", `""`, new(Outcome)},
		{"original-only outcome", `"allow_with_attestation"`, new(Outcome)},
		{"number outcome", `3`, new(Outcome)},
		{"unknown severity", `"severe"`, new(Severity)},
		{"empty severity", `""`, new(Severity)},
		{"number severity", `2`, new(Severity)},
		{"decision with bad outcome", `{"decision":"warn"}`, new(Decision)},
		{"decision with bad severity", `{"severity":"HIGH"}`, new(Decision)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := json.Unmarshal([]byte(tt.json), tt.into); err == nil {
				t.Errorf("unmarshal of %s succeeded: %+v", tt.json, tt.into)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    Mode
		wantErr bool
	}{
		{"", Enforce, false},
		{"enforce", Enforce, false},
		{"audit_only", AuditOnly, false},
		{"strict", Strict, false},
		{"break_glass", BreakGlass, false},
		{"Enforce", "", true},
		{"strict_regulated", "", true},
		{"audit-only", "", true},
		{"bogus", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMode(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseMode(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("ParseMode(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.in) {
				t.Errorf("error %q does not name the input", err)
			}
		})
	}
}

func TestActionTypeValid(t *testing.T) {
	t.Parallel()
	for _, at := range ActionTypes {
		if !at.Valid() {
			t.Errorf("%s is not valid", at)
		}
	}
	for _, bad := range []ActionType{"", "READ_FILE", "release_governance_record", "pull_request"} {
		if bad.Valid() {
			t.Errorf("%q is valid", bad)
		}
	}
}

func TestMoreRestrictive(t *testing.T) {
	t.Parallel()
	m := func(o Outcome, s Severity) Match { return Match{Decision: o, Severity: s} }
	tests := []struct {
		name string
		a, b Match
		want bool
	}{
		{"block beats approval", m(Block, Low), m(RequireApproval, Critical), true},
		{"approval beats allow", m(RequireApproval, Low), m(Allow, Critical), true},
		{"block beats allow", m(Block, Low), m(Allow, High), true},
		{"allow loses to block", m(Allow, Critical), m(Block, Low), false},
		{"same outcome, higher severity wins", m(Block, Critical), m(Block, High), true},
		{"same outcome, lower severity loses", m(Block, Medium), m(Block, High), false},
		{"medium beats low (not by string)", m(Allow, Medium), m(Allow, Low), true},
		{"equal does not win", m(Block, High), m(Block, High), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := MoreRestrictive(tt.a, tt.b); got != tt.want {
				t.Errorf("MoreRestrictive(%v/%v, %v/%v) = %v, want %v", tt.a.Decision, tt.a.Severity, tt.b.Decision, tt.b.Severity, got, tt.want)
			}
		})
	}
}

func TestDecisionJSONRoundTrip(t *testing.T) {
	t.Parallel()
	base := Block
	d := Decision{
		DecisionID: "dec_0123456789ab", SessionID: "s1", AgentID: "claude-code", Actor: "dev@example.com",
		ActionType: ReadFile, Target: ".env", RequestedOperation: "read",
		ActionDigest: "sha256:00", PolicyPack: "cavra-ai-agent-baseline", PolicyDigest: "sha256:11",
		RuleID: "filesystem.read.block", Decision: Allow, Severity: High,
		Reason: "audit_only: would have been block",
		Matches: []Match{{RuleID: "filesystem.read.block", Decision: Block, Severity: High, Reason: "r",
			Pattern: ".env", Subject: ".env", Controls: []string{"OWASP-LLM02"}}},
		EvidenceRefs:  []string{"evidence://s1/dec_0123456789ab"},
		Timestamp:     time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC),
		CorrelationID: "corr_1", Mode: AuditOnly, BaseDecision: &base,
		Attestation: &Attestation{Actor: "a", Reason: "r"},
	}
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"decision": "allow"`, `"severity": "high"`, `"base_decision": "block"`,
		`"mode": "audit_only"`, `"action_type": "read_file"`, `"rule_id": "filesystem.read.block"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s:\n%s", want, b)
		}
	}
	var back Decision
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, err := back.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != string(b2) {
		t.Errorf("round trip changed the record:\n%s\n---\n%s", b, b2)
	}
	if back.BaseDecision == nil || *back.BaseDecision != Block || !back.Timestamp.Equal(d.Timestamp) {
		t.Errorf("round trip lost fields: %+v", back)
	}
}

func TestDecisionJSONOmitsUnsetModeFields(t *testing.T) {
	t.Parallel()
	d := Decision{Decision: Allow, Severity: Low, Mode: Enforce, EvidenceRefs: []string{}}
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, absent := range []string{"base_decision", "attestation", "approval_id"} {
		if strings.Contains(string(b), absent) {
			t.Errorf("JSON has %s though it is unset:\n%s", absent, b)
		}
	}
	// The original record always carries these keys.
	for _, present := range []string{`"evidence_refs": []`, `"session_id"`, `"correlation_id"`} {
		if !strings.Contains(string(b), present) {
			t.Errorf("JSON lacks %s:\n%s", present, b)
		}
	}
}

func TestDecisionJSONDoesNotEscapeHTML(t *testing.T) {
	t.Parallel()
	d := Decision{Decision: Block, Severity: High, Target: "a && b > c"}
	b, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"target": "a && b > c"`) {
		t.Errorf("target was escaped:\n%s", b)
	}
}
