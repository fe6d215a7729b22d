package policy

import (
	"strings"

	"github.com/cavra-dev/cavra/policy/shell"
)

// The dataflow facts of a command (see policy/shell/dataflow.go) are
// resolved when a rule first reads them: most commands have runs (every
// make, npm, go, pytest…) and few rules read them. Explain resolves them
// all, so its facts show them.

// flowSource is what a command's dataflow lists are resolved from.
type flowSource struct {
	cmd  *shell.Command
	env  pathEnv
	done [5]bool
}

// The lists, by index into flowSource.done.
const (
	flowRuns = iota
	flowPreloads
	flowDownloads
	flowRunsDownloaded
	flowLoads
)

// flowFacts records where the dataflow facts of command c come from.
func (e *evaluation) flowFacts(c *shell.Command, cf *CommandFacts) {
	env := e.env
	if c.Dir != "" {
		env.cwd = c.Dir
	} else if env.cwd != "" {
		env.cwd = unknownDir
	}
	cf.flow = flowSource{cmd: c, env: env}
	if e.explain {
		for i := range cf.flow.done {
			cf.flowList(i)
		}
	}
}

// flowList returns dataflow list i of c, resolving it on first use.
func (c *CommandFacts) flowList(i int) []string {
	src := &c.flow
	var dst *[]string
	var from []string
	switch i {
	case flowRuns:
		dst = &c.Runs
	case flowPreloads:
		dst = &c.Preloads
	case flowDownloads:
		dst = &c.Downloads
	case flowLoads:
		dst = &c.Loads
	default:
		dst = &c.RunsDownloaded
	}
	if src.cmd == nil || src.done[i] {
		return *dst
	}
	src.done[i] = true
	switch i {
	case flowRuns:
		from = src.cmd.Runs
	case flowPreloads:
		from = src.cmd.Preloads
	case flowDownloads:
		from = src.cmd.Downloads
	case flowLoads:
		from = src.cmd.Loads
	default:
		from = src.cmd.RunsDownloaded
	}
	*dst = src.env.resolveAll(from)
	return *dst
}

// resolveAll resolves paths for display, keeping a trailing "/" (a
// directory whose contents count).
func (env pathEnv) resolveAll(list []string) []string {
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
