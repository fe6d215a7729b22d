package policy

import (
	"path"
	"strings"
	"time"

	"github.com/cavra-dev/cavra/internal/fsprobe"
	"github.com/cavra-dev/cavra/policy/shell"
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
	if rp.abs == "" || strings.ContainsAny(rp.abs, "$`\x00") {
		return nil
	}
	var out []resolvedPath
	for _, l := range e.links {
		// A link made earlier on the line: what is through it is below
		// its target (a delete of the link itself removes the link).
		rest, ok := within(l.link, "/"+rp.abs)
		if !ok || rest == "" && !followLast {
			continue
		}
		if r := env.resolve(path.Join(l.target, rest)); r.display != rp.display {
			out = append(out, r)
		}
	}
	if e.opts.Probe == nil {
		return out
	}
	for _, a := range e.opts.Probe.Reach("/"+rp.abs, followLast) {
		if r := env.resolve(a); r.display != rp.display {
			out = append(out, r)
		}
	}
	return out
}

// lineLink is a symbolic link an earlier command of the line makes: link
// and target absolute and cleaned.
type lineLink struct{ link, target string }

// maxLineLinks bounds the links of one line that are followed.
const maxLineLinks = 16

// noteLink records the symbolic link `ln -s[f][n] TARGET [LINK]` makes (no
// filesystem access: the link is the line's, not the disk's), so that a
// later `rm -rf cfg/*` after `ln -s /etc cfg` deletes in /etc. A link into
// an existing directory (LINK/TARGET's name) is not known before run time.
func (e *evaluation) noteLink(c *shell.Command) {
	if c.Name != "ln" || len(e.links) >= maxLineLinks {
		return
	}
	sym := false
	var ops []string
	for i, a := range c.Args {
		switch {
		case a == "--symbolic":
			sym = true
		case a == "--":
			ops = append(ops, c.Args[i+1:]...)
		case strings.HasPrefix(a, "--"):
			if a == "--target-directory" || strings.HasPrefix(a, "--target-directory=") {
				return
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if strings.ContainsRune(a, 't') {
				return
			}
			sym = sym || strings.ContainsRune(a, 's')
		default:
			ops = append(ops, a)
		}
		if a == "--" {
			break
		}
	}
	if !sym || len(ops) == 0 || len(ops) > 2 {
		return
	}
	env := e.env
	if c.Dir != "" {
		env.cwd = c.Dir
	} else if env.cwd != "" {
		return // where the link is made is known only at run time
	}
	target, link := ops[0], path.Base(ops[0])
	if len(ops) == 2 {
		link = ops[1]
	}
	l := env.resolve(link)
	if l.abs == "" || l.glob || strings.ContainsAny(l.abs, "$`\x00") {
		return
	}
	tenv := env
	if !strings.HasPrefix(target, "/") && !strings.HasPrefix(target, "~") && !strings.HasPrefix(target, "$") {
		tenv.cwd = path.Dir("/" + l.abs) // a relative target is relative to the link's directory
	}
	t := tenv.resolve(target)
	if t.abs == "" && t.display != "/" {
		return
	}
	e.links = append(e.links, lineLink{link: "/" + l.abs, target: "/" + t.abs})
}
