package tool_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/tool"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/cavratest"
	"github.com/cavra-dev/cavra/confine"
	"github.com/cavra-dev/cavra/evidence"
)

func echo(calls *int) tool.Func {
	return func(ctx context.Context, args json.RawMessage) (string, error) {
		*calls++
		return "ran " + string(args), nil
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	g := cavratest.New(t, cavratest.Options{})
	ctx := context.Background()
	cases := []struct {
		name, tool, args string
		want             cavra.Outcome
	}{
		{"plain tool", "get_weather", `{"city": "Paris"}`, cavra.Allow},
		{"secret path read", "read_file", `{"path": ".env"}`, cavra.Block},
		{"project file read", "read_file", `{"path": "src/main.go"}`, cavra.Allow},
		{"destructive command", "run", `{"command": "rm -rf ~"}`, cavra.Block},
		{"terraform apply", "run", `{"command": "terraform apply -auto-approve"}`, cavra.Block},
		{"metadata URL", "fetch", `{"url": "http://169.254.169.254/latest/meta-data/"}`, cavra.Block},
		{"not an object", "echo", `"hello"`, cavra.Allow},
		{"no arguments", "now", ``, cavra.Allow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls := 0
			fn := tool.Wrap(g, tool.Spec{Name: c.tool, Agent: cavra.Agent{ID: "agent", Session: "s-wrap"}}, echo(&calls))
			out, err := fn(ctx, json.RawMessage(c.args))
			var blocked *tool.BlockedError
			var ask *tool.ApprovalError
			switch c.want {
			case cavra.Allow:
				if err != nil || calls != 1 || !strings.HasPrefix(out, "ran") {
					t.Fatalf("allowed call: %q %v (calls %d)", out, err, calls)
				}
			case cavra.Block:
				if !errors.As(err, &blocked) || calls != 0 {
					t.Fatalf("blocked call: %v (calls %d)", err, calls)
				}
				if !strings.Contains(err.Error(), blocked.Decision.RuleID) || blocked.Decision.Reason == "" {
					t.Errorf("error text %q does not say why", err)
				}
			case cavra.RequireApproval:
				if !errors.As(err, &ask) || ask.ApprovalID == "" || calls != 0 {
					t.Fatalf("approval call: %v (calls %d)", err, calls)
				}
			}
		})
	}
}

func TestWrapApproval(t *testing.T) {
	t.Parallel()
	is := cavratest.NewIssuer(t)
	g := cavratest.New(t, cavratest.Options{Packs: []string{"cavra-banking-baseline"}, Issuer: is})
	ctx := context.Background()
	calls := 0
	fn := tool.Wrap(g, tool.Spec{Name: "write_file", Agent: cavra.Agent{ID: "agent", Session: "s-apr", Actor: "dev"}}, echo(&calls))
	args := json.RawMessage(`{"path": "iam/admin-role.tf", "content": "x"}`)
	_, err := fn(ctx, args)
	var ask *tool.ApprovalError
	if !errors.As(err, &ask) || ask.ApprovalID == "" || calls != 0 {
		t.Fatalf("first call: %v", err)
	}
	if !strings.Contains(err.Error(), ask.ApprovalID) {
		t.Errorf("error text %q has no approval id", err)
	}
	if _, err := g.Approve(ctx, ask.ApprovalID, approval.IDToken(is.MintApprover("alice", ask.Decision.ApproverGroup)), "ok"); err != nil {
		t.Fatal(err)
	}
	if _, err := fn(ctx, args); err != nil || calls != 1 {
		t.Fatalf("approved call: %v (calls %d)", err, calls)
	}
}

func TestWrapTyped(t *testing.T) {
	t.Parallel()
	g := cavratest.New(t, cavratest.Options{})
	type in struct {
		Path string `json:"path"`
	}
	read := tool.WrapTyped(g, tool.Spec{Name: "read_file"}, func(ctx context.Context, a in) (int, error) { return len(a.Path), nil })
	if n, err := read(context.Background(), in{Path: "README.md"}); err != nil || n != 9 {
		t.Fatalf("allowed: %d %v", n, err)
	}
	var blocked *tool.BlockedError
	if _, err := read(context.Background(), in{Path: "~/.ssh/id_rsa"}); !errors.As(err, &blocked) {
		t.Fatalf("key read: %v", err)
	}
}

func TestArgRoles(t *testing.T) {
	t.Parallel()
	g := cavratest.New(t, cavratest.Options{})
	calls := 0
	// "target" says nothing by its name; the role makes it a command.
	fn := tool.Wrap(g, tool.Spec{Name: "do", ArgRoles: map[string]string{"target": "command"}}, echo(&calls))
	var blocked *tool.BlockedError
	if _, err := fn(context.Background(), json.RawMessage(`{"target": "rm -rf ~"}`)); !errors.As(err, &blocked) {
		t.Fatalf("command by role: %v", err)
	}
	plain := tool.Wrap(g, tool.Spec{Name: "do"}, echo(&calls))
	if _, err := plain(context.Background(), json.RawMessage(`{"target": "rm -rf ~"}`)); err != nil {
		t.Fatalf("without the role the argument is data: %v", err)
	}
}

func TestShell(t *testing.T) {
	t.Parallel()
	if confine.Probe().ABI == 0 {
		t.Skip("no Landlock")
	}
	dir := t.TempDir()
	g := cavratest.New(t, cavratest.Options{Dir: dir})
	ctx := context.Background()
	sh := tool.Shell(g, tool.ShellOptions{Dir: dir, Agent: cavra.Agent{ID: "agent", Session: "s-shell"}})
	out, err := sh(ctx, json.RawMessage(`{"command": "echo hello > out.txt && cat out.txt"}`))
	if err != nil || strings.TrimSpace(out) != "hello" {
		t.Fatalf("allowed: %q %v", out, err)
	}
	var blocked *tool.BlockedError
	if _, err := sh(ctx, json.RawMessage(`{"command": "rm -rf ~"}`)); !errors.As(err, &blocked) {
		t.Fatalf("rm -rf ~: %v", err)
	}
	// The confinement is in the decision record.
	recs, err := g.Evidence().List(ctx, evidence.Query{Session: "s-shell"})
	if err != nil || len(recs) == 0 {
		t.Fatalf("records: %v", err)
	}
	if !strings.Contains(string(recs[0].Bytes()), `"enforced":true`) {
		t.Errorf("record without enforced confinement: %s", recs[0].Bytes())
	}
	// Confined: a write outside the project and the writable directories
	// fails even though the policy let the command through.
	home := t.TempDir()
	sh2 := tool.Shell(g, tool.ShellOptions{Dir: dir, Home: home, Confine: confine.Options{Writable: []string{}}})
	if _, err := sh2(ctx, json.RawMessage(`{"command": "echo x > `+filepath.Join(home, "f")+`"}`)); err == nil {
		t.Error("a confined command wrote outside the project")
	}
	if _, err := os.Stat(filepath.Join(home, "f")); err == nil {
		t.Error("the file was written")
	}
	if out, err := sh2(ctx, json.RawMessage(`{"command": "exit 3"}`)); err == nil {
		t.Errorf("exit 3: %q", out)
	}
}
