// Package mcp is CAVRA's Model Context Protocol adapter, built on the
// official go-sdk (github.com/modelcontextprotocol/go-sdk). It holds Guard,
// middleware that puts a cavra.Guard in front of an MCP server's tools, and
// the CAVRA MCP server: tools an agent calls to ask, before it acts, what
// CAVRA would decide, why, and whether a person has answered an approval
// request.
//
// # Guarding a server
//
//	server.AddReceivingMiddleware(mcp.Guard(g, mcp.GuardOptions{ServerID: "files", Root: root}))
//
// Every tools/call is decided and recorded before it runs; a block or an
// approval request is a tool error the model reads. The server is the
// program's own (cavra.WithOwnMCPServer); its tools' arguments are judged
// as the reads, writes, commands, fetches and SQL they stand for. See
// docs/mcp-middleware.md.
//
// # The CAVRA MCP server
//
//	srv, err := mcp.NewServer(nil) // the state directory and policy that a hook would use
//	if err != nil { … }
//	err = srv.Run(ctx, &sdk.StdioTransport{})
//
// # Tools
//
// check_action, check_file_read, check_file_write, check_command,
// check_git_operation and check_mcp_tool_call answer with the decision the
// policy gives (outcome, rule, severity, reason, approver group, matches);
// explain_decision adds the facts it was based on; approval_status and
// list_pending_approvals read approval requests; policy_list and
// policy_describe show the policy; evidence_verify verifies the local log.
// ToolNames lists them all.
//
// # The CAVRA MCP server is advisory, not enforcement
//
// Every check of the CAVRA MCP server is a dry run (its output says
// "dry_run": true): nothing is
// written to evidence and no approval request is created. Enforcement stays
// with the hooks (cavra hook claude-code), which decide each real tool call
// and record it. A dry run applies the compiled policy only: the registry's
// verdicts (a disabled agent, an MCP server's trust record and tool pins)
// and approval grants are applied by the hook, not here.
//
// No tool changes state. There is no approve, deny, break-glass or registry
// tool on purpose: an agent must not be able to approve its own actions.
// People do that with the cavra command line (cavra approval approve).
//
// # The state directory's lock
//
// The state database (<state dir>/cavra.db) is held exclusively by whichever
// process has a cavra.Guard open, and hook processes need it within
// milliseconds. So the server never keeps it open: checks use the compiled
// policy alone, and approval and evidence tools open the database read-only
// for the length of one call (Options.StoreTimeout bounds the wait; a
// database that stays in use is a tool error saying so, never a hang).
// evidence_verify is bounded by Options.VerifyTimeout so that a large log
// does not hold hooks up.
//
// # Caveats
//
// The compiled policy is cached and recompiled when config.yaml, a policy
// directory's files or a pack file named by path change (size or
// modification time); a pack edited within the file system's timestamp
// granularity without changing its size is seen at the next change.
package mcp
