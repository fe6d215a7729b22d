package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestApprovalCLILocalLoop(t *testing.T) {
	home := t.TempDir()
	enrollApprover(t, home)
	h := "--home=" + home
	eval := func() (int, map[string]any) {
		code, out, errs := cli(t, "evaluate", "write_file", "iam/admin-role.tf", "--policy-pack", "cavra-banking-baseline", "--json", "--agent", "claude-code", h)
		var d map[string]any
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("evaluate: %v\n%s\n%s", err, out, errs)
		}
		return code, d
	}
	code, d := eval()
	id, _ := d["approval_id"].(string)
	if code != exitRequireApproval || !strings.HasPrefix(id, "apr_") {
		t.Fatalf("first: exit %d %v", code, d)
	}
	if code, out, _ := cli(t, "approval", "list", h); code != 0 || !strings.Contains(out, id) {
		t.Fatalf("list: %s", out)
	}
	if code, _, _ := cli(t, "approval", "approve", id, "--local", "--actor", "alice", h); code != exitUsage {
		t.Fatalf("approve without --reason: exit %d", code)
	}
	if code, _, _ := cli(t, "approval", "approve", id, "--reason", "ok", h); code != exitUsage {
		t.Fatalf("approve without a credential: exit %d", code)
	}
	if code, out, errs := cli(t, "approval", "approve", id, "--local", "--actor", "alice", "--reason", "reviewed", h); code != 0 {
		t.Fatalf("approve --local: %s %s", out, errs)
	}
	code, d = eval()
	if code != exitAllow || d["rule_id"] != "approval.granted" {
		t.Fatalf("after approval: exit %d %v", code, d["rule_id"])
	}
	if code, _ = eval(); code != exitRequireApproval {
		t.Fatalf("the single use was not spent: exit %d", code)
	}
	if code, out, _ := cli(t, "approval", "show", id, h); code != 0 || !strings.Contains(out, `"state": "approved"`) {
		t.Fatalf("show: %s", out)
	}
	if code, out, _ := cli(t, "approval", "routes", h); code != 0 || !strings.Contains(out, "IAM") {
		t.Fatalf("routes: %s", out)
	}
}

func TestEvidenceShowApprovalTrail(t *testing.T) {
	home := t.TempDir()
	enrollApprover(t, home)
	h := "--home=" + home
	_, out, _ := cli(t, "evaluate", "write_file", "iam/admin-role.tf", "--policy-pack", "cavra-banking-baseline", "--json", "--agent", "claude-code", h)
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	id, dec := d["approval_id"].(string), d["decision_id"].(string)
	if code, _, errs := cli(t, "approval", "approve", id, "--local", "--actor", "alice", "--reason", "checked", h); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := cli(t, "evidence", "show", dec, h)
	if code != 0 || !strings.Contains(out, "approval trail ("+id+")") || !strings.Contains(out, "approval.requested") || !strings.Contains(out, "approval.granted") {
		t.Fatalf("evidence show: exit %d\n%s\n%s", code, out, errs)
	}
}

// TestReadCommandsCreateNothing: the read-only approval, registry, evidence
// and key commands — and the changes that need something to change — on a
// state directory that does not exist say so and create no directory,
// database or key.
func TestReadCommandsCreateNothing(t *testing.T) {
	home := filepath.Join(t.TempDir(), "none")
	h := "--home=" + home
	for _, tc := range []struct {
		args []string
		code int
		says string // in stdout or stderr
	}{
		{[]string{"approval", "list"}, 0, "no approval requests yet"},
		{[]string{"approval", "list", "-o", "json"}, 0, "[]"},
		{[]string{"approval", "show", "apr_0123456789abcdef"}, exitFailure, "no state database"},
		{[]string{"approval", "routes"}, 0, "IAM"},
		{[]string{"registry", "agent-list"}, 0, "nothing registered yet"},
		{[]string{"registry", "agent-list", "-o", "json"}, 0, "[]"},
		{[]string{"registry", "mcp-list"}, 0, "nothing registered yet"},
		{[]string{"registry", "mcp-check", "github", "create_issue"}, exitBlock, "mcp.registry.unknown"},
		{[]string{"registry", "export"}, 0, "nothing registered yet"},
		{[]string{"evidence", "list"}, exitFailure, "no evidence log"},
		{[]string{"evidence", "verify"}, exitFailure, "no evidence log"},
		{[]string{"evidence", "export"}, exitFailure, "no evidence log"},
		{[]string{"evidence", "prune", "--legal-hold", "on"}, exitFailure, "no evidence log"},
		{[]string{"approval", "approve", "apr_0123456789abcdef", "--local", "--reason", "ok"}, exitFailure, "no approval requests yet"},
		{[]string{"keys", "rotate"}, exitFailure, "no evidence log"},
		{[]string{"keys", "list"}, exitFailure, "no evidence keys yet"},
		{[]string{"keys", "export-trust-root"}, exitFailure, "no evidence keys yet"},
	} {
		code, out, errs := cli(t, append(tc.args, h)...)
		if code != tc.code || !strings.Contains(out+errs, tc.says) {
			t.Errorf("%v: exit %d (want %d)\n%s%s(want %q)", tc.args, code, tc.code, out, errs, tc.says)
		}
		if _, err := os.Stat(home); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%v created the state directory", tc.args)
		}
	}
}

// TestReadCommandsWriteNothing: on an existing state directory the read
// commands add no record (approval list does not sweep; registry reads do
// not open a Guard).
func TestReadCommandsWriteNothing(t *testing.T) {
	h := "--home=" + t.TempDir()
	if code, _, errs := cli(t, "evaluate", "write_file", "iam/admin-role.tf", "--policy-pack", "cavra-banking-baseline", "--agent", "claude-code", h); code != exitRequireApproval {
		t.Fatalf("evaluate: %d %s", code, errs)
	}
	size := func() string {
		_, out, _ := cli(t, "evidence", "verify", "-o", "json", h)
		var rep struct{ Size int64 }
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("verify: %v %s", err, out)
		}
		return strconv.FormatInt(rep.Size, 10)
	}
	before := size()
	for _, a := range [][]string{{"approval", "list"}, {"approval", "routes"}, {"registry", "agent-list"}, {"registry", "mcp-list"},
		{"registry", "export"}, {"evidence", "list"}, {"keys", "list"}} {
		if code, _, errs := cli(t, append(a, h)...); code != 0 {
			t.Fatalf("%v: %d %s", a, code, errs)
		}
	}
	if after := size(); after != before {
		t.Fatalf("read commands wrote records: %s -> %s", before, after)
	}
}
