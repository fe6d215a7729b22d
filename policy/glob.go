package policy

import (
	"fmt"
	"path"
	"strings"
)

// pathGlob is a compiled, segment-aware path pattern:
//   - `*`, `?` and `[...]` match within one path segment;
//   - a `**` segment matches zero or more whole segments;
//   - a pattern without a slash (".env", "*.pem", "id_rsa") matches that
//     name in any directory, as in .gitignore;
//   - a pattern ending in "/" matches the directory and everything below it;
//   - a pattern starting with "/" is absolute; one starting with "~/" is
//     relative to the home directory.
type pathGlob struct {
	src    string
	anchor anchor
	segs   []globSeg
}

type anchor uint8

const (
	anchorProject anchor = iota // relative to the project root
	anchorAbs                   // absolute path
	anchorHome                  // relative to the home directory
)

type globSeg struct {
	lit      string // when !wild
	wild     bool   // contains * ? or [
	doubleSt bool   // the segment is exactly **
	// A wild segment with one `*` and no `?` or `[` (`*.pem`, `secrets.*`,
	// `id_*`) is matched as prefix + suffix, without path.Match.
	star           bool
	prefix, suffix string
}

func compilePathGlob(pattern string) (pathGlob, error) {
	g := pathGlob{src: pattern}
	p := strings.TrimSpace(pattern)
	switch {
	case strings.HasPrefix(p, "~/"):
		g.anchor, p = anchorHome, p[2:]
	case strings.HasPrefix(p, "/"):
		g.anchor, p = anchorAbs, strings.TrimLeft(p, "/")
	}
	p = strings.TrimPrefix(p, "./")
	dir := strings.HasSuffix(p, "/")
	p = strings.TrimRight(p, "/")
	if p == "" {
		return g, fmt.Errorf("empty path pattern %q", pattern)
	}
	if g.anchor == anchorProject && !strings.Contains(p, "/") {
		p = "**/" + p // a bare name matches in any directory
	}
	if dir {
		p += "/**" // "build/" is the directory and everything in it, as in .gitignore
	}
	for _, s := range strings.Split(p, "/") {
		switch {
		case s == "" || s == ".":
			continue
		case s == "**":
			if n := len(g.segs); n > 0 && g.segs[n-1].doubleSt {
				continue
			}
			g.segs = append(g.segs, globSeg{doubleSt: true})
		case strings.ContainsAny(s, "*?["):
			s = bangClasses(s)
			if _, err := path.Match(s, ""); err != nil {
				return g, fmt.Errorf("bad path pattern %q: %w", pattern, err)
			}
			seg := globSeg{lit: s, wild: true}
			if strings.Count(s, "*") == 1 && !strings.ContainsAny(s, "?[\\") {
				seg.star = true
				seg.prefix, seg.suffix, _ = strings.Cut(s, "*")
			}
			g.segs = append(g.segs, seg)
		default:
			g.segs = append(g.segs, globSeg{lit: s})
		}
	}
	return g, nil
}

// bangClasses rewrites the shell and .gitignore negated class "[!...]" to
// the "[^...]" that path.Match understands; left alone, "[!.]" would mean
// "'!' or '.'", the opposite of what the author wrote.
func bangClasses(s string) string {
	if !strings.Contains(s, "[!") {
		return s
	}
	b := []byte(s)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '[':
			if i+1 < len(b) && b[i+1] == '!' {
				b[i+1] = '^'
			}
			for i++; i < len(b) && b[i] != ']'; i++ { // skip the class
				if b[i] == '\\' {
					i++
				}
			}
		}
	}
	return string(b)
}

// match reports whether the slash-separated, cleaned, relative path p matches.
func (g *pathGlob) match(p string) bool {
	return matchSegs(g.segs, p)
}

func matchSegs(segs []globSeg, p string) bool {
	// Wildcard matching over path segments, as for `*` over characters: on a
	// mismatch, backtrack only to the most recent `**` and let it swallow one
	// more segment. Time is O(len(segs) × segments of p); plain recursion is
	// exponential in the number of `**`, and the path comes from the agent.
	pos := 0 // byte offset of the current segment of p; >= len(p) when none is left
	i, star, mark := 0, -1, 0
	for pos < len(p) {
		if i < len(segs) && segs[i].doubleSt {
			star, mark = i, pos
			i++
			continue
		}
		end := strings.IndexByte(p[pos:], '/')
		if end < 0 {
			end = len(p)
		} else {
			end += pos
		}
		if i < len(segs) && segs[i].matchOne(p[pos:end]) {
			i, pos = i+1, end+1
			continue
		}
		if star < 0 {
			return false
		}
		if e := strings.IndexByte(p[mark:], '/'); e < 0 {
			mark = len(p) + 1
		} else {
			mark += e + 1
		}
		i, pos = star+1, mark
	}
	for i < len(segs) && segs[i].doubleSt {
		i++
	}
	return i == len(segs)
}

func (s *globSeg) matchOne(name string) bool {
	if s.star {
		return len(name) >= len(s.prefix)+len(s.suffix) && strings.HasPrefix(name, s.prefix) && strings.HasSuffix(name, s.suffix)
	}
	if s.wild {
		ok, _ := path.Match(s.lit, name)
		return ok
	}
	return s.lit == name
}

// cmdGlob is a compiled command pattern with the original CAVRA semantics:
// `*` matches any run of characters, spaces included; everything else is
// literal; the whole subject must match. Runs of whitespace in the pattern
// are collapsed to one space, as commands are normalized the same way.
type cmdGlob struct {
	src   string
	parts []string // literal pieces between stars
	star0 bool     // pattern starts with *
	starN bool     // pattern ends with *
	line  bool     // pattern contains a shell operator: match the whole line
}

func compileCmdGlob(pattern string) (cmdGlob, error) {
	norm := strings.Join(strings.Fields(pattern), " ")
	if norm == "" || strings.Trim(norm, "* ") == "" && !strings.Contains(norm, "*") {
		return cmdGlob{}, fmt.Errorf("empty command pattern %q", pattern)
	}
	g := cmdGlob{src: pattern, line: strings.ContainsAny(norm, "|;&")}
	if !g.line {
		// Commands are normalized to their base name; do the same to the pattern's first word.
		first, rest, _ := strings.Cut(norm, " ")
		if i := strings.LastIndexByte(first, '/'); i >= 0 && !strings.Contains(first[:i], "*") {
			first = first[i+1:]
		}
		norm = strings.TrimSpace(first + " " + rest)
	}
	g.star0 = strings.HasPrefix(norm, "*")
	g.starN = strings.HasSuffix(norm, "*")
	for _, p := range strings.Split(norm, "*") {
		if p != "" {
			g.parts = append(g.parts, p)
		}
	}
	return g, nil
}

func (g *cmdGlob) match(s string) bool {
	parts := g.parts
	if len(parts) == 0 {
		return g.star0 // the pattern is only stars
	}
	if !g.star0 {
		if !strings.HasPrefix(s, parts[0]) {
			return false
		}
		s = s[len(parts[0]):]
		parts = parts[1:]
		if len(parts) == 0 {
			return g.starN || s == ""
		}
	}
	last := len(parts) - 1
	for i, p := range parts {
		if i == last && !g.starN {
			return strings.HasSuffix(s, p)
		}
		j := strings.Index(s, p)
		if j < 0 {
			return false
		}
		s = s[j+len(p):]
	}
	return true
}
