// Command mcpserver is an MCP server (go-sdk) with two tools, read_file and
// write_file, over a root directory, guarded by CAVRA's middleware: every
// tools/call is decided and recorded before its handler runs.
//
//	go run ./examples/mcpserver -root .   # speaks MCP on stdin/stdout
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"path/filepath"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcp"
)

type readIn struct {
	Path string `json:"path" jsonschema:"file path, relative to the root"`
}

type writeIn struct {
	Path    string `json:"path" jsonschema:"file path, relative to the root"`
	Content string `json:"content" jsonschema:"the file's new content"`
}

// newServer returns the files server over root, guarded by g.
func newServer(g *cavra.Guard, root string) *sdk.Server {
	server := sdk.NewServer(&sdk.Implementation{Name: "files", Version: "1"}, nil)
	sdk.AddTool(server, &sdk.Tool{Name: "read_file", Description: "Read a file under the root",
		Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(ctx context.Context, _ *sdk.CallToolRequest, in readIn) (*sdk.CallToolResult, any, error) {
			b, err := os.ReadFile(filepath.Join(root, filepath.Clean("/"+in.Path)))
			if err != nil {
				return nil, nil, err
			}
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(b)}}}, nil, nil
		})
	sdk.AddTool(server, &sdk.Tool{Name: "write_file", Description: "Write a file under the root"},
		func(ctx context.Context, _ *sdk.CallToolRequest, in writeIn) (*sdk.CallToolResult, any, error) {
			if err := os.WriteFile(filepath.Join(root, filepath.Clean("/"+in.Path)), []byte(in.Content), 0o644); err != nil {
				return nil, nil, err
			}
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "written"}}}, nil, nil
		})
	server.AddReceivingMiddleware(mcp.Guard(g, mcp.GuardOptions{ServerID: "files", Root: root}))
	return server
}

func main() {
	rootFlag := flag.String("root", ".", "directory the tools read and write under")
	flag.Parse()
	root, err := filepath.Abs(*rootFlag)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	g, err := cavra.Open(ctx, cavra.Options{Dir: root})
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	if err := newServer(g, root).Run(ctx, &sdk.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}
