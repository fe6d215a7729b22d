package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvidenceWalk is the README's walk: evaluate, list, bundle, export the
// trust root, verify offline; then the failure cases.
func TestEvidenceWalk(t *testing.T) {
	home := t.TempDir()
	h := "--home=" + home
	dir := t.TempDir()
	for _, a := range [][]string{
		{"evaluate", "read_file", ".env", "--session", "s-42", h},
		{"evaluate", "execute_command", "terraform plan", "--session", "s-42", h},
		{"evaluate", "read_file", "README.md", "--session", "s-7", h},
	} {
		if code, _, errs := cli(t, a...); code == exitFailure || code == exitUsage {
			t.Fatalf("%v: %d %s", a, code, errs)
		}
	}
	code, out, errs := cli(t, "evidence", "list", "--session", "s-42", h)
	if code != 0 || strings.Count(out, "s-42") != 2 || !strings.Contains(out, "filesystem.read.block") {
		t.Fatalf("list: %d %q %s", code, out, errs)
	}
	for _, flag := range []string{"--outcome", "--decision"} {
		code, out, _ = cli(t, "evidence", "list", flag, "block", "--json", h)
		var recs []map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &recs) != nil || len(recs) != 1 {
			t.Fatalf("list %s block --json: %d %q", flag, code, out)
		}
	}
	bundle := filepath.Join(dir, "b.json")
	jwks := filepath.Join(dir, "keys.jwks")
	if code, _, errs := cli(t, "evidence", "bundle", "--session", "s-42", "--out", bundle, h); code != 0 {
		t.Fatalf("bundle: %s", errs)
	}
	if code, _, errs := cli(t, "keys", "export-trust-root", "--out", jwks, h); code != 0 {
		t.Fatalf("export-trust-root: %s", errs)
	}
	code, out, errs = cli(t, "evidence", "verify", bundle, "--trust-root", jwks)
	if code != 0 || !strings.Contains(out, "verified: 2 records") {
		t.Fatalf("verify bundle: %d %q %s", code, out, errs)
	}
	code, out, errs = cli(t, "evidence", "verify", h)
	if code != 0 || !strings.Contains(out, "verified: log") {
		t.Fatalf("verify log: %d %q %s", code, out, errs)
	}
	// A changed byte in the bundle is named, exit 1.
	data, _ := os.ReadFile(bundle)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(string(data), `"target":".env"`, `"target":".envx"`, 1)), 0o644)
	code, _, errs = cli(t, "evidence", "verify", bad, "--trust-root", jwks)
	if code != exitFailure || !strings.Contains(errs, "NOT VERIFIED") || !strings.Contains(errs, "record 1") {
		t.Fatalf("tampered bundle: %d %s", code, errs)
	}
	if code, _, errs := cli(t, "evidence", "verify", bundle); code != exitUsage || !strings.Contains(errs, "--trust-root") {
		t.Fatalf("verify without trust root: %d %s", code, errs)
	}
	// Show by seq, decision id and reference.
	code, out, _ = cli(t, "evidence", "show", "2", h)
	if code != 0 || !strings.Contains(out, `"decision_id"`) {
		t.Fatalf("show 2: %d %q", code, out)
	}
	var rec struct {
		Seq      int64  `json:"seq"`
		LogID    string `json:"log_id"`
		Decision struct {
			DecisionID string `json:"decision_id"`
		} `json:"decision"`
	}
	json.Unmarshal([]byte(out), &rec)
	for _, id := range []string{rec.Decision.DecisionID, "evidence://" + rec.LogID + "/2"} {
		if code, out2, errs := cli(t, "evidence", "show", id, h); code != 0 || out2 != out {
			t.Fatalf("show %s: %d %s", id, code, errs)
		}
	}
	// Export both formats.
	code, out, _ = cli(t, "evidence", "export", "--format", "ocsf", h)
	if code != 0 || strings.Count(out, "\n") != 4 || !strings.Contains(out, `"class_uid":6003`) || !strings.Contains(out, `"unmapped"`) {
		t.Fatalf("export ocsf: %d %q", code, out)
	}
	if code, _, errs := cli(t, "evidence", "export", "--format", "xml", h); code != exitUsage {
		t.Fatalf("export xml: %d %s", code, errs)
	}
	// Keys: rotate keeps the old key in the trust root.
	if code, _, errs := cli(t, "keys", "rotate", "--alg", "ES256", h); code != 0 {
		t.Fatalf("rotate: %s", errs)
	}
	code, out, _ = cli(t, "keys", "list", h)
	if code != 0 || !strings.Contains(out, "current") || !strings.Contains(out, "retired") {
		t.Fatalf("keys list: %q", out)
	}
	cli(t, "keys", "export-trust-root", "--out", jwks, h)
	if code, _, errs := cli(t, "evidence", "verify", bundle, "--trust-root", jwks); code != 0 {
		t.Fatalf("old bundle after rotation: %s", errs)
	}
	if code, _, _ := cli(t, "keys", "generate", h); code != exitFailure {
		t.Fatalf("generate over an existing key: %d", code)
	}
	// Retention: pruning and lifting the hold need the approver passphrase.
	if code, _, errs := cli(t, "evidence", "prune", "--before", "0s", h); code != exitFailure || !strings.Contains(errs, "approval enroll") {
		t.Fatalf("prune without an enrolled approver: %d %s", code, errs)
	}
	enrollApprover(t, strings.TrimPrefix(h, "--home="))
	if code, out, _ := cli(t, "evidence", "prune", "--legal-hold", "on", h); code != 0 || !strings.Contains(out, "legal hold on") {
		t.Fatalf("legal hold: %q", out)
	}
	if code, _, errs := cli(t, "evidence", "prune", "--before", "0s", h); code != exitFailure || !strings.Contains(errs, "legal hold") {
		t.Fatalf("prune under hold: %d %s", code, errs)
	}
	cli(t, "evidence", "prune", "--legal-hold", "off", h)
	if code, out, errs := cli(t, "evidence", "prune", "--before", "0s", h); code != 0 || !strings.Contains(out, "pruned") {
		t.Fatalf("prune: %d %q %s", code, out, errs)
	}
	if code, out, errs := cli(t, "evidence", "verify", h); code != 0 || !strings.Contains(out, "pruned") {
		t.Fatalf("verify after prune: %d %q %s", code, out, errs)
	}
	if code, out, errs := cli(t, "evidence", "compact", h); code != 0 || !strings.Contains(out, "compacted") {
		t.Fatalf("compact: %d %q %s", code, out, errs)
	}
	if code, _, errs := cli(t, "evidence", "verify", h); code != 0 {
		t.Fatalf("verify after compact: %s", errs)
	}
}

func TestEvidenceNoLog(t *testing.T) {
	home := filepath.Join(t.TempDir(), "none")
	for _, a := range [][]string{{"evidence", "list"}, {"evidence", "verify"}, {"evidence", "show", "1"}, {"evidence", "bundle"}} {
		code, _, errs := cli(t, append(a, "--home", home)...)
		if code != exitFailure || !strings.Contains(errs, "no evidence log") {
			t.Errorf("%v: %d %s", a, code, errs)
		}
	}
	if _, err := os.Stat(home); !os.IsNotExist(err) {
		t.Fatal("a read command created the state directory")
	}
	if code, _, errs := cli(t, "evidence", "list", "--since", "yesterday", "--home", home); code != exitUsage {
		t.Errorf("bad --since: %d %s", code, errs)
	}
}

// TestCLIChangesAreRecorded: registry changes, key rotation and retention
// made from the command line leave their evidence records (the Guard writes
// them), and the log still verifies.
func TestCLIChangesAreRecorded(t *testing.T) {
	home := t.TempDir()
	h := "--home=" + home
	reg := filepath.Join(home, "reg.json")
	os.WriteFile(reg, []byte(`{"agents":[{"agent_id":"imported"}]}`), 0o644)
	tools := filepath.Join(home, "tools.json")
	os.WriteFile(tools, []byte(`{"tools":[{"name":"read_file","description":"Read","inputSchema":{"type":"object"}}]}`), 0o644)
	enrollApprover(t, home) // lifting the legal hold is a person's
	for _, a := range [][]string{
		{"registry", "agent-register", "bot", "--profile", "claude-code", "--by", "ana"},
		{"registry", "agent-disable", "bot", "--reason", "leaked token", "--by", "ana"},
		{"registry", "agent-enable", "bot", "--by", "ana"},
		{"registry", "mcp-register", "fs", "--trust-tier", "trusted", "--by", "ana"},
		{"registry", "mcp-pin", "fs", "--tools", tools, "--by", "ana"},
		{"registry", "import", reg, "--by", "ana"},
		{"keys", "rotate", "--by", "ana"},
		{"evidence", "prune", "--legal-hold", "on", "--by", "ana", "--reason", "case 1"},
		{"evidence", "prune", "--legal-hold", "off", "--by", "ana"},
	} {
		if code, out, errs := cli(t, append(a, h)...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", a, code, out, errs)
		}
	}
	count := func(kind string) int {
		code, out, errs := cli(t, "evidence", "list", "--kind", kind, "-o", "json", h)
		var recs []struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal([]byte(out), &recs); code != 0 || err != nil {
			t.Fatalf("list %s: %d %v %s", kind, code, err, errs)
		}
		for _, r := range recs {
			if r.Data["by"] != "ana" {
				t.Errorf("%s record without who: %v", kind, r.Data)
			}
		}
		return len(recs)
	}
	if n := count("registry_change"); n != 6 {
		t.Errorf("%d registry_change records, want 6", n)
	}
	if n := count("key_change"); n != 1 {
		t.Errorf("%d key_change records, want 1", n)
	}
	if n := count("retention"); n != 2 {
		t.Errorf("%d retention records, want 2", n)
	}
	if code, out, errs := cli(t, "evidence", "verify", h); code != 0 {
		t.Fatalf("verify: %s %s", out, errs)
	}
}
