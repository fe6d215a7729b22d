package cavra_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/registry"
)

// ExampleGuard_SetAgentStatus pulls the kill switch on an agent. The change
// goes through the Guard, which records who did it and why before it
// returns; the agent's next action is blocked.
func ExampleGuard_SetAgentStatus() {
	home, _ := os.MkdirTemp("", "cavra-kill-switch-example")
	defer os.RemoveAll(home)
	ctx := context.Background()
	g, err := cavra.Open(ctx, cavra.Options{Home: home, Dir: "/project"})
	if err != nil {
		panic(err)
	}
	defer g.Close()

	if _, err := g.RegisterAgent(ctx, registry.Agent{ID: "claude-code", Profile: "claude-code"}, "ana"); err != nil {
		panic(err)
	}
	if _, err := g.SetAgentStatus(ctx, "claude-code", registry.Disabled, "token leaked", "ana"); err != nil {
		panic(err)
	}
	d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: "README.md", Agent: cavra.Agent{ID: "claude-code"}})
	fmt.Println(d.Decision, d.RuleID)

	recs, _ := g.Evidence().List(ctx, evidence.Query{Kind: evidence.KindRegistryChange})
	for _, r := range recs { // newest first
		var ch registry.Change
		_ = json.Unmarshal(r.Data, &ch)
		fmt.Println(ch.Kind, ch.ID, "by", ch.By)
	}
	// Output:
	// block registry.agent.disabled
	// agent.status claude-code by ana
	// agent.register claude-code by ana
}
