package shell

import (
	"slices"
	"testing"
)

// What a later command is given by find's output, readlink -f and
// realpath (effects-globs-indirection).
func TestIndirectOperands(t *testing.T) {
	for _, tc := range []struct {
		line, cmd, read string
	}{
		{`cat "$(readlink -f ~/.ssh/id_rsa)"`, "cat", "~/.ssh/id_rsa"},
		{`cat $(realpath -s -- src/main.go)`, "cat", "src/main.go"},
		{`cat $(find ~/.aws -name credentials)`, "cat", "/home/dev/.aws/**/credentials"},
		{`find ~/.aws -type f | xargs cat`, "cat", "~/.aws"},
		{`find . -name '*.go' -print0 | xargs -0 gofmt -l`, "gofmt", "./**/*.go"},
	} {
		an, err := Analyze(tc.line, Options{Home: "/home/dev", Dir: "/home/dev/proj"})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, c := range an.Commands {
			if c.Name == tc.cmd {
				found = true
				if !slices.Contains(c.Reads, tc.read) && !slices.Contains(c.Reads, "/home/dev"+tc.read[1:]) {
					t.Errorf("%q: %s reads %q, want %q", tc.line, tc.cmd, c.Reads, tc.read)
				}
			}
		}
		if !found {
			t.Errorf("%q: no %s", tc.line, tc.cmd)
		}
	}
	// A plain readlink prints the link's target: not known.
	an, _ := Analyze(`cat "$(readlink k)"`, Options{Home: "/home/dev", Dir: "/home/dev/proj"})
	for _, c := range an.Commands {
		if c.Name == "cat" && slices.Contains(c.Reads, "k") {
			t.Errorf("plain readlink taken as its operand: %q", c.Reads)
		}
	}
}
