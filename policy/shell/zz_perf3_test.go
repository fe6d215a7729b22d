package shell

import (
	"strings"
	"testing"
)

func BenchmarkPipeline(b *testing.B) {
	in := strings.Repeat("a | ", 50000) + "b"
	for b.Loop() {
		Analyze(in, Options{})
	}
}
