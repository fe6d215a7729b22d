//go:build unix

package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
)

// TestPersonApprovesThroughPTY: the built binary, as a person and as an
// agent would run it. Enrolling and approving through a pseudo-terminal
// works; the same approval from a pipe, with CLAUDECODE=1, under a parent
// process named claude, or with a wrong passphrase is refused, and each
// refusal is an approval.rejected record in evidence.
func TestPersonApprovesThroughPTY(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if o, ok := approval.DetectAgent(nil, "/proc", os.Getpid()); ok {
		t.Skipf("the test itself runs inside an agent (%s), so the binary refuses every approval", o.Evidence)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cavra")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := t.TempDir()
	// The children's environment has no agent's marker.
	var env []string
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); !strings.HasPrefix(name, "CLAUDE") && !strings.HasPrefix(name, "CODEX_") &&
			name != "GEMINI_CLI" && name != "CURSOR_AGENT" {
			env = append(env, kv)
		}
	}

	if out, code := runPTY(t, bin, env, []string{"New approver passphrase", testPassphrase, "Repeat it", testPassphrase}, "approval", "enroll", "--home", home); code != 0 {
		t.Fatalf("enroll: exit %d\n%s", code, out)
	}
	fi, err := os.Stat(cavra.PassphrasePath(home))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("passphrase file: %v %v", fi, err)
	}
	if b, _ := os.ReadFile(cavra.PassphrasePath(home)); bytes.Contains(b, []byte(testPassphrase)) || !bytes.Contains(b, []byte("argon2id")) {
		t.Fatalf("the passphrase file keeps more than a hash:\n%s", b)
	}

	id := pendingApproval(t, home)
	approve := []string{"approval", "approve", id, "--local", "--actor", "alice", "--reason", "reviewed", "--home", home}

	// From a pipe, without a controlling terminal: the passphrase on stdin
	// is never read.
	pipe := exec.Command(bin, approve...)
	pipe.Env, pipe.Stdin = env, strings.NewReader(testPassphrase+"\n")
	pipe.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if out, err := pipe.CombinedOutput(); exitCode(err) != exitFailure || !strings.Contains(string(out), "terminal") {
		t.Fatalf("approve from a pipe: %v\n%s", err, out)
	}
	// With Claude Code's marker, on a terminal with the right passphrase.
	if out, code := runPTY(t, bin, append(env, "CLAUDECODE=1"), nil, approve...); code != exitFailure || !strings.Contains(out, "agent") {
		t.Fatalf("approve with CLAUDECODE=1: exit %d\n%s", code, out)
	}
	// Under a parent process named claude (a shell script: its process
	// name is the script's).
	claude := filepath.Join(dir, "claude")
	if err := os.WriteFile(claude, []byte("#!/bin/sh\n\"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, code := runPTYCmd(t, exec.Command(claude, append([]string{bin}, approve...)...), env, nil); code != exitFailure || !strings.Contains(out, "ancestor process") {
		t.Fatalf("approve under claude: exit %d\n%s", code, out)
	}
	// A wrong passphrase.
	if out, code := runPTY(t, bin, env, []string{"Approver passphrase", "not the passphrase"}, approve...); code != exitFailure || !strings.Contains(out, "does not match") {
		t.Fatalf("approve with a wrong passphrase: exit %d\n%s", code, out)
	}
	if code, out, _ := cli(t, "approval", "show", id, "--home", home, "-o", "json"); code != 0 || !strings.Contains(out, `"state": "pending"`) {
		t.Fatalf("a refused attempt changed the request:\n%s", out)
	}
	// The person.
	if out, code := runPTY(t, bin, env, []string{"Approver passphrase", testPassphrase}, approve...); code != 0 || !strings.Contains(out, "approved (1/1 approvals)") ||
		strings.Contains(out, testPassphrase) {
		t.Fatalf("approve on the terminal (the passphrase must not echo): exit %d\n%s", code, out)
	}
	code, out, _ := cli(t, "evaluate", "write_file", "iam/admin-role.tf", "--policy-pack", "cavra-banking-baseline", "--json", "--agent", "claude-code", "--home", home)
	if code != exitAllow || !strings.Contains(out, "approval.granted") {
		t.Fatalf("after approval: exit %d %s", code, out)
	}

	r := rejections(t, home)
	want := []string{"read only from a terminal", "CLAUDECODE=1", "ancestor process", "passphrase does not match"}
	if len(r) != len(want) {
		t.Fatalf("rejections: %q", r)
	}
	for i, w := range want {
		if !strings.Contains(r[i], w) || !strings.Contains(r[i], "approve refused") {
			t.Errorf("rejection %d: %q, want %q", i, r[i], w)
		}
	}

	// Break-glass from inside an agent: refused and recorded too.
	if out, code := runPTY(t, bin, append(env, "GEMINI_CLI=1"), nil, "approval", "break-glass", "--agent", "claude-code", "--scope", "agent",
		"--reason", "incident", "--local", "--actor", "alice", "--home", home); code != exitFailure || !strings.Contains(out, "gemini-cli") {
		t.Fatalf("break-glass with GEMINI_CLI=1: exit %d\n%s", code, out)
	}
	if r := rejections(t, home); len(r) != len(want)+1 || !strings.Contains(r[len(want)], "break_glass refused") {
		t.Fatalf("rejections after break-glass: %q", r)
	}

	// Changing the passphrase asks for the current one.
	if out, code := runPTY(t, bin, env, []string{"Current approver passphrase", "wrong wrong wrong"}, "approval", "enroll", "--home", home); code != exitFailure || !strings.Contains(out, "does not match") {
		t.Fatalf("re-enroll with a wrong current passphrase: exit %d\n%s", code, out)
	}
}

func runPTY(t *testing.T, bin string, env, dialog []string, args ...string) (string, int) {
	return runPTYCmd(t, exec.Command(bin, args...), env, dialog)
}

// runPTYCmd runs cmd on a new pseudo-terminal, its controlling terminal,
// and answers the dialog: pairs of a prompt to wait for and the line to
// type. It returns what the terminal showed and the exit code.
func runPTYCmd(t *testing.T, cmd *exec.Cmd, env, dialog []string) (string, int) {
	t.Helper()
	cmd.Env = env
	f, err := pty.Start(cmd)
	if err != nil {
		t.Fatalf("pty: %v", err)
	}
	defer f.Close()
	var mu sync.Mutex
	var buf bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		b := make([]byte, 4096)
		for {
			n, err := f.Read(b)
			mu.Lock()
			buf.Write(b[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	shown := func() string { mu.Lock(); defer mu.Unlock(); return buf.String() }
	from := 0
	for i := 0; i+1 < len(dialog); i += 2 {
		deadline := time.Now().Add(30 * time.Second)
		for {
			s := shown()
			if j := strings.Index(s[from:], dialog[i]); j >= 0 {
				from += j + len(dialog[i])
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("no prompt %q; the terminal shows:\n%s", dialog[i], s)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := io.WriteString(f, dialog[i+1]+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	err = cmd.Wait()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return shown(), exitCode(err)
}
