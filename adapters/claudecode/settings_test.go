package claudecode

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const existing = `{
  "permissions": {"allow": ["Bash(npm test:*)"], "deny": ["Read(./secrets/**)"]},
  "model": "opus",
  "hooks": {
    "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "./lint-guard.sh", "timeout": 5}]}],
    "Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]
  }
}`

func meaning(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

func TestInstallKeepsEverythingAndIsIdempotent(t *testing.T) {
	t.Parallel()
	cmd := "/usr/local/bin/cavra hook claude-code"
	once, changed, err := Install([]byte(existing), cmd)
	if err != nil || !changed {
		t.Fatalf("install: %v %v", changed, err)
	}
	var doc struct {
		Permissions json.RawMessage    `json:"permissions"`
		Model       string             `json:"model"`
		Hooks       map[string][]group `json:"hooks"`
	}
	if err := json.Unmarshal(once, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Model != "opus" || !strings.Contains(string(doc.Permissions), "Read(./secrets/**)") || len(doc.Hooks["Stop"]) != 1 {
		t.Fatalf("other settings lost:\n%s", once)
	}
	pre := doc.Hooks["PreToolUse"]
	if len(pre) != 2 || pre[0].Hooks[0].Command != "./lint-guard.sh" {
		t.Fatalf("existing PreToolUse hook lost:\n%s", once)
	}
	ours := pre[1]
	if ours.Matcher != "*" || ours.Hooks[0].Command != cmd || ours.Hooks[0].OnFailure != "block" || ours.Hooks[0].Timeout != HookTimeout {
		t.Fatalf("our hook: %+v", ours)
	}
	if post := doc.Hooks["PostToolUse"]; len(post) != 1 || post[0].Hooks[0].Command != cmd {
		t.Fatalf("PostToolUse: %+v", post)
	}
	twice, changed, err := Install(once, cmd)
	if err != nil || changed || string(twice) != string(once) {
		t.Fatalf("second install changed the file: %v %v", changed, err)
	}
	if ok, _ := Installed(once); !ok {
		t.Fatal("Installed = false after Install")
	}
	back, changed, err := Uninstall(once)
	if err != nil || !changed {
		t.Fatalf("uninstall: %v %v", changed, err)
	}
	if !reflect.DeepEqual(meaning(t, back), meaning(t, []byte(existing))) {
		t.Fatalf("uninstall did not restore the original:\n%s", back)
	}
	if ok, _ := Installed(back); ok {
		t.Fatal("Installed = true after Uninstall")
	}
}

func TestInstallOnEmptyAndBadSettings(t *testing.T) {
	t.Parallel()
	out, changed, err := Install(nil, "cavra hook claude-code")
	if err != nil || !changed || !strings.Contains(string(out), `"onFailure": "block"`) {
		t.Fatalf("empty: %v %v\n%s", changed, err, out)
	}
	back, _, _ := Uninstall(out)
	if !reflect.DeepEqual(meaning(t, back), map[string]any{}) {
		t.Fatalf("uninstall of a fresh install: %s", back)
	}
	for _, bad := range []string{`{"hooks": [1]}`, `{`, `[]`, `{"hooks":{"PreToolUse":{}}}`} {
		if _, _, err := Install([]byte(bad), "cavra hook claude-code"); err == nil {
			t.Errorf("Install accepted %s", bad)
		}
	}
}

func TestInstallKeepsKeyOrderAndText(t *testing.T) {
	t.Parallel()
	in := `{"zeta": 1, "alpha": {"b": 2, "a": "x && y > z"}, "hooks": {"Stop": []}}`
	out, _, err := Install([]byte(in), "/opt/cavra hook claude-code")
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Index(s, `"zeta"`) > strings.Index(s, `"alpha"`) || strings.Index(s, `"b"`) > strings.Index(s, `"a"`) {
		t.Errorf("keys were reordered:\n%s", s)
	}
	if !strings.Contains(s, `"x && y > z"`) {
		t.Errorf("a string was re-escaped:\n%s", s)
	}
}

func TestIsOurs(t *testing.T) {
	t.Parallel()
	for cmd, want := range map[string]bool{
		"/opt/cavra hook claude-code":                 true,
		"'/a b/cavra' hook claude-code":               true,
		"cavra hook claude-code --explicit-allow":     true,
		"cavra hook claude-code-extra":                false,
		"cavra hook codex":                            false,
		"./guard.sh":                                  false,
		"x hook claude-codex; cavra hook claude-code": true,
		"": false,
	} {
		if got := isOurs(cmd, ClaudeCode); got != want {
			t.Errorf("isOurs(%q) = %v", cmd, got)
		}
	}
}
