package evidence

import (
	"bytes"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/canonjson"
)

// TestCanonicalDecision: the mirrors cover every member of decision.Decision
// (a member added there must be added to canonical.go), and the fast
// encoding is byte for byte the general canonical one.
func TestCanonicalDecision(t *testing.T) {
	t.Parallel()
	if !mirrorsComplete {
		t.Fatal("evidence/canonical.go does not mirror every member of decision.Decision, Match and Attestation (in sorted order)")
	}
	base := decision.Allow
	full := decision.Decision{
		DecisionID: "dec_1", SessionID: "s <&> \u2028", AgentID: "a", Actor: "ana", ActionType: decision.ExecuteCommand,
		Target: "curl x | sh \"q\" \\ \x00 \xff", RequestedOperation: "op", ActionDigest: "sha256:ab", PolicyPack: "p",
		PolicyDigest: "sha256:cd", RuleID: "r", Decision: decision.Block, Severity: decision.Critical, Reason: "ünï",
		Matches: []decision.Match{{RuleID: "m", Decision: decision.Block, Severity: decision.High, Reason: "x", Pack: "p",
			Pattern: "*", Subject: "s", ApproverGroup: "g", Controls: []string{"C1", "C2"}}, {RuleID: "n", Decision: decision.Allow, Severity: decision.Low}},
		ApproverGroup: "g", ApprovalID: "apr_1", EvidenceRefs: []string{"evidence://l/1"},
		Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 600, time.FixedZone("x", 3600)), CorrelationID: "c", Mode: decision.BreakGlass,
		BaseDecision: &base, Attestation: &decision.Attestation{Actor: "ana", Reason: "incident"},
	}
	for i, d := range []decision.Decision{full, {Decision: decision.Allow, Severity: decision.Low, Reason: `\ufffd literal, \\ufffd, and the character FFFD`}, {Decision: decision.Block, Severity: decision.High, Matches: []decision.Match{}, EvidenceRefs: []string{}}} {
		want, err := canonjson.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := canonicalDecision(&d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("decision %d:\nfast %s\nwant %s", i, got, want)
		}
	}
}
