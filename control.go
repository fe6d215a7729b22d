package cavra

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cavra-dev/cavra/approval"
)

// One owner, many clients. A state directory's database is held by one
// process at a time (bbolt's exclusive lock). A long-running Guard — `cavra
// serve`, the MCP proxy, an application that embeds the Guard with
// Options.Control — also listens on a Unix socket inside the directory
// (ControlSocketPath), so that the command line and hooks of other
// processes reach the directory through it instead of failing with
// ErrStateInUse. The socket is mode 0600 inside a 0700 directory, and every
// connection's peer must run as the owner's user (SO_PEERCRED on Linux).

// ControlSocketName is the control socket's file name in a state directory.
const ControlSocketName = "control.sock"

// ControlSocketPath returns the control socket of state directory home.
func ControlSocketPath(home string) string { return filepath.Join(home, ControlSocketName) }

// ErrNoOwner means no process serves the state directory's control socket.
var ErrNoOwner = errors.New("cavra: no process serves the state directory's control socket")

// Peer is the process at the other end of a control socket connection, as
// the kernel reports it (not as the peer claims).
type Peer struct {
	PID int // 0 when the platform does not report it
	UID int
}

type peerKey struct{}

// PeerFromContext returns the control socket peer of a request served on
// the control socket (the http.Request's context), and false for a request
// that came another way (TCP).
func PeerFromContext(ctx context.Context) (Peer, bool) {
	p, ok := ctx.Value(peerKey{}).(Peer)
	return p, ok
}

// ContextWithPeer returns ctx carrying p, as the control socket's server
// gives each request; for tests of handlers.
func ContextWithPeer(ctx context.Context, p Peer) context.Context {
	return context.WithValue(ctx, peerKey{}, p)
}

// Agent reports whether the peer process runs inside a coding agent: an
// agent's marker in its environment, or an agent among its ancestors — the
// check `cavra approval approve` makes on itself, made here by the owner on
// the process that asks. A peer whose process cannot be examined (no PID,
// no procfs, a process that already exited) counts as an agent: approving
// over the socket fails closed.
func (p Peer) Agent() (approval.AgentOrigin, bool) {
	if p.PID <= 0 {
		return approval.AgentOrigin{Agent: "unknown", Evidence: "the peer process is not known"}, true
	}
	environ, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(p.PID), "environ"))
	if err != nil {
		return approval.AgentOrigin{Agent: "unknown", Evidence: "peer process " + strconv.Itoa(p.PID) + " cannot be examined: " + err.Error()}, true
	}
	env := map[string]string{}
	for _, kv := range strings.Split(string(environ), "\x00") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	o, ok := approval.DetectAgent(func(k string) string { return env[k] }, "/proc", p.PID)
	if ok {
		o.Evidence = "peer process " + strconv.Itoa(p.PID) + ": " + o.Evidence
	}
	return o, ok
}

// control is a Guard's control socket server.
type control struct {
	path string
	ln   net.Listener
	srv  *http.Server
	done chan struct{}
}

// ListenControl listens on the state directory's control socket, removing a
// socket left by an owner that died (this Guard holds the database lock, so
// no live owner can be serving it). It is called by Open with
// Options.Control; call it yourself to serve another handler.
func (g *Guard) ListenControl() (net.Listener, error) {
	if g == nil || g.closed.Load() {
		return nil, ErrClosed
	}
	if g.opts.ReadOnly {
		return nil, ErrReadOnly
	}
	return listenControl(ControlSocketPath(g.home))
}

var listenMu sync.Mutex // umask is per process

func listenControl(path string) (net.Listener, error) {
	if len(path) >= 104 { // sun_path is 108 bytes on Linux, 104 on BSDs
		return nil, fmt.Errorf("cavra: control socket path %s is too long for a Unix socket (%d bytes)", path, len(path))
	}
	if info, err := os.Lstat(path); err == nil {
		if info.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("cavra: %s exists and is not a socket; not replacing it", path)
		}
		if c, err := net.DialTimeout("unix", path, 200*time.Millisecond); err == nil {
			c.Close()
			return nil, fmt.Errorf("cavra: another process serves %s", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("cavra: removing the stale control socket: %w", err)
		}
	}
	listenMu.Lock()
	old := umask(0o177)
	ln, err := net.Listen("unix", path)
	umask(old)
	listenMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("cavra: control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("cavra: control socket: %w", err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(true)
	return ln, nil
}

// serveControl serves h on the control socket until Close.
// On Windows it serves nothing: there is no named-pipe control channel
// yet (docs/http-api.md), so a Windows owner is reached over its HTTP API
// (cavra serve --addr) and commands open the directory themselves.
func (g *Guard) serveControl(h http.Handler) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	ln, err := g.ListenControl()
	if err != nil {
		return err
	}
	c := &control{path: ControlSocketPath(g.home), ln: ln, done: make(chan struct{})}
	c.srv = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       time.Minute,
		ConnContext:       ControlConnContext,
	}
	go func() {
		defer close(c.done)
		c.srv.Serve(SameUserListener(ln))
	}()
	g.control = c
	return nil
}

// stopControl stops the control socket server, letting requests in flight
// finish (for at most five seconds) before the evidence log closes.
func (g *Guard) stopControl() {
	c := g.control
	if c == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.srv.Shutdown(ctx); err != nil {
		c.srv.Close()
	}
	<-c.done
}

// ControlConnContext is an http.Server ConnContext that puts the peer of a
// control socket connection (accepted by SameUserListener) in each
// request's context.
func ControlConnContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(peerConn); ok {
		return ContextWithPeer(ctx, pc.peer)
	}
	return ctx
}

// SameUserListener wraps a Unix socket listener so that it accepts only
// connections from processes of this process's user, as the kernel reports
// them; other connections are closed at once.
func SameUserListener(ln net.Listener) net.Listener { return sameUser{ln} }

type sameUser struct{ net.Listener }

type peerConn struct {
	net.Conn
	peer Peer
}

func (l sameUser) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		uc, ok := c.(*net.UnixConn)
		if !ok {
			c.Close()
			continue
		}
		p, err := peerOf(uc)
		if err != nil || p.UID != os.Getuid() {
			c.Close()
			continue
		}
		return peerConn{Conn: c, peer: p}, nil
	}
}
