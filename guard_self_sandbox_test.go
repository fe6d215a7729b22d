package cavra_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra"
)

// TestSelfUnsandboxed: a Bash call that asks to run outside Claude Code's
// sandbox (dangerouslyDisableSandbox) is refused whatever the command,
// unless the policy's commands allow_unsandboxed names every command of
// the line; the agent's sandbox settings are the agent's settings files,
// refused as such, directly, through a link and through a script.
func TestSelfUnsandboxed(t *testing.T) {
	dir := t.TempDir()
	pack := filepath.Join(dir, "cavra-team-unsandboxed")
	if err := os.MkdirAll(pack, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pack, "policy.yaml"), []byte(`metadata:
  id: cavra-team-unsandboxed
  title: Baseline, and docker outside the sandbox
  description: A test pack.
  version: "1.0.0"
  inherits: cavra-ai-agent-baseline
commands:
  allow_unsandboxed:
    - "docker ps*"
    - "docker compose up*"
`), 0o600); err != nil {
		t.Fatal(err)
	}
	un := "cavra.self.unsandboxed"
	unsandboxed := func(name, cmd, rule string) selfCase {
		return selfCase{name, "Bash", map[string]any{"command": cmd, "dangerouslyDisableSandbox": true}, rule}
	}
	t.Run("baseline", func(t *testing.T) {
		f := newSelfFixture(t, cavra.Options{})
		f.run(t, []selfCase{
			unsandboxed("routine command", "go test ./...", un),
			unsandboxed("read-only command", "ls -la", un),
			{"string true", "Bash", map[string]any{"command": "ls", "dangerouslyDisableSandbox": "true"}, un},
			{"explicit false", "Bash", map[string]any{"command": "ls", "dangerouslyDisableSandbox": false}, ""},
			bash("sandboxed", "go test ./...", ""),
		})
	})
	t.Run("pack allows some", func(t *testing.T) {
		f := newSelfFixture(t, cavra.Options{Packs: []string{"cavra-team-unsandboxed"}, PolicyDirs: []string{dir}})
		f.run(t, []selfCase{
			unsandboxed("allowed", "docker ps -a", ""),
			unsandboxed("allowed pipeline", "docker ps -a | docker compose up -d", ""),
			unsandboxed("one command not allowed", "docker ps && curl http://example.com", un),
			unsandboxed("not allowed", "go test ./...", un),
			unsandboxed("dynamic", "docker ps $(cat x)", un),
			unsandboxed("through a shell", "sh -c 'docker ps; rm -rf /tmp/x'", un),
		})
	})
	t.Run("sandbox settings", func(t *testing.T) {
		f := newSelfFixture(t, cavra.Options{})
		link := filepath.Join(f.project, "notes.json")
		if err := os.Symlink(filepath.Join(f.home, ".claude", "settings.json"), link); err != nil {
			t.Fatal(err)
		}
		sw := "cavra.self.settings_write"
		f.run(t, []selfCase{
			file("user settings", "Write", "{{home}}/.claude/settings.json", sw),
			file("user settings, edit", "Edit", "{{home}}/.claude/settings.json", sw),
			file("project settings", "Write", "{{project}}/.claude/settings.json", sw),
			file("local settings", "Edit", "{{project}}/.claude/settings.local.json", sw),
			file("managed settings", "Write", "/etc/claude-code/managed-settings.json", sw),
			file("through a link", "Write", link, sw),
			bash("jq in place", `jq '.sandbox.enabled=false' ~/.claude/settings.json > /tmp/s && mv /tmp/s ~/.claude/settings.json`, sw),
			bash("sed", `sed -i 's/"enabled": true/"enabled": false/' {{home}}/.claude/settings.json`, sw),
			{"a script that edits them", "Write", map[string]any{"file_path": "{{project}}/fix.sh",
				"content": "#!/bin/sh\njq '.sandbox.enabled=false' ~/.claude/settings.json > t && mv t ~/.claude/settings.json\n"}, "cavra.self.script"},
			bash("running it", "printf '{\"sandbox\":{}}' > {{project}}/.claude/settings.local.json && sh fix.sh", sw),
		})
	})
}
