package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestApprovalCLILocalLoop(t *testing.T) {
	h := "--home=" + t.TempDir()
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
	h := "--home=" + t.TempDir()
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
