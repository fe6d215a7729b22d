package mcp_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra/adapters/mcp"
)

// dangerServer is a server with harmless and destructive tools, each
// answering "ran".
func dangerServer(*files) *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "ops", Version: "1"}, nil)
	for _, name := range []string{"get_issue", "delete_repository", "drop_table", "admin_reset_tokens"} {
		s.AddTool(&sdk.Tool{Name: name, Description: name, InputSchema: map[string]any{"type": "object"}},
			func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
				return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "ran"}}}, nil
			})
	}
	return s
}

// A pack rule that blocks tool names outright, over the baseline.
const adminPack = `metadata:
  id: cavra-test-no-admin
  title: No admin tools
  description: Blocks admin tools
  version: 1.0.0
  inherits: [cavra-ai-agent-baseline]
rules:
  - id: mcp.admin_tools.block
    when: 'action.type == "mcp_tool_call" && action.tool.startsWith("admin_")'
    decision: block
    severity: high
    reason: Admin tools are not for agents
`

func TestProxyPinnedDestructiveToolsAreJudged(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	px := connectProxy(t, root, proxyConfig{server: dangerServer})
	// Trust on first use pinned every tool, so the registry allows them:
	// the calls are still judged by what they do.
	if res := px.call(t, "get_issue", map[string]any{"id": 1}); res.IsError {
		t.Fatalf("get_issue: %s", resultText(res))
	}
	for tool, rule := range map[string]string{"delete_repository": "mcp.tool.delete.whole", "drop_table": "mcp.tool.delete.irreversible"} {
		res := px.call(t, tool, map[string]any{"name": "x"})
		if !res.IsError || meta(t, res)["rule_id"] != rule {
			t.Errorf("%s, pinned: want a block by %s, got %v %s", tool, rule, res.Meta, resultText(res))
		}
	}
}

func TestProxyHidesBlockedTools(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	pack := filepath.Join(t.TempDir(), "pack.yaml")
	if err := os.WriteFile(pack, []byte(adminPack), 0o644); err != nil {
		t.Fatal(err)
	}
	// openGuard with the pack: connectProxy opens the baseline, so build
	// it here.
	for _, hide := range []bool{false, true} {
		px := connectProxyWith(t, root, openGuard(t, root, pack), proxyConfig{server: dangerServer, opts: mcp.ProxyOptions{HideBlocked: hide}})
		names := toolNames(t, px.cs)
		hidden := !slices.Contains(names, "admin_reset_tokens") && !slices.Contains(names, "drop_table") && !slices.Contains(names, "delete_repository")
		if hide != hidden || !slices.Contains(names, "get_issue") {
			t.Errorf("HideBlocked %v: tools %v", hide, names)
		}
		// Hidden or not, a call is decided.
		if res := px.call(t, "admin_reset_tokens", map[string]any{}); !res.IsError || meta(t, res)["rule_id"] != "mcp.admin_tools.block" {
			t.Errorf("HideBlocked %v: admin_reset_tokens: %v %s", hide, res.Meta, resultText(res))
		}
	}
}
