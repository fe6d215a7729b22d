package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputJSONShapes runs the approval, evidence, keys and registry
// commands with -o json on one state directory and checks that each prints
// one JSON value with the fields docs/cli.md promises.
func TestOutputJSONShapes(t *testing.T) {
	home := t.TempDir()
	enrollApprover(t, home)
	h := "--home=" + home
	if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte("approval:\n  break_glass:\n    allow_local: true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// run runs a command that must exit with code and returns its stdout
	// decoded; --home is added for every command but mcp-classifications.
	run := func(code int, args ...string) any {
		t.Helper()
		if args[1] != "mcp-classifications" {
			args = append(args, h)
		}
		got, out, errs := cli(t, args...)
		var v any
		if got != code {
			t.Fatalf("%s: exit %d, want %d\n%s%s", strings.Join(args, " "), got, code, out, errs)
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%s: not JSON: %v\n%s", strings.Join(args, " "), err, out)
		}
		return v
	}
	// has checks that v is an object with the keys, and that those given
	// as key=value have that (string) value.
	has := func(what string, v any, keys ...string) map[string]any {
		t.Helper()
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: want an object, got %T", what, v)
		}
		for _, k := range keys {
			k, want, eq := strings.Cut(k, "=")
			got, ok := m[k]
			if !ok {
				t.Errorf("%s: no %q in %v", what, k, m)
			} else if eq && got != want {
				t.Errorf("%s: %s = %v, want %q", what, k, got, want)
			}
		}
		return m
	}
	pending := func(target string) string {
		t.Helper()
		d := has("evaluate", run(exitRequireApproval, "evaluate", "write_file", target, "--policy-pack", "cavra-banking-baseline",
			"--agent", "claude-code", "-o", "json"), "approval_id", "decision_id")
		return d["approval_id"].(string)
	}

	// Approvals: show, routes, approve, deny, break-glass.
	first := pending("iam/admin-role.tf")
	has("approval show", run(0, "approval", "show", first, "-o", "json"), "approval_id="+first, "state=pending", "approver_group=IAM", "history")
	if routes := has("approval routes", run(0, "approval", "routes", "-o", "json"), "routes"); len(routes["routes"].([]any)) == 0 {
		t.Error("approval routes: no routes")
	}
	has("approval approve", run(0, "approval", "approve", first, "--local", "--actor", "alice", "--reason", "reviewed", "-o", "json"),
		"approval_id="+first, "state=approved", "approvals", "grant_id")
	second := pending("iam/other-role.tf")
	has("approval deny", run(0, "approval", "deny", second, "--local", "--actor", "alice", "--reason", "no", "--json"),
		"approval_id="+second, "state=denied")
	has("approval break-glass", run(0, "approval", "break-glass", "--agent", "claude-code", "--scope", "agent", "--reason", "incident 7",
		"--local", "--actor", "alice", "-o", "json"), "approval_id", "state=break_glass", "expires_at", "grant_id")

	// Evidence show: the record alone, the same bytes as the first part of
	// the text (which adds the approval trail).
	dec := has("approval show", run(0, "approval", "show", first), "decision_id")["decision_id"].(string)
	rec := has("evidence show", run(0, "evidence", "show", dec, "-o", "json"), "seq", "log_id", "kind=decision", "decision")
	if rec["decision"].(map[string]any)["decision_id"] != dec {
		t.Errorf("evidence show %s: record %v", dec, rec)
	}
	_, asText, _ := cli(t, "evidence", "show", dec, h)
	_, asJSON, _ := cli(t, "evidence", "show", dec, "-o", "json", h)
	if !strings.HasPrefix(asText, asJSON) || !strings.Contains(asText, "approval trail") {
		t.Errorf("evidence show: the text is not the JSON and the trail\ntext: %s\njson: %s", asText, asJSON)
	}

	// Registry changes print the record after the change.
	has("agent-register", run(0, "registry", "agent-register", "bot", "--profile", "claude-code", "-o", "json"),
		"agent_id=bot", "status=active", "profile=claude-code", "vendor=Anthropic")
	has("agent-disable", run(0, "registry", "agent-disable", "bot", "--reason", "leaked token", "-o", "json"),
		"agent_id=bot", "status=disabled", "status_reason=leaked token")
	has("agent-enable", run(0, "registry", "agent-enable", "bot", "-o", "json"), "agent_id=bot", "status=active")
	has("agent-retire", run(0, "registry", "agent-retire", "bot", "--reason", "replaced", "-o", "json"), "agent_id=bot", "status=retired")
	has("mcp-register", run(0, "registry", "mcp-register", "fs", "--trust-tier", "trusted", "--approval-state", "approved", "-o", "json"),
		"server_id=fs", "trust_tier=trusted", "approval_state=approved")
	tools := filepath.Join(t.TempDir(), "tools.json")
	os.WriteFile(tools, []byte(`{"tools": [{"name": "read_file", "inputSchema": {"type": "object"}}]}`), 0o644)
	pins := has("mcp-pin", run(0, "registry", "mcp-pin", "fs", "--tools", tools, "-o", "json"), "read_file")
	has("mcp-pin read_file", pins["read_file"], "hash", "pinned_at")
	check := has("mcp-check", run(0, "registry", "mcp-check", "fs", "read_file", "-o", "json"), "match", "server")
	has("mcp-check match", check["match"], "rule_id", "decision=allow")
	has("mcp-check blocked", run(exitBlock, "registry", "mcp-check", "nope", "x", "-o", "json"), "match", "server")
	if l, ok := run(0, "registry", "mcp-classifications", "-o", "json").([]any); !ok || len(l) == 0 {
		t.Errorf("mcp-classifications: %v", l)
	}
	has("mcp-classifications --capability", run(0, "registry", "mcp-classifications", "--capability", "shell", "-o", "json"),
		"capability=shell", "risk_tier=critical")
	doc := filepath.Join(t.TempDir(), "registry.json")
	if code, out, errs := cli(t, "registry", "export", "--out", doc, h); code != 0 {
		t.Fatalf("export: %s%s", out, errs)
	}
	imp := has("registry import", run(0, "registry", "import", doc, "-o", "json"), "source="+doc, "kind=import", "agents", "mcp_servers")
	if imp["agents"] != 1.0 || imp["mcp_servers"] != 1.0 {
		t.Errorf("registry import: %v", imp)
	}

	// Keys: generate on a new state directory, rotate here.
	code, out, errs := cli(t, "keys", "generate", "--alg", "ES256", "--home", t.TempDir(), "-o", "json")
	var gen map[string]any
	if err := json.Unmarshal([]byte(out), &gen); code != 0 || err != nil {
		t.Fatalf("keys generate: exit %d %v\n%s%s", code, err, out, errs)
	}
	has("keys generate", gen, "dir", "current")
	has("keys generate current", gen["current"], "kid", "alg=ES256")
	if _, ok := gen["retired"]; ok {
		t.Errorf("keys generate: a retired key: %v", gen)
	}
	rot := has("keys rotate", run(0, "keys", "rotate", "-o", "json"), "dir", "current", "retired")
	has("keys rotate current", rot["current"], "kid", "alg=EdDSA")
	has("keys rotate retired", rot["retired"], "kid")

	// Retention: legal hold, prune, compact.
	has("prune --legal-hold", run(0, "evidence", "prune", "--legal-hold", "on", "-o", "json"), "log_id")
	if m := run(0, "evidence", "prune", "--legal-hold", "off", "-o", "json").(map[string]any); m["legal_hold"] != false {
		t.Errorf("prune --legal-hold off: %v", m)
	}
	pr := has("prune --before", run(0, "evidence", "prune", "--before", "0s", "-o", "json"), "log_id", "before", "cut", "removed")
	if pr["removed"].(float64) < 1 {
		t.Errorf("prune: removed nothing: %v", pr)
	}
	has("compact", run(0, "evidence", "compact", "-o", "json"), "path", "before_bytes", "after_bytes")
}

// TestOutputTextUnchanged: -o text (and no -o) print what these commands
// printed before they took -o; those whose result was already JSON keep
// JSON as their default.
func TestOutputTextUnchanged(t *testing.T) {
	home := t.TempDir()
	enrollApprover(t, home)
	h := "--home=" + home
	_, out, _ := cli(t, "evaluate", "write_file", "iam/admin-role.tf", "--policy-pack", "cavra-banking-baseline", "--agent", "claude-code", "--json", h)
	var d struct {
		ApprovalID string `json:"approval_id"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, "approval", "approve", d.ApprovalID, "--local", "--actor", "alice", "--reason", "ok", h); code != 0 ||
		out != d.ApprovalID+": approved (1/1 approvals)\n" {
		t.Errorf("approve: exit %d %q %s", code, out, errs)
	}
	if code, out, _ := cli(t, "registry", "agent-register", "bot", "-o", "text", h); code != 0 || !strings.HasPrefix(out, "registered agent bot: active") {
		t.Errorf("agent-register -o text: %d %q", code, out)
	}
	if code, out, _ := cli(t, "registry", "agent-disable", "bot", "--reason", "x", h); code != 0 || out != "agent bot is disabled\n" {
		t.Errorf("agent-disable: %d %q", code, out)
	}
	for _, args := range [][]string{
		{"approval", "show", d.ApprovalID},
		{"approval", "routes"},
		{"registry", "agent-register", "bot"},
		{"registry", "mcp-register", "fs"},
		{"registry", "mcp-classifications"},
	} {
		if args[1] != "mcp-classifications" {
			args = append(args, h)
		}
		code, out, errs := cli(t, args...)
		var v any
		if code != 0 || json.Unmarshal([]byte(out), &v) != nil {
			t.Errorf("%v: exit %d, default not JSON\n%s%s", args, code, out, errs)
		}
		code, out, _ = cli(t, append(args, "-o", "text")...)
		if code != 0 || json.Unmarshal([]byte(out), &v) == nil || out == "" {
			t.Errorf("%v -o text: exit %d, not text\n%s", args, code, out)
		}
	}
	if code, out, _ := cli(t, "registry", "mcp-check", "nope", "x", "-o", "text", h); code != exitBlock || !strings.HasPrefix(out, "block: ") {
		t.Errorf("mcp-check -o text: %d %q", code, out)
	}
	if code, out, _ := cli(t, "approval", "routes", "-o", "text", h); code != 0 || !strings.Contains(out, "iam-writes") || !strings.Contains(out, "IAM") {
		t.Errorf("routes -o text: %d %q", code, out)
	}
}

// TestEnumFlagsAreUsageErrors: a value outside an enum-valued flag's set is
// a usage error (exit 2) naming the allowed values, before anything is
// opened or changed.
func TestEnumFlagsAreUsageErrors(t *testing.T) {
	home := t.TempDir()
	h := "--home=" + home
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"approval", "list", "--state", "weird"}, "pending, approved, denied, expired or break_glass"},
		{[]string{"approval", "break-glass", "--agent", "a", "--scope", "session", "--reason", "r", "--local"}, "want action or agent"},
		{[]string{"registry", "agent-register", "bot", "--profile", "nosuch"}, "aws-q-developer, claude-code, codex, cursor, gemini-cli or github-copilot"},
		{[]string{"registry", "agent-register", "bot", "--status", "paused"}, "want active, disabled or retired"},
		{[]string{"registry", "agent-list", "--status", "paused"}, "want active, disabled or retired"},
		{[]string{"registry", "mcp-register", "fs", "--trust-tier", "bogus"}, "want trusted, approved, experimental, blocked or unknown"},
		{[]string{"registry", "mcp-register", "fs", "--approval-state", "maybe"}, "want approved, pending, denied or not_required"},
		{[]string{"registry", "mcp-list", "--trust-tier", "bogus"}, "want trusted, approved, experimental, blocked or unknown"},
		{[]string{"registry", "mcp-list", "--approval-state", "maybe"}, "want approved, pending, denied or not_required"},
		{[]string{"registry", "mcp-classifications", "--capability", "teleport"}, "want cloud, database, filesystem, network, repository, saas or shell"},
		{[]string{"evidence", "export", "--format", "xml"}, "want jsonl or ocsf"},
		{[]string{"evidence", "list", "--kind", "gossip"}, "unknown record kind"},
		{[]string{"evidence", "list", "--outcome", "maybe"}, "--outcome"},
		{[]string{"evidence", "list", "--severity", "dire"}, "--severity"},
		{[]string{"evidence", "list", "--action-type", "teleport"}, "unknown action type"},
		{[]string{"evidence", "prune", "--legal-hold", "maybe"}, "want on or off"},
		{[]string{"keys", "generate", "--alg", "RS256"}, "want EdDSA (Ed25519) or ES256 (P-256)"},
		{[]string{"keys", "rotate", "--alg", "RS256"}, "want EdDSA (Ed25519) or ES256 (P-256)"},
	} {
		args := tc.args
		if args[1] != "mcp-classifications" {
			args = append(args, h)
		}
		code, out, errs := cli(t, args...)
		if code != exitUsage || !strings.Contains(errs, tc.says) || out != "" {
			t.Errorf("%v: exit %d, want 2 saying %q\nstdout: %s\nstderr: %s", tc.args, code, tc.says, out, errs)
		}
	}
	if entries, _ := os.ReadDir(home); len(entries) != 0 {
		t.Errorf("usage errors changed the state directory: %v", entries)
	}
}
