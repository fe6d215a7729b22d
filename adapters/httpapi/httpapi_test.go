package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/approval/approvaltest"
)

const agentToken = "agent-token-0123456789abcdef"

// fixture is a Guard on the banking baseline whose approvers are verified
// against an in-process issuer, served twice: without authentication (as
// on loopback) and with a static agent token plus OIDC.
type fixture struct {
	g      *cavra.Guard
	is     *approvaltest.Issuer
	open   *httptest.Server
	authed *httptest.Server
	api    *httpapi.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	is := approvaltest.NewIssuer(t)
	home := t.TempDir()
	jwks, _ := json.Marshal(is.JWKS())
	if err := os.WriteFile(filepath.Join(home, "issuer.jwks"), jwks, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := "packs: [cavra-banking-baseline]\napproval:\n  oidc:\n    issuer: " + is.URL + "\n    audience: " + approvaltest.Audience + "\n    jwks: issuer.jwks\n"
	if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{g: g, is: is}
	f.open = httptest.NewServer(httpapi.New(g, nil))
	f.api = httpapi.New(g, &httpapi.Options{Tokens: []httpapi.Token{{Name: "python-agent", Secret: agentToken}}, OIDC: is.Verifier(t), MaxBody: 64 << 10})
	f.authed = httptest.NewServer(f.api)
	t.Cleanup(func() {
		f.open.Close()
		f.authed.Close()
		g.Close()
	})
	return f
}

// call sends body (a string is sent as is) with the bearer token and
// decodes the answer into out, returning the status.
func call(t *testing.T, srv *httptest.Server, method, path, token string, body any, out any) (int, http.Header) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		r = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, srv.URL+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%s %s: %d with Content-Type %q: %s", method, path, resp.StatusCode, ct, data)
		}
		var p httpapi.Problem
		if err := json.Unmarshal(data, &p); err != nil || p.Status != resp.StatusCode || !strings.HasPrefix(p.Type, httpapi.ProblemType) || p.Title == "" {
			t.Fatalf("%s %s: not a problem body: %s", method, path, data)
		}
		if pp, ok := out.(*httpapi.Problem); ok {
			*pp = p
		}
		return resp.StatusCode, resp.Header
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return resp.StatusCode, resp.Header
}

var iamWrite = cavra.Action{Type: cavra.WriteFile, Target: "iam/admin-role.tf", Agent: cavra.Agent{ID: "claude-code", Session: "s-1", Actor: "dev"}}

// TestHTTPApprovalLoop: evaluate → require_approval → an approver's token
// approves (the body's approver is ignored) → the agent's retry passes.
func TestHTTPApprovalLoop(t *testing.T) {
	f := newFixture(t)
	var d cavra.Decision
	if code, _ := call(t, f.authed, "POST", "/v1/evaluate", agentToken, iamWrite, &d); code != 200 || d.Decision != cavra.RequireApproval || d.ApprovalID == "" {
		t.Fatalf("evaluate: %d %+v", code, d)
	}
	var reqs []approval.Request
	if code, _ := call(t, f.authed, "GET", "/v1/approvals?state=pending", agentToken, nil, &reqs); code != 200 || len(reqs) != 1 || reqs[0].ID != d.ApprovalID {
		t.Fatalf("approvals: %d %v", code, reqs)
	}
	var one approval.Request
	if code, _ := call(t, f.authed, "GET", "/v1/approvals/"+d.ApprovalID, agentToken, nil, &one); code != 200 || one.ID != d.ApprovalID {
		t.Fatalf("approval: %d", code)
	}
	path := "/v1/approvals/" + d.ApprovalID + "/approve"
	spoof := map[string]any{"reason": "lgtm", "approver": "alice", "actor": "alice", "decided_by": map[string]any{"subject": "alice"}, "credential": string(f.is.Token(t, "alice", one.Group))}
	var p httpapi.Problem
	// The agent's static token is no person's identity, whatever the body says.
	if code, _ := call(t, f.authed, "POST", path, agentToken, spoof, &p); code != 401 {
		t.Fatalf("approve with the agent's token: %d %s", code, p.Detail)
	}
	if code, _ := call(t, f.authed, "POST", path, "", spoof, &p); code != 401 {
		t.Fatalf("approve without a token: %d", code)
	}
	// The requester cannot approve their own request, even naming alice.
	if code, _ := call(t, f.authed, "POST", path, string(f.is.Token(t, "dev", one.Group)), spoof, &p); code != 403 {
		t.Fatalf("self-approval: %d %s", code, p.Detail)
	}
	// An approver without the group is refused.
	if code, _ := call(t, f.authed, "POST", path, string(f.is.Token(t, "mallory", "Interns")), spoof, &p); code != 403 {
		t.Fatalf("approver without the group: %d", code)
	}
	if code, _ := call(t, f.authed, "POST", path, string(f.is.Token(t, "bob", one.Group)), map[string]any{}, &p); code != 400 {
		t.Fatalf("approve without a reason: %d", code)
	}
	var done approval.Request
	if code, _ := call(t, f.authed, "POST", path, string(f.is.Token(t, "bob", one.Group)), spoof, &done); code != 200 || done.State != approval.Approved {
		t.Fatalf("approve: %d %+v", code, done)
	}
	if done.DecidedBy == nil || done.DecidedBy.Subject != "bob" {
		t.Fatalf("the approver was taken from the body: %+v", done.DecidedBy)
	}
	var d2 cavra.Decision
	if code, _ := call(t, f.authed, "POST", "/v1/evaluate", agentToken, iamWrite, &d2); code != 200 || d2.RuleID != "approval.granted" {
		t.Fatalf("retry: %d %s %s", code, d2.Decision, d2.RuleID)
	}
	// The unauthenticated (loopback) server verifies the approver's token
	// the same way.
	var d3 cavra.Decision
	call(t, f.open, "POST", "/v1/evaluate", "", iamWrite, &d3)
	if code, _ := call(t, f.open, "POST", "/v1/approvals/"+d3.ApprovalID+"/deny", "", map[string]any{"reason": "no"}, &p); code != 401 {
		t.Fatalf("deny without a credential: %d", code)
	}
	var denied approval.Request
	if code, _ := call(t, f.open, "POST", "/v1/approvals/"+d3.ApprovalID+"/deny", string(f.is.Token(t, "bob", one.Group)), map[string]any{"reason": "no", "approver": "mallory"}, &denied); code != 200 || denied.State != approval.Denied || denied.DecidedBy.Subject != "bob" {
		t.Fatalf("deny: %d %+v", code, denied)
	}
	if code, _ := call(t, f.open, "POST", "/v1/approvals/apr_nope/approve", string(f.is.Token(t, "bob", one.Group)), map[string]any{"reason": "x"}, &p); code != 404 {
		t.Fatalf("approve an unknown request: %d", code)
	}
}

func TestHTTPBreakGlass(t *testing.T) {
	f := newFixture(t)
	var d cavra.Decision
	call(t, f.authed, "POST", "/v1/evaluate", agentToken, iamWrite, &d)
	body := map[string]any{"approval_id": d.ApprovalID, "reason": "incident 7", "approver": "root"}
	var p httpapi.Problem
	if code, _ := call(t, f.authed, "POST", "/v1/break-glass", agentToken, body, &p); code != 401 {
		t.Fatalf("break-glass with the agent's token: %d", code)
	}
	if code, _ := call(t, f.authed, "POST", "/v1/break-glass", string(f.is.Token(t, "bob", "IAM")), body, &p); code != 403 {
		t.Fatalf("break-glass without the group: %d %s", code, p.Detail)
	}
	if code, _ := call(t, f.authed, "POST", "/v1/break-glass", string(f.is.Token(t, "bob", approval.DefaultBreakGlassGroup)), map[string]any{"approval_id": d.ApprovalID}, &p); code != 400 {
		t.Fatalf("break-glass without a reason: %d", code)
	}
	var r approval.Request
	if code, _ := call(t, f.authed, "POST", "/v1/break-glass", string(f.is.Token(t, "bob", approval.DefaultBreakGlassGroup)), body, &r); code != 200 || r.State != approval.BreakGlass || r.DecidedBy.Subject != "bob" {
		t.Fatalf("break-glass: %d %+v", code, r)
	}
}

func TestHTTPEvidence(t *testing.T) {
	f := newFixture(t)
	var d cavra.Decision
	call(t, f.authed, "POST", "/v1/evaluate", agentToken, cavra.Action{Type: cavra.ReadFile, Target: ".env", Agent: cavra.Agent{ID: "a", Session: "ev-1"}}, &d)
	if d.Decision != cavra.Block || len(d.EvidenceRefs) != 1 {
		t.Fatalf("evaluate: %+v", d)
	}
	var chk cavra.Decision
	if code, _ := call(t, f.authed, "POST", "/v1/check", agentToken, cavra.Action{Type: cavra.ReadFile, Target: ".env"}, &chk); code != 200 || chk.Decision != cavra.Block || len(chk.EvidenceRefs) != 0 {
		t.Fatalf("check: %d %+v", code, chk)
	}
	var recs []map[string]any
	if code, _ := call(t, f.authed, "GET", "/v1/decisions?session=ev-1&decision=block", agentToken, nil, &recs); code != 200 || len(recs) != 1 {
		t.Fatalf("decisions: %d %d", code, len(recs))
	}
	var p httpapi.Problem
	for _, bad := range []string{"decision=maybe", "severity=loud", "limit=0", "since=yesterday"} {
		if code, _ := call(t, f.authed, "GET", "/v1/decisions?"+bad, agentToken, nil, &p); code != 400 {
			t.Errorf("decisions?%s: %d", bad, code)
		}
	}
	var rec map[string]any
	if code, _ := call(t, f.authed, "GET", "/v1/decisions/"+d.DecisionID, agentToken, nil, &rec); code != 200 {
		t.Fatalf("decision: %d", code)
	}
	if code, _ := call(t, f.authed, "GET", "/v1/decisions/dec_nope", agentToken, nil, &p); code != 404 {
		t.Fatalf("unknown decision: %d", code)
	}
	var outcome map[string]string
	if code, _ := call(t, f.authed, "POST", "/v1/outcomes", agentToken, map[string]any{"action": cavra.Action{Type: cavra.ReadFile, Target: "README.md"}, "outcome": map[string]any{"status": "completed"}}, &outcome); code != 200 || !strings.HasPrefix(outcome["evidence_ref"], "evidence://") {
		t.Fatalf("outcome: %d %v", code, outcome)
	}
	var bundle json.RawMessage
	if code, _ := call(t, f.authed, "POST", "/v1/evidence/bundles", agentToken, map[string]any{"session": "ev-1"}, &bundle); code != 200 {
		t.Fatalf("bundle: %d", code)
	}
	var rep map[string]any
	if code, _ := call(t, f.authed, "POST", "/v1/evidence/verify", agentToken, map[string]any{"bundle": bundle}, &rep); code != 200 {
		t.Fatalf("verify bundle: %d", code)
	}
	tampered := bytes.Replace(bundle, []byte(`"ev-1"`), []byte(`"ev-2"`), 1)
	if code, _ := call(t, f.authed, "POST", "/v1/evidence/verify", agentToken, map[string]any{"bundle": json.RawMessage(tampered)}, &p); code != 422 {
		t.Fatalf("verify a tampered bundle: %d", code)
	}
	if code, _ := call(t, f.authed, "POST", "/v1/evidence/verify", agentToken, map[string]any{}, &rep); code != 200 || rep["size"].(float64) < 2 {
		t.Fatalf("verify the log: %d %v", code, rep)
	}
}

func TestHTTPRegistry(t *testing.T) {
	f := newFixture(t)
	var doc httpapi.RegistryDocument
	if code, _ := call(t, f.authed, "GET", "/v1/registry", agentToken, nil, &doc); code != 200 || len(doc.Agents) != 0 {
		t.Fatalf("registry: %d %+v", code, doc)
	}
	agent := map[string]any{"agent_id": "py-1", "type": "custom", "owner": "team"}
	var p httpapi.Problem
	if code, _ := call(t, f.authed, "PUT", "/v1/registry/agents/py-1", agentToken, agent, &p); code != 403 {
		t.Fatalf("an agent's token changed the registry: %d", code)
	}
	if code, _ := call(t, f.open, "PUT", "/v1/registry/agents/py-1", "", agent, &p); code != 403 {
		t.Fatalf("an anonymous caller changed the registry: %d", code)
	}
	admin := string(f.is.Token(t, "admin", "Platform"))
	if code, _ := call(t, f.authed, "PUT", "/v1/registry/agents/py-2", admin, agent, &p); code != 400 {
		t.Fatalf("mismatched id: %d", code)
	}
	var ch map[string]any
	if code, _ := call(t, f.authed, "PUT", "/v1/registry/agents/py-1", admin, map[string]any{"agent_id": "py-1", "type": "custom", "by": "someone-else"}, &ch); code != 200 {
		t.Fatalf("register: %d %v", code, ch)
	}
	if by, _ := ch["by"].(string); !strings.HasSuffix(by, "#admin") {
		t.Fatalf("the change is not recorded as the token's person: %v", ch)
	}
	if code, _ := call(t, f.authed, "POST", "/v1/registry/agents/py-1/status", admin, map[string]any{"status": "disabled", "reason": "kill switch"}, &ch); code != 200 {
		t.Fatalf("disable: %d", code)
	}
	var d cavra.Decision
	call(t, f.authed, "POST", "/v1/evaluate", agentToken, cavra.Action{Type: cavra.ReadFile, Target: "README.md", Agent: cavra.Agent{ID: "py-1"}}, &d)
	if d.Decision != cavra.Block || d.RuleID != "registry.agent.disabled" {
		t.Fatalf("a disabled agent: %s %s", d.Decision, d.RuleID)
	}
	if code, _ := call(t, f.authed, "PUT", "/v1/registry/servers/fs", admin, map[string]any{"server_id": "fs", "name": "filesystem", "trust_tier": "trusted"}, &ch); code != 200 {
		t.Fatalf("register server: %d %v", code, ch)
	}
	call(t, f.authed, "GET", "/v1/registry", agentToken, nil, &doc)
	if len(doc.Agents) != 1 || len(doc.Servers) != 1 {
		t.Fatalf("registry after: %+v", doc)
	}
}

func TestHTTPClaudeCodeHook(t *testing.T) {
	f := newFixture(t)
	hook := func(body string) map[string]any {
		req, _ := http.NewRequest("POST", f.authed.URL+"/v1/hooks/claude-code", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+agentToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("hook: %d", resp.StatusCode)
		}
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	decisionOf := func(out map[string]any) string {
		h, _ := out["hookSpecificOutput"].(map[string]any)
		s, _ := h["permissionDecision"].(string)
		return s
	}
	payload := `{"session_id":"cc-1","cwd":"/project","hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"/project/.env"},"tool_use_id":"t1"}`
	if got := decisionOf(hook(payload)); got != "deny" {
		t.Fatalf("Read .env: %q", got)
	}
	if got := decisionOf(hook(`{"session_id":"cc-1","cwd":"/project","hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"/project/README.md"}}`)); got != "" {
		t.Fatalf("Read README: %q", got)
	}
	// What keeps CAVRA from deciding is a deny, never a non-2xx (which
	// Claude Code lets through).
	if got := decisionOf(hook(`{"hook_event_name":`)); got != "deny" {
		t.Fatalf("malformed payload: %q", got)
	}
	post := `{"session_id":"cc-1","cwd":"/project","hook_event_name":"PostToolUse","tool_name":"Read","tool_input":{"file_path":"/project/README.md"},"tool_response":{"ok":true}}`
	if out := hook(post); len(out) != 0 {
		t.Fatalf("PostToolUse: %v", out)
	}
	var p httpapi.Problem
	if code, _ := call(t, f.authed, "POST", "/v1/hooks/claude-code", "", payload, &p); code != 401 {
		t.Fatalf("hook without a token: %d", code)
	}
}

// TestHTTPRefusals: authentication where it must be, and malformed,
// oversized and misrouted requests refused with problem bodies.
func TestHTTPRefusals(t *testing.T) {
	f := newFixture(t)
	var p httpapi.Problem
	for _, r := range f.api.Routes() {
		method, path, _ := strings.Cut(r, " ")
		path = strings.ReplaceAll(path, "{id}", "x")
		public := path == "/healthz" || path == "/readyz" || path == "/v1/openapi.json"
		var out any = &p
		if public {
			out = nil
		}
		code, hdr := call(t, f.authed, method, path, "", nil, out)
		switch {
		case public && code != 200:
			t.Errorf("%s: %d without a token", r, code)
		case !public && (code != 401 || hdr.Get("WWW-Authenticate") == ""):
			t.Errorf("%s: %d without a token (want 401 with WWW-Authenticate)", r, code)
		}
		if !public {
			if code, _ := call(t, f.authed, method, path, "not-the-token", nil, &p); code != 401 {
				t.Errorf("%s: %d with a wrong token", r, code)
			}
		}
	}
	forged := approvaltest.Forge(map[string]any{"alg": "HS256"}, f.is.Claims("alice", "IAM"), []byte("guess"))
	if code, _ := call(t, f.authed, "GET", "/v1/approvals", string(forged), nil, &p); code != 401 {
		t.Errorf("a forged token: %d", code)
	}
	cases := []struct {
		name, method, path, body string
		status                   int
	}{
		{"malformed", "POST", "/v1/evaluate", `{"type":`, 400},
		{"empty", "POST", "/v1/evaluate", ``, 400},
		{"no type", "POST", "/v1/evaluate", `{"target":"x"}`, 400},
		{"two values", "POST", "/v1/evaluate", `{"type":"read_file","target":"a"} {}`, 400},
		{"wrong type", "POST", "/v1/evaluate", `[1,2]`, 400},
		{"oversized", "POST", "/v1/evaluate", `{"type":"read_file","target":"` + strings.Repeat("a", 70<<10) + `"}`, 413},
		{"oversized hook", "POST", "/v1/hooks/claude-code", `{"hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"x":"` + strings.Repeat("a", 70<<10) + `"}}`, 413},
		{"bad state", "GET", "/v1/approvals?state=weird", ``, 400},
		{"unknown route", "GET", "/v1/nope", ``, 404},
		{"wrong method", "GET", "/v1/evaluate", ``, 405},
		{"bad duration", "POST", "/v1/break-glass", `{"agent":"a","reason":"r","duration":"forever"}`, 400},
		{"nothing to break", "POST", "/v1/break-glass", `{"reason":"r"}`, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			if code, _ := call(t, f.authed, tc.method, tc.path, agentToken, body, &p); code != tc.status {
				t.Fatalf("%d, want %d: %s", code, tc.status, p.Detail)
			}
		})
	}
	req, _ := http.NewRequest("POST", f.authed.URL+"/v1/evaluate", strings.NewReader(`type=read_file`))
	req.Header.Set("Authorization", "Bearer "+agentToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 415 {
		t.Fatalf("a form body: %d", resp.StatusCode)
	}
}

func TestHTTPHealth(t *testing.T) {
	f := newFixture(t)
	var h map[string]any
	if code, _ := call(t, f.authed, "GET", "/healthz", "", nil, &h); code != 200 || h["status"] != "ok" {
		t.Fatalf("healthz: %d %v", code, h)
	}
	if code, _ := call(t, f.authed, "GET", "/readyz", "", nil, &h); code != 200 || h["status"] != "ready" {
		t.Fatalf("readyz: %d %v", code, h)
	}
	f.g.Close()
	var p httpapi.Problem
	if code, _ := call(t, f.authed, "GET", "/readyz", "", nil, &p); code != 503 {
		t.Fatalf("readyz after Close: %d", code)
	}
	var d cavra.Decision
	if code, _ := call(t, f.authed, "POST", "/v1/evaluate", agentToken, iamWrite, &p); code != 503 || p.Decision == nil || p.Decision.Decision != cavra.Block {
		t.Fatalf("evaluate after Close: %d %+v %v", code, p, d)
	}
}

// TestOpenAPIRoutes: every registered route is in the OpenAPI document,
// and every operation of the document is a registered route.
func TestOpenAPIRoutes(t *testing.T) {
	f := newFixture(t)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	var raw json.RawMessage
	if code, _ := call(t, f.open, "GET", "/v1/openapi.json", "", nil, &raw); code != 200 {
		t.Fatal(code)
	}
	if err := json.Unmarshal(raw, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi: %v %q", err, doc.OpenAPI)
	}
	var inDoc []string
	for path, ops := range doc.Paths {
		for m := range ops {
			inDoc = append(inDoc, strings.ToUpper(m)+" "+path)
		}
	}
	routes := f.api.Routes()
	sort.Strings(inDoc)
	sort.Strings(routes)
	if strings.Join(inDoc, "\n") != strings.Join(routes, "\n") {
		t.Fatalf("routes and the OpenAPI document differ:\nroutes:\n%s\ndocument:\n%s", strings.Join(routes, "\n"), strings.Join(inDoc, "\n"))
	}
}

// TestServe: loopback by default, a non-loopback address needs
// authentication, and cancelling drains and returns.
func TestServe(t *testing.T) {
	f := newFixture(t)
	if err := httpapi.New(f.g, nil).Serve(context.Background(), httpapi.ServeOptions{Addr: "0.0.0.0:0"}); !errors.Is(err, httpapi.ErrNoAuth) {
		t.Fatalf("non-loopback without auth: %v", err)
	}
	if err := httpapi.New(f.g, nil).Serve(context.Background(), httpapi.ServeOptions{Addr: ":0"}); !errors.Is(err, httpapi.ErrNoAuth) {
		t.Fatalf("all interfaces without auth: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- f.api.Serve(ctx, httpapi.ServeOptions{Addr: "127.0.0.1:0", Ready: func(a net.Addr) { addr <- a.String() }})
	}()
	c := httpapi.NewClient("http://"+<-addr, agentToken, nil)
	if d, err := c.Evaluate(context.Background(), iamWrite); err != nil || d.Decision != cavra.RequireApproval {
		t.Fatalf("client: %v %+v", err, d)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return")
	}
}
