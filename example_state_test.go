package cavra_test

import (
	"context"
	"fmt"
	"os"

	"github.com/cavra-dev/cavra"
)

// ExampleOpenState looks up, read-only, the approval request a decision
// created: what a tool that answers "has my request been approved?" does.
func ExampleOpenState() {
	home, _ := os.MkdirTemp("", "cavra-state-example")
	defer os.RemoveAll(home)
	ctx := context.Background()
	g, err := cavra.Open(ctx, cavra.Options{Home: home, Dir: "/project"})
	if err != nil {
		panic(err)
	}
	d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform apply"})
	g.Close()

	st, err := cavra.OpenState(home, 0)
	if err != nil {
		panic(err)
	}
	defer st.Close() // at once: another process's Guard waits while it is open
	approvals, _ := st.Approvals()
	r, err := approvals.Get(ctx, d.ApprovalID)
	if err != nil {
		panic(err)
	}
	fmt.Println(d.Decision, r.State, r.Group)
	// Output: require_approval pending Cloud Security
}
