package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
)

// TestService calls the file tool over HTTP: a README read is allowed and
// runs, a .env read is blocked (403 problem JSON), a write of an IAM file
// needs approval (403 with the approval id), and once approved the retry
// runs.
func TestService(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // the witness
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "README.md"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(root, ".env"), []byte("TOKEN=secret"), 0o600)
	ctx := context.Background()
	g, err := cavra.Open(ctx, cavra.Options{Home: t.TempDir(), Dir: root, Packs: []string{"cavra-banking-baseline"}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	srv := httptest.NewServer(newHandler(g, root))
	defer srv.Close()

	call := func(body string) (int, string, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+"/tools/file", strings.NewReader(body))
		req.Header.Set("X-Session", "s-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var p map[string]any
		if resp.Header.Get("Content-Type") == "application/problem+json" {
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatalf("problem: %v\n%s", err, b)
			}
		}
		return resp.StatusCode, string(b), p
	}

	if code, body, _ := call(`{"op":"read","path":"README.md"}`); code != 200 || body != "hello" {
		t.Fatalf("allowed read: %d %s", code, body)
	}
	code, body, p := call(`{"op":"read","path":".env"}`)
	if code != 403 || p == nil || p["status"] != 403.0 || p["decision"].(map[string]any)["decision"] != "block" || strings.Contains(body, "secret") {
		t.Fatalf("blocked read: %d %s", code, body)
	}
	write := `{"op":"write","path":"iam/admin-role.tf","content":"resource {}"}`
	code, body, p = call(write)
	id, _ := p["approval_id"].(string)
	if code != 403 || !strings.HasPrefix(id, "apr_") || p["decision"].(map[string]any)["decision"] != "require_approval" {
		t.Fatalf("write needing approval: %d %s", code, body)
	}
	if _, err := os.Stat(filepath.Join(root, "iam/admin-role.tf")); err == nil {
		t.Fatal("the write ran before it was approved")
	}
	// A person approves (here the local approver's signature; from a shell,
	// cavra approval approve ID while the service runs).
	sig, err := g.SignLocalApproval(approval.VerbApprove, id, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Approve(ctx, id, sig, "reviewed"); err != nil {
		t.Fatal(err)
	}
	if code, body, _ := call(write); code != 200 || body != "wrote iam/admin-role.tf" {
		t.Fatalf("the approved retry: %d %s", code, body)
	}
}
