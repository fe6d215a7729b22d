package cavra_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/registry"
)

// TestOpenState checks read-only access to a state directory: nothing there
// yet, and lookups of what a Guard recorded.
func TestOpenState(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	if _, err := cavra.OpenState(home, 0); !errors.Is(err, cavra.ErrNoState) {
		t.Fatalf("empty directory: %v, want ErrNoState", err)
	}
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := g.Evaluate(context.Background(), cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform apply"})
	if err != nil || d.ApprovalID == "" {
		t.Fatalf("terraform apply: %s %s %q %v", d.Decision, d.RuleID, d.ApprovalID, err)
	}
	// In one process the database is shared: a State opens beside a Guard.
	// (Another process gets ErrStateInUse after the timeout; adapters/mcp's
	// TestStateLock shows it with a second process.)
	inProcess, err := cavra.OpenState(home, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("beside a Guard of this process: %v", err)
	}
	inProcess.Close()
	if _, err := g.RegisterAgent(context.Background(), registry.Agent{ID: "bot", Profile: "claude-code"}, "ana"); err != nil {
		t.Fatal(err)
	}
	g.Close()

	st, err := cavra.OpenState(home, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	apr, err := st.Approvals()
	if err != nil {
		t.Fatal(err)
	}
	r, err := apr.Get(context.Background(), d.ApprovalID)
	if err != nil || r.ActionDigest != d.ActionDigest {
		t.Fatalf("the request: %+v %v", r, err)
	}
	log, err := st.Evidence()
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := log.Verify(context.Background(), nil); err != nil || rep.Size < 2 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	reg, err := st.Registry()
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := reg.Agent("bot"); !ok || a.Profile != "claude-code" {
		t.Fatalf("the registry snapshot: %+v %v", a, ok)
	}
}
