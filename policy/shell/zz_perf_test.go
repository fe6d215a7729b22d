package shell

import (
	"strings"
	"testing"
	"time"
)

func TestPerfPathological(t *testing.T) {
	big := strings.Repeat("echo hello world\n", 7000)
	cases := map[string]string{
		"sudo chain":     strings.Repeat("sudo ", 50000) + "rm x",
		"heredoc bashes": "{ " + strings.Repeat("bash; ", 20000) + "} <<'EOF'\n" + big + "EOF\n",
		"pipeline":       strings.Repeat("a | ", 50000) + "b",
		"eval chain":     strings.Repeat("eval ", 50000) + "ls",
		"subshells":      strings.Repeat("(", 20000) + "ls" + strings.Repeat(")", 20000),
		"env S":          strings.Repeat("env -S ", 30000) + "x",
		"nested param":   "echo " + strings.Repeat("${a:-", 20000) + "x" + strings.Repeat("}", 20000),
		"brace":          strings.Repeat("{a,", 20000) + strings.Repeat("}", 20000),
		"find":           "find " + strings.Repeat("-exec sudo ", 20000),
		"words":          "echo " + strings.Repeat("$(x) ", 40000),
		"if":             strings.Repeat("if a; then ", 10000) + "b" + strings.Repeat("; fi", 10000),
	}
	for name, in := range cases {
		if len(in) > MaxInput {
			in = in[:MaxInput]
		}
		start := time.Now()
		an, err := Analyze(in, Options{})
		n := 0
		if an != nil {
			n = len(an.Commands)
		}
		t.Logf("%-15s %6d bytes %10v cmds=%d err=%.60v", name, len(in), time.Since(start), n, err)
	}
}
