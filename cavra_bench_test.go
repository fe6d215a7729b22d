package cavra_test

import (
	"context"
	"testing"

	"github.com/cavra-dev/cavra"
)

func openBench(b *testing.B) *cavra.Guard {
	b.Helper()
	g, err := cavra.Open(context.Background(), cavra.Options{Home: b.TempDir(), Dir: "/project"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	return g
}

// BenchmarkOpen measures what a hook process pays on every call: finding the
// state directory and compiling the bundled default pack.
func BenchmarkOpen(b *testing.B) {
	home := b.TempDir()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		g, err := cavra.Open(ctx, cavra.Options{Home: home, Dir: "/project"})
		if err != nil {
			b.Fatal(err)
		}
		g.Close()
	}
}

func BenchmarkGuardEvaluate(b *testing.B) {
	g := openBench(b)
	ctx := context.Background()
	cases := []struct {
		name string
		a    cavra.Action
	}{
		{"read_file", cavra.Action{Type: cavra.ReadFile, Target: "src/main.go"}},
		{"read_file_blocked", cavra.Action{Type: cavra.ReadFile, Target: ".env"}},
		{"three_commands", cavra.Action{Type: cavra.ExecuteCommand, Target: "cd infra && terraform init && terraform plan"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.Evaluate(ctx, c.a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGuardEvaluateAsync is BenchmarkGuardEvaluate with the decision
// record queued instead of fsynced before Evaluate returns.
func BenchmarkGuardEvaluateAsync(b *testing.B) {
	g, err := cavra.Open(context.Background(), cavra.Options{Home: b.TempDir(), Dir: "/project", Evidence: cavra.EvidenceAsync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { g.Close() })
	ctx := context.Background()
	a := cavra.Action{Type: cavra.ExecuteCommand, Target: "cd infra && terraform init && terraform plan"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := g.Evaluate(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGuardEvaluateParallel is eight goroutines evaluating with
// durable evidence: their records share commits.
func BenchmarkGuardEvaluateParallel(b *testing.B) {
	g := openBench(b)
	ctx := context.Background()
	a := cavra.Action{Type: cavra.ReadFile, Target: "src/main.go"}
	b.SetParallelism(4) // 4 x GOMAXPROCS(2) = 8 writers on this machine
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := g.Evaluate(ctx, a); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkGuardCheck is the dry run: registry, policy, mode and the
// approval lookup of a require_approval, without evidence.
func BenchmarkGuardCheck(b *testing.B) {
	g := openBench(b)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		a    cavra.Action
	}{
		{"read_file", cavra.Action{Type: cavra.ReadFile, Target: "src/main.go"}},
		{"three_commands", cavra.Action{Type: cavra.ExecuteCommand, Target: "cd infra && terraform init && terraform plan"}},
		{"require_approval", cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform apply"}},
		{"mcp_target_spelling", cavra.Action{Type: cavra.MCPToolCall, Target: " github : create_issue "}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.Check(ctx, c.a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
