// Package httpapi is CAVRA's JSON HTTP API over a cavra.Guard: decisions,
// approvals, evidence, the registry and Claude Code's http hook, served by
// `cavra serve` on a TCP address and by every owning Guard on its state
// directory's control socket (cavra.Options.Control = ControlHandler): one
// implementation for both.
//
// Errors are application/problem+json (RFC 9457). On TCP, callers
// authenticate with a bearer token: a static token (LoadTokenFile) or an
// OIDC ID token verified by an approval.Verifier; with neither configured
// the server must listen on loopback only (see Serve). On the control
// socket the kernel authenticates the peer (same user) and no token is
// needed, except the approver's own credential. Approve, deny and
// break-glass take the approver's identity from the credential — the
// bearer ID token, or on the control socket a local signature — never from
// the body; static tokens are for agents and cannot approve or change the
// registry; a control socket peer inside a coding agent's process tree
// cannot either. The routes are listed in the OpenAPI 3.1 document served
// at /v1/openapi.json.
package httpapi

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
)

// DefaultMaxBody bounds a request body (a bundle to verify may be large).
const DefaultMaxBody = 4 << 20

// Options configures New. A nil *Options means loopback defaults: no
// authentication on TCP.
type Options struct {
	// Tokens are static bearer tokens (LoadTokenFile), compared in constant
	// time. They let a caller evaluate, check and read; not approve, deny,
	// break glass or change the registry.
	Tokens []Token
	// OIDC verifies bearer tokens as OIDC ID tokens (the approvals
	// verifier: approval.NewVerifier).
	OIDC *approval.Verifier
	// MaxBody bounds request bodies; 0 means DefaultMaxBody.
	MaxBody int64
	// AgentCheck reports whether a control socket peer runs inside a coding
	// agent; nil means cavra.Peer.Agent. For tests.
	AgentCheck func(cavra.Peer) (approval.AgentOrigin, bool)
	// Metrics is served at GET /metrics; nil means metrics of the server's
	// own (HTTP requests only: the Guard's decisions reach Metrics when the
	// Guard was opened with its MeterProvider).
	Metrics *Metrics
	// Logger receives one structured line per request and per decision
	// (evaluate, check): ids, outcome, rule, status, duration — never a
	// token, a body or an action's target, which may hold secrets. nil
	// means no logs.
	Logger *slog.Logger
}

// Server is the HTTP API over one Guard. It is an http.Handler.
type Server struct {
	g      *cavra.Guard
	opts   Options
	tokens []staticToken
	mux    *http.ServeMux
	routes []string
}

//go:embed openapi.json
var openAPI []byte

// OpenAPI returns the OpenAPI 3.1 document of the API.
func OpenAPI() []byte { return append([]byte(nil), openAPI...) }

// New returns the API over g.
func New(g *cavra.Guard, opts *Options) *Server {
	s := &Server{g: g, mux: http.NewServeMux()}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.Metrics == nil {
		s.opts.Metrics = NewMetrics()
	}
	if s.opts.MaxBody <= 0 {
		s.opts.MaxBody = DefaultMaxBody
	}
	for _, t := range s.opts.Tokens {
		s.tokens = append(s.tokens, staticToken{name: t.Name, sum: sha256.Sum256([]byte(t.Secret))})
	}
	s.handle("GET /healthz", false, s.healthz)
	s.handle("GET /readyz", false, s.readyz)
	s.handle("GET /v1/openapi.json", false, func(w http.ResponseWriter, r *http.Request, _ Caller) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
	s.handle("POST /v1/evaluate", true, s.evaluate)
	s.handle("POST /v1/check", true, s.check)
	s.handle("POST /v1/outcomes", true, s.outcome)
	s.handle("GET /v1/decisions", true, s.listDecisions)
	s.handle("GET /v1/decisions/{id}", true, s.getDecision)
	s.handle("GET /v1/approvals", true, s.listApprovals)
	s.handle("GET /v1/approvals/{id}", true, s.getApproval)
	s.handle("POST /v1/approvals/{id}/approve", true, s.decide(approval.VerbApprove))
	s.handle("POST /v1/approvals/{id}/deny", true, s.decide(approval.VerbDeny))
	s.handle("POST /v1/break-glass", true, s.breakGlass)
	s.handle("POST /v1/evidence/bundles", true, s.bundle)
	s.handle("POST /v1/evidence/verify", true, s.verify)
	s.handle("GET /v1/registry", true, s.getRegistry)
	s.handle("PUT /v1/registry/agents/{id}", true, s.putAgent)
	s.handle("POST /v1/registry/agents/{id}/status", true, s.agentStatus)
	s.handle("PUT /v1/registry/servers/{id}", true, s.putServer)
	s.handle("PUT /v1/registry/servers/{id}/tools", true, s.pinTools)
	s.handle("POST /v1/hooks/claude-code", true, s.claudeCode)
	s.handle("GET /metrics", true, func(w http.ResponseWriter, r *http.Request, _ Caller) {
		s.opts.Metrics.Handler().ServeHTTP(w, r)
	})
	return s
}

// ControlHandler is the handler of a Guard's control socket:
// cavra.Options{Control: httpapi.ControlHandler}.
func ControlHandler(g *cavra.Guard) http.Handler { return New(g, nil) }

// Routes returns the registered routes ("METHOD /path"), in order.
func (s *Server) Routes() []string { return append([]string(nil), s.routes...) }

func (s *Server) handle(pattern string, auth bool, h func(http.ResponseWriter, *http.Request, Caller)) {
	s.routes = append(s.routes, pattern)
	s.mux.HandleFunc(pattern, func(w0 http.ResponseWriter, r *http.Request) {
		start := time.Now()
		w := &statusWriter{ResponseWriter: w0}
		c := Caller{Kind: "anonymous", Name: "anonymous"}
		defer func() {
			if v := recover(); v != nil {
				writeProblem(w, r, http.StatusInternalServerError, "internal", fmt.Sprintf("internal error: %v", v))
			}
			s.observe(r, pattern, w.code, c, start)
		}()
		if auth {
			var ok bool
			if c, ok = s.authenticate(w, r); !ok {
				return
			}
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBody)
		}
		h(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)), c)
	})
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	// No route: the mux answers 404, or 405 with Allow; say it as a problem.
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	w = sw
	defer func() { s.observe(r, "unmatched", sw.code, Caller{Kind: "anonymous", Name: "anonymous"}, start) }()
	rec := &statusOnly{h: http.Header{}}
	h.ServeHTTP(rec, r)
	if allow := rec.h.Get("Allow"); allow != "" {
		w.Header().Set("Allow", allow)
	}
	switch rec.code {
	case http.StatusMethodNotAllowed:
		writeProblem(w, r, rec.code, "method-not-allowed", r.Method+" is not allowed on "+r.URL.Path)
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		s.mux.ServeHTTP(w, r)
	default:
		writeProblem(w, r, http.StatusNotFound, "not-found", "no route "+r.Method+" "+r.URL.Path)
	}
}

// statusWriter records the status of a response.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe counts and logs one answered request.
func (s *Server) observe(r *http.Request, route string, code int, c Caller, start time.Time) {
	if code == 0 {
		code = http.StatusOK
	}
	s.opts.Metrics.request(route, code)
	if s.opts.Logger != nil {
		s.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("method", r.Method), slog.String("route", route),
			slog.Int("status", code), slog.Duration("duration", time.Since(start)), slog.String("caller", c.Kind+":"+c.Name))
	}
}

// logDecision logs one decision, without its target (which may hold a
// secret: a command line with a token, a URL).
func (s *Server) logDecision(r *http.Request, op string, d cavra.Decision) {
	if s.opts.Logger == nil {
		return
	}
	s.opts.Logger.LogAttrs(r.Context(), slog.LevelInfo, "decision", slog.String("operation", op),
		slog.String("decision_id", d.DecisionID), slog.String("decision", d.Decision.String()), slog.String("rule_id", d.RuleID),
		slog.String("action_type", string(d.ActionType)), slog.String("agent_id", d.AgentID), slog.String("session_id", d.SessionID),
		slog.String("action_digest", d.ActionDigest), slog.String("approval_id", d.ApprovalID), slog.Any("evidence", d.EvidenceRefs))
}

// statusOnly records the status and headers a handler writes.
type statusOnly struct {
	h    http.Header
	code int
}

func (s *statusOnly) Header() http.Header { return s.h }
func (s *statusOnly) WriteHeader(code int) {
	if s.code == 0 {
		s.code = code
	}
}
func (s *statusOnly) Write(b []byte) (int, error) {
	if s.code == 0 {
		s.code = http.StatusOK
	}
	return len(b), nil
}

// decode reads a JSON body into v: one object, no unknown trailing data.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return &Problem{Type: ProblemType + "unsupported-media-type", Title: http.StatusText(http.StatusUnsupportedMediaType),
			Status: http.StatusUnsupportedMediaType, Detail: "the body must be application/json, not " + ct}
	}
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		if errors.Is(err, io.EOF) {
			return badRequest("the request body is empty")
		}
		return badRequest("the request body is not valid JSON: " + err.Error())
	}
	if dec.More() {
		return badRequest("the request body holds more than one JSON value")
	}
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		return err
	}
	return nil
}

func badRequest(detail string) *Problem {
	return &Problem{Type: ProblemType + "bad-request", Title: http.StatusText(http.StatusBadRequest), Status: http.StatusBadRequest, Detail: detail}
}
