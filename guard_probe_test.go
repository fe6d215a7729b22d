package cavra_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra"
)

// TestProbeLinksAndGlobs: a path is judged as what it reaches on disk when
// the action is decided — a link in the project to a key reads the key, a
// glob that matches a credential file reads it — while a delete of a link
// removes the link only, and project files stay routine.
func TestProbeLinksAndGlobs(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	home := filepath.Join(base, "home")
	proj := filepath.Join(home, "proj")
	for _, d := range []string{home + "/.ssh", home + "/.aws", proj + "/src", proj + "/conf", proj + "/build"} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{home + "/.ssh/id_rsa", home + "/.aws/credentials", proj + "/src/main.go", proj + "/conf/app.txt", proj + "/build/out.o"} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for target, at := range map[string]string{
		home + "/.ssh/id_rsa":    proj + "/notes.txt",
		"../../.aws/credentials": proj + "/conf/prod.txt",
		home + "/.ssh":           proj + "/build/keys",
		proj + "/src/main.go":    proj + "/main-link.go",
	} {
		if err := os.Symlink(target, at); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("CAVRA_POLICY_DIR", "")
	g, err := cavra.Open(t.Context(), cavra.Options{Home: filepath.Join(base, "state"), Dir: proj, Evidence: cavra.EvidenceAsync})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ctx := map[string]string{"cwd": proj, "project_root": proj, "home": home}
	for _, tc := range []struct {
		typ    cavra.ActionType
		target string
		want   cavra.Outcome
	}{
		{cavra.ReadFile, "notes.txt", cavra.Block},
		{cavra.ExecuteCommand, "cat notes.txt", cavra.Block},
		{cavra.ExecuteCommand, "cat conf/*.txt", cavra.Block}, // the glob matches prod.txt, a link to credentials
		{cavra.ExecuteCommand, "base64 conf/prod.txt", cavra.Block},
		{cavra.ExecuteCommand, "cp build/keys/id_rsa /tmp/k", cavra.Block},
		{cavra.WriteFile, "build/keys/authorized_keys", cavra.Block},
		{cavra.ExecuteCommand, "rm notes.txt", cavra.Allow}, // removes the link, not the key
		{cavra.ReadFile, "main-link.go", cavra.Allow},
		{cavra.ExecuteCommand, "cat src/*.go", cavra.Allow},
		{cavra.ExecuteCommand, "cat conf/app.txt", cavra.Allow},
		{cavra.ExecuteCommand, "rm -rf build/*.o", cavra.Allow},
	} {
		d, err := g.Evaluate(t.Context(), cavra.Action{Type: tc.typ, Target: tc.target, Tool: "Bash", Context: ctx})
		if err != nil {
			t.Fatal(err)
		}
		if d.Decision != tc.want {
			t.Errorf("%s %q: %s (%s: %s), want %s", tc.typ, tc.target, d.Decision, d.RuleID, d.Reason, tc.want)
		}
	}
}

// TestProbeExhaustedBlocks: a line whose globs cost more filesystem probes
// than a decision's budget is blocked, not judged as written: what the
// skipped probes would have found (a link to a key) is unknown.
func TestProbeExhaustedBlocks(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	proj := filepath.Join(base, "home", "proj")
	for i := range 20 {
		for j := range 20 {
			if err := os.MkdirAll(filepath.Join(proj, "t", string(rune('a'+i)), string(rune('a'+j))), 0o700); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Setenv("CAVRA_POLICY_DIR", "")
	g, err := cavra.Open(t.Context(), cavra.Options{Home: filepath.Join(base, "state"), Dir: proj, Evidence: cavra.EvidenceAsync})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ctx := map[string]string{"cwd": proj, "project_root": proj, "home": filepath.Join(base, "home")}
	for _, tc := range []struct {
		line string
		want cavra.Outcome
	}{
		{"cat t/*/*/x", cavra.Block},                       // 400 directories under t/*/: past the cap, what lies below is unknown
		{"cat t/*/*/*/x t/*/*/*/y t/*/*/*/z", cavra.Block}, // 3 × 257 directory reads > 512
		{"cat t/a/*/x", cavra.Allow},
	} {
		d, err := g.Evaluate(t.Context(), cavra.Action{Type: cavra.ExecuteCommand, Target: tc.line, Tool: "Bash", Context: ctx})
		if err != nil {
			t.Fatal(err)
		}
		if d.Decision != tc.want {
			t.Errorf("%q: %s (%s: %s), want %s", tc.line, d.Decision, d.RuleID, d.Reason, tc.want)
		}
		if tc.want == cavra.Block && d.RuleID != "probe.exhausted" {
			t.Errorf("%q: rule %s, want probe.exhausted", tc.line, d.RuleID)
		}
	}
}
