package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvaluateDryRun: --dry-run decides as evaluate would, creates no
// state directory, records nothing and requests no approval; after a real
// evaluate it names the pending request.
func TestEvaluateDryRun(t *testing.T) {
	home := filepath.Join(t.TempDir(), "state")
	code, out, errOut := cli(t, "evaluate", "--dry-run", "--home", home, "execute_command", "terraform apply")
	if code != exitRequireApproval || !strings.Contains(out, "require_approval") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(home); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a dry run created the state directory (%v)", err)
	}
	if code, out, _ = cli(t, "evaluate", "--dry-run", "--home", home, "read_file", ".env"); code != exitBlock {
		t.Fatalf("dry run of .env: exit %d\n%s", code, out)
	}

	code, out, _ = cli(t, "evaluate", "--home", home, "-o", "json", "--session", "s", "execute_command", "terraform apply")
	var d struct {
		ApprovalID string `json:"approval_id"`
	}
	if code != exitRequireApproval || json.Unmarshal([]byte(out), &d) != nil || d.ApprovalID == "" {
		t.Fatalf("evaluate: exit %d\n%s", code, out)
	}
	records := func() int {
		_, out, _ := cli(t, "evidence", "list", "--home", home, "-o", "json")
		var recs []json.RawMessage
		if err := json.Unmarshal([]byte(out), &recs); err != nil {
			t.Fatalf("evidence list: %v\n%s", err, out)
		}
		return len(recs)
	}
	before := records()
	code, out, _ = cli(t, "evaluate", "--dry-run", "--home", home, "-o", "json", "--session", "s", "execute_command", "terraform apply")
	var c struct {
		ApprovalID string `json:"approval_id"`
		Decision   string `json:"decision"`
	}
	if code != exitRequireApproval || json.Unmarshal([]byte(out), &c) != nil || c.ApprovalID != d.ApprovalID {
		t.Fatalf("dry run after evaluate: exit %d, approval %q want %q\n%s", code, c.ApprovalID, d.ApprovalID, out)
	}
	if n := records(); n != before {
		t.Fatalf("the dry run recorded %d records", n-before)
	}
}
