package glob

import (
	"fmt"
	"strings"
)

// Anchor is where a file pattern starts.
type Anchor uint8

// Anchors of file patterns.
const (
	Project Anchor = iota // relative to the project root
	Root                  // absolute: a leading "/"
	Home                  // relative to the home directory: a leading "~/"
)

// Path is a file pattern of a pack's filesystem lists: a Glob with the
// rules of .gitignore on top.
//
//   - Surrounding space, a leading "./" and empty or "." segments are
//     dropped: the subjects are cleaned paths.
//   - A pattern without "/" (".env", "*.pem") matches that name in any
//     directory: it is "**/" + pattern.
//   - A pattern ending in "/" is the directory and everything in it:
//     "build/" is "build/**".
//   - A leading "/" anchors the pattern at the filesystem root and "~/" at
//     the home directory (Anchor); neither gets the any-directory rule.
//
// Match and the other Glob methods take a slash-separated, cleaned path
// relative to the anchor (an absolute path without its leading "/").
type Path struct {
	Glob
	anchor Anchor
}

// CompilePath parses a file pattern.
func CompilePath(pattern string) (Path, error) {
	g := Path{Glob: Glob{src: pattern}}
	p := strings.TrimSpace(pattern)
	switch {
	case strings.HasPrefix(p, "~/"):
		g.anchor, p = Home, p[2:]
	case strings.HasPrefix(p, "/"):
		g.anchor, p = Root, strings.TrimLeft(p, "/")
	}
	p = strings.TrimPrefix(p, "./")
	dir := strings.HasSuffix(p, "/")
	p = strings.TrimRight(p, "/")
	if p == "" {
		return Path{}, fmt.Errorf("empty path pattern %q", pattern)
	}
	if g.anchor == Project && !strings.Contains(p, "/") {
		p = "**/" + p // a bare name matches in any directory
	}
	if dir {
		p += "/**" // "build/" is the directory and everything in it, as in .gitignore
	}
	if err := g.addSegs(strings.Split(p, "/"), true); err != nil {
		return Path{}, fmt.Errorf("bad path pattern %q: %w", pattern, err)
	}
	if len(g.segs) == 0 {
		return Path{}, fmt.Errorf("empty path pattern %q", pattern)
	}
	return g, nil
}

// Anchor returns where the pattern starts.
func (p *Path) Anchor() Anchor { return p.anchor }
