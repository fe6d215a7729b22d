package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// meaningOf is what a JSON file means: its value, with the containers an
// install may leave empty (an event's hook list, "hooks", "mcpServers")
// dropped. A missing file means nothing.
func meaningOf(t *testing.T, path string) any {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return map[string]any{}
	}
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s is not a JSON object: %v\n%s", path, err, b)
	}
	for _, key := range []string{"hooks", "mcpServers"} {
		m, ok := v[key].(map[string]any)
		if !ok {
			continue
		}
		for k, l := range m {
			if l, ok := l.([]any); ok && len(l) == 0 {
				delete(m, k)
			}
		}
		if len(m) == 0 {
			delete(v, key)
		}
	}
	return v
}

func writeTestFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readTestFile(t *testing.T, path string) string {
	t.Helper()
	b, _ := os.ReadFile(path)
	return string(b)
}

// testHome gives the command a throwaway home (and user config directory).
func testHome(t *testing.T) string {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("CODEX_HOME", "")
	t.Setenv("XDG_STATE_HOME", "") // the state home is ~/.local/state
	return home
}

func TestInitClaudeCode(t *testing.T) {
	testHome(t)
	proj := t.TempDir()
	settings := filepath.Join(proj, ".claude", "settings.json")
	mcp := filepath.Join(proj, ".mcp.json")
	orig := `{"permissions":{"deny":["Read(./x)"]},"hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"./guard.sh"}]}]}}`
	origMCP := `{"mcpServers":{"github":{"type":"http","url":"https://api.example.test/mcp/"},"db":{"command":"npx","args":["-y","db-mcp"]}},"x-note":"kept"}`
	writeTestFile(t, settings, orig)
	writeTestFile(t, mcp, origMCP)
	d := "--dir=" + proj
	code, out, errs := cli(t, "init", "claude-code", d, "--dry-run", "--command", "/opt/cavra hook claude-code")
	if code != 0 || !strings.Contains(out, "+++ "+settings) || !strings.Contains(out, "+++ "+mcp) ||
		!strings.Contains(out, `+            "command": "/opt/cavra hook claude-code",`) || !strings.Contains(out, `"mcp",`) {
		t.Fatalf("dry run: %s %s", out, errs)
	}
	if readTestFile(t, settings) != orig || readTestFile(t, mcp) != origMCP {
		t.Fatal("--dry-run wrote a file")
	}
	if _, err := os.Stat(filepath.Join(proj, ".cavra")); !os.IsNotExist(err) {
		t.Fatal("--dry-run created .cavra")
	}
	if code, out, errs := cli(t, "init", "claude-code", d, "--command", "/opt/cavra hook claude-code"); code != 0 || !strings.Contains(out, "installed CAVRA hooks") || !strings.Contains(out, "installed CAVRA's MCP server") {
		t.Fatalf("init: %s %s", out, errs)
	}
	first, firstMCP := readTestFile(t, settings), readTestFile(t, mcp)
	if !strings.Contains(first, "./guard.sh") || !strings.Contains(first, "/opt/cavra hook claude-code") {
		t.Fatalf("settings after init:\n%s", first)
	}
	var m struct {
		MCPServers map[string]struct {
			Command string   `json:"command"`
			Args    []string `json:"args"`
		} `json:"mcpServers"`
		Note string `json:"x-note"`
	}
	if err := json.Unmarshal([]byte(firstMCP), &m); err != nil {
		t.Fatal(err)
	}
	state, err := defaultStateDir(proj, false)
	if err != nil {
		t.Fatal(err)
	}
	if c := m.MCPServers["cavra"]; c.Command != "cavra" || !reflect.DeepEqual(c.Args, []string{"mcp", "serve", "--home", state}) || len(m.MCPServers) != 3 || m.Note != "kept" {
		t.Fatalf(".mcp.json after init (a go test binary writes \"cavra\"; the state directory is pinned):\n%s", firstMCP)
	}
	if _, err := os.Stat(filepath.Join(state, "config.yaml")); err != nil {
		t.Fatalf("no config.yaml in the state directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(proj, ".cavra", "config.yaml")); !os.IsNotExist(err) {
		t.Fatalf("init wrote a configuration into the project: %v", err)
	}
	if code, out, _ := cli(t, "init", "claude-code", d, "--command", "/opt/cavra hook claude-code"); code != 0 || strings.Count(out, "no change") != 3 { // settings, .mcp.json, ~/.claude/settings.json
		t.Fatalf("second init: %s", out)
	}
	if readTestFile(t, settings) != first || readTestFile(t, mcp) != firstMCP {
		t.Fatal("second init changed a file")
	}
	if code, out, errs := cli(t, "init", "claude-code", d, "--uninstall"); code != 0 || strings.Count(out, "removed") != 3 || strings.Count(out, "deleted") != 1 { // ~/.claude/settings.json, which init created, is deleted
		t.Fatalf("uninstall: %s %s", out, errs)
	}
	for path, want := range map[string]string{settings: orig, mcp: origMCP} {
		var w any
		json.Unmarshal([]byte(want), &w)
		if got := meaningOf(t, path); !reflect.DeepEqual(got, w) {
			t.Errorf("%s after uninstall: %v, want %v", path, got, w)
		}
	}
	if code, out, _ := cli(t, "init", "claude-code", d, "--uninstall"); code != 0 || strings.Count(out, "no change") != 3 { // settings, .mcp.json, ~/.claude/settings.json
		t.Fatalf("second uninstall: %s", out)
	}
}

func TestInitClaudeCodeMCPConflict(t *testing.T) {
	testHome(t)
	proj := t.TempDir()
	mcp := filepath.Join(proj, ".mcp.json")
	foreign := `{"mcpServers":{"cavra":{"command":"npx","args":["-y","someone-elses-cavra"]}}}`
	writeTestFile(t, mcp, foreign)
	d := "--dir=" + proj
	code, out, errs := cli(t, "init", "claude-code", d)
	if code != 0 || !strings.Contains(errs, "not CAVRA's MCP server") || !strings.Contains(errs, "--force") || !strings.Contains(out, "installed CAVRA hooks") {
		t.Fatalf("init over a foreign entry: %d %s %s", code, out, errs)
	}
	if readTestFile(t, mcp) != foreign {
		t.Fatal("a foreign mcpServers.cavra was changed without --force")
	}
	if code, _, errs := cli(t, "init", "claude-code", d, "--uninstall"); code != 0 || !strings.Contains(errs, "left as it is") || readTestFile(t, mcp) != foreign {
		t.Fatalf("uninstall touched a foreign entry: %s\n%s", errs, readTestFile(t, mcp))
	}
	if code, out, errs := cli(t, "init", "claude-code", d, "--force"); code != 0 || !strings.Contains(out, "installed CAVRA's MCP server") {
		t.Fatalf("--force: %s %s", out, errs)
	}
	if got := readTestFile(t, mcp); strings.Contains(got, "someone-elses-cavra") || !strings.Contains(got, `"serve"`) {
		t.Fatalf(".mcp.json after --force:\n%s", got)
	}
}

func TestInitClaudeCodeFreshProject(t *testing.T) {
	testHome(t)
	proj := t.TempDir()
	d := "--dir=" + proj
	if code, out, errs := cli(t, "init", "claude-code", d, "--no-mcp"); code != 0 || strings.Contains(out, ".mcp.json") {
		t.Fatalf("--no-mcp: %s %s", out, errs)
	}
	if _, err := os.Stat(filepath.Join(proj, ".mcp.json")); !os.IsNotExist(err) {
		t.Fatal("--no-mcp wrote .mcp.json")
	}
	if code, out, errs := cli(t, "init", "claude-code", d); code != 0 || !strings.Contains(out, "installed CAVRA's MCP server") {
		t.Fatalf("init: %s %s", out, errs)
	}
	// A file cavra created, and nothing else in it: uninstall deletes it
	// (and the .claude directory it created). The state stays.
	if code, out, errs := cli(t, "init", "claude-code", d, "--uninstall", "--dry-run"); code != 0 || !strings.Contains(out, "+++ /dev/null") {
		t.Fatalf("uninstall --dry-run: %s %s", out, errs)
	}
	if code, out, errs := cli(t, "init", "claude-code", d, "--uninstall"); code != 0 || strings.Count(out, "deleted the file") != 3 { // and ~/.claude/settings.json
		t.Fatalf("uninstall: %s %s", out, errs)
	}
	for _, p := range []string{".mcp.json", ".claude", ".cavra/installed.json"} {
		if _, err := os.Stat(filepath.Join(proj, p)); !os.IsNotExist(err) {
			t.Errorf("%s is still there", p)
		}
	}
	state, _ := defaultStateDir(proj, false)
	if _, err := os.Stat(filepath.Join(state, "config.yaml")); err != nil {
		t.Errorf("uninstall removed the configuration: %v", err)
	}
	// A file the user created, emptied by the uninstall, stays.
	writeTestFile(t, filepath.Join(proj, ".mcp.json"), `{"mcpServers":{}}`)
	cli(t, "init", "claude-code", d)
	cli(t, "init", "claude-code", d, "--uninstall")
	if got := readTestFile(t, filepath.Join(proj, ".mcp.json")); strings.TrimSpace(got) != "{}" {
		t.Fatalf("a user's .mcp.json after uninstall: %q", got)
	}
}

func TestInitClaudeCodeUser(t *testing.T) {
	home := testHome(t)
	proj := t.TempDir()
	code, out, errs := cli(t, "init", "claude-code", "--user", "--dir="+proj)
	if code != 0 || !strings.Contains(out, "claude mcp add --scope user cavra -- cavra mcp serve") {
		t.Fatalf("--user: %s %s", out, errs)
	}
	if !strings.Contains(readTestFile(t, filepath.Join(home, ".claude", "settings.json")), "cavra hook claude-code") {
		t.Fatal("no hooks in ~/.claude/settings.json")
	}
	for _, p := range []string{filepath.Join(proj, ".mcp.json"), filepath.Join(home, ".claude.json"), filepath.Join(proj, ".cavra")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("--user wrote %s", p)
		}
	}
	if code, out, _ := cli(t, "init", "claude-code", "--user", "--uninstall"); code != 0 || !strings.Contains(out, "deleted the file") || !strings.Contains(out, "claude mcp remove --scope user cavra") {
		t.Fatalf("--user --uninstall: %s", out)
	}
	if _, err := os.Stat(filepath.Join(home, ".claude")); !os.IsNotExist(err) {
		t.Error("the .claude directory cavra created is still there")
	}
}

func TestDoctorClaudeCodeReportsMCP(t *testing.T) {
	testHome(t)
	proj := t.TempDir()
	cli(t, "init", "claude-code", "--dir="+proj, "--command", "/bin/sh hook claude-code")
	_, out, _ := cli(t, "doctor", "claude-code", "--dir="+proj)
	if !strings.Contains(out, "ok   "+filepath.Join(proj, ".mcp.json")+" registers CAVRA's MCP server") {
		t.Fatalf("doctor:\n%s", out)
	}
	cli(t, "init", "claude-code", "--dir="+proj, "--uninstall")
	_, out, _ = cli(t, "doctor", "claude-code", "--dir="+proj)
	if !strings.Contains(out, "note "+filepath.Join(proj, ".mcp.json")+" registers CAVRA's MCP server") {
		t.Fatalf("doctor after uninstall:\n%s", out)
	}
}

// TestDoctorClaudeCodeSettingsValidation: a settings file that parses but
// that Claude Code would reject (and with it the hooks) is a problem.
func TestDoctorClaudeCodeSettingsValidation(t *testing.T) {
	testHome(t)
	proj := t.TempDir()
	cli(t, "init", "claude-code", "--dir="+proj, "--command", "/bin/sh hook claude-code")
	_, out, _ := cli(t, "doctor", "claude-code", "--dir="+proj)
	if !strings.Contains(out, "ok   Claude Code would accept") {
		t.Fatalf("doctor on a fresh install:\n%s", out)
	}
	path := filepath.Join(proj, ".claude", "settings.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), "{", `{"permissions": {"allow": "Bash"},`, 1)
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ := cli(t, "doctor", "claude-code", "--dir="+proj)
	if code != exitFailure || !strings.Contains(out, "FAIL Claude Code would accept") || !strings.Contains(out, "permissions.allow is not an array of strings") {
		t.Fatalf("doctor on settings Claude Code would reject: exit %d\n%s", code, out)
	}
	// init says so too, without touching what it does not own.
	_, _, errOut := cli(t, "init", "claude-code", "--dir="+proj, "--command", "/bin/sh hook claude-code")
	if !strings.Contains(errOut, "warning: "+path+": permissions.allow is not an array of strings") {
		t.Fatalf("init on settings Claude Code would reject, stderr:\n%s", errOut)
	}
}

func TestUnifiedDiff(t *testing.T) {
	t.Parallel()
	old := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n"
	next := "a\nB\nc\nd\ne\nf\ng\nh\ni\nj\nk\n"
	want := "--- f\n+++ f\n@@ -1,5 +1,5 @@\n a\n-b\n+B\n c\n d\n e\n@@ -8,3 +8,4 @@\n h\n i\n j\n+k\n"
	if got := unifiedDiff("f", []byte(old), []byte(next)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := unifiedDiff("f", nil, []byte("x\n")); got != "--- /dev/null\n+++ f\n@@ -0,0 +1,1 @@\n+x\n" {
		t.Errorf("new file:\n%s", got)
	}
}
