package decision

// Context keys that describe the MCP tool an mcp_tool_call calls, as the
// server lists it (tools/list). An MCP proxy or middleware that knows the
// definition sets them; the Claude Code hook does not know it and leaves
// them out. The annotation keys hold "true" or "false" and are absent
// when the server says nothing. They are hints from the server, not
// proof: the policy lets them raise a decision (a destructiveHint makes a
// get_x tool ask) and lets readOnlyHint stand in for a name that says
// nothing, never lower what the tool's name says.
const (
	ContextToolHash        = "tool_hash"        // "sha256:<hex>" of the definition (registry.ToolHash)
	ContextToolReadOnly    = "tool_read_only"   // annotations.readOnlyHint
	ContextToolDestructive = "tool_destructive" // annotations.destructiveHint
	ContextToolIdempotent  = "tool_idempotent"  // annotations.idempotentHint
	ContextToolOpenWorld   = "tool_open_world"  // annotations.openWorldHint
)
