package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
	"github.com/cavra-dev/cavra/approval"
)

// The test binary doubles as two helper programs, chosen by environment:
// CAVRA_TEST_OWNER=<home> is a Go agent that holds a Guard (and so the
// state directory) and waits for a person's approval; CAVRA_TEST_APPROVE=
// <home>:<id> approves over the control socket, as a process that may be
// inside an agent would.
func helperMain() (int, bool) {
	if home := os.Getenv("CAVRA_TEST_OWNER"); home != "" {
		return ownerHelper(home), true
	}
	if os.Getenv("CAVRA_TEST_CLI") != "" {
		// The test binary as the cavra command: `cavra serve` in its own
		// process.
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr), true
	}
	if v := os.Getenv("CAVRA_TEST_APPROVE"); v != "" {
		home, id, _ := strings.Cut(v, "|")
		return approveHelper(home, id), true
	}
	return 0, false
}

// ownerHelper is a Go agent: it holds a Guard with the control socket,
// asks for an action that needs approval, prints the approval id, and on
// "retry" asks again and prints the rule that decided.
func ownerHelper(home string) int {
	ctx := context.Background()
	control := httpapi.ControlHandler
	if os.Getenv("CAVRA_TEST_OWNER_NO_AGENT_CHECK") != "" {
		// Whatever runs the test suite (it may be a coding agent), the
		// person in this test is not one.
		control = func(g *cavra.Guard) http.Handler {
			return httpapi.New(g, &httpapi.Options{AgentCheck: func(cavra.Peer) (approval.AgentOrigin, bool) { return approval.AgentOrigin{}, false }})
		}
	}
	g, err := cavra.Open(ctx, cavra.Options{Home: home, Packs: []string{"cavra-banking-baseline"}, Control: control})
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	defer g.Close()
	a := cavra.Action{Type: cavra.WriteFile, Target: "iam/admin-role.tf", Agent: cavra.Agent{ID: "claude-code", Session: "owner-1"}}
	d, err := g.Evaluate(ctx, a)
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	fmt.Println("APPROVAL", d.ApprovalID)
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "retry" {
			d, err := g.Evaluate(ctx, a)
			fmt.Println("DECISION", d.Decision, d.RuleID, err)
		}
	}
	return 0
}

// approveHelper approves id over home's control socket with a local
// signature, printing the outcome.
func approveHelper(home, id string) int {
	ctx := context.Background()
	o, err := httpapi.Dial(ctx, home)
	if err != nil {
		fmt.Println("ERROR", err)
		return 1
	}
	if os.Getenv("CAVRA_TEST_BREAK_GLASS") != "" {
		err = breakGlassHelper(ctx, o, home, id)
	} else {
		var sig approval.Credential
		if sig, err = cavra.SignLocalApprovalAt(home, approval.VerbApprove, id, "mallory"); err != nil {
			fmt.Println("ERROR", err)
			return 1
		}
		_, err = o.Approve(ctx, id, sig, "the agent approves itself")
	}
	var p *httpapi.Problem
	if errors.As(err, &p) {
		fmt.Println("STATUS", p.Status, p.Detail)
		return 0
	}
	fmt.Println("STATUS 200", err)
	return 0
}

// breakGlassHelper breaks glass on request id over the control socket
// with a local signature bound to its action, as cavra approval
// break-glass does.
func breakGlassHelper(ctx context.Context, o *httpapi.Client, home, id string) error {
	r, err := o.Approval(ctx, id)
	if err != nil {
		return err
	}
	subject, err := httpapi.BreakGlassSubject(approval.BreakGlassRequest{Action: r.Action})
	if err != nil {
		return err
	}
	sig, err := cavra.SignLocalApprovalAt(home, approval.VerbBreakGlass, subject, "mallory")
	if err != nil {
		return err
	}
	_, err = o.BreakGlass(ctx, httpapi.BreakGlassRequest{ApprovalID: id, Reason: "the agent breaks glass for itself"}, sig)
	return err
}

type ownerProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Scanner
}

func startOwner(t *testing.T, home string, env ...string) (*ownerProc, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "CAVRA_TEST_OWNER="+home), env...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &ownerProc{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	t.Cleanup(func() { p.stop(t) })
	line := p.line(t)
	id, ok := strings.CutPrefix(line, "APPROVAL ")
	if !ok || !strings.HasPrefix(id, "apr_") {
		t.Fatalf("owner: %q", line)
	}
	return p, id
}

func (p *ownerProc) line(t *testing.T) string {
	t.Helper()
	if !p.out.Scan() {
		t.Fatalf("owner exited: %v", p.out.Err())
	}
	return p.out.Text()
}

func (p *ownerProc) stop(t *testing.T) {
	if p.stdin == nil {
		return
	}
	p.stdin.Close()
	p.stdin = nil
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("owner: %v", err)
		}
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Error("owner did not exit")
	}
}

// TestOwnerServesCLI: while a Go program holds a Guard on the state
// directory, `cavra approval list`, `approve`, `evidence verify`,
// `evidence list` and the hook work from another process through its
// control socket, and the agent's retry passes.
func TestOwnerServesCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a helper process")
	}
	home := t.TempDir()
	enrollApprover(t, home)
	p, id := startOwner(t, home, "CAVRA_TEST_OWNER_NO_AGENT_CHECK=1")
	h := "--home=" + home

	if _, err := cavra.OpenState(home, 100*time.Millisecond); !errors.Is(err, cavra.ErrStateInUse) {
		t.Fatalf("the owner does not hold the directory: %v", err)
	}
	if code, out, errs := cli(t, "approval", "list", h); code != 0 || !strings.Contains(out, id) {
		t.Fatalf("approval list: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "approval", "show", id, h); code != 0 || !strings.Contains(out, "pending") {
		t.Fatalf("approval show: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "approval", "approve", id, "--local", "--actor", "alice", "--reason", "reviewed", h); code != 0 || !strings.Contains(out, "approved") {
		t.Fatalf("approval approve: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "evidence", "verify", h); code != 0 || !strings.HasPrefix(out, "verified: log") {
		t.Fatalf("evidence verify: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "evidence", "list", "--json", h); code != 0 || !strings.Contains(out, "approval.granted") {
		t.Fatalf("evidence list: exit %d\n%s\n%s", code, out, errs)
	}
	// Registry writes and reads go through the owner too; its record names
	// the command's --by beside the peer the kernel saw.
	if code, out, errs := cli(t, "registry", "agent-register", "py-1", "--by", "alice", h); code != 0 {
		t.Fatalf("registry agent-register: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "registry", "agent-disable", "py-1", "--reason", "kill switch", "--by", "alice", h); code != 0 {
		t.Fatalf("registry agent-disable: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "registry", "agent-list", h); code != 0 || !strings.Contains(out, "py-1") || !strings.Contains(out, "disabled") {
		t.Fatalf("registry agent-list: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "evidence", "list", "--kind", "registry_change", "--json", h); code != 0 || !strings.Contains(out, `alice (uid:`) {
		t.Fatalf("registry change records: exit %d\n%s\n%s", code, out, errs)
	}
	// A hook of the same directory is decided by the owner.
	payload := `{"session_id":"hook-1","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"/tmp/.env"},"tool_use_id":"toolu_1"}`
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"hook", "claude-code", h}, strings.NewReader(payload), &out, &errb); code != 0 || !strings.Contains(out.String(), `"deny"`) {
		t.Fatalf("hook: exit %d\n%s\n%s", code, out.String(), errb.String())
	}

	fmt.Fprintln(p.stdin, "retry")
	if line := p.line(t); !strings.HasPrefix(line, "DECISION allow approval.granted") {
		t.Fatalf("the agent's retry: %q", line)
	}
	p.stop(t)
	if _, err := os.Lstat(cavra.ControlSocketPath(home)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the control socket outlived its owner: %v", err)
	}
	// Without the owner the same commands open the directory themselves,
	// and see what was decided through it.
	if code, out, errs := cli(t, "approval", "show", id, "--json", h); code != 0 || !strings.Contains(out, `"state": "approved"`) {
		t.Fatalf("approval show after: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "evidence", "list", "--json", h); code != 0 || !strings.Contains(out, `"hook-1"`) {
		t.Fatalf("the hook's decision is not in the evidence: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestOwnerRefusesAgentApproval: a process inside a coding agent cannot
// approve over the control socket what it cannot approve locally; the
// owner examines the peer process and records the refusal.
func TestOwnerRefusesAgentApproval(t *testing.T) {
	if testing.Short() {
		t.Skip("starts helper processes")
	}
	home := t.TempDir()
	p, id := startOwner(t, home)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CAVRA_TEST_APPROVE="+home+"|"+id, "CLAUDECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "STATUS 403") || !strings.Contains(string(out), "coding agent") {
		t.Fatalf("an agent's approval over the socket: %v\n%s", err, out)
	}
	fmt.Fprintln(p.stdin, "retry")
	if line := p.line(t); !strings.HasPrefix(line, "DECISION require_approval") {
		t.Fatalf("the refused approval let the action through: %q", line)
	}
	p.stop(t)
	rej := rejections(t, home)
	if len(rej) != 1 || !strings.Contains(rej[0], "coding agent") {
		t.Fatalf("the refusal is not recorded: %q", rej)
	}
}

// TestServeOwnsStateDir: while `cavra serve` runs in its own process, an
// agent asks over HTTP, `cavra approval list`, `approve` and `evidence
// verify` work from this process through the control socket, and the
// agent's retry passes; SIGTERM drains and releases the directory.
func TestServeOwnsStateDir(t *testing.T) {
	if testing.Short() {
		t.Skip("starts cavra serve")
	}
	if o, inside := approval.DetectAgent(os.Getenv, "/proc", os.Getpid()); inside {
		// cavra serve examines this process as the approver's: from inside
		// an agent it refuses, as it should.
		t.Skipf("the test runs inside a coding agent (%s)", o.Evidence)
	}
	home := t.TempDir()
	enrollApprover(t, home)
	if err := os.WriteFile(home+"/config.yaml", []byte("packs: [cavra-banking-baseline]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "serve", "--home", home, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "CAVRA_TEST_CLI=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var agent *httpapi.Client
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var err error
		if agent, err = httpapi.Dial(context.Background(), home); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cavra serve did not start: %v\n%s", err, stderr.String())
		}
	}
	defer agent.Close()
	a := cavra.Action{Type: cavra.WriteFile, Target: "iam/admin-role.tf", Agent: cavra.Agent{ID: "py-agent", Session: "serve-1"}}
	d, err := agent.Evaluate(context.Background(), a)
	if err != nil || d.ApprovalID == "" {
		t.Fatalf("evaluate: %v %+v", err, d)
	}
	h := "--home=" + home
	if code, out, errs := cli(t, "approval", "list", h); code != 0 || !strings.Contains(out, d.ApprovalID) {
		t.Fatalf("approval list: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "approval", "approve", d.ApprovalID, "--local", "--actor", "alice", "--reason", "reviewed", h); code != 0 {
		t.Fatalf("approval approve: exit %d\n%s\n%s", code, out, errs)
	}
	if code, out, errs := cli(t, "evidence", "verify", h); code != 0 || !strings.HasPrefix(out, "verified: log") {
		t.Fatalf("evidence verify: exit %d\n%s\n%s", code, out, errs)
	}
	if d, err := agent.Evaluate(context.Background(), a); err != nil || d.RuleID != "approval.granted" {
		t.Fatalf("the agent's retry: %v %s %s", err, d.Decision, d.RuleID)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("cavra serve: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "serving "+home) {
		t.Fatalf("stderr: %s", stderr.String())
	}
	if code, out, errs := cli(t, "evidence", "verify", h); code != 0 {
		t.Fatalf("evidence verify after serve: exit %d\n%s\n%s", code, out, errs)
	}
}
