package main

// End to end with the real Claude Code CLI using an MCP server behind
// `cavra mcp proxy`: `cavra init claude-code --wrap-mcp` rewrites a plain
// stdio entry of .mcp.json to launch through the proxy, and the scripted
// fake model calls the server's read_file on README.md (allowed: its
// content reaches the model) and on .env (blocked with CAVRA's reason: the
// secret never reaches the model).

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestClaudeCodeProxiedMCPServer(t *testing.T) {
	claude := claudeBinary(t)
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("-short: skipping the real Claude Code run")
	}
	bin, down := buildProxyBins(t)
	proj, home, tmp := t.TempDir(), e2eHome(t), t.TempDir()
	sb := make([]byte, 16)
	rand.Read(sb)
	secret := "cavra-e2e-proxy-secret-" + hex.EncodeToString(sb)
	readme := "# proxied readme " + hex.EncodeToString(sb[:4]) + "\n"
	writeFile(t, filepath.Join(proj, ".env"), "API_TOKEN="+secret+"\n")
	writeFile(t, filepath.Join(proj, "README.md"), readme)
	// A plain entry, as a user would have it; init --wrap-mcp puts the
	// proxy in front of it.
	plain, _ := json.Marshal(map[string]any{"mcpServers": map[string]any{
		"files": map[string]any{"command": down, "args": []string{proj}},
	}})
	writeFile(t, filepath.Join(proj, ".mcp.json"), string(plain)+"\n")
	env := e2eEnv(home, tmp)
	out := runCavra(t, bin, proj, env, "init", "claude-code", "--dir", proj, "--wrap-mcp")
	t.Logf("cavra init claude-code --wrap-mcp:\n%s", out)
	mcpJSON, err := os.ReadFile(filepath.Join(proj, ".mcp.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Servers map[string]struct {
			Command string   `json:"command"`
			Args    []string `json:"args"`
		} `json:"mcpServers"`
	}
	if err := json.Unmarshal(mcpJSON, &doc); err != nil {
		t.Fatal(err)
	}
	stateDir := filepath.Join(home, ".local", "state", "cavra", projectID(proj))
	files := doc.Servers["files"]
	wantArgs := []string{"mcp", "proxy", "--server-id", "files", "--home", stateDir, "--", down, proj}
	if files.Command != bin || strings.Join(files.Args, " ") != strings.Join(wantArgs, " ") {
		t.Fatalf(".mcp.json after --wrap-mcp: files = %+v; want %s %v\n%s", files, bin, wantArgs, mcpJSON)
	}
	// The person trusts the project's MCP servers (as in TestClaudeCodeEndToEnd).
	writeFile(t, filepath.Join(proj, ".claude", "settings.local.json"), `{"enableAllProjectMcpServers": true}`+"\n")

	const (
		idReadme = "toolu_e2e_p1_read_readme"
		idEnv    = "toolu_e2e_p2_read_env"
	)
	fake := newFakeModel(t, []fakeStep{
		{ID: idReadme, Tool: "mcp__files__read_file", Input: map[string]any{"path": "README.md"}},
		{ID: idEnv, Tool: "mcp__files__read_file", Input: map[string]any{"path": ".env"}},
		{Text: "done"},
	})
	extra := []string{
		"ANTHROPIC_BASE_URL=" + fake.URL(), "ANTHROPIC_API_KEY=sk-test",
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1", "DISABLE_TELEMETRY=1", "DISABLE_AUTOUPDATER=1",
		"DISABLE_ERROR_REPORTING=1",
	}
	if os.Geteuid() == 0 {
		extra = append(extra, "IS_SANDBOX=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, claude, "-p", "go", "--output-format", "json",
		"--permission-mode", "bypassPermissions", "--no-session-persistence")
	cmd.Dir, cmd.Env = proj, e2eEnv(home, tmp, extra...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	t0 := time.Now()
	stdout, err := cmd.Output()
	t.Logf("claude -p took %v", time.Since(t0).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("claude -p: %v\nstdout: %s\nstderr: %s\nfake: %v", err, stdout, stderr.String(), fake.Problems())
	}
	if p := fake.Problems(); len(p) > 0 {
		t.Fatalf("the fake Messages API refused requests: %v\nstdout: %s", p, stdout)
	}
	var res claudeResult
	if err := json.Unmarshal(stdout, &res); err != nil || res.IsError || res.Result != "done" {
		t.Fatalf("claude's result (%v): %s", err, stdout)
	}
	if r, ok := fake.Result(idReadme); !ok || r.IsError || !strings.Contains(r.Content, strings.TrimSpace(readme)) {
		t.Errorf("read_file README.md: tool_result %+v (present %v); want the file's content", r, ok)
	} else {
		t.Logf("README.md: %s", r.Content)
	}
	r, ok := fake.Result(idEnv)
	if !ok || !r.IsError || !strings.Contains(r.Content, "CAVRA") || !strings.Contains(r.Content, "filesystem.read.block") {
		t.Errorf("read_file .env: tool_result %+v (present %v); want a CAVRA block naming filesystem.read.block", r, ok)
	}
	t.Logf(".env: %s", r.Content)
	received, n := fake.Received()
	t.Logf("the fake received %d requests (%d bytes)", n, len(received))
	if strings.Contains(received, secret) || strings.Contains(string(stdout), secret) {
		t.Errorf("the secret from .env reached the model")
	}
	if !strings.Contains(received, "mcp__files__read_file") {
		t.Errorf("the proxied tool was not offered to the model")
	}
	// The evidence holds both calls: the README read allowed, the .env read blocked.
	out = runCavra(t, bin, proj, env, "evidence", "list", "--home", stateDir, "--json")
	for _, w := range []string{`"files:read_file"`, `"block"`, `"allow"`} {
		if !strings.Contains(out, w) {
			t.Errorf("evidence lacks %s", w)
		}
	}
	if t.Failed() {
		t.Logf("evidence:\n%.4000s\nstderr: %s", out, stderr.String())
	}
}
