package main

import (
	"fmt"
	"log/slog"
	"net"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
	"github.com/cavra-dev/cavra/approval"
)

func newServeCmd() *cobra.Command {
	var pf policyFlags
	var addr, tokenFile, issuer, audience, jwks string
	var async, quiet bool
	c := &cobra.Command{
		Use:   "serve",
		Short: "Own the state directory and serve the JSON HTTP API (and the control socket)",
		Long: `Serve owns the state directory: it holds its database, serves the JSON HTTP
API on --addr (loopback by default) and the control socket inside the
directory, through which cavra approval, cavra evidence and hooks of other
processes work while it runs. See docs/http-api.md.

Authentication on TCP: --token-file (static bearer tokens, one a line:
TOKEN or NAME TOKEN; for agents: evaluate, check, reads) and/or OIDC
(--issuer, --audience, --jwks, or config.yaml's approval.oidc): bearer ID
tokens. Approve, deny, break-glass and registry writes need an ID token: the
approver is the token's person, never the body's. Without authentication,
a non-loopback --addr is refused.

GET /metrics serves Prometheus metrics (decisions by outcome and rule,
evaluation and evidence commit latency, requests by route and status); each
request and each decision is logged as one JSON line on stderr, without
tokens, bodies or targets (--no-log to turn it off). See
docs/observability.md.

On SIGINT or SIGTERM it stops accepting, lets requests in flight finish,
signs a checkpoint and releases the directory.`,
		Example: `  cavra serve
  cavra serve --addr 127.0.0.1:9000 --token-file ~/.config/cavra/tokens`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			opts, err := pf.options()
			if err != nil {
				return err
			}
			home, err := cavra.StateDir(opts.Home)
			if err != nil {
				return err
			}
			opts.Home = home
			if async {
				opts.Evidence = cavra.EvidenceAsync
			}
			var api httpapi.Options
			if tokenFile != "" {
				if api.Tokens, err = httpapi.LoadTokenFile(tokenFile); err != nil {
					return err
				}
			}
			oidc, err := serveOIDC(home, issuer, audience, jwks)
			if err != nil {
				return err
			}
			api.OIDC = oidc
			opts.Control = httpapi.ControlHandler
			// The Guard's decisions, latencies and commits reach /metrics
			// through the OpenTelemetry metric API (no SDK).
			api.Metrics = httpapi.NewMetrics()
			opts.MeterProvider = api.Metrics.MeterProvider()
			if !quiet {
				api.Logger = slog.New(slog.NewJSONHandler(c.ErrOrStderr(), nil))
			}
			ctx, stop := signal.NotifyContext(c.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			g, err := cavra.Open(ctx, opts)
			if err != nil {
				return err
			}
			srv := httpapi.New(g, &api)
			err = srv.Serve(ctx, httpapi.ServeOptions{Addr: addr, Ready: func(a net.Addr) {
				fmt.Fprintf(c.ErrOrStderr(), "cavra: serving %s on http://%s (control socket %s)\n", home, a, cavra.ControlSocketPath(home))
			}})
			if cerr := g.Close(); err == nil {
				err = cerr
			}
			return err
		},
	}
	pf.register(c)
	c.Flags().StringVar(&addr, "addr", httpapi.DefaultAddr, "TCP address of the HTTP API")
	c.Flags().StringVar(&tokenFile, "token-file", "", "static bearer tokens, one a line (TOKEN or NAME TOKEN), mode 0600")
	c.Flags().StringVar(&issuer, "issuer", "", "OIDC issuer of bearer ID tokens (default: config.yaml's approval.oidc)")
	c.Flags().StringVar(&audience, "audience", "", "OIDC audience")
	c.Flags().StringVar(&jwks, "jwks", "", "the issuer's JWKS: an https:// URL or a file")
	c.Flags().BoolVar(&quiet, "no-log", false, "do not write the JSON log lines (one per request and per decision) to stderr")
	c.Flags().BoolVar(&async, "async-evidence", false, "return decisions once their records are queued, not fsynced (see docs/decisions.md)")
	return c
}

// serveOIDC is the verifier of bearer ID tokens: the flags', else
// config.yaml's approval.oidc, else none.
func serveOIDC(home, issuer, audience, jwks string) (*approval.Verifier, error) {
	fc := &approval.OIDCFileConfig{Issuer: issuer, Audience: audience, JWKS: jwks}
	if issuer == "" && audience == "" && jwks == "" {
		cfg, err := cavra.LoadConfig(home)
		if err != nil {
			return nil, err
		}
		if cfg.Approval.OIDC == nil {
			return nil, nil
		}
		fc = cfg.Approval.OIDC
	} else if issuer == "" || audience == "" || jwks == "" {
		return nil, usageErr("--issuer, --audience and --jwks go together")
	}
	oc := approval.OIDCConfig{Issuer: fc.Issuer, Audience: fc.Audience, GroupsClaim: fc.GroupsClaim}
	if len(fc.JWKS) > 8 && (fc.JWKS[:8] == "https://" || fc.JWKS[:7] == "http://") {
		oc.JWKSURL = fc.JWKS
	} else {
		oc.JWKSFile = fc.JWKS
	}
	return approval.NewVerifier(oc)
}
