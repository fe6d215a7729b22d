package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra/adapters/mcp"
	"github.com/cavra-dev/cavra/decision"
)

func newMCPCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "mcp",
		Short: "The CAVRA MCP server (advisory checks), and a governing proxy in front of any MCP server",
		Long: `cavra mcp serve is CAVRA's own MCP server: advisory policy checks and
approval status for agents. cavra mcp proxy puts CAVRA in front of any other
MCP server: the client launches the proxy, the proxy launches the server and
decides every tool call through the policy.

Register the proxy with Claude Code in the project's .mcp.json (or run
cavra init claude-code --wrap-mcp, which rewrites the stdio entries there
and restores them on --uninstall):
  {"mcpServers": {"filesystem": {"command": "/abs/path/to/cavra",
    "args": ["mcp", "proxy", "--server-id", "filesystem", "--",
             "npx", "-y", "@modelcontextprotocol/server-filesystem", "."]}}}
or with its CLI:
  claude mcp add filesystem -- cavra mcp proxy --server-id filesystem -- npx -y @modelcontextprotocol/server-filesystem .
Other clients (Cursor's .cursor/mcp.json, VS Code's .vscode/mcp.json,
Codex's config.toml [mcp_servers.NAME]) take the same command and args in
place of the server's. A client that speaks streamable HTTP can use
cavra mcp proxy --listen 127.0.0.1:PORT instead.`,
	}
	c.AddCommand(newMCPServeCmd(), newMCPProxyCmd())
	return c
}

func newMCPServeCmd() *cobra.Command {
	var o mcp.Options
	var mode string
	var listTools, asJSON bool
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve CAVRA's MCP tools over stdio",
		Long: `Serve CAVRA's MCP tools over stdio (newline-delimited JSON-RPC), as an
agent launches an MCP server. Register it in .mcp.json as
  {"mcpServers": {"cavra": {"command": "/abs/path/to/cavra", "args": ["mcp", "serve"]}}}

The check tools are advisory dry runs of the policy: nothing is recorded and
the hooks enforce. No tool approves, denies or changes anything. The state
database is opened read-only, only during a call that needs it.`,
		Example: `  cavra mcp serve
  cavra mcp serve --list-tools
  cavra mcp serve --list-tools --json > cavra-tools.json && cavra registry mcp-pin cavra --tools cavra-tools.json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if mode != "" {
				m, err := decision.ParseMode(mode)
				if err != nil {
					return usageErr("--mode: %v", err)
				}
				o.Mode = m
			}
			if listTools {
				return printTools(c, &o, asJSON)
			}
			return mcp.Serve(c.Context(), &o, c.InOrStdin(), c.OutOrStdout())
		},
	}
	fl := c.Flags()
	fl.StringVar(&o.Home, "home", "", "state directory (default: CAVRA_HOME, else walking up: the one cavra init pinned for the project, or the nearest .cavra/; else ./.cavra)")
	fl.StringArrayVar(&o.Packs, "policy-pack", nil, "policy pack: a bundled id, an id in a policy directory, or a path (repeatable; default: config.yaml's, else cavra-ai-agent-baseline)")
	fl.StringArrayVar(&o.PolicyDirs, "policy-dir", nil, "directory of packs laid out as <dir>/<id>/policy.yaml (repeatable; also CAVRA_POLICY_DIR)")
	fl.StringVar(&mode, "mode", "", "policy mode for the checks: enforce, audit_only or strict (default: config.yaml's)")
	fl.BoolVar(&listTools, "list-tools", false, "print the tool names and exit")
	outputFlag(c, &asJSON, "with --list-tools: print the tools/list result as JSON")
	return c
}

func printTools(c *cobra.Command, o *mcp.Options, asJSON bool) error {
	if !asJSON {
		for _, n := range mcp.ToolNames() {
			fmt.Fprintln(c.OutOrStdout(), n)
		}
		return nil
	}
	tools, err := mcp.ListTools(c.Context(), o)
	if err != nil {
		return err
	}
	return writeJSON(c.OutOrStdout(), map[string]any{"tools": tools})
}
