package mcp

import (
	"context"
	"errors"
	"io"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Serve runs the CAVRA MCP server over newline-delimited JSON-RPC on r and w
// (the MCP stdio transport) until r ends or ctx is done. The end of r is a
// clean exit.
func Serve(ctx context.Context, opts *Options, r io.Reader, w io.Writer) error {
	srv, err := NewServer(opts)
	if err != nil {
		return err
	}
	err = srv.Run(ctx, &sdk.IOTransport{Reader: io.NopCloser(r), Writer: nopCloser{w}})
	if errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// ListTools returns the tools a server built with opts offers, exactly as a
// client receives them from tools/list (in the shape `cavra registry
// mcp-pin` reads, once wrapped as {"tools": [...]}).
func ListTools(ctx context.Context, opts *Options) ([]*sdk.Tool, error) {
	srv, err := NewServer(opts)
	if err != nil {
		return nil, err
	}
	ct, st := sdk.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		return nil, err
	}
	defer ss.Wait()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "cavra-list-tools", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		ss.Close()
		return nil, err
	}
	defer cs.Close()
	var out []*sdk.Tool
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}
