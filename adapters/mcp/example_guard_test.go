package mcp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcp"
)

// A server author guards their own MCP server with one line: every
// tools/call is decided by the policy and recorded before it runs.
func ExampleGuard() {
	dir, err := os.MkdirTemp("", "cavra-guard-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	root := filepath.Join(dir, "project")
	_ = os.MkdirAll(root, 0o755)
	_ = os.WriteFile(filepath.Join(root, "README.md"), []byte("# hello"), 0o644)
	ctx := context.Background()
	g, err := cavra.Open(ctx, cavra.Options{Home: filepath.Join(dir, ".cavra"), Dir: root})
	if err != nil {
		panic(err)
	}
	defer g.Close()

	server := sdk.NewServer(&sdk.Implementation{Name: "files", Version: "1"}, nil)
	type readIn struct {
		Path string `json:"path"`
	}
	sdk.AddTool(server, &sdk.Tool{Name: "read_file", Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(ctx context.Context, _ *sdk.CallToolRequest, in readIn) (*sdk.CallToolResult, any, error) {
			b, err := os.ReadFile(filepath.Join(root, in.Path))
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(b)}}}, nil, err
		})
	server.AddReceivingMiddleware(mcp.Guard(g, mcp.GuardOptions{ServerID: "files", Root: root}))

	// In production: server.Run(ctx, &sdk.StdioTransport{}).
	clientEnd, serverEnd := sdk.NewInMemoryTransports()
	ss, err := server.Connect(ctx, serverEnd, nil)
	if err != nil {
		panic(err)
	}
	defer ss.Wait()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "agent", Version: "1"}, nil).Connect(ctx, clientEnd, nil)
	if err != nil {
		panic(err)
	}
	defer cs.Close()
	for _, path := range []string{"README.md", ".env"} {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "read_file", Arguments: map[string]any{"path": path}})
		if err != nil {
			panic(err)
		}
		if res.IsError {
			d := res.Meta[mcp.MetaDecision].(map[string]any)
			fmt.Printf("%s: %s by %s\n", path, d["decision"], d["rule_id"])
			continue
		}
		fmt.Printf("%s: %s\n", path, res.Content[0].(*sdk.TextContent).Text)
	}
	// Output:
	// README.md: # hello
	// .env: block by filesystem.read.block
}
