package shell

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestDump(t *testing.T) {
	b, _ := os.ReadFile(os.Getenv("DUMP"))
	in := string(b)
	if in == "" {
		t.Skip()
	}
	for _, l := range strings.Split(in, "\x00") {
		an, err := Analyze(l, Options{Dir: "/w"})
		if err != nil {
			fmt.Printf("%q → ERR %v\n", l, err)
			continue
		}
		fmt.Printf("%q → Line %q\n", l, an.Line)
		for _, c := range an.Commands {
			fmt.Printf("    %q name=%q args=%q via=%q opq=%q dyn=%v path=%q rd=%v dir=%q\n", c.Text, c.Name, c.Args, c.Via, c.Opaque, c.Dynamic, c.Path, c.Redirects, c.Dir)
		}
	}
}
