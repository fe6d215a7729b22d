package mcp_test

import (
	"context"
	"path/filepath"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcp"
)

// BenchmarkGuard measures what the middleware adds to one tools/call: the
// same files server and call (read_file README.md) over in-memory
// transports, unguarded and guarded, with durable evidence (each decision
// and outcome committed with fsync before the call returns) and with the
// async evidence mode.
//
//	go test -run '^$' -bench BenchmarkGuard -benchmem ./adapters/mcp/
func BenchmarkGuard(b *testing.B) {
	root := newRoot(b)
	args := map[string]any{"path": "README.md"}
	run := func(b *testing.B, cs *sdk.ClientSession) {
		ctx := context.Background()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "read_file", Arguments: args})
			if err != nil || res.IsError {
				b.Fatal(err, res)
			}
		}
	}
	b.Run("unguarded", func(b *testing.B) {
		run(b, connectServer(b, (&files{root: root}).server()))
	})
	for name, mode := range map[string]cavra.EvidenceMode{"durable": cavra.EvidenceDurable, "async": cavra.EvidenceAsync} {
		b.Run("guarded/"+name, func(b *testing.B) {
			g, err := cavra.Open(context.Background(), cavra.Options{Home: filepath.Join(b.TempDir(), ".cavra"), Dir: root, Evidence: mode})
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			s := (&files{root: root}).server()
			s.AddReceivingMiddleware(mcp.Guard(g, mcp.GuardOptions{ServerID: "files", Root: root}))
			run(b, connectServer(b, s))
		})
	}
}
