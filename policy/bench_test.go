package policy

import (
	"context"
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

// BenchmarkEvaluate measures Set.Evaluate on the bundled baseline pack.
// Budgets (issue 2): a file read ≤ 3 µs, a three-command line ≤ 30 µs.
func BenchmarkEvaluate(b *testing.B) {
	set := baselineSet(b)
	ctx := context.Background()
	opts := EvalOptions{Dir: "/project", Home: "/home/user"}
	cases := []struct {
		name string
		a    decision.Action
		want decision.Outcome
	}{
		{"read_file/src_main.go", action("read_file", "src/main.go"), decision.Allow},
		{"read_file/.env", action("read_file", ".env"), decision.Block},
		{"three_commands", action("execute_command", "cd infra && terraform init && terraform plan"), decision.Allow},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			if d := set.Evaluate(ctx, c.a, opts); d.Decision != c.want {
				b.Fatalf("decision %s (%s), want %s", d.Decision, d.RuleID, c.want)
			}
			b.ReportAllocs()
			for b.Loop() {
				set.Evaluate(ctx, c.a, opts)
			}
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
