package cavratest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/cavratest"
)

func TestNewDecides(t *testing.T) {
	t.Parallel()
	g := cavratest.New(t, cavratest.Options{})
	cavratest.AssertDecision(t, g, cavra.Action{Type: cavra.ExecuteCommand, Target: "rm -rf ~"}, cavra.Block)
	cavratest.AssertDecision(t, g, cavra.Action{Type: cavra.ExecuteCommand, Target: "go test ./..."}, cavra.Allow)
	cavratest.AssertRule(t, g, cavra.Action{Type: cavra.ReadFile, Target: ".env"}, "filesystem.read.block")
	if h := g.Home(); !strings.HasPrefix(h, os.TempDir()) {
		t.Errorf("state directory %s is not under the temporary directory", h)
	}
	if w := g.Witness(); !strings.HasPrefix(w, os.TempDir()) {
		t.Errorf("witness %s is not under the temporary directory", w)
	}
}

func TestModes(t *testing.T) {
	t.Parallel()
	audit := cavratest.New(t, cavratest.Options{Mode: cavra.AuditOnly})
	d := cavratest.AssertDecision(t, audit, cavra.Action{Type: cavra.ReadFile, Target: ".env"}, cavra.Allow)
	if d.BaseDecision == nil || *d.BaseDecision != cavra.Block {
		t.Errorf("audit_only: base decision %v, want block", d.BaseDecision)
	}
	strict := cavratest.New(t, cavratest.Options{Mode: cavra.Strict})
	cavratest.AssertDecision(t, strict, cavra.Action{Type: cavra.ExecuteCommand, Target: "go test ./..."}, cavra.RequireApproval)
}

// TestNothingOutsideTempDir opens a Guard with HOME, XDG_STATE_HOME and the
// working directory pointed at a fresh directory, decides, closes, and
// finds that directory empty.
func TestNothingOutsideTempDir(t *testing.T) {
	outside := t.TempDir()
	t.Setenv("HOME", outside)
	t.Setenv("XDG_STATE_HOME", filepath.Join(outside, "state"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(outside, "cache"))
	t.Setenv("CAVRA_HOME", "")
	t.Chdir(outside)
	t.Run("guard", func(t *testing.T) {
		g := cavratest.New(t, cavratest.Options{})
		cavratest.AssertDecision(t, g, cavra.Action{Type: cavra.ExecuteCommand, Target: "ls"}, cavra.Allow)
	})
	entries, err := os.ReadDir(outside)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("written outside the test's directories: %s", e.Name())
	}
}

func TestIssuerApproves(t *testing.T) {
	t.Parallel()
	is := cavratest.NewIssuer(t)
	g := cavratest.New(t, cavratest.Options{Packs: []string{"cavra-banking-baseline"}, Issuer: is})
	ctx := context.Background()
	a := cavra.Action{Type: cavra.WriteFile, Target: "iam/admin-role.tf", Agent: cavra.Agent{ID: "agent", Session: "s-1", Actor: "dev"}}
	d := cavratest.AssertDecision(t, g, a, cavra.RequireApproval)
	if d.ApprovalID == "" {
		t.Fatal("no approval id")
	}
	if _, err := g.Approve(ctx, d.ApprovalID, approval.IDToken(is.MintApprover("mallory", "Interns")), "lgtm"); err == nil {
		t.Fatal("an approver outside the group approved")
	}
	if _, err := g.Approve(ctx, d.ApprovalID, approval.IDToken(is.MintApprover("alice", d.ApproverGroup)), "reviewed"); err != nil {
		t.Fatal(err)
	}
	cavratest.AssertRule(t, g, a, "approval.granted")

	// The verifier configured for the issuer accepts its tokens; another
	// issuer's are refused.
	v, err := is.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Verify(ctx, is.MintApprover("bob", "SRE"))
	if err != nil || id.Subject != "bob" || len(id.Groups) != 1 {
		t.Fatalf("verify: %+v %v", id, err)
	}
	if _, err := v.Verify(ctx, cavratest.NewIssuer(t).MintApprover("bob", "SRE")); err == nil {
		t.Fatal("a token of another issuer verified")
	}
	resp, err := is.Client().Get(is.URL + "/.well-known/openid-configuration")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("discovery: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestLoadFixturesErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"no type":     `{"action": {"target": "ls"}, "expect": {"decision": "allow"}}`,
		"no decision": `{"action": {"type": "execute_command", "target": "ls"}, "expect": {}}`,
		"bad json":    `{"action": `,
		"unknown":     `{"action": {"type": "execute_command", "target": "ls"}, "expect": {"decision": "allow"}, "extra": 1}`,
		"bad outcome": `{"action": {"type": "execute_command", "target": "ls"}, "expect": {"decision": "maybe"}}`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".jsonl")
		os.WriteFile(p, []byte("// a comment\n\n"+body+"\n"), 0o644)
		if _, err := cavratest.LoadFixtures(p); err == nil || !strings.Contains(err.Error(), ":3:") {
			t.Errorf("%s: %v", name, err)
		}
	}
}
