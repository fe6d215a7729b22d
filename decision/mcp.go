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

// Context keys with which the program that guards an MCP server says what
// its tool's arguments are (docs/mcp-middleware.md). Only that program
// sets them: the hooks never copy an agent's input into the context.
const (
	// ContextToolArgRoles maps argument names to roles, as
	// "name=role,name=role" with the roles path, read, write, dir,
	// command, code, url, host, sql and branch.
	ContextToolArgRoles = "tool_arg_roles"
	// ContextToolLocal is "true" when the tool's paths are this machine's
	// (relative ones under the context's cwd), whatever its arguments say
	// of repositories or buckets.
	ContextToolLocal = "tool_local"
	// ContextToolArgFacts is "true" when a tool_call's arguments are to be
	// read as facts, as an mcp_tool_call's are (adapters/tool sets it): a
	// path, command, URL or SQL argument is judged as the same action
	// through the agent's own tools would be. Without it a tool_call is
	// decided by its name alone (rules and the pack's default).
	ContextToolArgFacts = "tool_arg_facts"
)
