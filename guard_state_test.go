package cavra_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/approval/approvaltest"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/registry"
)

// stateRouting sends IAM changes to a group the packs never name, and
// requests for "iam/expiring*" to IAM with a lifetime too short to wait out.
const stateRouting = `{"routes": [
  {"name": "expiring", "target": "iam/expiring*", "approver_group": "IAM", "ttl": "1ms"},
  {"name": "change board", "target": "iam/**", "approver_group": "Change Board"}
]}`

// stateGuard opens a Guard on the banking baseline with approvers verified
// against is and the routing above.
func stateGuard(t *testing.T, is *approvaltest.Issuer) *cavra.Guard {
	t.Helper()
	home := t.TempDir()
	jwks, _ := json.Marshal(is.JWKS())
	for name, data := range map[string]string{
		"issuer.jwks":  string(jwks),
		"routing.json": stateRouting,
		"config.yaml": "packs: [cavra-banking-baseline]\napproval:\n  routing_file: routing.json\n  oidc:\n    issuer: " + is.URL +
			"\n    audience: " + approvaltest.Audience + "\n    jwks: issuer.jwks\n",
	} {
		if err := os.WriteFile(filepath.Join(home, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return open(t, cavra.Options{Home: home})
}

// TestDecisionNamesRoutedGroup: the decision names the group the request
// was routed to; the policy's own group stays in its rule's match.
func TestDecisionNamesRoutedGroup(t *testing.T) {
	t.Parallel()
	g := stateGuard(t, approvaltest.NewIssuer(t))
	ctx := context.Background()
	d, err := g.Evaluate(ctx, cavra.Action{Type: cavra.WriteFile, Target: "iam/admin-role.tf", Agent: cavra.Agent{ID: "bot", Actor: "dev"}})
	if err != nil || d.Decision != cavra.RequireApproval {
		t.Fatalf("%s %s, %v", d.Decision, d.RuleID, err)
	}
	req, err := g.Approvals().Get(ctx, d.ApprovalID)
	if err != nil {
		t.Fatal(err)
	}
	if req.Group != "Change Board" || d.ApproverGroup != req.Group {
		t.Fatalf("decision names %q, the request went to %q; want both Change Board", d.ApproverGroup, req.Group)
	}
	var policyGroup, requested string
	for _, m := range d.Matches {
		switch {
		case m.RuleID == d.RuleID:
			policyGroup = m.ApproverGroup
		case m.RuleID == "approval.requested":
			requested = m.ApproverGroup
		}
	}
	if policyGroup == "" || policyGroup == "Change Board" || requested != "Change Board" {
		t.Fatalf("matches: the policy's group %q (want its own, not the routed one), approval.requested %q", policyGroup, requested)
	}
	// The recorded decision says the same.
	rec, err := g.Evidence().Find(d.DecisionID)
	if err != nil || rec.Decision.ApproverGroup != "Change Board" {
		t.Fatalf("recorded approver group %q, %v", rec.Decision.ApproverGroup, err)
	}
}

// stateStep is one state-changing Guard method: run sets up what the
// method needs, calls ready, then calls the method; kind is the evidence
// record it must leave.
type stateStep struct {
	name string
	kind evidence.Kind
	run  func(t *testing.T, g *cavra.Guard, ready func()) error
}

// pending evaluates a new action that needs approval and returns its
// request.
func pending(t *testing.T, g *cavra.Guard, target string) approval.Request {
	t.Helper()
	ctx := context.Background()
	d, err := g.Evaluate(ctx, cavra.Action{Type: cavra.WriteFile, Target: target, Agent: cavra.Agent{ID: "bot", Actor: "dev"}})
	if err != nil || d.ApprovalID == "" {
		t.Fatalf("%s: %s %s, %v", target, d.Decision, d.RuleID, err)
	}
	req, err := g.Approvals().Get(ctx, d.ApprovalID)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func stateSteps(is *approvaltest.Issuer) []stateStep {
	ctx := context.Background()
	tool := registry.Tool{Name: "read_file", Description: "Read a file", InputSchema: json.RawMessage(`{"type":"object"}`)}
	return []stateStep{
		{"Approve", evidence.KindApproval, func(t *testing.T, g *cavra.Guard, ready func()) error {
			req := pending(t, g, "iam/a.tf")
			ready()
			_, err := g.Approve(ctx, req.ID, is.Token(t, "alice", req.Group), "reviewed")
			return err
		}},
		{"Approve/local", evidence.KindApproval, func(t *testing.T, g *cavra.Guard, ready func()) error {
			req := pending(t, g, "iam/l.tf")
			sig, err := g.SignLocalApproval(approval.VerbApprove, req.ID, "solo")
			if err != nil {
				t.Fatal(err)
			}
			ready()
			_, err = g.Approve(ctx, req.ID, sig, "local review")
			return err
		}},
		{"Deny", evidence.KindApproval, func(t *testing.T, g *cavra.Guard, ready func()) error {
			req := pending(t, g, "iam/d.tf")
			ready()
			_, err := g.Deny(ctx, req.ID, is.Token(t, "alice", req.Group), "no")
			return err
		}},
		{"BreakGlass", evidence.KindApproval, func(t *testing.T, g *cavra.Guard, ready func()) error {
			req := pending(t, g, "iam/b.tf")
			ready()
			_, err := g.BreakGlass(ctx, approval.BreakGlassRequest{Action: req.Action, DecisionID: req.DecisionID,
				Credential: is.Token(t, "carol", approval.DefaultBreakGlassGroup), Reason: "incident 7"})
			return err
		}},
		{"SweepApprovals", evidence.KindApproval, func(t *testing.T, g *cavra.Guard, ready func()) error {
			pending(t, g, "iam/expiring.tf")
			time.Sleep(5 * time.Millisecond)
			ready()
			return g.SweepApprovals(ctx)
		}},
		{"RegisterAgent", evidence.KindRegistryChange, func(t *testing.T, g *cavra.Guard, ready func()) error {
			ready()
			_, err := g.RegisterAgent(ctx, registry.Agent{ID: "bot", Profile: "claude-code"}, "admin")
			return err
		}},
		{"SetAgentStatus", evidence.KindRegistryChange, func(t *testing.T, g *cavra.Guard, ready func()) error {
			if _, err := g.RegisterAgent(ctx, registry.Agent{ID: "bot2", Profile: "claude-code"}, "admin"); err != nil {
				t.Fatal(err)
			}
			ready()
			_, err := g.SetAgentStatus(ctx, "bot2", registry.Disabled, "leaked token", "admin")
			return err
		}},
		{"RegisterServer", evidence.KindRegistryChange, func(t *testing.T, g *cavra.Guard, ready func()) error {
			ready()
			_, err := g.RegisterServer(ctx, registry.Server{ID: "fs", TrustTier: registry.Trusted}, "admin")
			return err
		}},
		{"PinTools", evidence.KindRegistryChange, func(t *testing.T, g *cavra.Guard, ready func()) error {
			if _, err := g.RegisterServer(ctx, registry.Server{ID: "fs2", TrustTier: registry.Trusted}, "admin"); err != nil {
				t.Fatal(err)
			}
			ready()
			_, err := g.PinTools(ctx, "fs2", []registry.Tool{tool}, "admin")
			return err
		}},
		{"ImportRegistry", evidence.KindRegistryChange, func(t *testing.T, g *cavra.Guard, ready func()) error {
			f, err := registry.DecodeFile([]byte(`{"agents":[{"agent_id":"imported"}]}`))
			if err != nil {
				t.Fatal(err)
			}
			ready()
			_, err = g.ImportRegistry(ctx, f, false, "registry.json", "admin")
			return err
		}},
		{"RecordOutcome", evidence.KindOutcome, func(t *testing.T, g *cavra.Guard, ready func()) error {
			ready()
			_, err := g.RecordOutcome(ctx, cavra.Action{Type: cavra.ReadFile, Target: "README.md"}, cavra.ActionOutcome{Status: "completed"})
			return err
		}},
		{"RotateEvidenceKey", evidence.KindKeyChange, func(t *testing.T, g *cavra.Guard, ready func()) error {
			ready()
			_, _, err := g.RotateEvidenceKey(ctx, jose.ES256, "", "admin")
			return err
		}},
		{"SetLegalHold/on", evidence.KindRetention, func(t *testing.T, g *cavra.Guard, ready func()) error {
			ready()
			return g.SetLegalHold(ctx, true, "legal", "case 12")
		}},
		{"SetLegalHold/off", evidence.KindRetention, func(t *testing.T, g *cavra.Guard, ready func()) error {
			ready()
			return g.SetLegalHold(ctx, false, "legal", "case 12 closed")
		}},
		{"PruneEvidence", evidence.KindRetention, func(t *testing.T, g *cavra.Guard, ready func()) error {
			ready()
			_, err := g.PruneEvidence(ctx, time.Now().Add(-time.Millisecond), "admin", "retention policy")
			return err
		}},
	}
}

// TestStateChangesRecordThemselves: every state-changing Guard method
// leaves an evidence record of its kind, and the log still verifies.
func TestStateChangesRecordThemselves(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	g := stateGuard(t, is)
	ctx := context.Background()
	data := map[string]map[string]any{} // step name -> its newest record's data
	for _, step := range stateSteps(is) {
		before, err := g.Evidence().Info()
		if err != nil {
			t.Fatal(err)
		}
		if err := step.run(t, g, func() {}); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		recs, err := g.Evidence().List(ctx, evidence.Query{Kind: step.kind, FromSeq: before.Size + 1})
		if err != nil || len(recs) == 0 {
			t.Fatalf("%s: no %s record after it (%v)", step.name, step.kind, err)
		}
		var m map[string]any
		if err := json.Unmarshal(recs[0].Data, &m); err != nil {
			t.Fatal(err)
		}
		data[step.name] = m
		if _, err := g.Evidence().Verify(ctx, nil); err != nil {
			t.Fatalf("after %s the log does not verify: %v", step.name, err)
		}
	}
	// The records say who and what, and a key record holds no key material.
	if m := data["PruneEvidence"]; m["change"] != "prune" || m["by"] != "admin" || m["reason"] != "retention policy" {
		t.Errorf("prune record %v", m)
	}
	if m := data["SetLegalHold/off"]; m["change"] != "legal_hold.off" || m["by"] != "legal" {
		t.Errorf("legal hold record %v", m)
	}
	if m := data["ImportRegistry"]; m["kind"] != "import" || m["id"] != "registry.json" || m["by"] != "admin" {
		t.Errorf("import record %v", m)
	}
	if m := data["SetAgentStatus"]; m["kind"] != "agent.status" || m["id"] != "bot2" {
		t.Errorf("agent status record %v", m)
	}
	if m := data["RotateEvidenceKey"]; m["change"] != "rotated" || m["kid"] == "" || m["retired_kid"] == "" || m["alg"] != "ES256" || m["d"] != nil {
		t.Errorf("key record %v", m)
	}
	if m := data["BreakGlass"]; m["event"] != string(approval.EventBreakGlass) {
		t.Errorf("break-glass record %v", m)
	}
	if m := data["SweepApprovals"]; m["event"] != string(approval.EventExpired) {
		t.Errorf("sweep record %v", m)
	}
	if rep, err := g.Evidence().Verify(ctx, nil); err != nil || rep.Pruned == 0 {
		t.Fatalf("after the prune: %+v, %v", rep, err)
	}
}

// TestStateChangesFailClosed: when the evidence log cannot record, every
// state-changing method reports an error, and a prune removes nothing.
func TestStateChangesFailClosed(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	for _, step := range stateSteps(is) {
		t.Run(step.name, func(t *testing.T) {
			t.Parallel()
			g := stateGuard(t, is)
			ready := func() {
				if err := cavra.BreakEvidence(g); err != nil {
					t.Fatal(err)
				}
			}
			if err := step.run(t, g, ready); err == nil {
				t.Fatalf("%s succeeded with a broken evidence log", step.name)
			}
			if rep, err := g.Evidence().Verify(context.Background(), nil); err != nil || rep.Pruned != 0 {
				t.Fatalf("after a refused %s: %+v, %v (want a log that verifies with nothing pruned)", step.name, rep, err)
			}
		})
	}
}

// TestGenerateEvidenceKey: the first key of a new state directory is
// recorded, and a second one is refused.
func TestGenerateEvidenceKey(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	ctx := context.Background()
	k, err := cavra.GenerateEvidenceKey(ctx, cavra.Options{Home: home}, jose.ES256, "first", "admin")
	if err != nil || k.KeyID != "first" || k.Algorithm != string(jose.ES256) {
		t.Fatalf("%+v %v", k, err)
	}
	if _, err := cavra.GenerateEvidenceKey(ctx, cavra.Options{Home: home}, jose.EdDSA, "", "admin"); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("a second key: %v, want fs.ErrExist", err)
	}
	st, err := cavra.OpenState(home, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l, err := st.Evidence()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := l.List(ctx, evidence.Query{Kind: evidence.KindKeyChange})
	if err != nil || len(recs) != 1 {
		t.Fatalf("%d key records, %v", len(recs), err)
	}
	if _, err := l.Verify(ctx, nil); err != nil {
		t.Fatal(err)
	}
}
