package claudecode

import (
	"encoding/json"
	"strings"
	"testing"
)

// A reinstall with another command (an older install without --home)
// replaces the command of our handlers, keeps every other field and
// handler, and is idempotent.
func TestInstallHooksReplacesOurCommand(t *testing.T) {
	t.Parallel()
	const next = "/opt/cavra hook %s --home /s/p-1"
	for _, agent := range []Agent{ClaudeCode, Codex, Cursor, GeminiCLI} {
		t.Run(string(agent), func(t *testing.T) {
			t.Parallel()
			oldCmd := "cavra hook " + string(agent)
			first, _, err := InstallHooks(agent, []byte(`{"keep":1}`), oldCmd)
			if err != nil {
				t.Fatal(err)
			}
			cmd := strings.Replace(next, "%s", string(agent), 1)
			got, changed, err := InstallHooks(agent, first, cmd)
			if err != nil || !changed {
				t.Fatalf("reinstall: changed=%v err=%v", changed, err)
			}
			if s := string(got); strings.Contains(s, `"`+oldCmd+`"`) || strings.Count(s, cmd) != len(HookEvents(agent)) || !strings.Contains(s, `"keep": 1`) {
				t.Fatalf("after reinstall:\n%s", s)
			}
			// Only the command changed.
			var a, b any
			json.Unmarshal(first, &a)
			json.Unmarshal([]byte(strings.ReplaceAll(string(got), cmd, oldCmd)), &b)
			if ja, jb := jsonText(a), jsonText(b); ja != jb {
				t.Fatalf("more than the command changed:\n%s\n%s", first, got)
			}
			if again, changed, err := InstallHooks(agent, got, cmd); err != nil || changed || string(again) != string(got) {
				t.Fatalf("third install changed the file: %v %v", changed, err)
			}
		})
	}
}

func FuzzHookFlag(f *testing.F) {
	for _, s := range []string{"/s/p-1", "/a b/it's", `"q"\$x`, "", "--home"} {
		f.Add(s)
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
	f.Fuzz(func(t *testing.T, v string) {
		HookFlag(v, "--home") // never panics on any command line
		if got := HookFlag("/x/cavra hook claude-code --home "+quote(v)+" --agent a", "--home"); got != v {
			t.Fatalf("HookFlag of a quoted %q = %q", v, got)
		}
	})
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
