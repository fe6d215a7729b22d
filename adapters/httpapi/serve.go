package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ServeOptions configures Serve.
type ServeOptions struct {
	// Addr is the TCP address; "" means DefaultAddr.
	Addr string
	// ShutdownTimeout bounds the drain of requests in flight when ctx is
	// done; 0 means 10 seconds.
	ShutdownTimeout time.Duration
	// Ready, if set, is called with the address listened on.
	Ready func(addr net.Addr)
}

// DefaultAddr is where `cavra serve` listens by default.
const DefaultAddr = "127.0.0.1:8787"

// ErrNoAuth refuses a non-loopback address for a server without
// authentication.
var ErrNoAuth = errors.New("httpapi: refusing to listen on a non-loopback address without authentication (--token-file, or OIDC)")

// Serve serves s on opts.Addr until ctx is done, then stops accepting,
// lets the requests in flight finish — their decisions are recorded before
// they answer — and returns. A non-loopback address without
// authentication configured is refused with ErrNoAuth.
func (s *Server) Serve(ctx context.Context, opts ServeOptions) error {
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	if len(s.tokens) == 0 && s.opts.OIDC == nil && !loopback(addr) {
		return fmt.Errorf("%w: %s", ErrNoAuth, addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if opts.Ready != nil {
		opts.Ready(ln.Addr())
	}
	srv := NewHTTPServer(s)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	timeout := opts.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		return fmt.Errorf("httpapi: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// NewHTTPServer returns an http.Server for h with CAVRA's timeouts.
func NewHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}

// loopback reports whether addr's host is a loopback address (or
// "localhost"); an empty host (all interfaces) is not.
func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
