package mcp_test

import (
	"context"
	"path/filepath"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcp"
)

// BenchmarkProxy measures what the proxy adds to one tools/call: the same
// files server and call (read_file README.md) over in-memory transports,
// called directly and through the proxy (one more hop, the decision, the
// outcome record), with durable and with async evidence.
//
//	go test -run '^$' -bench BenchmarkProxy -benchmem ./adapters/mcp/
func BenchmarkProxy(b *testing.B) {
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
	b.Run("direct", func(b *testing.B) {
		run(b, connectServer(b, (&files{root: root}).server()))
	})
	for _, m := range []struct {
		name string
		mode cavra.EvidenceMode
	}{{"durable", cavra.EvidenceDurable}, {"async", cavra.EvidenceAsync}} {
		b.Run("proxy/"+m.name, func(b *testing.B) {
			ctx := context.Background()
			g, err := cavra.Open(ctx, cavra.Options{Home: filepath.Join(b.TempDir(), ".cavra"), Dir: root, Evidence: m.mode})
			if err != nil {
				b.Fatal(err)
			}
			defer g.Close()
			dct, dst := sdk.NewInMemoryTransports()
			dss, err := (&files{root: root}).server().Connect(ctx, dst, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer dss.Close()
			p, err := mcp.NewProxy(g, mcp.ProxyOptions{ServerID: "files", Root: root})
			if err != nil {
				b.Fatal(err)
			}
			if err := p.Connect(ctx, dct); err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			run(b, connectServer(b, p.Server()))
		})
	}
}
