// Package cavra is CAVRA for Go: the runtime authority in front of AI
// agents. Before the agent acts, CAVRA decides — who is acting, what will
// change, which policy applies — and answers allow, block or
// require_approval.
//
// A Guard composes the subsystems: policy (packs compiled to native matchers
// and CEL programs, shell-aware command analysis, modes). Open one per
// process and call Evaluate for every action:
//
//	g, err := cavra.Open(ctx, cavra.Options{Packs: []string{"cavra-ai-agent-baseline"}})
//	if err != nil { return err }
//	defer g.Close()
//	d, err := g.Evaluate(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform plan"})
//	switch d.Decision {
//	case cavra.Allow:           // run the tool
//	case cavra.RequireApproval: // ask a person
//	case cavra.Block:           // d.Reason says why, d.RuleID which rule
//	}
//
// Decisions are data; Go errors report machinery failures, and even then the
// returned decision is a block (fail closed).
//
// Every decision walks one pipeline: the action is normalized once
// (Action.Normalize: an MCP call's server and tool however they were spelled),
// then the registry, the policy, the mode and the approval store decide, and
// Evaluate records the decision before returning it. Check walks the same
// pipeline and changes nothing — no record, no approval request, no grant
// used — so a dry run (`cavra policy explain`, `cavra evaluate --dry-run`,
// CAVRA's MCP server) says what Evaluate would say now. A Guard opened with
// Options.ReadOnly only checks, and creates nothing in its state directory.
//
// Every change of state is a Guard method that records itself as evidence:
// Approve, Deny, BreakGlass and SweepApprovals; RegisterAgent,
// SetAgentStatus, RegisterServer, PinTools and ImportRegistry;
// PruneEvidence and SetLegalHold; RotateEvidenceKey. Approvals() and
// Evidence() only read, and no method returns a private key.
//
// # Caveats
//
// CAVRA decides about the action it is shown. It does not sandbox the agent:
// an action that never reaches Evaluate is not governed, and a command is
// judged by its text, so what a program does internally (a script reading a
// secret) is only seen when it is visible in the command line. Paths are
// resolved lexically; symbolic links are not followed.
package cavra
