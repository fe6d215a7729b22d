package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/cavratest"
)

// trustIssuer makes home's approvals trust a fake OIDC issuer (its JWKS in
// a file) and returns a break-glass approver's ID token from it.
func trustIssuer(t *testing.T, home string) string {
	t.Helper()
	is := cavratest.NewIssuer(t)
	resp, err := is.Client().Get(is.JWKSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	jwks, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(path, jwks, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("approval:\n  oidc:\n    issuer: %q\n    audience: %q\n    jwks: %q\n", is.URL, cavratest.Audience, path)
	if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return is.MintApprover("alice", approval.DefaultBreakGlassGroup)
}

// TestOwnerEvidenceCommands: while a Go program owns the state directory,
// `cavra evidence show`, `export`, `bundle`, `witness show` and `approval
// break-glass` work through its control socket and print what they print
// without an owner; the commands that change what the owner holds open
// (prune, compact, witness reset, keys generate and rotate) refuse with a
// message naming the owner, and work once it has stopped.
func TestOwnerEvidenceCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a helper process")
	}
	home := t.TempDir()
	enrollApprover(t, home)
	token := trustIssuer(t, home)
	p, id := startOwner(t, home, "CAVRA_TEST_OWNER_NO_AGENT_CHECK=1")
	h := "--home=" + home
	mustOK := func(what string, code int, out, errs string) string {
		t.Helper()
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s\n%s", what, code, out, errs)
		}
		return out
	}
	must := func(what string, argv ...string) string {
		t.Helper()
		code, out, errs := cli(t, argv...)
		return mustOK(what, code, out, errs)
	}

	// The owner's decision record, by sequence number and by decision id.
	code, out, errs := cli(t, "evidence", "list", "--kind", "decision", "--json", h)
	var recs []struct {
		Seq      int64 `json:"seq"`
		Decision struct {
			DecisionID string `json:"decision_id"`
		} `json:"decision"`
	}
	if err := json.Unmarshal([]byte(mustOK("evidence list", code, out, errs)), &recs); err != nil || len(recs) == 0 {
		t.Fatalf("evidence list: %v\n%s", err, out)
	}
	seq, did := fmt.Sprint(recs[0].Seq), recs[0].Decision.DecisionID
	code, out, errs = cli(t, "evidence", "show", seq, "--json", h)
	showSeq := mustOK("evidence show SEQ", code, out, errs)
	code, out, errs = cli(t, "evidence", "show", did, h)
	showID := mustOK("evidence show ID", code, out, errs)
	if !strings.Contains(showID, did) {
		t.Fatalf("evidence show %s:\n%s", did, showID)
	}
	code, out, errs = cli(t, "evidence", "export", "--to-seq", seq, h)
	exportJSONL := mustOK("evidence export", code, out, errs)
	code, out, errs = cli(t, "evidence", "export", "--format", "ocsf", "--to-seq", seq, h)
	exportOCSF := mustOK("evidence export ocsf", code, out, errs)
	if n := strings.Count(exportJSONL, "\n"); fmt.Sprint(n) != seq {
		t.Fatalf("evidence export --to-seq %s wrote %d records", seq, n)
	}
	bundle := filepath.Join(t.TempDir(), "b.json")
	must("evidence bundle", "evidence", "bundle", "--decision", did, "--out", bundle, h)
	trust := filepath.Join(t.TempDir(), "keys.jwks")
	must("keys export-trust-root", "keys", "export-trust-root", "--out", trust, h)
	if out := must("evidence verify BUNDLE", "evidence", "verify", bundle, "--trust-root", trust); !strings.HasPrefix(out, "verified: 1 records") {
		t.Fatalf("the owner's bundle: %s", out)
	}
	if out := must("witness show", "evidence", "witness", "show", h); !strings.Contains(out, "the log extends it") {
		t.Fatalf("witness show: %s", out)
	}
	must("keys list", "keys", "list", h)

	// What needs the directory to itself says so, and changes nothing.
	for _, argv := range [][]string{
		{"evidence", "prune", "--before", "2000-01-01", "--reason", "r", "--by", "alice"},
		{"evidence", "prune", "--legal-hold", "on", "--reason", "r", "--by", "alice"},
		{"evidence", "compact"},
		{"evidence", "witness", "reset", "--reason", "r", "--by", "alice"},
		{"keys", "rotate"},
		{"keys", "generate"},
	} {
		code, out, errs := cli(t, append(argv, h)...)
		if code != 1 || !strings.Contains(errs, "does not run while another process owns the state directory") || !strings.Contains(errs, "stop it") {
			t.Fatalf("%v with an owner: exit %d\n%s\n%s", argv, code, out, errs)
		}
	}

	// Break glass on the owner's pending request with the approver's ID
	// token (its route wants a verified identity: a local approver is
	// refused, as without an owner), and for an agent; the agent's retry
	// passes.
	if code, _, errs := cli(t, "approval", "break-glass", id, "--local", "--actor", "alice", "--reason", "incident 7", h); code != 1 || !strings.Contains(errs, "break-glass needs a verified identity") {
		t.Fatalf("break-glass of an IAM request with a local approver: exit %d\n%s", code, errs)
	}
	if out := must("break-glass", "approval", "break-glass", id, "--token", token, "--reason", "incident 7", h); !strings.Contains(out, "break_glass granted") {
		t.Fatalf("break-glass: %s", out)
	}
	if out := must("break-glass --agent", "approval", "break-glass", "--agent", "py-1", "--scope", "agent", "--token", token, "--reason", "incident 7", "--duration", "10m", h); !strings.Contains(out, "break_glass granted") {
		t.Fatalf("break-glass --agent: %s", out)
	}
	fmt.Fprintln(p.stdin, "retry")
	if line := p.line(t); !strings.HasPrefix(line, "DECISION allow") {
		t.Fatalf("the agent's retry after break-glass: %q", line)
	}
	p.stop(t)

	// Without the owner: the same bytes, and the refused commands run.
	if out := must("evidence show SEQ after", "evidence", "show", seq, "--json", h); out != showSeq {
		t.Fatalf("evidence show differs without the owner:\n%s\nwith:\n%s", out, showSeq)
	}
	if out := must("evidence show ID after", "evidence", "show", did, h); !strings.HasPrefix(out, strings.SplitN(showID, "approval trail", 2)[0]) {
		t.Fatalf("evidence show ID differs without the owner:\n%s\nwith:\n%s", out, showID)
	}
	if out := must("evidence export after", "evidence", "export", "--to-seq", seq, h); out != exportJSONL {
		t.Fatalf("evidence export differs without the owner:\n%s\nwith:\n%s", out, exportJSONL)
	}
	if out := must("evidence export ocsf after", "evidence", "export", "--format", "ocsf", "--to-seq", seq, h); out != exportOCSF {
		t.Fatalf("evidence export ocsf differs without the owner:\n%s\nwith:\n%s", out, exportOCSF)
	}
	code, out, errs = cli(t, "evidence", "export", "--kind", "approval_event", h)
	granted := 0
	for _, line := range strings.Split(mustOK("break-glass records", code, out, errs), "\n") {
		if strings.Contains(line, `"incident 7"`) && strings.Contains(line, `"subject":"alice"`) && !strings.Contains(line, "approval.rejected") {
			granted++
		}
	}
	if granted != 2 {
		t.Fatalf("the break-glass records: %s", out)
	}
	if out := must("break-glass --agent after", "approval", "break-glass", "--agent", "py-2", "--scope", "agent", "--token", token, "--reason", "incident 8", h); !strings.Contains(out, "break_glass granted") {
		t.Fatalf("break-glass --agent without the owner: %s", out)
	}
	must("evidence bundle after", "evidence", "bundle", "--decision", did, "--out", bundle, h)
	must("witness show after", "evidence", "witness", "show", h)
	if out := must("prune after", "evidence", "prune", "--before", "2000-01-01", "--reason", "r", "--by", "alice", h); !strings.Contains(out, "nothing to prune") {
		t.Fatalf("prune: %s", out)
	}
	must("keys rotate after", "keys", "rotate", h)
	must("compact after", "evidence", "compact", h)
}

// TestOwnerRefusesAgentBreakGlass: break-glass over the control socket
// from a process inside a coding agent is refused and recorded, as an
// approval is, and the action stays pending.
func TestOwnerRefusesAgentBreakGlass(t *testing.T) {
	if testing.Short() {
		t.Skip("starts helper processes")
	}
	home := t.TempDir()
	p, id := startOwner(t, home)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CAVRA_TEST_APPROVE="+home+"|"+id, "CAVRA_TEST_BREAK_GLASS=1", "CLAUDECODE=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "STATUS 403") || !strings.Contains(string(out), "coding agent") {
		t.Fatalf("an agent's break-glass over the socket: %v\n%s", err, out)
	}
	fmt.Fprintln(p.stdin, "retry")
	if line := p.line(t); !strings.HasPrefix(line, "DECISION require_approval") {
		t.Fatalf("the refused break-glass let the action through: %q", line)
	}
	p.stop(t)
	if rej := rejections(t, home); len(rej) != 1 || !strings.Contains(rej[0], "coding agent") {
		t.Fatalf("the refusal is not recorded: %q", rej)
	}
}
