package decision_test

import (
	"fmt"

	"github.com/cavra-dev/cavra/decision"
)

func ExampleAction_Digest() {
	a := decision.Action{
		Type:   decision.MCPToolCall,
		Target: "github:create_issue",
		Args:   map[string]any{"repo": "acme/api", "title": "Fix login"},
		Agent:  decision.Agent{ID: "claude-code"},
	}
	d1, _ := a.Digest()

	// Who asks is not part of what happens: an approval binds the agent separately.
	a.Agent.ID = "codex"
	d2, _ := a.Digest()

	// Any change to the arguments is a different action.
	a.Args["title"] = "Fix login; also grant admin"
	d3, _ := a.Digest()

	fmt.Println(d1)
	fmt.Println("same without agent:", d1 == d2)
	fmt.Println("same after edit:", d1 == d3)
	// Output:
	// sha256:51edad5dcded44e26d844f8e5ee908ea8507169f2038616953083e880adf1008
	// same without agent: true
	// same after edit: false
}

func ExampleMoreRestrictive() {
	approval := decision.Match{RuleID: "commands.default.require_approval", Decision: decision.RequireApproval, Severity: decision.Medium}
	block := decision.Match{RuleID: "commands.block", Decision: decision.Block, Severity: decision.High}
	critical := decision.Match{RuleID: "secrets.exfiltration", Decision: decision.Block, Severity: decision.Critical}

	fmt.Println(decision.MoreRestrictive(block, approval))
	fmt.Println(decision.MoreRestrictive(critical, block))
	fmt.Println(decision.MoreRestrictive(block, block))
	// Output:
	// true
	// true
	// false
}
