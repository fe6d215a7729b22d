package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitClaudeCodeHTTP(t *testing.T) {
	testHome(t)
	proj := t.TempDir()
	settings := filepath.Join(proj, ".claude", "settings.json")
	writeTestFile(t, settings, `{"permissions":{"deny":["Read(./x)"]},"hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"./guard.sh"}]}]}}`)
	d := "--dir=" + proj
	if code, out, errs := cli(t, "init", "claude-code", d, "--no-mcp", "--no-sandbox", "--command", "/opt/cavra hook claude-code"); code != 0 {
		t.Fatalf("init: %s %s", out, errs)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.Write([]byte(`{"status":"ok"}`))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	if code, out, errs := cli(t, "init", "claude-code", d, "--no-mcp", "--no-sandbox", "--http", srv.URL+"/", "--http-token-env", "CAVRA_TOKEN"); code != 0 {
		t.Fatalf("init --http: %s %s", out, errs)
	}
	first := readTestFile(t, settings)
	var s struct {
		Hooks map[string][]struct {
			Matcher string           `json:"matcher"`
			Hooks   []map[string]any `json:"hooks"`
		} `json:"hooks"`
	}
	if err := json.Unmarshal([]byte(first), &s); err != nil {
		t.Fatal(err)
	}
	for _, event := range []string{"PreToolUse", "PostToolUse"} {
		var ours []map[string]any
		for _, g := range s.Hooks[event] {
			for _, h := range g.Hooks {
				if h["type"] == "http" && g.Matcher == "*" {
					ours = append(ours, h)
				}
				if c, _ := h["command"].(string); strings.Contains(c, "hook claude-code") {
					t.Errorf("%s: the command hook is still there: %v", event, h)
				}
			}
		}
		if len(ours) != 1 {
			t.Fatalf("%s: %d http hooks:\n%s", event, len(ours), first)
		}
		h := ours[0]
		headers, _ := h["headers"].(map[string]any)
		env, _ := h["allowedEnvVars"].([]any)
		if h["url"] != srv.URL+"/v1/hooks/claude-code" || headers["Authorization"] != "Bearer $CAVRA_TOKEN" ||
			len(env) != 1 || env[0] != "CAVRA_TOKEN" || h["onFailure"] != "block" || h["timeout"] == nil {
			t.Errorf("%s: http hook %v", event, h)
		}
	}
	if !strings.Contains(first, "./guard.sh") || !strings.Contains(first, `"Read(./x)"`) {
		t.Fatalf("other settings lost:\n%s", first)
	}
	// Twice changes nothing.
	if code, out, errs := cli(t, "init", "claude-code", d, "--no-mcp", "--no-sandbox", "--http", srv.URL, "--http-token-env", "CAVRA_TOKEN"); code != 0 || readTestFile(t, settings) != first {
		t.Fatalf("second init --http: %s %s\n%s", out, errs, readTestFile(t, settings))
	}
	// Doctor checks the hooks and the service.
	t.Setenv("CAVRA_TOKEN", "x")
	_, out, errs := cli(t, "doctor", "claude-code", d)
	if !strings.Contains(out, "http hooks with matcher \"*\" post to one CAVRA service") || !strings.Contains(out, "the CAVRA service answers at "+srv.URL+"/healthz") {
		t.Fatalf("doctor: %s %s", out, errs)
	}
	srv.Close()
	if _, out, _ := cli(t, "doctor", "claude-code", d); !strings.Contains(out, "the CAVRA service answers") {
		t.Fatalf("doctor with the service down: %s", out)
	}
	// Uninstall removes the http hooks and keeps the rest.
	if code, out, errs := cli(t, "init", "claude-code", d, "--no-mcp", "--no-sandbox", "--uninstall"); code != 0 {
		t.Fatalf("uninstall: %s %s", out, errs)
	}
	if after := readTestFile(t, settings); strings.Contains(after, "/v1/hooks/claude-code") || !strings.Contains(after, "./guard.sh") {
		t.Fatalf("after uninstall:\n%s", after)
	}
	// Bad flags.
	if code, _, _ := cli(t, "init", "claude-code", d, "--http", "ftp://x"); code == 0 {
		t.Error("an ftp URL was accepted")
	}
	if code, _, _ := cli(t, "init", "claude-code", d, "--http-token-env", "X"); code == 0 {
		t.Error("--http-token-env without --http was accepted")
	}
}
