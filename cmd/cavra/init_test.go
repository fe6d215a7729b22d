package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitClaudeCode(t *testing.T) {
	proj := t.TempDir()
	settings := filepath.Join(proj, ".claude", "settings.json")
	orig := `{"permissions":{"deny":["Read(./x)"]},"hooks":{"PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"./guard.sh"}]}]}}`
	if err := os.MkdirAll(filepath.Dir(settings), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(settings, []byte(orig), 0o644)
	d := "--dir=" + proj
	code, out, errs := cli(t, "init", "claude-code", d, "--dry-run", "--command", "/opt/cavra hook claude-code")
	if code != 0 || !strings.Contains(out, "would become") {
		t.Fatalf("dry run: %s %s", out, errs)
	}
	if b, _ := os.ReadFile(settings); string(b) != orig {
		t.Fatal("--dry-run wrote the file")
	}
	if code, out, errs := cli(t, "init", "claude-code", d, "--command", "/opt/cavra hook claude-code"); code != 0 || !strings.Contains(out, "installed") {
		t.Fatalf("init: %s %s", out, errs)
	}
	first, _ := os.ReadFile(settings)
	if !strings.Contains(string(first), "./guard.sh") || !strings.Contains(string(first), "/opt/cavra hook claude-code") {
		t.Fatalf("settings after init:\n%s", first)
	}
	if _, err := os.Stat(filepath.Join(proj, ".cavra", "config.yaml")); err != nil {
		t.Fatalf("no .cavra/config.yaml: %v", err)
	}
	if code, out, _ := cli(t, "init", "claude-code", d, "--command", "/opt/cavra hook claude-code"); code != 0 || !strings.Contains(out, "no change") {
		t.Fatalf("second init: %s", out)
	}
	if again, _ := os.ReadFile(settings); string(again) != string(first) {
		t.Fatal("second init changed the settings")
	}
	if code, out, errs := cli(t, "init", "claude-code", d, "--uninstall"); code != 0 || !strings.Contains(out, "removed") {
		t.Fatalf("uninstall: %s %s", out, errs)
	}
	after, _ := os.ReadFile(settings)
	if strings.Contains(string(after), "cavra") || !strings.Contains(string(after), "./guard.sh") || !strings.Contains(string(after), "Read(./x)") {
		t.Fatalf("settings after uninstall:\n%s", after)
	}
}
