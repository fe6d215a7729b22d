// Package registry holds who may act and through which servers: agent
// identities with capability profiles, and the MCP server trust registry
// with per-tool pins. Unlike the original CAVRA's registry, both decide: a
// disabled agent is blocked everywhere (the kill switch), an action outside
// an agent's allowance needs approval, and an MCP server or tool is checked
// against its trust record — including a pin of the tool's definition, so a
// server that silently changes a tool's description or schema after it was
// approved is blocked until someone re-approves it.
//
// A Registry is an immutable snapshot; Store keeps one in the state
// database and swaps a new snapshot in atomically on every change, so an
// open Guard sees a change on its very next decision.
//
// # Caveats
//
// Tool pins can only be checked when the caller presents the tool's current
// definition (an MCP proxy or middleware does; a coding-agent hook does not
// see tool definitions). Capability classification is a heuristic over the
// server record, the tool's name and its MCP annotations.
package registry
