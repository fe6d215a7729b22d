package cavra_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
)

func openOwner(t *testing.T, home string) *cavra.Guard {
	t.Helper()
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Control: httpapi.ControlHandler})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestControlSocket: an owning Guard serves its control socket with mode
// 0600, removes it on Close, and replaces a stale one a dead owner left.
func TestControlSocket(t *testing.T) {
	home := t.TempDir()
	g := openOwner(t, home)
	path := cavra.ControlSocketPath(home)
	info, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Type() != os.ModeSocket || info.Mode().Perm() != 0o600 {
		t.Fatalf("control socket mode %v", info.Mode())
	}
	c, err := httpapi.Dial(context.Background(), home)
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: ".env", Agent: cavra.Agent{ID: "a"}})
	if err != nil || d.Decision != cavra.Block || len(d.EvidenceRefs) != 1 {
		t.Fatalf("evaluate over the socket: %v %+v", err, d)
	}
	c.Close()
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("socket left after Close: %v", err)
	}
	if _, err := httpapi.Dial(context.Background(), home); !errors.Is(err, cavra.ErrNoOwner) {
		t.Fatalf("dial without an owner: %v", err)
	}

	// A socket left by an owner that died: nobody answers it.
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	if _, err := httpapi.Dial(context.Background(), home); !errors.Is(err, cavra.ErrNoOwner) {
		t.Fatalf("dial a stale socket: %v", err)
	}
	g = openOwner(t, home)
	if _, err := httpapi.Dial(context.Background(), home); err != nil {
		t.Fatalf("the stale socket was not replaced: %v", err)
	}
	g.Close()
}

// TestControlSocketNotASocket: a file that is not a socket where the
// socket goes is never removed; Open fails.
func TestControlSocketNotASocket(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, cavra.ControlSocketName)
	if err := os.WriteFile(path, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Control: httpapi.ControlHandler}); err == nil {
		g.Close()
		t.Fatal("Open replaced a regular file with the control socket")
	}
	if b, _ := os.ReadFile(path); string(b) != "keep" {
		t.Fatal("the file was changed")
	}
	// The directory is free again: a Guard without the socket opens.
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	g.Close()
}
