package mcp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra/confine"
)

// ConfinedTransport is a go-sdk Transport over a stdio MCP server run
// confined: it starts Cmd (confine.Command) and speaks MCP over its stdin
// and stdout. The go-sdk's CommandTransport cannot be used for this: it
// starts the *exec.Cmd itself, which would run the server unconfined.
//
// Closing the connection closes the server's stdin, waits TerminateDuration
// (default 5s) for it to exit, then sends SIGTERM and at last SIGKILL, as
// the MCP specification asks of a stdio client.
type ConfinedTransport struct {
	Cmd               *confine.Cmd
	TerminateDuration time.Duration
}

// Connect starts the server confined.
func (t *ConfinedTransport) Connect(ctx context.Context) (sdk.Connection, error) {
	if t.Cmd == nil || t.Cmd.Cmd == nil {
		return nil, errors.New("cavra: mcp: confined transport without a command")
	}
	stdout, err := t.Cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stdin, err := t.Cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := t.Cmd.Start(); err != nil { // confine.Cmd.Start: Landlock first
		return nil, fmt.Errorf("cavra: mcp: starting %s confined: %w", t.Cmd.Path, err)
	}
	td := t.TerminateDuration
	if td <= 0 {
		td = 5 * time.Second
	}
	w := &stdinCloser{WriteCloser: stdin, cmd: t.Cmd, wait: td}
	return (&sdk.IOTransport{Reader: io.NopCloser(stdout), Writer: w}).Connect(ctx)
}

// stdinCloser ends the server when the connection closes.
type stdinCloser struct {
	io.WriteCloser
	cmd  *confine.Cmd
	wait time.Duration
}

func (s *stdinCloser) Close() error {
	_ = s.WriteCloser.Close()
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	wait := func() (error, bool) {
		select {
		case err := <-done:
			return err, true
		case <-time.After(s.wait):
			return nil, false
		}
	}
	if err, ok := wait(); ok {
		return exitOK(err)
	}
	if s.cmd.Process.Signal(syscall.SIGTERM) == nil {
		if err, ok := wait(); ok {
			return exitOK(err)
		}
	}
	_ = s.cmd.Process.Kill()
	if err, ok := wait(); ok {
		return exitOK(err)
	}
	return errors.New("cavra: mcp: the confined server does not exit")
}

// exitOK: a server that exits on its own terms after its stdin closed has
// ended as asked, whatever its status.
func exitOK(err error) error {
	var ee interface{ ExitCode() int }
	if errors.As(err, &ee) {
		return nil
	}
	return err
}
