package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// cli runs the command line in-process from dir with a private state directory.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestMain(m *testing.M) {
	if code, ok := helperMain(); ok {
		os.Exit(code)
	}
	// Every test runs with an empty state directory and no policy directory
	// from the environment, so results do not depend on the machine.
	home, err := os.MkdirTemp("", "cavra-cli")
	if err != nil {
		panic(err)
	}
	os.Setenv("CAVRA_HOME", home)
	// cavra init pins state under the user's state home: never the real one.
	os.Setenv("XDG_STATE_HOME", filepath.Join(home, "xdg-state"))
	os.Unsetenv("CAVRA_POLICY_DIR")
	// Evidence witnesses go to a state home of the tests' own, never the
	// user's.
	state, err := os.MkdirTemp("", "cavra-state")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", state)
	// cavra init claude-code writes Claude Code's sandbox settings into
	// ~/.claude/settings.json: never the real one.
	// It stays outside the temporary directories (see e2eHome), and the Go
	// caches stay the real ones (the tests build the binary).
	cache, err := os.UserCacheDir()
	if err != nil {
		panic(err)
	}
	for v, d := range map[string]string{"GOCACHE": filepath.Join(cache, "go-build"), "GOPATH": filepath.Join(filepath.Dir(cache), "go")} {
		if os.Getenv(v) == "" {
			if out, err := exec.Command("go", "env", v).Output(); err == nil && len(strings.TrimSpace(string(out))) > 0 {
				d = strings.TrimSpace(string(out))
			}
			os.Setenv(v, d)
		}
	}
	if err := os.MkdirAll(cache, 0o700); err != nil {
		panic(err)
	}
	userHome, err := os.MkdirTemp(cache, "cavra-user-home-")
	if err != nil {
		panic(err)
	}
	os.Setenv("HOME", userHome)
	code := m.Run()
	os.RemoveAll(userHome)
	os.RemoveAll(home)
	os.RemoveAll(state)
	os.Exit(code)
}

func TestEvaluateExitCodes(t *testing.T) {
	wd, _ := os.Getwd()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"evaluate", "read_file", ".env"}, exitBlock, "filesystem.read.block"},
		{[]string{"evaluate", "read_file", "config/.env"}, exitBlock, "filesystem.read.block"},
		{[]string{"evaluate", "read_file", "./src/../.env"}, exitBlock, "filesystem.read.block"},
		{[]string{"evaluate", "read_file", filepath.Join(wd, ".env")}, exitBlock, "filesystem.read.block"},
		{[]string{"evaluate", "read_file", ".env.example"}, exitAllow, "filesystem.read.allow"},
		{[]string{"evaluate", "execute_command", "cd infra && terraform apply -auto-approve"}, exitBlock, "commands.block"},
		{[]string{"evaluate", "execute_command", "terraform plan"}, exitAllow, "commands.allow"},
		{[]string{"evaluate", "execute_command", `echo "terraform apply"`}, exitAllow, "commands.builtin.allow"},
		{[]string{"evaluate", "execute_command", "make deploy"}, exitRequireApproval, "commands.default.effect.require_approval"},
		{[]string{"evaluate", "write_file", "iam/admin-role.tf"}, exitRequireApproval, "approver: IAM"}, // the group the request was routed to
		{[]string{"evaluate", "git_operation", "origin/main", "--operation", "push"}, exitBlock, "git.protected_branch.block_direct_push"},
		{[]string{"evaluate", "mcp_tool_call", "unknown-filesystem:read_file", "--args", `{"path":".env"}`}, exitBlock, "filesystem.read.block"},
		{[]string{"evaluate", "mcp_tool_call", "unknown-filesystem:read_file", "--args", `{"path":"README.md"}`}, exitAllow, "mcp.tool.read.allow"},
		{[]string{"evaluate", "mcp_tool_call", "unknown-filesystem:read_file", "--policy-pack", "cavra-mcp-enterprise"}, exitBlock, "mcp.server.trust.block_unknown"},
		{[]string{"evaluate", "read_file", ".env", "--mode", "audit_only"}, exitAllow, "policy said block"},
		{[]string{"evaluate", "execute_command", "terraform plan", "--mode", "strict"}, exitRequireApproval, "strict"},
		{[]string{"evaluate", "read_file", ".env", "--mode", "break_glass"}, exitBlock, "mode.break_glass.unattested"},
		{[]string{"evaluate", "read_file", ".env", "--mode", "break_glass", "--break-glass-actor", "ana", "--break-glass-reason", "incident 7"}, exitAllow, "break-glass by ana"},
		{[]string{"evaluate", "bogus", "x"}, exitUsage, "unknown action type"},
		{[]string{"evaluate", "read_file"}, exitUsage, "accepts 2 arg"},
		{[]string{"evaluate", "read_file", ".env", "--no-such-flag"}, exitUsage, "unknown flag"},
		{[]string{"evaluate", "read_file", ".env", "--mode", "loud"}, exitUsage, "unknown mode"},
		{[]string{"evaluate", "read_file", ".env", "--policy-pack", "cavra-does-not-exist"}, exitFailure, "unknown pack"},
		{[]string{"evaluate", "mcp_tool_call", "nocolon"}, exitUsage, "SERVER:TOOL"},
		{[]string{"evaluate", "tool_call", "x", "--args", "[1]"}, exitUsage, "JSON object"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errs := cli(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
			if !strings.Contains(out+errs, tc.want) {
				t.Fatalf("output lacks %q\nstdout: %s\nstderr: %s", tc.want, out, errs)
			}
		})
	}
}

func TestEvaluateJSON(t *testing.T) {
	code, out, _ := cli(t, "evaluate", "read_file", ".env", "--json", "--agent", "claude-code", "--session", "s-1")
	if code != exitBlock {
		t.Fatalf("exit %d", code)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for k, want := range map[string]any{"decision": "block", "rule_id": "filesystem.read.block", "agent_id": "claude-code", "session_id": "s-1", "severity": "high"} {
		if d[k] != want {
			t.Errorf("%s = %v, want %v", k, d[k], want)
		}
	}
	if !strings.HasPrefix(d["decision_id"].(string), "dec_") || !strings.HasPrefix(d["policy_digest"].(string), "sha256:") {
		t.Errorf("ids: %v %v", d["decision_id"], d["policy_digest"])
	}
}

func writePack(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const badCEL = `metadata: {id: cavra-bad, title: t, description: d, version: "1"}
rules:
  - id: broken.rule
    when: 'action.type == "read_file" &&& true'
    decision: block
`

func TestPolicyValidate(t *testing.T) {
	dir := t.TempDir()
	bad := writePack(t, dir, "bad.yaml", badCEL)
	code, _, errs := cli(t, "policy", "validate", bad)
	if code != exitFailure {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"bad.yaml", "broken.rule", "1:", "^"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
	schema := writePack(t, dir, "schema.yaml", "metadata: {id: cavra-x, title: t, description: d, version: \"1\"}\nfilesystem: {block_read: [3]}\n")
	code, _, errs = cli(t, "policy", "validate", schema)
	if code != exitFailure || !strings.Contains(errs, "/filesystem/block_read/0") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	huge := writePack(t, dir, "huge.yaml", "metadata: {id: cavra-x, title: t, description: d, version: \"1\"}\n#"+strings.Repeat("x", 10<<20)+"\n")
	code, _, errs = cli(t, "policy", "validate", huge)
	if code != exitFailure || !strings.Contains(errs, "limit") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	deep := writePack(t, dir, "deep.json", strings.Repeat("[", 100000)+strings.Repeat("]", 100000))
	code, _, errs = cli(t, "policy", "validate", deep)
	if code != exitFailure {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	code, out, _ := cli(t, "policy", "validate", "../../policy/packs/cavra-ai-agent-baseline")
	if code != 0 || !strings.Contains(out, "valid cavra-ai-agent-baseline") {
		t.Fatalf("exit %d: %s", code, out)
	}
}

func TestPolicyTestListDescribeCompile(t *testing.T) {
	code, out, _ := cli(t, "policy", "test")
	if code != 0 || !strings.Contains(out, " passed, 0 failed") {
		t.Fatalf("policy test: exit %d\n%s", code, out)
	}
	code, out, _ = cli(t, "policy", "list")
	if code != 0 || !strings.Contains(out, "cavra-ai-agent-baseline") {
		t.Fatalf("policy list: exit %d\n%s", code, out)
	}
	code, out, _ = cli(t, "policy", "describe", "cavra-ai-agent-baseline")
	if code != 0 || !strings.Contains(out, "terraform apply*") {
		t.Fatalf("policy describe: exit %d\n%s", code, out)
	}
	code, digest, _ := cli(t, "policy", "compile", "--digest")
	if code != 0 || !strings.HasPrefix(digest, "sha256:") {
		t.Fatalf("policy compile: exit %d\n%s", code, digest)
	}
	_, evalOut, _ := cli(t, "evaluate", "read_file", "x", "--json")
	if !strings.Contains(evalOut, strings.TrimSpace(digest)) {
		t.Fatalf("decision does not carry the compiled digest %s", digest)
	}
}

func TestPolicyTestReportsFailures(t *testing.T) {
	dir := t.TempDir()
	p := writePack(t, dir, "p/policy.yaml", `metadata: {id: cavra-p, title: t, description: d, version: "1"}
tests:
  - name: wrong on purpose
    action: {type: read_file, target: .env}
    expect: {decision: block}
`)
	code, out, _ := cli(t, "policy", "test", p)
	if code != exitFailure || !strings.Contains(out, "FAIL cavra-p: wrong on purpose") || !strings.Contains(out, "0 passed, 1 failed") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestPolicyDiff(t *testing.T) {
	dir := t.TempDir()
	left := writePack(t, dir, "l/policy.yaml", `metadata: {id: cavra-p, title: t, description: d, version: "1"}
commands: {block: ["terraform apply*"], allow: ["pytest*"]}
`)
	right := writePack(t, dir, "r/policy.yaml", `metadata: {id: cavra-p, title: t, description: d, version: "2"}
commands: {block: ["terraform apply*", "kubectl delete*"], allow: ["pytest*"]}
rules:
  - {id: extra.rule, when: 'action.type == "read_file"', decision: require_approval}
`)
	code, out, errs := cli(t, "policy", "diff", left, right)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"+ commands.block: \"kubectl delete*\"", "+ rules[extra.rule]", "version"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
}

func TestPolicySignVerify(t *testing.T) {
	dir := t.TempDir()
	pack := writePack(t, dir, "p/policy.yaml", "metadata: {id: cavra-p, title: t, description: d, version: \"1\"}\ncommands: {allow: [\"pytest*\"]}\n")
	if code, _, errs := cli(t, "policy", "keygen", "--out", filepath.Join(dir, "keys"), "--key-id", "k1"); code != 0 {
		t.Fatalf("keygen: %s", errs)
	}
	if code, _, errs := cli(t, "policy", "keygen", "--out", filepath.Join(dir, "keys"), "--key-id", "other"); code != 0 {
		t.Fatalf("keygen: %s", errs)
	}
	st, err := os.Stat(filepath.Join(dir, "keys", "k1.private.jwk"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode: %v %v", st, err)
	}
	if code, _, errs := cli(t, "policy", "sign", pack, "--key", filepath.Join(dir, "keys", "k1.private.jwk")); code != 0 {
		t.Fatalf("sign: %s", errs)
	}
	pub := filepath.Join(dir, "keys", "k1.public.jwk")
	if code, out, errs := cli(t, "policy", "verify", pack, "--key", pub); code != 0 || !strings.Contains(out, "k1") {
		t.Fatalf("verify: exit %d %s %s", code, out, errs)
	}
	if code, _, _ := cli(t, "policy", "verify", pack); code == 0 {
		t.Fatal("verify without a key passed")
	}
	if code, _, _ := cli(t, "policy", "verify", pack, "--key", filepath.Join(dir, "keys", "other.public.jwk")); code == 0 {
		t.Fatal("verify with the wrong key passed")
	}
	if err := os.WriteFile(pack, []byte("metadata: {id: cavra-p, title: t, description: d, version: \"1\"}\ncommands: {allow: [\"*\"]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := cli(t, "policy", "verify", pack, "--key", pub); code == 0 || !strings.Contains(errs, "does not verify") {
		t.Fatalf("verify of a changed pack: exit %d %s", code, errs)
	}
}

func TestPolicyInitThenEvaluate(t *testing.T) {
	home := t.TempDir()
	if code, out, errs := cli(t, "policy", "init", "--home", home); code != 0 {
		t.Fatalf("init: %s %s", out, errs)
	}
	if code, _, _ := cli(t, "policy", "init", "--home", home); code == 0 {
		t.Fatal("a second init overwrote the pack")
	}
	t.Setenv("CAVRA_HOME", home)
	code, out, _ := cli(t, "evaluate", "execute_command", "go test ./...")
	if code != exitAllow || !strings.Contains(out, "commands.allow") {
		t.Fatalf("project pack not in effect: exit %d %s", code, out)
	}
	if code, out, _ := cli(t, "policy", "test", "cavra-project"); code != 0 {
		t.Fatalf("starter pack tests: %s", out)
	}
}

func TestPolicyExplain(t *testing.T) {
	code, out, errOut := cli(t, "policy", "explain", "execute_command", "sudo bash -c 'cat .env' && echo done", "--context", "cwd=/p")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"block", "command 1: cat .env (via sudo, bash -c)", "reads: .env", "filesystem.read.block", "command 2: echo done"} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = cli(t, "policy", "explain", "--json", "execute_command", "cd .. && git push --force origin HEAD:main", "--context", "cwd=/p/proj")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var x struct {
		Decision struct{ Decision string } `json:"decision"`
		Facts    struct {
			Commands []struct {
				Name string `json:"name"`
				Dir  string `json:"dir"`
			} `json:"commands"`
			Git []struct {
				Subcommand string   `json:"subcommand"`
				Branches   []string `json:"branches"`
				Force      bool     `json:"force"`
			} `json:"git"`
		} `json:"facts"`
	}
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatalf("explain --json: %v\n%s", err, out)
	}
	if len(x.Facts.Commands) != 2 || x.Facts.Commands[1].Dir != "/p" || len(x.Facts.Git) != 1 ||
		!x.Facts.Git[0].Force || x.Facts.Git[0].Subcommand != "push" || len(x.Facts.Git[0].Branches) != 1 || x.Facts.Git[0].Branches[0] != "main" {
		t.Errorf("explain --json facts: %s", out)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := cli(t, "version")
	if code != 0 || !strings.HasPrefix(out, "cavra ") {
		t.Fatalf("exit %d %q", code, out)
	}
}
