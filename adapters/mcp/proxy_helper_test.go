package mcp

import (
	"context"
	"os"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// runDownstream serves a tiny stdio MCP server (for the CommandTransport
// test): echo answers; crash exits the process mid-call.
func runDownstream() {
	s := sdk.NewServer(&sdk.Implementation{Name: "downstream", Version: "1"}, nil)
	s.AddTool(&sdk.Tool{Name: "echo", Description: "Echo", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(req.Params.Arguments)}}}, nil
		})
	s.AddTool(&sdk.Tool{Name: "crash", Description: "Crash", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			os.Exit(3)
			return nil, nil
		})
	_ = s.Run(context.Background(), &sdk.StdioTransport{})
}
