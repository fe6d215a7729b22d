package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestHookRefusesControlPlane runs the built binary as Claude Code's hook in
// bypassPermissions mode with the agent's attempts to switch CAVRA off. The
// hook's own executable is the installed binary: a link or a hard link to
// it under another name, run with a subcommand that names nothing
// distinctive, is still the CLI.
func TestHookRefusesControlPlane(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cavra")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	link, hard := filepath.Join(dir, "helper"), filepath.Join(dir, "h2")
	if err := os.Symlink(bin, link); err != nil {
		t.Fatal(err)
	}
	hardOK := os.Link(bin, hard) == nil
	home, proj := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(proj, ".claude"), 0o755); err != nil {
		t.Fatal(err)
	}
	payload := func(tool string, input map[string]any) string {
		in, _ := json.Marshal(input)
		return `{"session_id":"self-1","cwd":"` + proj + `","permission_mode":"bypassPermissions","hook_event_name":"PreToolUse","tool_name":"` + tool + `","tool_input":` + string(in) + `,"tool_use_id":"toolu_1"}`
	}
	cases := []struct {
		name, tool string
		input      map[string]any
		deny       bool
	}{
		{"self-approval", "Bash", map[string]any{"command": "cavra approval approve apr_1 --local --actor dev --reason ok"}, true},
		{"uninstall", "Bash", map[string]any{"command": bin + " init claude-code --uninstall"}, true},
		{"a link to the hook binary", "Bash", map[string]any{"command": link + " mcp serve"}, true},
		{"a hard link to the hook binary", "Bash", map[string]any{"command": hard + " mcp serve"}, hardOK},
		{"the state's configuration", "Write", map[string]any{"file_path": home + "/config.yaml", "content": "mode: audit_only\n"}, true},
		{"the settings", "Edit", map[string]any{"file_path": proj + "/.claude/settings.json", "old_string": "cavra", "new_string": "true"}, true},
		{"the hook binary", "Write", map[string]any{"file_path": link, "content": "#!/bin/sh\n"}, true},
		{"a read-only subcommand", "Bash", map[string]any{"command": "cavra evidence verify --home " + home}, false},
	}
	for _, tc := range cases {
		cmd := exec.Command(bin, "hook", "claude-code")
		cmd.Dir = proj
		cmd.Env = append(os.Environ(), "CAVRA_HOME="+home, "CLAUDE_CODE_SESSION_ATTENDED=0")
		cmd.Stdin = strings.NewReader(payload(tc.tool, tc.input))
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v (stderr %q)", tc.name, err, errb.String())
		}
		var o struct {
			HookSpecificOutput struct {
				PermissionDecision, PermissionDecisionReason string
			} `json:"hookSpecificOutput"`
		}
		if !tc.deny {
			if out.Len() != 0 {
				t.Errorf("%s: printed %q, want nothing (allowed)", tc.name, out.String())
			}
			continue
		}
		if err := json.Unmarshal(out.Bytes(), &o); err != nil || o.HookSpecificOutput.PermissionDecision != "deny" {
			t.Errorf("%s: stdout %q, want a deny", tc.name, out.String())
		}
	}
	// The hook recorded each refusal under its cavra.self rule.
	out, err := exec.Command(bin, "evidence", "list", "--home", home, "--session", "self-1", "--json").Output()
	if err != nil {
		t.Fatalf("evidence list: %v", err)
	}
	if n := strings.Count(string(out), `"rule_id":"cavra.self.`); n < 4 {
		t.Errorf("%d evidence records under cavra.self.*, want at least 4:\n%s", n, out)
	}
}
