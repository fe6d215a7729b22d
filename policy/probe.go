package policy

import (
	"strings"
	"time"

	"github.com/cavra-dev/cavra/internal/fsprobe"
)

// Probe looks at the filesystem at decision time (EvalOptions.Probe): a
// path is judged as written and as what it reaches now — the target of a
// symbolic link on it and, for a glob, the files it matches. Without a
// Probe nothing on disk is looked at. A Probe is for one decision: it
// carries that decision's budget.
type Probe interface {
	// Reach returns the absolute, slash-separated paths that abs reaches
	// other than itself: resolved through links (through its parent
	// directories only when followLast is false, as for a delete, which
	// removes a link and not its target) and, when abs is a glob, its
	// matches, each resolved the same way.
	Reach(abs string, followLast bool) []string
}

// NewFSProbe returns the Probe of one decision, bounded to calls system
// calls and d of time (see internal/fsprobe: one lstat per path component,
// one directory read per wildcard segment, nothing walks a tree).
func NewFSProbe(calls int, d time.Duration) *FSProbe {
	return &FSProbe{b: fsprobe.New(calls, d)}
}

// FSProbe is the Probe of the real filesystem.
type FSProbe struct{ b *fsprobe.Budget }

// Calls is how many system calls the probe made.
func (p *FSProbe) Calls() int { return p.b.Calls }

// Exhausted reports whether some probe was skipped for want of budget.
func (p *FSProbe) Exhausted() bool { return p.b.Exhausted }

// Reach implements Probe.
func (p *FSProbe) Reach(abs string, followLast bool) []string {
	var out []string
	add := func(s string) {
		if s != abs && s != "" {
			out = addUnique(out, s)
		}
	}
	if strings.ContainsAny(abs, "*?[") {
		// The literal prefix is resolved once; a match is resolved only
		// when a link may lie on it beyond that prefix.
		prefix := fsprobe.LiteralPrefix(abs)
		real := fsprobe.Resolve(prefix, true, p.b)
		for _, m := range fsprobe.Glob(abs, p.b) {
			add(m.Path)
			if m.Link {
				add(fsprobe.Resolve(m.Path, followLast, p.b))
			} else if real != prefix && strings.HasPrefix(m.Path, prefix+"/") {
				add(real + m.Path[len(prefix):])
			}
		}
		return out
	}
	add(fsprobe.Resolve(abs, followLast, p.b))
	return out
}

// reach returns the resolved forms of what rp reaches on disk, other than
// rp itself (nil without a Probe or for a path known only at run time).
func (e *evaluation) reach(env pathEnv, rp *resolvedPath, followLast bool) []resolvedPath {
	if e.opts.Probe == nil || rp.abs == "" || strings.ContainsAny(rp.abs, "$`\x00") {
		return nil
	}
	var out []resolvedPath
	for _, a := range e.opts.Probe.Reach("/"+rp.abs, followLast) {
		if r := env.resolve(a); r.display != rp.display {
			out = append(out, r)
		}
	}
	return out
}
