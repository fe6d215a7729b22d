package openapicheck

import (
	"bytes"

	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/cavratest"
)

const liveToken = "openapicheck-static-token"

// TestOpenAPILiveRequests: for every operation of the document, a request
// generated from the document (path parameters from their examples or a
// placeholder, a minimal body from the schema's required properties) is
// sent with a static token from a token file to the real API on a Guard
// with a temporary state directory; no response is a 5xx and each
// validates against the operation's response schema. The ids of a real
// decision and approval request, made first, fill {id} where one is
// needed. The operations of a person (approve, deny, break-glass, registry
// writes) are sent with an approver's OIDC ID token minted by cavratest's
// fake issuer, which the server and the Guard trust, and must succeed:
// each on a pending request of its own.
func TestOpenAPILiveRequests(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "tokens")
	if err := os.WriteFile(tokenFile, []byte("openapicheck "+liveToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tokens, err := httpapi.LoadTokenFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	project := filepath.Join(dir, "project")
	if err := os.MkdirAll(project, 0o755); err != nil {
		t.Fatal(err)
	}
	is := cavratest.NewIssuer(t)
	verifier, err := is.Verifier()
	if err != nil {
		t.Fatal(err)
	}
	g := cavratest.New(t, cavratest.Options{Issuer: is, Dir: project})
	ts := httptest.NewServer(httpapi.New(g, &httpapi.Options{Tokens: tokens, OIDC: verifier}))
	defer ts.Close()

	raw := httpapi.OpenAPI()
	doc, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator: %v", errs)
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	gen := &generator{spec: spec}

	// Prior state: evaluates that need approval give a decision id and
	// approval request ids, one for each operation that settles one.
	pending := func(target string) cavra.Decision {
		var d cavra.Decision
		resp := send(t, ts, http.MethodPost, "/v1/evaluate", map[string]any{
			"type": "write_file", "target": target,
			"agent": map[string]any{"id": "openapicheck", "session": "live"},
		}, &d)
		if resp.StatusCode != http.StatusOK || d.ApprovalID == "" || d.DecisionID == "" {
			t.Fatalf("evaluate for prior state: %d %+v", resp.StatusCode, d)
		}
		return d
	}
	d := pending("iam/admin-role.tf")
	toDeny, toBreak := pending("iam/deny-role.tf"), pending("iam/break-glass-role.tf")
	ids := map[string]string{"/v1/decisions/": d.DecisionID, "/v1/approvals/": d.ApprovalID}
	// A person's operations: the approver's ID token, and a 2xx answer.
	person := func(method, p string) bool {
		return strings.HasSuffix(p, "/approve") || strings.HasSuffix(p, "/deny") || p == "/v1/break-glass" ||
			(strings.HasPrefix(p, "/v1/registry/") && method != "get")
	}
	succeeded := 0

	paths, _ := spec["paths"].(map[string]any)
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	n := 0
	for _, p := range keys {
		item, _ := paths[p].(map[string]any)
		for _, method := range []string{"get", "put", "post", "delete", "patch"} {
			op, ok := item[method].(map[string]any)
			if !ok {
				continue
			}
			n++
			name, _ := op["operationId"].(string)
			t.Run(name, func(t *testing.T) {
				opIDs := ids
				if strings.HasSuffix(p, "/deny") {
					opIDs = map[string]string{"/v1/approvals/": toDeny.ApprovalID}
				}
				path := gen.path(p, op, opIDs)
				var body []byte
				if rb, ok := gen.resolve(op["requestBody"]).(map[string]any); ok {
					content, _ := rb["content"].(map[string]any)
					media, _ := content["application/json"].(map[string]any)
					b, err := json.Marshal(gen.value(media["schema"], 0))
					if err != nil {
						t.Fatal(err)
					}
					body = b
				}
				if p == "/v1/break-glass" {
					// The minimal body names nothing to grant.
					body, _ = json.Marshal(httpapi.BreakGlassRequest{ApprovalID: toBreak.ApprovalID, Reason: "openapicheck incident"})
				}
				req, err := http.NewRequest(strings.ToUpper(method), ts.URL+path, bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body != nil {
					req.Header.Set("Content-Type", "application/json")
				}
				req.Header.Set("Authorization", "Bearer "+liveToken)
				if person(method, p) {
					req.Header.Set("Authorization", "Bearer "+is.MintApprover("alice", d.ApproverGroup, approval.DefaultBreakGlassGroup))
				}
				res, err := ts.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				got, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if res.StatusCode >= 500 {
					t.Fatalf("%s %s %s: %d %s", method, path, body, res.StatusCode, got)
				}
				if person(method, p) {
					if res.StatusCode/100 != 2 {
						t.Fatalf("%s %s %s with an approver's token: %d %s", method, path, body, res.StatusCode, got)
					}
					succeeded++
				}
				// The validator reads the bodies: give it fresh readers.
				vreq, _ := http.NewRequest(req.Method, req.URL.String(), bytes.NewReader(body))
				vreq.Header = req.Header.Clone()
				res.Body = io.NopCloser(bytes.NewReader(got))
				if ok, verrs := v.ValidateHttpResponse(vreq, res); !ok {
					for _, e := range verrs {
						t.Errorf("%s %s → %d: %s: %s", method, path, res.StatusCode, e.Message, e.Reason)
						for _, se := range e.SchemaValidationErrors {
							t.Errorf("  %+v", *se)
						}
					}
					t.Logf("body %s", got)
				}
				t.Logf("%s %s %s → %d", strings.ToUpper(method), path, body, res.StatusCode)
			})
		}
	}
	// The response check is not vacuous: a Decision whose decision is a
	// number does not validate.
	vreq, _ := http.NewRequest(http.MethodPost, ts.URL+"/v1/evaluate", strings.NewReader(`{"type":"read_file"}`))
	vreq.Header.Set("Content-Type", "application/json")
	bad := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"decision":5}`)), Request: vreq}
	if ok, _ := v.ValidateHttpResponse(vreq, bad); ok {
		t.Error("a Decision with a numeric decision validated")
	}
	if succeeded != 7 {
		t.Errorf("%d of a person's operations succeeded, want 7 (approve, deny, break-glass, four registry writes)", succeeded)
	}
	if n < 20 {
		t.Fatalf("%d operations, want every one of the document's", n)
	}
}

func send(t *testing.T, ts *httptest.Server, method, path string, body, out any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, ts.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+liveToken)
	res, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

// generator makes request values from the document's schemas.
type generator struct{ spec map[string]any }

// resolve follows a local $ref ("#/components/...").
func (g *generator) resolve(v any) any {
	for i := 0; i < 10; i++ {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		var cur any = g.spec
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cm, _ := cur.(map[string]any)
			cur = cm[part]
		}
		v = cur
	}
	return v
}

// path fills the path's parameters: the id of the prior state where the
// path is under one, else the parameter's example, else a placeholder.
func (g *generator) path(p string, op map[string]any, ids map[string]string) string {
	params, _ := op["parameters"].([]any)
	for _, pv := range params {
		param, _ := g.resolve(pv).(map[string]any)
		if param["in"] != "path" {
			continue
		}
		name, _ := param["name"].(string)
		val := ""
		for prefix, id := range ids {
			if strings.HasPrefix(p, prefix) && name == "id" {
				val = id
			}
		}
		if val == "" {
			if ex, ok := param["example"].(string); ok {
				val = ex
			} else if s, ok := g.value(param["schema"], 0).(string); ok {
				val = s
			}
		}
		p = strings.ReplaceAll(p, "{"+name+"}", val)
	}
	return p
}

// value is a minimal instance of the schema: its example, its first enum
// value, or per type an object of its required properties, an empty
// array, a placeholder string.
func (g *generator) value(s any, depth int) any {
	m, _ := g.resolve(s).(map[string]any)
	if m == nil || depth > 8 {
		return nil
	}
	if ex, ok := m["example"]; ok {
		return ex
	}
	if exs, ok := m["examples"].([]any); ok && len(exs) > 0 {
		return exs[0]
	}
	if enum, ok := m["enum"].([]any); ok && len(enum) > 0 {
		return enum[0]
	}
	typ := m["type"]
	if ts, ok := typ.([]any); ok && len(ts) > 0 {
		typ = ts[0]
	}
	switch typ {
	case "object":
		obj := map[string]any{}
		props, _ := m["properties"].(map[string]any)
		req, _ := m["required"].([]any)
		for _, r := range req {
			name, _ := r.(string)
			obj[name] = g.value(props[name], depth+1)
		}
		return obj
	case "array":
		return []any{}
	case "integer", "number":
		return 1
	case "boolean":
		return false
	default:
		return "openapicheck"
	}
}
