package shell

import (
	"strings"
	"testing"
	"time"

	"mvdan.cc/sh/v3/syntax"
)

func TestPerfScaling(t *testing.T) {
	for _, n := range []int{12500, 25000, 50000} {
		for name, in := range map[string]string{
			"pipeline": strings.Repeat("a | ", n) + "b",
			"words":    "echo " + strings.Repeat("$(x) ", n),
			"eval":     strings.Repeat("ls ", n),
		} {
			start := time.Now()
			p := syntax.NewParser(syntax.Variant(syntax.LangBash))
			p.Parse(strings.NewReader(in), "")
			parse := time.Since(start)
			start = time.Now()
			Analyze(in, Options{})
			t.Logf("%s n=%d parse=%v analyze=%v", name, n, parse, time.Since(start))
		}
	}
	in := "env -S env -S env -S env -S env -S env -S env -S env -S env -S env -S x"
	an, err := Analyze(in, Options{})
	t.Logf("%+v %v", an, err)
}
