package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
)

// testPassphrase is what the in-process tests' terminal types.
const testPassphrase = "correct horse battery"

// In-process tests type testPassphrase on a fake terminal and run outside
// any agent, whatever runs the test binary; the built binary has neither
// switch, and TestPersonApprovesThroughPTY drives it through a real
// pseudo-terminal.
func init() {
	openTerminal = func() (terminal, error) { return fakeTerminal{}, nil }
	insideAgent = func() (approval.AgentOrigin, bool) { return approval.AgentOrigin{}, false }
}

type fakeTerminal struct{}

func (fakeTerminal) ReadPassphrase(string) ([]byte, error) { return []byte(testPassphrase), nil }
func (fakeTerminal) Close() error                          { return nil }

// enrollApprover enrolls testPassphrase in home, with the cheapest
// parameters accepted, as `cavra approval enroll` would.
func enrollApprover(t testing.TB, home string) {
	t.Helper()
	h, err := approval.HashPassphrase([]byte(testPassphrase), approval.MinKDFParams)
	if err != nil {
		t.Fatal(err)
	}
	if err := approval.WritePassphrase(cavra.PassphrasePath(home), h); err != nil {
		t.Fatal(err)
	}
}

// rejections returns the approval.rejected records of home's evidence log.
func rejections(t *testing.T, home string) []string {
	t.Helper()
	code, out, errs := cli(t, "evidence", "export", "--home", home)
	if code != 0 {
		t.Fatalf("evidence export: %s", errs)
	}
	var got []string
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, `"approval.rejected"`) {
			var rec struct {
				Data struct {
					Error string `json:"error"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%v: %s", err, line)
			}
			got = append(got, rec.Data.Error)
		}
	}
	return got
}

func pendingApproval(t *testing.T, home string) string {
	t.Helper()
	_, out, _ := cli(t, "evaluate", "write_file", "iam/admin-role.tf", "--policy-pack", "cavra-banking-baseline", "--json", "--agent", "claude-code", "--home", home)
	var d struct {
		ApprovalID string `json:"approval_id"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || !strings.HasPrefix(d.ApprovalID, "apr_") {
		t.Fatalf("evaluate: %v %s", err, out)
	}
	return d.ApprovalID
}

// Without an enrolled passphrase a local approval is refused, says how to
// enroll, and is recorded; an OIDC token is not affected by enrollment.
func TestApprovalLocalNeedsEnrollment(t *testing.T) {
	home := t.TempDir()
	id := pendingApproval(t, home)
	code, out, errs := cli(t, "approval", "approve", id, "--local", "--actor", "alice", "--reason", "ok", "--home", home)
	if code != exitFailure || !strings.Contains(out+errs, "cavra approval enroll") {
		t.Fatalf("approve --local without enrollment: exit %d %s %s", code, out, errs)
	}
	if r := rejections(t, home); len(r) != 1 || !strings.Contains(r[0], "no approver passphrase is enrolled") || !strings.Contains(r[0], `"alice"`) {
		t.Fatalf("rejections: %q", r)
	}
	if _, err := os.Stat(cavra.PassphrasePath(home)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused approval enrolled something: %v", err)
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
