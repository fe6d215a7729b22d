package claudecode

import (
	"strings"
	"testing"
)

func TestSettingsProblems(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		settings string
		want     []string // substrings, one per problem, in order
	}{
		{``, nil},
		{`{}`, nil},
		{`{"model": "x", "someFutureKey": {"a": 1}}`, nil},
		{`{"permissions": {"allow": ["Bash(npm test)"], "deny": []}, "env": {"A": "1"}}`, nil},
		{`{"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "x", "timeout": 30}]}]}}`, nil},
		{`{"hooks": {"Stop": [{"hooks": [{"type": "prompt", "prompt": "p"}, {"type": "http", "url": "https://x"}]}]}}`, nil},
		{`{"permissions": {"allow": ["a",]}}`, []string{"not a JSON object"}},
		{`{"permissions": {"allow": "Bash"}}`, []string{"permissions.allow is not an array of strings"}},
		{`{"permissions": []}`, []string{"permissions is not an object"}},
		{`{"env": {"N": 1}}`, []string{"env.N is not a string"}},
		{`{"hooks": []}`, []string{"hooks is not an object"}},
		{`{"hooks": {"PreToolUse": {"matcher": "*"}}}`, []string{"hooks.PreToolUse is not an array"}},
		{`{"hooks": {"PreToolUse": [{"matcher": 1, "hooks": []}]}}`, []string{"hooks.PreToolUse[0].matcher is not a string"}},
		{`{"hooks": {"PreToolUse": [{"matcher": "*"}]}}`, []string{"hooks.PreToolUse[0].hooks is missing"}},
		{`{"hooks": {"PreToolUse": [{"hooks": [{"command": "x"}]}]}}`, []string{"hooks.PreToolUse[0].hooks[0].type"}},
		{`{"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": ""}]}]}}`, []string{"hooks[0].command is missing or empty"}},
		{`{"hooks": {"PreToolUse": [{"hooks": [{"type": "command", "command": "x", "timeout": "30"}]}]}}`, []string{"timeout is not a positive number"}},
		{`{"hooks": {"A": [1], "B": [{"hooks": [{"type": "http"}]}]}}`, []string{"hooks.A[0] is not an object", "hooks.B[0].hooks[0].url is missing"}},
	} {
		got := SettingsProblems([]byte(c.settings))
		if len(got) != len(c.want) {
			t.Errorf("%s: problems %q, want %d like %q", c.settings, got, len(c.want), c.want)
			continue
		}
		for i, w := range c.want {
			if !strings.Contains(got[i], w) {
				t.Errorf("%s: problem %q, want it to say %q", c.settings, got[i], w)
			}
		}
	}
}

// TestInstallWritesAcceptedSettings: what Install writes passes the check,
// whatever valid settings it merged into.
func TestInstallWritesAcceptedSettings(t *testing.T) {
	t.Parallel()
	for _, in := range []string{``, `{}`, `{"permissions": {"allow": ["Bash(ls)"]}, "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "say done"}]}]}}`} {
		out, _, err := Install([]byte(in), "/usr/local/bin/cavra hook claude-code")
		if err != nil {
			t.Fatal(err)
		}
		if p := SettingsProblems(out); len(p) > 0 {
			t.Errorf("Install(%s) wrote settings Claude Code would reject: %q\n%s", in, p, out)
		}
	}
}

// FuzzSettingsProblems: any bytes give a list, never a panic; Install's
// output for a file without problems has none.
func FuzzSettingsProblems(f *testing.F) {
	f.Add([]byte(`{"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{"type": "command", "command": "x"}]}]}}`))
	f.Add([]byte(`{"permissions": {"allow": ["Bash"]}, "env": {"A": "b"}}`))
	f.Add([]byte(`{"hooks": {"A": [1, {"hooks": [{"type": "http"}]}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(SettingsProblems(data)) > 0 {
			return
		}
		out, _, err := Install(data, "/usr/local/bin/cavra hook claude-code")
		if err != nil {
			return
		}
		if p := SettingsProblems(out); len(p) > 0 {
			t.Fatalf("Install turned accepted settings %q into rejected ones: %q\n%s", data, p, out)
		}
	})
}
