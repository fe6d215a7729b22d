package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// listDir is every path under dir, relative to it.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// Read-only commands, run in an empty directory with no CAVRA_HOME, leave
// it empty: no ./.cavra, no keys.
func TestReadOnlyCommandsCreateNothing(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	baseline := filepath.Join(wd, "../../policy/packs/cavra-ai-agent-baseline")
	hipaa := filepath.Join(wd, "../../policy/packs/cavra-hipaa")
	dir, home := t.TempDir(), t.TempDir()
	t.Chdir(dir)
	t.Setenv("CAVRA_HOME", "")
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "")
	for _, args := range [][]string{
		{"doctor", "claude-code"}, {"doctor", "codex"}, {"doctor", "cursor"}, {"doctor", "gemini-cli"},
		{"doctor", "codex", "--user"}, {"doctor", "claude-code", "-o", "json"},
		{"policy", "list"}, {"policy", "describe", "cavra-ai-agent-baseline"}, {"policy", "validate", baseline},
		{"policy", "test", "cavra-ai-agent-baseline"}, {"policy", "compile", "--digest"}, {"policy", "diff", baseline, hipaa},
		{"policy", "verify", baseline}, {"policy", "explain", "read_file", ".env"}, {"version"},
		{"init", "claude-code", "--dry-run"}, {"init", "codex", "--dry-run"}, {"init", "cursor", "--dry-run", "--gitignore"},
		{"init", "gemini-cli", "--dry-run", "-o", "json"},
	} {
		code, _, errs := cli(t, args...)
		if code == exitUsage {
			t.Errorf("%s: usage error %s", strings.Join(args, " "), errs)
		}
		if got := listDir(t, dir); len(got) > 0 {
			t.Fatalf("%s created %v in the working directory", strings.Join(args, " "), got)
		}
		if got := listDir(t, home); len(got) > 0 {
			t.Fatalf("%s created %v in the home directory", strings.Join(args, " "), got)
		}
	}
	// doctor still decides the sample action with the policy.
	_, out, _ := cli(t, "doctor", "claude-code")
	if !strings.Contains(out, "a sample Read of .env is blocked (block, filesystem.read.block)") || !strings.Contains(out, "no state in") {
		t.Errorf("doctor without state:\n%s", out)
	}
}

// doctor on a state directory that exists opens it read-only and adds no
// record to its log.
func TestDoctorDoesNotRecord(t *testing.T) {
	home := t.TempDir()
	t.Setenv("CAVRA_HOME", home)
	if code, _, errs := cli(t, "evaluate", "read_file", "README.md"); code != 0 {
		t.Fatalf("evaluate: %d %s", code, errs)
	}
	before := evidenceCount(t)
	_, out, _ := cli(t, "doctor", "claude-code", "--dir", t.TempDir())
	if !strings.Contains(out, "ok   CAVRA opens its state in "+home) {
		t.Errorf("doctor:\n%s", out)
	}
	if after := evidenceCount(t); after != before {
		t.Fatalf("doctor added %d evidence records", after-before)
	}
}

func evidenceCount(t *testing.T) int {
	t.Helper()
	code, out, errs := cli(t, "evidence", "list", "-o", "json", "--limit", "1000")
	if code != 0 {
		t.Fatalf("evidence list: %d %s", code, errs)
	}
	var recs []any
	if err := json.Unmarshal([]byte(out), &recs); err != nil {
		t.Fatalf("evidence list: %v\n%s", err, out)
	}
	return len(recs)
}

func TestPolicyVerifyDefaultKeys(t *testing.T) {
	home, other := t.TempDir(), t.TempDir()
	pack := writePack(t, t.TempDir(), "p/policy.yaml", "metadata: {id: cavra-p, title: t, description: d, version: \"1\"}\ncommands: {allow: [\"pytest*\"]}\n")
	// Nothing to trust yet: invalid (1), not a usage error (2).
	if code, _, errs := cli(t, "policy", "verify", pack, "--home", home); code != exitFailure || !strings.Contains(errs, "no trusted key") {
		t.Fatalf("verify without any key: exit %d %s", code, errs)
	}
	if code, _, errs := cli(t, "policy", "sign", pack, "--home", home); code != exitUsage || !strings.Contains(errs, "cavra policy keygen") {
		t.Fatalf("sign without any key: exit %d %s", code, errs)
	}
	if code, out, errs := cli(t, "policy", "keygen", "--home", home); code != 0 || !strings.Contains(out, filepath.Join(home, "keys", "policy", "policy-signing.private.jwk")) {
		t.Fatalf("keygen: exit %d %s %s", code, out, errs)
	}
	if code, out, errs := cli(t, "policy", "sign", pack, "--home", home); code != 0 || !strings.Contains(out, "policy-signing") {
		t.Fatalf("sign with the default key: exit %d %s %s", code, out, errs)
	}
	if code, out, errs := cli(t, "policy", "verify", pack, "--home", home); code != 0 || !strings.Contains(out, "signed by key policy-signing") {
		t.Fatalf("verify with the default keys: exit %d %s %s", code, out, errs)
	}
	code, out, _ := cli(t, "policy", "verify", pack, "--home", home, "-o", "json")
	var res struct {
		Valid bool   `json:"valid"`
		KeyID string `json:"key_id"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != 0 || !res.Valid || res.KeyID != "policy-signing" {
		t.Fatalf("verify -o json: exit %d %v %s", code, err, out)
	}
	// Another state directory's key does not vouch for this signature,
	// even when it has the same key id.
	if code, _, _ := cli(t, "policy", "keygen", "--home", other); code != 0 {
		t.Fatal("keygen in the other home")
	}
	if code, _, errs := cli(t, "policy", "verify", pack, "--home", other); code != exitFailure || !strings.Contains(errs, "does not verify") {
		t.Fatalf("verify against another key: exit %d %s", code, errs)
	}
	// A changed pack fails, as JSON too.
	if err := os.WriteFile(pack, []byte("metadata: {id: cavra-p, title: t, description: d, version: \"1\"}\ncommands: {allow: [\"*\"]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, _ = cli(t, "policy", "verify", pack, "--home", home, "-o", "json")
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitFailure || res.Valid {
		t.Fatalf("verify of a changed pack: exit %d %s", code, out)
	}
	// The evidence keys of a state directory are never trusted for packs.
	evHome := t.TempDir()
	t.Setenv("CAVRA_HOME", evHome)
	if code, _, _ := cli(t, "evaluate", "read_file", "README.md"); code != 0 {
		t.Fatal("evaluate")
	}
	if code, _, errs := cli(t, "policy", "verify", pack); code != exitFailure || !strings.Contains(errs, "no trusted key") {
		t.Fatalf("verify with only evidence keys: exit %d %s", code, errs)
	}
}

func TestInitGitignore(t *testing.T) {
	dir := t.TempDir()
	// State pinned outside the project: nothing of it can be committed.
	if code, out, errs := cli(t, "init", "codex", "--dir", dir, "--home", t.TempDir()); code != 0 || strings.Contains(out, "gitignore") {
		t.Fatalf("init codex with the state outside: exit %d\n%s\n%s", code, out, errs)
	}
	// State pinned in the project (by choice): the hint, and a warning.
	in := "--home=" + filepath.Join(dir, ".cavra")
	code, out, errs := cli(t, "init", "codex", "--dir", dir, in)
	if code != 0 || !strings.Contains(out, "/.cavra/*") || !strings.Contains(out, "--gitignore") || !strings.Contains(errs, "inside the project") {
		t.Fatalf("init codex: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, ".gitignore")); !os.IsNotExist(err) {
		t.Fatal("init wrote .gitignore without --gitignore")
	}
	writeTestFile(t, filepath.Join(dir, ".gitignore"), "bin/") // no final newline
	if code, out, errs := cli(t, "init", "codex", "--dir", dir, "--gitignore"); code != 0 || !strings.Contains(out, "appended") || !strings.Contains(out, "keep the state directory they pinned") {
		t.Fatalf("init --gitignore: exit %d\n%s\n%s", code, out, errs)
	}
	got := readTestFile(t, filepath.Join(dir, ".gitignore"))
	for _, l := range []string{"bin/\n", "\n/.cavra/*\n", "!/.cavra/config.yaml\n", "!/.cavra/policies/\n"} {
		if !strings.Contains(got, l) {
			t.Errorf(".gitignore lacks %q:\n%s", l, got)
		}
	}
	if code, out, _ := cli(t, "init", "codex", "--dir", dir, "--gitignore", in); code != 0 || strings.Contains(out, "gitignore") {
		t.Fatalf("second init --gitignore mentions it again:\n%s", out)
	}
	if again := readTestFile(t, filepath.Join(dir, ".gitignore")); again != got {
		t.Fatalf("second init --gitignore changed .gitignore:\n%s", again)
	}
	// A project that ignores the whole directory is left alone.
	other := t.TempDir()
	writeTestFile(t, filepath.Join(other, ".gitignore"), ".cavra/\n")
	if _, out, _ := cli(t, "init", "cursor", "--dir", other, "--home="+filepath.Join(other, ".cavra")); strings.Contains(out, "gitignore") {
		t.Fatalf("hint despite .cavra/ in .gitignore:\n%s", out)
	}
	// policy init in ./.cavra hints too; a state directory elsewhere does not.
	proj := t.TempDir()
	t.Chdir(proj)
	t.Setenv("CAVRA_HOME", "")
	if code, out, errs := cli(t, "policy", "init", "--gitignore"); code != 0 || !strings.Contains(readTestFile(t, filepath.Join(proj, ".gitignore")), "/.cavra/*") {
		t.Fatalf("policy init --gitignore: exit %d %s %s", code, out, errs)
	}
	if _, out, _ := cli(t, "policy", "init", "--home", t.TempDir()); strings.Contains(out, "gitignore") {
		t.Fatalf("hint for a state directory outside the project:\n%s", out)
	}
}

// The text of a require_approval names the approval and a command that
// approves it; running that command lets the action through.
func TestEvaluateTextNamesApproval(t *testing.T) {
	home := t.TempDir()
	enrollApprover(t, home)
	code, out, errs := cli(t, "evaluate", "execute_command", "make deploy", "--home", home, "--agent", "claude-code")
	if code != exitRequireApproval {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	m := regexp.MustCompile(`approval: (apr_[0-9a-f]+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no approval id in:\n%s", out)
	}
	want := "approve with: cavra approval approve " + m[1] + " --home " + shellQuote(home) + " --local"
	if !strings.Contains(out, want) {
		t.Fatalf("no approve command %q in:\n%s", want, out)
	}
	if code, out, errs := cli(t, "approval", "approve", m[1], "--home", home, "--local", "--actor", "ana", "--reason", "reviewed"); code != 0 {
		t.Fatalf("approve: exit %d %s %s", code, out, errs)
	}
	if code, out, errs := cli(t, "evaluate", "execute_command", "make deploy", "--home", home, "--agent", "claude-code"); code != exitAllow || !strings.Contains(out, "approval.granted") {
		t.Fatalf("after approval: exit %d %s %s", code, out, errs)
	}
}
