package mcpgo_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcpgo"
	"github.com/cavra-dev/cavra/evidence"
)

type fixture struct {
	c     *client.Client
	calls atomic.Int64
	g     *cavra.Guard
}

func setup(t *testing.T, opts mcpgo.GuardOptions) *fixture {
	t.Helper()
	root := t.TempDir()
	_ = os.WriteFile(filepath.Join(root, "README.md"), []byte("# hello\n"), 0o644)
	_ = os.WriteFile(filepath.Join(root, ".env"), []byte("X=1\n"), 0o644)
	g, err := cavra.Open(context.Background(), cavra.Options{Home: filepath.Join(t.TempDir(), ".cavra"), Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	f := &fixture{g: g}
	opts.ServerID, opts.Root = "files", root
	s := server.NewMCPServer("files", "1", mcpgo.Guard(g, opts))
	s.AddTool(mcp.NewTool("read_file", mcp.WithString("path", mcp.Required()), mcp.WithReadOnlyHintAnnotation(true)),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			f.calls.Add(1)
			b, err := os.ReadFile(filepath.Join(root, req.GetString("path", "")))
			if err != nil {
				return mcp.NewToolResultError(err.Error()), nil
			}
			return mcp.NewToolResultText(string(b)), nil
		})
	s.AddTool(mcp.NewTool("write_file", mcp.WithString("path"), mcp.WithString("content"), mcp.WithDestructiveHintAnnotation(false)),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			f.calls.Add(1)
			return mcp.NewToolResultText("ok"), nil
		})
	s.AddTool(mcp.NewTool("delete_repository", mcp.WithString("name")),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			f.calls.Add(1)
			return mcp.NewToolResultText("gone"), nil
		})
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx := context.Background()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "test-agent", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	f.c = c
	return f
}

func (f *fixture) call(t *testing.T, tool string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = tool, args
	res, err := f.c.CallTool(context.Background(), req)
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

func TestGuard(t *testing.T) {
	t.Parallel()
	f := setup(t, mcpgo.GuardOptions{})
	if res := f.call(t, "read_file", map[string]any{"path": "README.md"}); res.IsError || text(res) != "# hello\n" {
		t.Fatalf("allow: %s", text(res))
	}
	n := f.calls.Load()
	res := f.call(t, "read_file", map[string]any{"path": ".env"})
	if !res.IsError || !strings.Contains(text(res), "filesystem.read.block") || f.calls.Load() != n {
		t.Fatalf("block: %s", text(res))
	}
	res = f.call(t, "write_file", map[string]any{"path": ".github/workflows/ci.yml", "content": "x"})
	if !res.IsError || !strings.Contains(text(res), "cavra approval approve apr_") || f.calls.Load() != n {
		t.Fatalf("require_approval: %s", text(res))
	}
	if res := f.call(t, "write_file", map[string]any{"path": "docs/a.md", "content": "x"}); res.IsError {
		t.Fatalf("a local write: %s", text(res))
	}
	recs, err := f.g.Evidence().List(context.Background(), evidence.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var decisions, outcomes int
	for _, r := range recs {
		switch {
		case r.Kind == evidence.KindDecision && r.Decision != nil && r.Decision.ActionType == cavra.MCPToolCall:
			decisions++
			if r.Decision.AgentID != "test-agent" {
				t.Errorf("agent %q", r.Decision.AgentID)
			}
		case r.Kind == evidence.KindOutcome:
			outcomes++
		}
	}
	if decisions != 4 || outcomes != 2 {
		t.Fatalf("%d decisions, %d outcomes", decisions, outcomes)
	}
}

func TestHideBlocked(t *testing.T) {
	t.Parallel()
	f := setup(t, mcpgo.GuardOptions{HideBlocked: true})
	lr, err := f.c.ListTools(context.Background(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range lr.Tools {
		names = append(names, tool.Name)
	}
	if slices.Contains(names, "delete_repository") || !slices.Contains(names, "read_file") {
		t.Fatalf("listed %v", names)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "delete_repository"
	if _, err := f.c.CallTool(context.Background(), req); err == nil || f.calls.Load() != 0 {
		t.Fatalf("a hidden tool ran: %v", err)
	}
}
