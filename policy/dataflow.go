package policy

import (
	"strings"

	"github.com/cavra-dev/cavra/policy/shell"
)

// flowFacts resolves the dataflow facts of command c into cf: what it runs
// as code, preloads and downloads, and which of its runs were downloaded
// earlier on the line (see policy/shell/dataflow.go).
func (e *evaluation) flowFacts(c *shell.Command, cf *CommandFacts) {
	env := e.env
	if c.Dir != "" {
		env.cwd = c.Dir
	} else if env.cwd != "" {
		env.cwd = unknownDir
	}
	res := func(list []string) []string {
		if len(list) == 0 {
			return nil
		}
		out := make([]string, 0, len(list))
		for _, p := range list {
			d := env.resolve(strings.TrimSuffix(p, "/")).display
			if strings.HasSuffix(p, "/") && !strings.HasSuffix(d, "/") {
				d += "/"
			}
			out = addUnique(out, d)
		}
		return out
	}
	cf.Runs = res(c.Runs)
	cf.Preloads = res(c.Preloads)
	cf.Downloads = res(c.Downloads)
	cf.RunsDownloaded = res(c.RunsDownloaded)
}
