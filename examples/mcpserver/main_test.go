package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcp"
)

// TestServer connects a client over in-memory transports: README.md is
// read, .env is blocked and its handler never runs.
func TestServer(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "project")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "README.md"), []byte("# hello"), 0o644)
	os.WriteFile(filepath.Join(root, ".env"), []byte("SECRET=1"), 0o600)
	ctx := context.Background()
	g, err := cavra.Open(ctx, cavra.Options{Home: filepath.Join(dir, ".cavra"), Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	clientEnd, serverEnd := sdk.NewInMemoryTransports()
	ss, err := newServer(g, root).Connect(ctx, serverEnd, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Wait()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "agent", Version: "1"}, nil).Connect(ctx, clientEnd, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	call := func(tool string, args map[string]any) (*sdk.CallToolResult, string) {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			t.Fatalf("%s %v: %v", tool, args, err)
		}
		var text strings.Builder
		for _, c := range res.Content {
			if tc, ok := c.(*sdk.TextContent); ok {
				text.WriteString(tc.Text)
			}
		}
		return res, text.String()
	}
	if res, text := call("read_file", map[string]any{"path": "README.md"}); res.IsError || text != "# hello" {
		t.Errorf("README.md: isError=%v %q, want allowed", res.IsError, text)
	}
	res, text := call("read_file", map[string]any{"path": ".env"})
	m, _ := res.Meta[mcp.MetaDecision].(map[string]any)
	if !res.IsError || strings.Contains(text, "SECRET") || m["decision"] != "block" {
		t.Errorf(".env: isError=%v %q meta %v, want blocked", res.IsError, text, res.Meta)
	}
}
