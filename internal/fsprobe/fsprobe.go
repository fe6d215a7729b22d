// Package fsprobe looks at the filesystem the way the kernel and the shell
// will when a command runs — symbolic links followed, globs expanded — with
// a bounded cost: every probe counts against a Budget of system calls and a
// deadline, and nothing walks a directory tree (a glob reads at most one
// directory per wildcard segment, and at most MaxEntries entries of it).
package fsprobe

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

const (
	// MaxLinks is the kernel's own limit on links followed (ELOOP).
	MaxLinks = 40
	// MaxEntries is how many entries of one directory a glob reads.
	MaxEntries = 1024
	// MaxMatches is how many plain paths one wildcard segment expands
	// to; links are kept past it, and an earlier segment cut short
	// marks the budget exhausted (what lies below is unknown).
	MaxMatches = 256
)

// Budget bounds the probes of one decision. The zero Budget allows
// nothing; New gives the usual bounds.
type Budget struct {
	Deadline time.Time // no probe starts after it (zero: none, or not started)
	// Time is how long the probes may take from the first one (New sets
	// Deadline from it lazily, so the work of a decision before its first
	// probe does not count).
	Time  time.Duration
	Left  int // system calls left
	Calls int // system calls made
	// Exhausted is set when a probe was skipped for want of budget: what
	// it would have found is unknown.
	Exhausted bool
}

// New returns a budget of calls system calls and d of time from the first
// probe.
func New(calls int, d time.Duration) *Budget {
	return &Budget{Left: calls, Time: d}
}

// take reserves one system call; false when the budget is spent.
func (b *Budget) take() bool {
	if b != nil && b.Deadline.IsZero() && b.Time > 0 {
		b.Deadline = time.Now().Add(b.Time)
	}
	if b == nil || b.Left <= 0 || (!b.Deadline.IsZero() && b.Calls%8 == 0 && time.Now().After(b.Deadline)) {
		if b != nil {
			b.Exhausted = true
			b.Left = 0
		}
		return false
	}
	b.Left--
	b.Calls++
	return true
}

// HasMeta reports whether a path segment is a pattern the shell expands or
// a value only known at run time.
func HasMeta(seg string) bool { return strings.ContainsAny(seg, "*?[{$`") }

// Resolve resolves an absolute, slash-separated path as the kernel would:
// links followed on the longest existing prefix (relative link targets
// against the link's directory, `..` after a link from the link's target),
// the rest cleaned lexically. With followLast false the last component is
// not followed (what unlink and rename act on). A segment holding a
// pattern or a run-time value, a missing component or a spent budget ends
// the probing; the rest is joined as written.
func Resolve(p string, followLast bool, b *Budget) string {
	parts := strings.Split(p, "/")
	cur := "/"
	missing := false
	links := 0
	for i := 0; i < len(parts); i++ {
		seg := parts[i]
		switch seg {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, seg)
		last := true
		for _, s := range parts[i+1:] {
			if s != "" && s != "." {
				last = false
				break
			}
		}
		if missing || HasMeta(seg) || (last && !followLast) || !b.take() {
			missing = true
			cur = next
			continue
		}
		fi, err := os.Lstat(filepath.FromSlash(next))
		if err != nil {
			missing = true
			cur = next
			continue
		}
		if fi.Mode()&os.ModeSymlink != 0 && links < MaxLinks && b.take() {
			t, err := os.Readlink(filepath.FromSlash(next))
			if err == nil {
				links++
				t = filepath.ToSlash(t)
				if strings.HasPrefix(t, "/") {
					cur = "/"
				}
				parts = append(strings.Split(t, "/"), parts[i+1:]...)
				i = -1
				continue
			}
		}
		cur = next
	}
	return cur
}

// Match is a path a glob matches. Link is set when a link may lie on it
// after the glob's literal prefix (a matched entry that is a link, or a
// literal segment after a wildcard): Resolve it to know where it leads.
type Match struct {
	Path string
	Link bool
}

// Glob returns the existing paths an absolute, slash-separated shell glob
// (`*`, `?`, `[…]` within segments; no `**`) matches now, in directory
// order (at most MaxMatches plain paths per segment, and every link).
// Names starting with a dot match only a
// segment that starts with one, as in the shell. Directories are read
// through their links; each wildcard segment reads one directory per path
// so far, MaxEntries entries per system call of the budget.
func Glob(pattern string, b *Budget) []Match {
	parts := strings.Split(strings.TrimPrefix(path.Clean(pattern), "/"), "/")
	paths := []Match{{Path: "/"}}
	wild := false
	for k, seg := range parts {
		if seg == "" {
			continue
		}
		var next []Match
		if !strings.ContainsAny(seg, "*?[") {
			for _, p := range paths {
				// A literal segment after a wildcard, not the last, may be a link.
				next = append(next, Match{Path: path.Join(p.Path, seg), Link: p.Link || (wild && k < len(parts)-1)})
			}
			paths = next
			continue
		}
		wild = true
		last := k == len(parts)-1
		for _, dir := range paths {
			if !b.take() {
				return existing(paths, b)
			}
			f, err := os.Open(filepath.FromSlash(dir.Path))
			if err != nil {
				continue
			}
			// A large directory is read in chunks, each a system call
			// of the budget: an entry past the first chunk may be the
			// link that matters.
			for {
				entries, _ := f.ReadDir(MaxEntries)
				for _, e := range entries {
					n := e.Name()
					if strings.HasPrefix(n, ".") && !strings.HasPrefix(seg, ".") {
						continue
					}
					if ok, err := path.Match(seg, n); ok && err == nil {
						m := Match{Path: path.Join(dir.Path, n), Link: dir.Link || e.Type()&os.ModeSymlink != 0}
						if len(next) >= MaxMatches && !m.Link {
							// Past the cap only links are kept: a plain
							// match of the last segment is the pattern
							// itself, but one of an earlier segment hides
							// what lies below it.
							if !last {
								b.Exhausted = true
							}
							continue
						}
						next = append(next, m)
					}
				}
				if len(entries) < MaxEntries || !b.take() {
					break
				}
			}
			f.Close()
		}
		paths = next
		if len(paths) == 0 {
			return nil
		}
	}
	return existing(paths, b)
}

// LiteralPrefix is the directory part of a glob before its first wildcard
// segment.
func LiteralPrefix(pattern string) string {
	i := strings.IndexAny(pattern, "*?[")
	if i < 0 {
		return pattern
	}
	return path.Dir(pattern[:i+1])
}

// existing keeps the paths that exist (the literal segments of a glob
// after its last wildcard were not checked while expanding), marking those
// that are links.
func existing(paths []Match, b *Budget) []Match {
	out := paths[:0]
	for _, p := range paths {
		if !b.take() {
			break
		}
		if fi, err := os.Lstat(filepath.FromSlash(p.Path)); err == nil {
			p.Link = p.Link || fi.Mode()&os.ModeSymlink != 0
			out = append(out, p)
		}
	}
	return out
}
