package cavra_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/approval/approvaltest"
	"github.com/cavra-dev/cavra/evidence"
)

// approvalGuard opens a Guard on the banking baseline whose approvers are
// verified against an in-process issuer (its JWKS written to a file).
func approvalGuard(t *testing.T, is *approvaltest.Issuer) *cavra.Guard {
	t.Helper()
	home := t.TempDir()
	jwks, _ := json.Marshal(is.JWKS())
	if err := os.WriteFile(filepath.Join(home, "issuer.jwks"), jwks, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := "packs: [cavra-banking-baseline]\napproval:\n  oidc:\n    issuer: " + is.URL + "\n    audience: " + approvaltest.Audience + "\n    jwks: issuer.jwks\n"
	if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// TestApprovalLoop is the loop: require_approval with an id →
// approve with a valid token → the same action is allowed once
// (approval.granted) → then requires approval again.
func TestApprovalLoop(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	g := approvalGuard(t, is)
	ctx := context.Background()
	a := cavra.Action{Type: cavra.WriteFile, Target: "iam/admin-role.tf", Agent: cavra.Agent{ID: "claude-code", Session: "s-1", Actor: "dev"}}

	d1, err := g.Evaluate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if d1.Decision != cavra.RequireApproval || d1.ApprovalID == "" {
		t.Fatalf("first: %s %s approval %q", d1.Decision, d1.RuleID, d1.ApprovalID)
	}
	again, _ := g.Evaluate(ctx, a)
	if again.ApprovalID != d1.ApprovalID {
		t.Fatalf("a retry made a new request %s (want %s)", again.ApprovalID, d1.ApprovalID)
	}
	req, err := g.Approvals().Get(ctx, d1.ApprovalID)
	if err != nil {
		t.Fatal(err)
	}
	// An approver without the group is refused, and so is the requester.
	if _, err := g.Approve(ctx, d1.ApprovalID, is.Token(t, "mallory", "Interns"), "lgtm"); !errors.Is(err, approval.ErrForbidden) {
		t.Fatalf("approver without the group: %v", err)
	}
	if _, err := g.Approve(ctx, d1.ApprovalID, is.Token(t, "dev", req.Group), "self"); err == nil {
		t.Fatal("the requester approved their own request")
	}
	if _, err := g.Approve(ctx, d1.ApprovalID, is.Token(t, "alice", req.Group), "reviewed the role"); err != nil {
		t.Fatal(err)
	}
	// A different action (one argument changed) does not match the grant.
	other := a
	other.Target = "iam/admin-role2.tf"
	if d, _ := g.Evaluate(ctx, other); d.Decision != cavra.RequireApproval {
		t.Fatalf("changed action: %s %s", d.Decision, d.RuleID)
	}
	d2, err := g.Evaluate(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if d2.Decision != cavra.Allow || d2.RuleID != "approval.granted" || d2.BaseDecision == nil || *d2.BaseDecision != cavra.RequireApproval {
		t.Fatalf("after approval: %s %s", d2.Decision, d2.RuleID)
	}
	d3, _ := g.Evaluate(ctx, a)
	if d3.Decision != cavra.RequireApproval || d3.ApprovalID == d1.ApprovalID {
		t.Fatalf("third: %s %s approval %s (the one use is spent: want a new request)", d3.Decision, d3.RuleID, d3.ApprovalID)
	}
	// The trail is in evidence: requests, the refusals, the grant and its use.
	recs, err := g.Evidence().List(ctx, evidence.Query{Kind: evidence.KindApproval})
	if err != nil {
		t.Fatal(err)
	}
	uses, _ := g.Evidence().List(ctx, evidence.Query{Kind: evidence.KindGrantUse})
	if len(recs) < 4 || len(uses) != 1 {
		t.Fatalf("evidence: %d approval events, %d grant uses", len(recs), len(uses))
	}
}

func TestDenialSticksAndLocalApproval(t *testing.T) {
	t.Parallel()
	is := approvaltest.NewIssuer(t)
	g := approvalGuard(t, is)
	ctx := context.Background()
	a := cavra.Action{Type: cavra.WriteFile, Target: "iam/x.tf", Agent: cavra.Agent{ID: "bot", Actor: "dev"}}
	d, _ := g.Evaluate(ctx, a)
	req, _ := g.Approvals().Get(ctx, d.ApprovalID)
	if _, err := g.Deny(ctx, d.ApprovalID, is.Token(t, "alice", req.Group), "not today"); err != nil {
		t.Fatal(err)
	}
	if d, _ := g.Evaluate(ctx, a); d.Decision != cavra.Block || d.RuleID != "approval.denied" {
		t.Fatalf("after denial: %s %s", d.Decision, d.RuleID)
	}
	// A local approval (no identity provider) works for another request.
	b := a
	b.Target = "iam/y.tf"
	d, _ = g.Evaluate(ctx, b)
	sig, err := g.SignLocalApproval(approval.VerbApprove, d.ApprovalID, "solo-dev")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Approve(ctx, d.ApprovalID, sig, "local review"); err != nil {
		t.Fatal(err)
	}
	if d, _ := g.Evaluate(ctx, b); d.Decision != cavra.Allow {
		t.Fatalf("after local approval: %s %s", d.Decision, d.RuleID)
	}
}

// An attempt the caller refused before presenting a credential (here: from
// inside an agent) is an approval.rejected record naming the request; the
// request stays pending.
func TestRefuseApprovalRecorded(t *testing.T) {
	t.Parallel()
	g := approvalGuard(t, approvaltest.NewIssuer(t))
	ctx := context.Background()
	a := cavra.Action{Type: cavra.WriteFile, Target: "iam/z.tf", Agent: cavra.Agent{ID: "bot", Actor: "dev"}}
	d, _ := g.Evaluate(ctx, a)
	cause := fmt.Errorf("%w: %w (claude-code: CLAUDECODE=1)", approval.ErrForbidden, approval.ErrFromAgent)
	if err := g.RefuseApproval(ctx, approval.VerbApprove, d.ApprovalID, "mallory", "looks fine", cause); !errors.Is(err, approval.ErrFromAgent) {
		t.Fatalf("RefuseApproval: %v, want the cause back", err)
	}
	recs, err := g.Evidence().List(ctx, evidence.Query{Kind: evidence.KindApproval})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range recs {
		var ev approval.Event
		if json.Unmarshal(r.Data, &ev) == nil && ev.Type == approval.EventRejected {
			found = ev.RequestID == d.ApprovalID && ev.Agent == "bot" && ev.ActionDigest != "" && ev.Reason == "looks fine" &&
				strings.Contains(ev.Error, "CLAUDECODE=1") && strings.Contains(ev.Error, `"mallory"`)
			if !found {
				t.Errorf("rejected event: %+v", ev)
			}
		}
	}
	if !found {
		t.Fatal("no approval.rejected record")
	}
	if req, _ := g.Approvals().Get(ctx, d.ApprovalID); req.State != approval.Pending {
		t.Fatalf("request after a refused attempt: %s", req.State)
	}
}
