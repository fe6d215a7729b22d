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

// hookBin is the built binary run as Claude Code runs its hook, with a
// state directory and a state home (where the witness is) of its own.
type hookBin struct {
	t                *testing.T
	bin, home, state string
	proj             string
}

func newHookBin(t *testing.T, bin string) *hookBin {
	return &hookBin{t: t, bin: bin, home: t.TempDir(), state: t.TempDir(), proj: t.TempDir()}
}

func (h *hookBin) run(stdin string, args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	cmd := exec.Command(h.bin, args...)
	cmd.Dir = h.proj
	cmd.Env = append(os.Environ(), "CAVRA_HOME="+h.home, "XDG_STATE_HOME="+h.state, "CLAUDE_CODE_SESSION_ATTENDED=0")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// hook runs one PreToolUse call of Bash in bypassPermissions mode and
// returns the permission decision printed ("" for allowed) and its reason.
func (h *hookBin) hook(command string) (decision, reason string) {
	h.t.Helper()
	in, _ := json.Marshal(command)
	payload := `{"session_id":"rb-1","cwd":"` + h.proj + `","permission_mode":"bypassPermissions","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":` + string(in) + `},"tool_use_id":"toolu_1"}`
	code, out, errs := h.run(payload, "hook", "claude-code")
	if code != 0 {
		h.t.Fatalf("hook %q: exit %d: %s", command, code, errs)
	}
	if out == "" {
		return "", ""
	}
	var o struct {
		HookSpecificOutput struct{ PermissionDecision, PermissionDecisionReason string } `json:"hookSpecificOutput"`
	}
	if err := json.Unmarshal([]byte(out), &o); err != nil {
		h.t.Fatalf("hook %q: %v\n%s", command, err, out)
	}
	return o.HookSpecificOutput.PermissionDecision, o.HookSpecificOutput.PermissionDecisionReason
}

func (h *hookBin) db() string { return filepath.Join(h.home, "cavra.db") }

func (h *hookBin) witness() string {
	h.t.Helper()
	names, _ := filepath.Glob(filepath.Join(h.state, "cavra", "witness", "*.json"))
	if len(names) != 1 {
		h.t.Fatalf("witness files in the state home: %v", names)
	}
	return names[0]
}

// checkpoint signs a checkpoint at the log's size, as any process that
// writes one does (a hook does when one is due: a minute after the last).
func (h *hookBin) checkpoint() {
	h.t.Helper()
	if code, _, errs := h.run("", "evidence", "bundle", "--out", filepath.Join(h.t.TempDir(), "b.json")); code != 0 {
		h.t.Fatalf("evidence bundle: %d %s", code, errs)
	}
}

// wantRolledBack checks the hook's deny and verify's failure, both naming
// the witness.
func (h *hookBin) wantRolledBack(why string) {
	h.t.Helper()
	w := h.witness()
	d, reason := h.hook("npm test")
	if d != "deny" || !strings.Contains(reason, "rule evidence.rollback_detected") || !strings.Contains(reason, w) {
		h.t.Errorf("%s: the next decision: %q %q, want a deny with evidence.rollback_detected naming %s", why, d, reason, w)
	}
	code, out, errs := h.run("", "evidence", "verify")
	if code != exitFailure || !strings.Contains(errs, "NOT VERIFIED") || !strings.Contains(errs, "evidence rollback detected") || !strings.Contains(errs, w) {
		h.t.Errorf("%s: evidence verify: exit %d\nstdout %s\nstderr %s", why, code, out, errs)
	}
	if code, _, errs := h.run("", "evidence", "witness", "show"); code != exitFailure || !strings.Contains(errs, w) {
		h.t.Errorf("%s: evidence witness show: exit %d %s", why, code, errs)
	}
}

// TestHookRollback is the test: copy the database away, let
// decisions happen (and be signed), put the old copy back: the next
// decision blocks with evidence.rollback_detected and verify fails naming
// the witness. A person's reset then starts the witness anew.
func TestHookRollback(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "cavra")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	h := newHookBin(t, bin)
	if d, _ := h.hook("npm test"); d != "" {
		t.Fatalf("npm test: %q", d)
	}
	saved, err := os.ReadFile(h.db())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"go build ./...", "rm -rf ~", "git status"} {
		h.hook(c)
	}
	h.checkpoint()
	code, out, errs := h.run("", "evidence", "verify")
	if code != 0 || !strings.Contains(out, "extends its witness "+h.witness()) {
		t.Fatalf("verify before the rollback: %d %q %s", code, out, errs)
	}
	if err := os.WriteFile(h.db(), saved, 0o600); err != nil {
		t.Fatal(err)
	}
	h.wantRolledBack("old copy put back")
	// Still blocked on the next call: nothing wrote around the witness.
	if d, _ := h.hook("git status"); d != "deny" {
		t.Errorf("second call after the rollback: %q", d)
	}

	// A person resets it; the log goes on, with the reset in it.
	if code, _, errs := h.run("", "evidence", "witness", "reset"); code != exitUsage || !strings.Contains(errs, "--reason") {
		t.Errorf("reset without --reason: %d %s", code, errs)
	}
	code, out, errs = h.run("", "evidence", "witness", "reset", "--by", "ana", "--reason", "restored a copy on purpose")
	if code != 0 || !strings.Contains(out, "reset the witness "+h.witness()) || !strings.Contains(out, "rolled back") {
		t.Fatalf("reset: %d %q %s", code, out, errs)
	}
	if d, reason := h.hook("npm test"); d != "" {
		t.Errorf("after the reset: %q %s", d, reason)
	}
	if code, out, errs := h.run("", "evidence", "verify"); code != 0 {
		t.Errorf("verify after the reset: %d %s %s", code, out, errs)
	}
	code, out, _ = h.run("", "evidence", "list", "--kind", "witness_reset", "--json")
	var recs []json.RawMessage
	if code != 0 || json.Unmarshal([]byte(out), &recs) != nil || len(recs) != 1 || !strings.Contains(out, `"by":"ana"`) || !strings.Contains(out, `"previous"`) {
		t.Errorf("witness_reset records: %d %s", code, out)
	}
}

// TestHookReplacedDatabase: a deleted, emptied or foreign database, or a
// forged witness, blocks the next decision and fails verify.
func TestHookReplacedDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "cavra")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	other := newHookBin(t, bin)
	other.hook("npm test")
	for _, tc := range []struct {
		name   string
		change func(h *hookBin)
	}{
		{"deleted database", func(h *hookBin) { os.Remove(h.db()) }},
		{"emptied database", func(h *hookBin) { os.WriteFile(h.db(), nil, 0o600) }},
		{"database from another directory", func(h *hookBin) {
			data, _ := os.ReadFile(other.db())
			os.WriteFile(h.db(), data, 0o600)
		}},
		{"forged witness", func(h *hookBin) {
			data, _ := os.ReadFile(h.witness())
			os.WriteFile(h.witness(), bytes.Replace(data, []byte(`"size":`), []byte(`"size":1`), 1), 0o600)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHookBin(t, bin)
			h.hook("npm test") // the first hook of a log signs its checkpoint
			tc.change(h)
			h.wantRolledBack(tc.name)
		})
	}
}
