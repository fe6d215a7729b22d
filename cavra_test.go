package cavra_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cavra-dev/cavra"
)

func open(t *testing.T, opts cavra.Options) *cavra.Guard {
	t.Helper()
	if opts.Home == "" {
		opts.Home = t.TempDir()
	}
	if opts.Dir == "" {
		opts.Dir = "/project"
	}
	g, err := cavra.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func TestGuardDefaults(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	ctx := context.Background()
	cases := []struct {
		a    cavra.Action
		want cavra.Outcome
		rule string
	}{
		{cavra.Action{Type: cavra.ReadFile, Target: ".env"}, cavra.Block, "filesystem.read.block"},
		{cavra.Action{Type: cavra.ReadFile, Target: "/project/config/.env"}, cavra.Block, "filesystem.read.block"},
		{cavra.Action{Type: cavra.ReadFile, Target: "README.md"}, cavra.Allow, "filesystem.read.allow"},
		{cavra.Action{Type: cavra.ExecuteCommand, Target: "cd infra && terraform apply -auto-approve"}, cavra.Block, "commands.block"},
		{cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform plan"}, cavra.Allow, "commands.allow"},
		{cavra.Action{Type: "made_up", Target: "x"}, cavra.Block, "action.invalid"},
	}
	for _, c := range cases {
		d, err := g.Evaluate(ctx, c.a)
		if err != nil {
			t.Fatal(err)
		}
		if d.Decision != c.want || d.RuleID != c.rule {
			t.Errorf("%s %q: got %s %s, want %s %s", c.a.Type, c.a.Target, d.Decision, d.RuleID, c.want, c.rule)
		}
		if len(d.DecisionID) != len("dec_")+16 || d.Timestamp.IsZero() || d.PolicyDigest == "" || d.PolicyPack != "cavra-ai-agent-baseline" {
			t.Errorf("decision record incomplete: %+v", d)
		}
	}
}

func TestGuardClosedBlocks(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	g.Close()
	d, err := g.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: "README.md"})
	if !errors.Is(err, cavra.ErrClosed) || d.Decision != cavra.Block {
		t.Fatalf("got %s, %v; want block and ErrClosed", d.Decision, err)
	}
}

func TestGuardCancelledContextBlocks(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: "README.md"})
	if d.Decision != cavra.Block {
		t.Fatalf("cancelled evaluation gave %s", d.Decision)
	}
}

func TestOpenFailsOnBadPolicy(t *testing.T) {
	t.Parallel()
	for _, packs := range [][]string{{"cavra-not-a-pack"}, {"/no/such/file.yaml"}} {
		if _, err := cavra.Open(context.Background(), cavra.Options{Home: t.TempDir(), Packs: packs}); err == nil {
			t.Errorf("Open(%v) succeeded", packs)
		}
	}
	if _, err := cavra.Open(context.Background(), cavra.Options{Home: t.TempDir(), Mode: "loud"}); err == nil {
		t.Error("Open with an unknown mode succeeded")
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConfigAndReload(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeFile(t, filepath.Join(home, "config.yaml"), "packs: [cavra-team]\npolicy_dirs: [policies]\nmode: strict\n")
	pack := filepath.Join(home, "policies", "cavra-team", "policy.yaml")
	writeFile(t, pack, `metadata: {id: cavra-team, title: t, description: d, version: "1", inherits: [cavra-ai-agent-baseline]}
commands: {allow: ["make test"]}
`)
	g := open(t, cavra.Options{Home: home})
	ctx := context.Background()
	d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: "make test"})
	if d.Decision != cavra.RequireApproval || d.BaseDecision == nil || *d.BaseDecision != cavra.Allow || d.Mode != cavra.Strict {
		t.Fatalf("strict mode from config.yaml: %s base %v mode %s", d.Decision, d.BaseDecision, d.Mode)
	}
	d, _ = g.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: ".env"})
	if d.Decision != cavra.Block {
		t.Fatalf("inherited baseline lost: %s", d.Decision)
	}
	before := g.Policy().Digest()
	writeFile(t, pack, `metadata: {id: cavra-team, title: t, description: d, version: "2", inherits: [cavra-ai-agent-baseline]}
commands: {block: ["make test"]}
`)
	if err := g.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	d, _ = g.Evaluate(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: "make test"})
	if d.Decision != cavra.Block || g.Policy().Digest() == before {
		t.Fatalf("reload not in effect: %s", d.Decision)
	}
	writeFile(t, pack, "metadata: {id: cavra-team")
	if err := g.Reload(ctx); err == nil {
		t.Fatal("reload of a broken pack succeeded")
	}
	d, _ = g.Evaluate(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: "make test"})
	if d.Decision != cavra.Block {
		t.Fatalf("a failed reload changed the active policy: %s", d.Decision)
	}
}

func TestBadConfigIsAnError(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	writeFile(t, filepath.Join(home, "config.yaml"), "packz: [x]\n")
	if _, err := cavra.Open(context.Background(), cavra.Options{Home: home}); err == nil {
		t.Fatal("unknown config key accepted")
	}
}

func TestStateDirDiscovery(t *testing.T) {
	// Not parallel: changes the working directory and environment.
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(filepath.Join(root, ".cavra"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	t.Setenv("CAVRA_HOME", "")
	got, err := cavra.StateDir("")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(filepath.Join(root, ".cavra"))
	if g, _ := filepath.EvalSymlinks(got); g != want {
		t.Fatalf("StateDir = %s, want %s", got, want)
	}
	// The state directory init pins for a project (under the user's state
	// home) is found first, from anywhere below the project.
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	pinned, err := cavra.ProjectStateDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(pinned), filepath.Base(root)+"-") {
		t.Fatalf("ProjectStateDir(%s) = %s: want the project's name in it", root, pinned)
	}
	if err := os.MkdirAll(pinned, 0o700); err != nil {
		t.Fatal(err)
	}
	if got, _ := cavra.StateDir(""); got != pinned {
		t.Fatalf("StateDir = %s, want the pinned %s", got, pinned)
	}
	if other, _ := cavra.ProjectStateDir(filepath.Join(t.TempDir(), filepath.Base(root))); other == pinned {
		t.Fatal("two projects of the same name share a state directory")
	}
	t.Setenv("CAVRA_HOME", "/elsewhere")
	if got, _ := cavra.StateDir(""); got != "/elsewhere" {
		t.Fatalf("CAVRA_HOME ignored: %s", got)
	}
}

// TestGuardConcurrent runs evaluations and reloads at once; run with -race.
func TestGuardConcurrent(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				a := cavra.Action{Type: cavra.ExecuteCommand, Target: fmt.Sprintf("cd d%d && terraform apply -auto-approve -var n=%d", i, j)}
				d, err := g.Evaluate(ctx, a)
				if err != nil || d.Decision != cavra.Block {
					t.Errorf("got %s, %v", d.Decision, err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if err := g.Reload(ctx); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
}

func Example() {
	ctx := context.Background()
	home, err := os.MkdirTemp("", "cavra-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(home)
	g, err := cavra.Open(ctx, cavra.Options{Packs: []string{"cavra-ai-agent-baseline"}, Home: home})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer g.Close()
	for _, line := range []string{"terraform plan", "cd infra && terraform apply -auto-approve", `echo "terraform apply"`} {
		d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: line, Agent: cavra.Agent{ID: "claude-code"}})
		fmt.Printf("%-45s %s (%s)\n", line, d.Decision, d.RuleID)
	}
	// Output:
	// terraform plan                                allow (commands.allow)
	// cd infra && terraform apply -auto-approve     block (commands.block)
	// echo "terraform apply"                        allow (commands.builtin.allow)
}
