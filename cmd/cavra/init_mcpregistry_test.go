package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// registryServers lists the registry of the state directory home, by id.
func registryServers(t *testing.T, home string) map[string]map[string]any {
	t.Helper()
	code, out, errs := cli(t, "registry", "mcp-list", "--home", home, "-o", "json")
	if code != 0 {
		t.Fatalf("mcp-list: %s %s", out, errs)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("mcp-list -o json: %v\n%s", err, out)
	}
	m := map[string]map[string]any{}
	for _, s := range list {
		m[s["server_id"].(string)] = s
	}
	return m
}

// TestInitClaudeCodeRegistersServers: init records the MCP servers Claude
// Code is configured with (.mcp.json, ~/.claude.json's user and local
// scopes) as the user's, leaves a person's record, skips CAVRA's own, and
// changes nothing the second time.
func TestInitClaudeCodeRegistersServers(t *testing.T) {
	home := testHome(t)
	proj := t.TempDir()
	state := filepath.Join(t.TempDir(), "state")
	mcp := filepath.Join(proj, ".mcp.json")
	userState := filepath.Join(home, ".claude.json")
	writeTestFile(t, mcp, `{"mcpServers":{"github":{"type":"http","url":"https://api.example.test/mcp/"},"db":{"command":"npx","args":["-y","db-mcp"]},
		"cavra-too":{"command":"/opt/bin/cavra","args":["mcp","serve"]}}}`)
	claudeJSON := `{"numStartups":4,"mcpServers":{"notes":{"command":"notes-mcp"},"db":{"command":"other-db"}},
		"projects":{"` + proj + `":{"mcpServers":{"local-fs":{"command":"fs-mcp"}}},"/elsewhere":{"mcpServers":{"far":{"command":"x"}}}}}`
	writeTestFile(t, userState, claudeJSON)
	// A person's record of db: init must not touch it.
	if code, _, errs := cli(t, "registry", "mcp-register", "db", "--trust-tier", "experimental", "--approval-state", "pending", "--owner", "ana", "--home", state); code != 0 {
		t.Fatalf("mcp-register: %s", errs)
	}
	d, h := "--dir="+proj, "--home="+state

	code, out, errs := cli(t, "init", "claude-code", d, h, "--dry-run")
	if code != 0 || !strings.Contains(out, "would register MCP server github (from "+mcp+")") ||
		!strings.Contains(out, "would register MCP server local-fs (from "+userState+" projects["+proj+"].mcpServers)") ||
		!strings.Contains(out, "would register MCP server notes (from "+userState+" mcpServers)") ||
		!strings.Contains(out, "MCP server db (from "+mcp+") is in the registry already (trust tier experimental, approval pending, owner ana); left as it is") {
		t.Fatalf("--dry-run: %s %s", out, errs)
	}
	if got := registryServers(t, state); len(got) != 1 {
		t.Fatalf("--dry-run registered: %v", got)
	}

	code, out, errs = cli(t, "init", "claude-code", d, h)
	if code != 0 || strings.Count(out, "registered MCP server ") != 3 || strings.Count(out, "is in the registry already") != 1 {
		t.Fatalf("init: %s %s", out, errs)
	}
	for _, skipped := range []string{"cavra ", "cavra-too", "far"} {
		if strings.Contains(out, "MCP server "+skipped) {
			t.Errorf("init registered %q:\n%s", skipped, out)
		}
	}
	got := registryServers(t, state)
	for _, name := range []string{"github", "local-fs", "notes"} {
		s := got[name]
		if s == nil || s["trust_tier"] != "approved" || s["approval_state"] != "approved" || s["owner"] != "user" {
			t.Errorf("%s after init: %v", name, s)
		}
	}
	if db := got["db"]; db["trust_tier"] != "experimental" || db["approval_state"] != "pending" || db["owner"] != "ana" {
		t.Errorf("a person's record was changed: %v", db)
	}
	if len(got) != 4 {
		t.Errorf("registry after init: %v", got)
	}
	if readTestFile(t, userState) != claudeJSON {
		t.Error("init changed ~/.claude.json")
	}
	// The evidence names who made the change: cavra init and the file.
	_, ev, _ := cli(t, "evidence", "export", "--home", state)
	if !strings.Contains(ev, `cavra init claude-code (`+mcp+`)`) || !strings.Contains(ev, `cavra init claude-code (`+userState+` mcpServers)`) {
		t.Errorf("evidence of the registrations:\n%s", ev)
	}

	// Idempotent: nothing registered again, every record as it was.
	code, out, errs = cli(t, "init", "claude-code", d, h)
	if code != 0 || strings.Contains(out, "registered MCP server") || strings.Count(out, "is in the registry already") != 4 {
		t.Fatalf("second init: %s %s", out, errs)
	}
	if again := registryServers(t, state); !jsonEqual(t, again, got) {
		t.Errorf("second init changed the registry:\n%v\n%v", again, got)
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestInitClaudeCodeRegistryOptOut: --no-mcp-registry and --uninstall
// register nothing; --user registers only the user-scope servers.
func TestInitClaudeCodeRegistryOptOut(t *testing.T) {
	home := testHome(t)
	proj := t.TempDir()
	state := filepath.Join(t.TempDir(), "state")
	writeTestFile(t, filepath.Join(proj, ".mcp.json"), `{"mcpServers":{"github":{"command":"gh-mcp"}}}`)
	writeTestFile(t, filepath.Join(home, ".claude.json"), `{"mcpServers":{"notes":{"command":"n"}},"projects":{"`+proj+`":{"mcpServers":{"local-fs":{}}}}}`)
	d, h := "--dir="+proj, "--home="+state
	if code, out, errs := cli(t, "init", "claude-code", d, h, "--no-mcp-registry"); code != 0 || strings.Contains(out, "MCP server github") {
		t.Fatalf("--no-mcp-registry: %s %s", out, errs)
	}
	if got := registryServers(t, state); len(got) != 0 {
		t.Fatalf("--no-mcp-registry registered %v", got)
	}
	if code, out, errs := cli(t, "init", "claude-code", d, h, "--uninstall"); code != 0 || strings.Contains(out, "MCP server github") {
		t.Fatalf("--uninstall: %s %s", out, errs)
	}
	userState := filepath.Join(t.TempDir(), "user-state")
	code, out, errs := cli(t, "init", "claude-code", "--user", d, "--home="+userState)
	if code != 0 || !strings.Contains(out, "registered MCP server notes") || strings.Contains(out, "github") || strings.Contains(out, "local-fs") {
		t.Fatalf("--user: %s %s", out, errs)
	}
	cli(t, "init", "claude-code", "--user", "--uninstall")
}

// TestInitClaudeCodeRegistryMalformed: a configuration file that is not
// Claude Code's JSON gives a warning naming it and registers nothing from
// it; the file is not changed, and init goes on as it did before (a bad
// ~/.claude.json does not stop it; a bad .mcp.json stops it unless --no-mcp,
// since init would write CAVRA's entry into it).
func TestInitClaudeCodeRegistryMalformed(t *testing.T) {
	home := testHome(t)
	proj := t.TempDir()
	state := filepath.Join(t.TempDir(), "state")
	mcp, userState := filepath.Join(proj, ".mcp.json"), filepath.Join(home, ".claude.json")
	badUser := `{"mcpServers":{"notes":{"command":"n"}},"projects":` // truncated
	writeTestFile(t, userState, badUser)
	writeTestFile(t, mcp, `{"mcpServers":{"github":{"command":"gh-mcp"}}}`)
	d, h := "--dir="+proj, "--home="+state
	code, out, errs := cli(t, "init", "claude-code", d, h)
	if code != 0 || !strings.Contains(errs, "warning: "+userState+": ") || !strings.Contains(errs, "its MCP servers were not registered") ||
		!strings.Contains(out, "registered MCP server github") || strings.Contains(out, "notes") || !strings.Contains(out, "installed CAVRA hooks") {
		t.Fatalf("a bad ~/.claude.json: %d %s %s", code, out, errs)
	}
	if readTestFile(t, userState) != badUser {
		t.Error("init changed a bad ~/.claude.json")
	}
	badMCP := `{"mcpServers":{"github":{"command":"gh-mcp"}},}`
	writeTestFile(t, mcp, badMCP)
	if code, _, errs := cli(t, "init", "claude-code", d, h); code == 0 || !strings.Contains(errs, mcp) {
		t.Fatalf("a bad .mcp.json: %d %s", code, errs)
	}
	code, out, errs = cli(t, "init", "claude-code", d, h, "--no-mcp")
	if code != 0 || !strings.Contains(errs, "warning: "+mcp+": ") || strings.Contains(out, "registered MCP server") {
		t.Fatalf("a bad .mcp.json with --no-mcp: %d %s %s", code, out, errs)
	}
	if readTestFile(t, mcp) != badMCP {
		t.Error("init changed a bad .mcp.json")
	}
	// A foreign mcpServers.cavra is not registered under CAVRA's name.
	writeTestFile(t, mcp, `{"mcpServers":{"cavra":{"command":"npx","args":["-y","someone-elses-cavra"]}}}`)
	code, out, errs = cli(t, "init", "claude-code", d, h)
	if code != 0 || !strings.Contains(errs, "mcpServers.cavra is not CAVRA's MCP server; not registered") || strings.Contains(out, "MCP server cavra") {
		t.Fatalf("a foreign cavra entry: %d %s %s", code, out, errs)
	}
	if _, ok := registryServers(t, state)["cavra"]; ok {
		t.Error("a server named cavra was registered")
	}
}

// TestInitClaudeCodeRegistryEnterprise: under a pack that blocks unknown
// servers, the registration lets the user's servers be called, and their
// calls are still judged by the policy (a read of .env stays blocked).
func TestInitClaudeCodeRegistryEnterprise(t *testing.T) {
	testHome(t)
	proj := t.TempDir()
	state := filepath.Join(t.TempDir(), "state")
	writeTestFile(t, filepath.Join(proj, ".mcp.json"), `{"mcpServers":{"files":{"command":"fs-mcp"}}}`)
	eval := func(server, path string) (int, string) {
		code, out, _ := cli(t, "evaluate", "mcp_tool_call", server+":read_file", "--args", `{"path":"`+path+`"}`, "--home", state)
		return code, out
	}
	d, h := "--dir="+proj, "--home="+state
	if code, out, errs := cli(t, "init", "claude-code", d, h, "--policy-pack", "cavra-mcp-enterprise", "--no-mcp-registry"); code != 0 {
		t.Fatalf("init: %s %s", out, errs)
	}
	if code, out := eval("files", "README.md"); code != exitBlock || !strings.Contains(out, "mcp.") {
		t.Fatalf("an unregistered server under cavra-mcp-enterprise: %d %s", code, out)
	}
	if code, out, errs := cli(t, "init", "claude-code", d, h); code != 0 || !strings.Contains(out, "registered MCP server files") {
		t.Fatalf("init: %s %s", out, errs)
	}
	if code, out := eval("files", "README.md"); code != exitAllow {
		t.Errorf("a read-only tool of a registered server: %d %s", code, out)
	}
	if code, out := eval("files", ".env"); code != exitBlock || !strings.Contains(out, "filesystem.read.block") {
		t.Errorf("a read of .env through a registered server: %d %s", code, out)
	}
	if code, out := eval("stranger", "README.md"); code != exitBlock {
		t.Errorf("a server not in the agent's configuration: %d %s", code, out)
	}
}
