package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkEvaluate measures Set.Evaluate on the bundled baseline pack,
// shell analysis and facts included. Budgets (issues 2 and 3): a file read
// ≤ 3 µs, a typical agent command line ≤ 30 µs. The decisions are the
// bundled pack's business; the benchmark only checks that the machinery
// did not fail.
func BenchmarkEvaluate(b *testing.B) {
	set, err := bundledBaseline()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	opts := EvalOptions{Dir: "/project", Home: "/home/user"}
	cases := []struct{ name, typ, target string }{
		{"read_file/src_main.go", "read_file", "src/main.go"},
		{"read_file/.env", "read_file", ".env"},
		{"three_commands", "execute_command", "cd infra && terraform init && terraform plan"},
		{"npm_ci_test", "execute_command", "cd web && npm ci && npm test -- --watch=false"},
		{"pipeline_with_facts", "execute_command", `grep -rn "TODO" src | sort > /tmp/todo.txt && git push --force origin HEAD:feature/x`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			a := action(c.typ, c.target)
			d := set.Evaluate(ctx, a, opts)
			if strings.HasPrefix(d.RuleID, "policy.error") || d.RuleID == "commands.parse_error" || d.RuleID == "action.invalid" {
				b.Fatalf("machinery failed: %s (%s)", d.RuleID, d.Reason)
			}
			b.ReportAllocs()
			for b.Loop() {
				set.Evaluate(ctx, a, opts)
			}
		})
	}
}

// BenchmarkEvaluateProbe is BenchmarkEvaluate with the filesystem probes
// the Guard makes (NewFSProbe per decision, as cavra.Guard does) on a real
// project — this repository — and reports the system calls per decision
// (probes/op): links are followed one lstat per path component, a glob
// reads one directory per wildcard segment, nothing walks a tree.
func BenchmarkEvaluateProbe(b *testing.B) {
	set, err := bundledBaseline()
	if err != nil {
		b.Fatal(err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	ctx := context.Background()
	cases := []struct{ name, typ, target string }{
		{"read_file/policy_evaluate.go", "read_file", "policy/evaluate.go"},
		{"three_commands", "execute_command", "cd policy && go vet ./... && go test ./..."},
		{"glob", "execute_command", "cat policy/*.go | wc -l"},
		{"deep_glob", "execute_command", "rm -f */*/*.tmp"},
		// Globs and indirection (effects-globs-indirection): a home glob,
		// find's selection through xargs, a link made on the line and a
		// glob through it, and a worst case the budget cuts short.
		{"home_glob", "execute_command", "cat ~/.s?h/* ~/.{aws,kube}/c*"},
		{"find_xargs", "execute_command", "find . -name '*.go' | xargs gofmt -l"},
		{"line_link_glob", "execute_command", "ln -sfn /etc cfg && rm -rf cfg/*"},
		{"wide_globs", "execute_command", "cat /*/*/*/* /usr/*/*/* /proc/*/*"},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			a := action(c.typ, c.target)
			a.Context = map[string]string{"cwd": root, "project_root": root, "home": home}
			calls := 0
			b.ReportAllocs()
			for b.Loop() {
				p := NewFSProbe(512, 5*time.Millisecond)
				d := set.Evaluate(ctx, a, EvalOptions{Probe: p})
				if strings.HasPrefix(d.RuleID, "policy.error") {
					b.Fatalf("machinery failed: %s (%s)", d.RuleID, d.Reason)
				}
				calls += p.Calls()
			}
			b.ReportMetric(float64(calls)/float64(b.N), "probes/op")
		})
	}
}

// BenchmarkCompileDefault measures what a hook process pays per call before
// it can decide: loading the bundled packs and compiling the baseline.
func BenchmarkCompileDefault(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		lib, err := DefaultLibrary()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := lib.Compile(DefaultPack); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProbeBounded: however many globs a line holds, one decision's probes
// stay within the budget it was given (system calls and time), and a line
// link adds no filesystem access of its own.
func TestProbeBounded(t *testing.T) {
	set, err := bundledBaseline()
	if err != nil {
		t.Fatal(err)
	}
	home, _ := os.UserHomeDir()
	for _, line := range []string{
		"cat /*/*/*/* /usr/*/*/* /proc/*/* /sys/*/*/*/*",
		"find / -name '*.pem' | xargs cat; cat $(find /usr -name x)",
		"ln -s / r && cat r/*/*/*/* r/usr/*/*/*",
	} {
		a := action("execute_command", line)
		a.Context = map[string]string{"cwd": "/tmp", "project_root": "/tmp", "home": home}
		p := NewFSProbe(64, 50*time.Millisecond)
		start := time.Now()
		set.Evaluate(context.Background(), a, EvalOptions{Probe: p})
		if p.Calls() > 64 {
			t.Errorf("%q: %d probe calls, budget 64", line, p.Calls())
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%q: %v", line, d)
		}
	}
}
