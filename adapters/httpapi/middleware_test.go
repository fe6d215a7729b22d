package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
)

func openGuard(t *testing.T) *cavra.Guard {
	t.Helper()
	g, err := cavra.Open(context.Background(), cavra.Options{Home: t.TempDir(), Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

// fixedMapper maps every request to a.
func fixedMapper(a cavra.Action) httpapi.Mapper {
	return func(*http.Request) (cavra.Action, error) { return a, nil }
}

func TestMiddleware(t *testing.T) {
	g := openGuard(t)
	const toolBody = `{"tool": "TodoWrite", "arguments": {"todos": ["write tests"]}}`
	cases := []struct {
		name     string
		mapper   httpapi.Mapper
		opts     httpapi.MiddlewareOptions
		body     string
		status   int
		called   bool
		problem  string // problem type suffix
		rule     string
		approval bool
	}{
		{name: "allow: tool call", body: toolBody, status: 200, called: true},
		{name: "block", mapper: fixedMapper(cavra.Action{Type: cavra.ReadFile, Target: ".env"}), body: toolBody,
			status: 403, problem: "blocked", rule: "filesystem.read.block"},
		{name: "require_approval: 403", mapper: fixedMapper(cavra.Action{Type: cavra.ExecuteCommand, Target: "make deploy"}),
			status: 403, problem: "approval-required", approval: true},
		{name: "require_approval: 202", mapper: fixedMapper(cavra.Action{Type: cavra.ExecuteCommand, Target: "make deploy"}),
			opts: httpapi.MiddlewareOptions{ApprovalStatus: http.StatusAccepted}, status: 202, problem: "approval-required", approval: true},
		{name: "panicking mapper", mapper: func(*http.Request) (cavra.Action, error) { panic("mapper bug") }, body: toolBody,
			status: 500, problem: "internal"},
		{name: "panicking identity", opts: httpapi.MiddlewareOptions{Identity: func(*http.Request) cavra.Agent { panic("identity bug") }},
			body: toolBody, status: 500, problem: "internal"},
		{name: "oversized body", opts: httpapi.MiddlewareOptions{MaxBody: 64}, body: `{"tool": "TodoWrite", "arguments": {"x": "` + strings.Repeat("a", 100) + `"}}`,
			status: 413, problem: "too-large"},
		{name: "not a tool call", body: `{"tool": `, status: 400, problem: "bad-request"},
		{name: "no tool", body: `{"arguments": {}}`, status: 400, problem: "bad-request"},
		{name: "no body", status: 400, problem: "bad-request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var called atomic.Bool
			var got []byte
			h := httpapi.Middleware(g, c.mapper, c.opts)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called.Store(true)
				got, _ = io.ReadAll(r.Body)
				if d, ok := httpapi.DecisionFromContext(r.Context()); !ok || d.Decision != cavra.Allow {
					t.Errorf("decision in context = %+v, %v", d, ok)
				}
				w.WriteHeader(http.StatusOK)
			}))
			var body io.Reader = http.NoBody
			if c.body != "" {
				body = strings.NewReader(c.body)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/tools/call", body))
			if rec.Code != c.status || called.Load() != c.called {
				t.Fatalf("status %d, handler called %v; want %d, %v; body %s", rec.Code, called.Load(), c.status, c.called, rec.Body)
			}
			if c.called {
				if string(got) != c.body {
					t.Errorf("the handler read %q, want the original body", got)
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var p httpapi.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if p.Type != httpapi.ProblemType+c.problem || p.Status != c.status {
				t.Errorf("problem %+v, want type %s", p, c.problem)
			}
			if c.rule != "" && (p.Decision == nil || p.Decision.RuleID != c.rule) {
				t.Errorf("problem decision %+v, want rule %s", p.Decision, c.rule)
			}
			if c.approval && (p.ApprovalID == "" || p.ApprovalID != p.Decision.ApprovalID) {
				t.Errorf("approval id %q, decision %+v", p.ApprovalID, p.Decision)
			}
		})
	}
}

func TestMiddlewareIdentityAndDeny(t *testing.T) {
	g := openGuard(t)
	var denied cavra.Decision
	h := httpapi.Middleware(g, fixedMapper(cavra.Action{Type: cavra.ReadFile, Target: ".env", Agent: cavra.Agent{ID: "spoofed"}}), httpapi.MiddlewareOptions{
		Identity: func(r *http.Request) cavra.Agent {
			return cavra.Agent{ID: "svc-" + r.Header.Get("X-Tenant"), Session: "s-1"}
		},
		Deny: func(w http.ResponseWriter, r *http.Request, d cavra.Decision) {
			denied = d
			http.Error(w, "no", http.StatusTeapot)
		},
	})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler called") }))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("X-Tenant", "a")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != http.StatusTeapot || denied.AgentID != "svc-a" || denied.SessionID != "s-1" || len(denied.EvidenceRefs) != 1 {
		t.Fatalf("status %d, denied %+v", rec.Code, denied)
	}
}

func TestMiddlewareClosedGuard(t *testing.T) {
	g := openGuard(t)
	g.Close()
	h := httpapi.Middleware(g, nil, httpapi.MiddlewareOptions{})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("handler called") }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/", strings.NewReader(`{"tool": "x"}`)))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
}

// roundTripFunc is a base transport that answers without a network.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestTransport(t *testing.T) {
	g := openGuard(t)
	var sent []string
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.URL.String())
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Request: r}, nil
	})
	client := &http.Client{Transport: httpapi.Transport(g, base, httpapi.TransportOptions{Agent: cavra.Agent{ID: "go-agent"}})}

	_, err := client.Get("http://169.254.169.254/latest/meta-data/iam/security-credentials/")
	var be *httpapi.BlockedError
	if !errors.As(err, &be) || be.Decision.RuleID != "network.metadata_endpoint" || be.Decision.AgentID != "go-agent" {
		t.Fatalf("metadata request: err %v", err)
	}
	if len(sent) != 0 {
		t.Fatalf("a blocked request was sent: %v", sent)
	}

	resp, err := client.Get("https://go.dev/doc/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(sent) != 1 || sent[0] != "https://go.dev/doc/" {
		t.Fatalf("sent %v", sent)
	}

	// A secret in the URL is seen by the policy.
	_, err = client.Get("https://example.com/?token=ghp_" + strings.Repeat("a", 36))
	if !errors.As(err, &be) {
		t.Fatalf("token in URL: err %v", err)
	}
	if len(sent) != 1 {
		t.Fatalf("sent %v", sent)
	}
}

func TestTransportPanic(t *testing.T) {
	g := openGuard(t)
	rt := httpapi.Transport(g, roundTripFunc(func(*http.Request) (*http.Response, error) {
		t.Error("sent")
		return nil, errors.New("sent")
	}), httpapi.TransportOptions{Identity: func(*http.Request) cavra.Agent { panic("identity bug") }})
	_, err := rt.RoundTrip(httptest.NewRequest("GET", "https://go.dev/", nil))
	var be *httpapi.BlockedError
	if !errors.As(err, &be) || be.Err == nil {
		t.Fatalf("panicking identity: err %v", err)
	}
	var ae *httpapi.ApprovalError
	if errors.As(err, &ae) {
		t.Fatal("not an approval")
	}
}
