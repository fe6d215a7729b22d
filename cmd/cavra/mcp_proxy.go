package main

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcp"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/confine"
)

type proxyFlags struct {
	policy    policyFlags
	serverID  string
	url       string
	listen    string
	tokenFile string
	pin       string
	root      string
	passMeta  bool
	elicit    bool
	holdState bool
	hide      bool
	confine   string
	writable  []string
	oidc      struct{ issuer, audience, jwks string }
}

func newMCPProxyCmd() *cobra.Command {
	var f proxyFlags
	c := &cobra.Command{
		Use:   "proxy --server-id NAME [flags] (-- COMMAND [ARGS...] | --url URL)",
		Short: "Put CAVRA in front of any MCP server: a governing proxy the client launches instead",
		Long: `Run an MCP server behind CAVRA. The client (Claude Code, an IDE, any MCP
client) launches the proxy instead of the server; the proxy launches the
server (COMMAND over stdio) or connects to it (--url, streamable HTTP),
mirrors its tools and decides every tools/call through the policy before it
reaches the server. An allowed call is forwarded with its arguments and
result unchanged (the server's _meta is dropped unless --pass-meta); a
blocked one is a tool error that says why; one that needs approval is a tool
error with the approval id (or, with --approve-by-elicitation and a client
that supports it, a question to the person at the client). Each decision and
each allowed call's outcome is in the evidence log.

The first time it sees the server it registers it in the trust registry and
pins each tool's definition (trust on first use; --pin require-approval
registers it pending and pins nothing). A tool whose definition later
changes is blocked (mcp.registry.tool_changed) until a person pins it again:
  cavra registry mcp-pin NAME --tools tools.json

With --hide-blocked, tools/list leaves out the tools policy blocks whatever
their arguments. With --confine required (or best-effort), COMMAND runs
confined by the policy as under cavra run: it writes only under --root,
temporary directories and caches, and reads nothing the policy blocks.
With --listen, clients that are not on this machine must present a bearer
token: an OIDC JWT (--oidc-issuer, --oidc-audience, --oidc-jwks, verified
as approvers' tokens are) or the token in --token-file.

If the server exits, calls in flight fail with a tool error and the proxy
exits with status 1 and a message. The state directory is opened for each
call, not held, so hooks and cavra commands keep working beside it.

Register it with Claude Code in .mcp.json (or let cavra init claude-code
--wrap-mcp rewrite the entries there):
  {"mcpServers": {"filesystem": {"command": "cavra", "args": ["mcp", "proxy",
    "--server-id", "filesystem", "--", "npx", "-y",
    "@modelcontextprotocol/server-filesystem", "/path/to/dir"]}}}`,
		Example: `  cavra mcp proxy --server-id filesystem -- npx -y @modelcontextprotocol/server-filesystem .
  cavra mcp proxy --server-id github --url https://mcp.example.com/mcp
  cavra mcp proxy --server-id files --listen 127.0.0.1:8931 --token-file ~/.cavra-proxy-token -- ./files-server
  cavra mcp proxy --server-id files --listen :8931 --oidc-issuer https://idp.example.com \
    --oidc-audience cavra-proxy --oidc-jwks https://idp.example.com/jwks.json -- ./files-server
  cavra mcp proxy --server-id files --confine required --root . -- ./files-server .`,
		Args: args(func(c *cobra.Command, a []string) error {
			if f.serverID == "" {
				return errors.New("--server-id is required")
			}
			if f.url == "" && len(a) == 0 {
				return errors.New("give the server's command after -- or --url")
			}
			if f.url != "" && len(a) > 0 {
				return errors.New("give the server's command or --url, not both")
			}
			return nil
		}),
		RunE: func(c *cobra.Command, a []string) error { return runProxy(c, &f, a) },
	}
	f.policy.register(c)
	fl := c.Flags()
	fl.StringVar(&f.serverID, "server-id", "", "the server's id in decisions, evidence and the registry (required)")
	fl.StringVar(&f.url, "url", "", "connect to the server over streamable HTTP at this URL instead of launching it")
	fl.StringVar(&f.listen, "listen", "", "serve clients over streamable HTTP on this address (host:port; loopback unless --oidc-issuer or --token-file) instead of stdio")
	fl.StringVar(&f.tokenFile, "token-file", "", "with --listen: require this bearer token (the file's first line)")
	fl.StringVar(&f.pin, "pin", "trust-on-first-use", "tools without a pin: trust-on-first-use (pin them) or require-approval (register the server pending)")
	fl.StringVar(&f.root, "root", "", "the directory the server's relative paths are under (default: the working directory)")
	fl.BoolVar(&f.passMeta, "pass-meta", false, "pass the server's _meta in results through to the client")
	fl.BoolVar(&f.elicit, "approve-by-elicitation", false, "ask the person at the client to approve a call that requires approval (MCP elicitation; the client's answer is trusted: see docs/mcp-proxy.md)")
	fl.BoolVar(&f.hide, "hide-blocked", false, "leave out of tools/list the tools policy blocks whatever their arguments (their calls are still decided)")
	fl.StringVar(&f.confine, "confine", "off", "run the server (COMMAND) confined by the policy, as cavra run does: off, required (refuse to start without Landlock) or best-effort")
	fl.StringArrayVar(&f.writable, "writable", nil, "with --confine: another directory the server may write, besides --root, temporary directories and caches (repeatable)")
	fl.StringVar(&f.oidc.issuer, "oidc-issuer", "", "with --listen: accept OIDC bearer tokens (JWTs) of this issuer")
	fl.StringVar(&f.oidc.audience, "oidc-audience", "", "with --oidc-issuer: the audience the tokens must be for")
	fl.StringVar(&f.oidc.jwks, "oidc-jwks", "", "with --oidc-issuer: the issuer's key set, an https:// URL or a JWKS file")
	fl.BoolVar(&f.holdState, "hold-state", false, "keep the state directory open for the proxy's life (faster; hooks and cavra commands then wait for it)")
	return c
}

func runProxy(c *cobra.Command, f *proxyFlags, argv []string) error {
	ctx := c.Context()
	opts := mcp.ProxyOptions{ServerID: f.serverID, Root: f.root, PassMeta: f.passMeta, ApproveByElicitation: f.elicit, HideBlocked: f.hide}
	switch f.pin {
	case "trust-on-first-use", "tofu":
	case "require-approval":
		opts.Pin = mcp.PinRequireApproval
	default:
		return usageErr("--pin: want trust-on-first-use or require-approval, not %q", f.pin)
	}
	if f.tokenFile != "" && f.listen == "" {
		return usageErr("--token-file needs --listen")
	}
	verifier, err := f.oidcVerifier()
	if err != nil {
		return err
	}
	switch f.confine {
	case "off", "required", "best-effort":
	default:
		return usageErr("--confine: want off, required or best-effort, not %q", f.confine)
	}
	if f.confine != "off" && f.url != "" {
		return usageErr("--confine runs the server's COMMAND confined; a server at --url runs elsewhere")
	}
	if len(f.writable) > 0 && f.confine == "off" {
		return usageErr("--writable needs --confine")
	}
	gopts, err := f.policy.options()
	if err != nil {
		return err
	}
	var g *cavra.Guard
	if f.holdState {
		if g, err = cavra.Open(ctx, gopts); err != nil {
			return err
		}
		defer g.Close()
	} else {
		gopts.ShortLived = true
		opts.OpenGuard = func(ctx context.Context) (*cavra.Guard, error) { return cavra.Open(ctx, gopts) }
	}
	p, err := mcp.NewProxy(g, opts)
	if err != nil {
		return usageErr("%v", err)
	}
	var t sdk.Transport
	if f.url != "" {
		t = &sdk.StreamableClientTransport{Endpoint: f.url}
	} else if f.confine != "off" {
		if t, err = confinedServer(c, f, gopts, argv); err != nil {
			return err
		}
	} else {
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Stderr = c.ErrOrStderr() // the server's log, as the client would show it
		t = &sdk.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}
	}
	if err := p.Connect(ctx, t); err != nil {
		return err
	}
	defer p.Close()
	gone := func() error {
		return &exitError{code: 1, err: fmt.Errorf("cavra mcp proxy: the MCP server %q exited (%v); the proxy stops", f.serverID, p.Err())}
	}
	if f.listen != "" {
		return serveProxyHTTP(ctx, c, f, p, verifier, gone)
	}
	ss, err := p.Server().Connect(ctx, &sdk.IOTransport{Reader: io.NopCloser(c.InOrStdin()), Writer: nopWriteCloser{c.OutOrStdout()}}, nil)
	if err != nil {
		return err
	}
	client := make(chan struct{})
	go func() { _ = ss.Wait(); close(client) }()
	select {
	case <-client: // the client went away: a normal end
		return nil
	case <-p.Done():
		p.Drain(3 * time.Second)
		time.Sleep(100 * time.Millisecond) // the answers of the drained calls reach the client
		_ = ss.Close()
		return gone()
	case <-ctx.Done():
		_ = ss.Close()
		return nil
	}
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

func serveProxyHTTP(ctx context.Context, c *cobra.Command, f *proxyFlags, p *mcp.Proxy, verifier *approval.Verifier, gone func() error) error {
	host, _, err := net.SplitHostPort(f.listen)
	if err != nil {
		return usageErr("--listen: %v", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) && f.tokenFile == "" && verifier == nil {
		return usageErr("--listen %s is not a loopback address: give --oidc-issuer or --token-file so that only holders of a token can call", f.listen)
	}
	var h http.Handler = sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return p.Server() }, nil)
	if verifier != nil {
		h = auth.RequireBearerToken(mcp.OIDCBearer(verifier), nil)(h)
	} else if f.tokenFile != "" {
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return usageErr("--token-file: %v", err)
		}
		want, _, _ := strings.Cut(string(b), "\n")
		want = strings.TrimSpace(want)
		if len(want) < 16 {
			return usageErr("--token-file: the token is shorter than 16 characters")
		}
		h = auth.RequireBearerToken(func(_ context.Context, tok string, _ *http.Request) (*auth.TokenInfo, error) {
			if subtle.ConstantTimeCompare([]byte(tok), []byte(want)) != 1 {
				return nil, auth.ErrInvalidToken
			}
			return &auth.TokenInfo{UserID: "token-file", Expiration: time.Now().Add(time.Hour)}, nil
		}, nil)(h)
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(c.ErrOrStderr(), "cavra mcp proxy: serving %s on http://%s\n", f.serverID, ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-p.Done():
		p.Drain(3 * time.Second)
		time.Sleep(100 * time.Millisecond)
		_ = srv.Close()
		return gone()
	case <-ctx.Done():
		_ = srv.Close()
		return nil
	}
}

// oidcVerifier is the approvals' OIDC verifier configured by the --oidc-*
// flags, nil without --oidc-issuer.
func (f *proxyFlags) oidcVerifier() (*approval.Verifier, error) {
	o := f.oidc
	if o.issuer == "" {
		if o.audience != "" || o.jwks != "" {
			return nil, usageErr("--oidc-audience and --oidc-jwks need --oidc-issuer")
		}
		return nil, nil
	}
	switch {
	case f.listen == "":
		return nil, usageErr("--oidc-issuer needs --listen")
	case f.tokenFile != "":
		return nil, usageErr("give --oidc-issuer or --token-file, not both")
	case o.audience == "" || o.jwks == "":
		return nil, usageErr("--oidc-issuer needs --oidc-audience and --oidc-jwks (the issuer's key set: an https:// URL or a file)")
	}
	cfg := approval.OIDCConfig{Issuer: o.issuer, Audience: o.audience}
	if strings.Contains(o.jwks, "://") {
		cfg.JWKSURL = o.jwks
	} else {
		cfg.JWKSFile = absPath(o.jwks)
	}
	v, err := approval.NewVerifier(cfg)
	if err != nil {
		return nil, usageErr("--oidc-issuer: %v", err)
	}
	return v, nil
}

// confinedServer prepares the server's command confined by the policy, as
// cavra run confines a command: the project is --root (or the working
// directory), CAVRA's state and the binary are protected, the policy's
// blocked reads and writes are denied.
func confinedServer(c *cobra.Command, f *proxyFlags, gopts cavra.Options, argv []string) (sdk.Transport, error) {
	ctx := c.Context()
	project := f.root
	if project == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, err
		}
		project = wd
	}
	project = absPath(project)
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, err
	}
	gopts.ShortLived = true
	g, err := cavra.Open(ctx, gopts)
	if err != nil {
		return nil, err
	}
	defer g.Close()
	var writable []string
	if len(f.writable) > 0 {
		writable = append(confine.DefaultWritable(home), f.writable...)
	}
	prof, err := confine.FromPolicy(g.Policy(), confine.Options{
		Project: project, Home: home, Protected: protectedPaths(g, project, home), Writable: writable,
		BestEffort: f.confine == "best-effort",
	})
	if err != nil {
		return nil, err
	}
	cmd, err := confine.Command(context.WithoutCancel(ctx), prof, argv[0], argv[1:]...)
	if errors.Is(err, confine.ErrUnavailable) {
		fmt.Fprintf(c.ErrOrStderr(), "cavra mcp proxy: refusing to run %s unconfined: %v (use --confine best-effort to run it anyway)\n", argv[0], err)
		return nil, &exitError{code: exitFailure}
	}
	if err != nil {
		return nil, err
	}
	cmd.Stderr = c.ErrOrStderr()
	cmd.Dir, _ = os.Getwd()
	if cmd.Confinement.Enforced {
		fmt.Fprintf(c.ErrOrStderr(), "cavra mcp proxy: %s confined by %s, profile %s\n", f.serverID, confine.Probe(), cmd.Confinement.Profile)
	} else {
		fmt.Fprintf(c.ErrOrStderr(), "cavra mcp proxy: %s NOT confined: %s\n", f.serverID, cmd.Confinement.Note)
	}
	return &mcp.ConfinedTransport{Cmd: cmd, TerminateDuration: 2 * time.Second}, nil
}
