package cavra

import (
	"fmt"
	"slices"

	"github.com/cavra-dev/cavra/decision"
)

// OwnMCPServer is the name under which `cavra init` registers CAVRA's own
// MCP server (`cavra mcp serve`) with a coding agent.
const OwnMCPServer = "cavra"

// ownMCPTools are the tools of CAVRA's MCP server (adapters/mcp, which
// checks that the lists agree). Every one of them is a read-only dry run or
// lookup: none approves, denies or changes anything.
var ownMCPTools = []string{
	"check_action", "check_file_read", "check_file_write", "check_command", "check_git_operation",
	"check_mcp_tool_call", "explain_decision", "approval_status", "list_pending_approvals",
	"policy_list", "policy_describe", "evidence_verify",
}

// OwnMCPTools returns the names of the tools of CAVRA's own MCP server.
func OwnMCPTools() []string { return slices.Clone(ownMCPTools) }

// OwnMCPVerdict is the verdict a Guard gives a call of one of CAVRA's own
// MCP server's tools while its registry holds no record of a server of
// that name; nil for any other call. It lets an agent call the server: the hooks that
// `cavra init` installs would otherwise block it as an unknown server under
// any pack that blocks unknown servers (the baseline does), and the agent
// could never ask before it acts. Only the read-only tools are let through,
// and only while the registry holds no record of a server of that name (a
// record, say a blocked one, decides as for any server). CEL rules and the
// registry's agent checks still apply. A server configured under the name
// "cavra" is trusted for these tools; whoever can change an agent's MCP
// configuration can as well remove its hooks.
//
// Any other tool on a server of that name is blocked (mcp.cavra.self.tool):
// CAVRA's server has no other tools, so a server that answers to its name
// with an `approve` or a `write_file` is not CAVRA's, and a pack that
// decides unregistered servers' tools by their names must not ask a
// person to approve a "cavra approve" tool.
func OwnMCPVerdict(server, tool string) *decision.Match {
	if server != OwnMCPServer {
		return nil
	}
	if !slices.Contains(ownMCPTools, tool) {
		return &decision.Match{
			RuleID: "mcp.cavra.self.tool", Decision: decision.Block, Severity: decision.High,
			Reason: fmt.Sprintf("A server named %q with a tool %q: CAVRA's own MCP server has only read-only tools; this is not it, or it asks for what an agent may not do.", server, tool),
		}
	}
	return &decision.Match{
		RuleID: "mcp.cavra.self", Decision: decision.Allow, Severity: decision.Low,
		Reason: "CAVRA's own MCP server: a read-only policy check or lookup.",
	}
}
