package glob

import (
	"fmt"
	"path"
	"strings"
)

// Glob is a compiled pattern of the dialect (see the package comment). The
// zero Glob matches nothing. A Glob is immutable; share it freely.
type Glob struct {
	src  string
	segs []seg
}

type seg struct {
	lit   string // the name when !wild; the path.Match pattern when wild
	wild  bool   // contains * ? [ or \
	dstar bool   // the segment is exactly **
	// A wild segment with one `*` and no `?`, `[` or `\` (`*.pem`,
	// `mcp__github__*`) is matched as prefix + suffix, without path.Match.
	star           bool
	prefix, suffix string
}

// Compile parses a pattern. Every segment counts, empty ones included:
// "/etc/*" matches "/etc/passwd", not "etc/passwd".
func Compile(pattern string) (Glob, error) {
	g := Glob{src: pattern}
	if err := g.addSegs(strings.Split(pattern, "/"), false); err != nil {
		return Glob{}, fmt.Errorf("bad pattern %q: %w", pattern, err)
	}
	return g, nil
}

// MustCompile is Compile for patterns known to be valid; it panics on an
// error.
func MustCompile(pattern string) Glob {
	g, err := Compile(pattern)
	if err != nil {
		panic(err)
	}
	return g
}

// addSegs compiles segments; path patterns skip empty and "." segments.
func (g *Glob) addSegs(parts []string, clean bool) error {
	for _, s := range parts {
		if clean && (s == "" || s == ".") {
			continue
		}
		sg, err := compileSeg(s)
		if err != nil {
			return err
		}
		if n := len(g.segs); sg.dstar && n > 0 && g.segs[n-1].dstar {
			continue // "**/**" is "**"
		}
		g.segs = append(g.segs, sg)
	}
	return nil
}

func compileSeg(s string) (seg, error) {
	switch {
	case s == "**":
		return seg{dstar: true}, nil
	case strings.ContainsAny(s, "*?[\\"):
		orig := s
		s = bangClasses(s)
		if _, err := path.Match(s, ""); err != nil {
			return seg{}, syntaxError(orig)
		}
		sg := seg{lit: s, wild: true}
		if strings.Count(s, "*") == 1 && !strings.ContainsAny(s, "?[\\") {
			sg.star = true
			sg.prefix, sg.suffix, _ = strings.Cut(s, "*")
		}
		return sg, nil
	}
	return seg{lit: s}, nil
}

// syntaxError says what is wrong with a segment path.Match refused.
func syntaxError(s string) error {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i++; i == len(s) {
				return fmt.Errorf("%q ends in an escaping \\ (\"/\" cannot be escaped)", s)
			}
		case '[':
			end := strings.IndexByte(s[i+1:], ']')
			if end < 0 {
				return fmt.Errorf("unclosed [ in %q", s)
			}
			i += end + 1
		}
	}
	return fmt.Errorf("bad character class in %q", s)
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

// String returns the pattern as written.
func (g *Glob) String() string { return g.src }

// Match reports whether the whole of s matches.
func (g *Glob) Match(s string) bool { return matchSegs(g.segs, s) }

// MatchAncestor reports whether s names a directory that holds something
// the pattern matches through a named segment: a leading part of the
// pattern that ends in a segment other than "**" matches s. For
// ".github/workflows/**", ".github" is an ancestor; for "**/backend.tf",
// "build" is not, although "build/backend.tf" matches.
func (g *Glob) MatchAncestor(s string) bool {
	for k := 1; k < len(g.segs); k++ {
		if !g.segs[k-1].dstar && matchSegs(g.segs[:k], s) {
			return true
		}
	}
	return false
}

// LastLiteral returns the pattern's last segment when it is a plain name
// (no wildcard, no escape): the last segment of every subject the pattern
// matches. It lets a caller rule most patterns out by one comparison.
func (g *Glob) LastLiteral() (string, bool) {
	if n := len(g.segs); n > 0 && !g.segs[n-1].wild && !g.segs[n-1].dstar {
		return g.segs[n-1].lit, true
	}
	return "", false
}

// MayEndIn reports whether a subject whose last segment is name may match:
// false only when the pattern's last segment is a plain name or a one-star
// pattern (`*.pem`) that name does not match. Like LastLiteral, it lets a
// caller rule a pattern out without matching the whole subject.
func (g *Glob) MayEndIn(name string) bool {
	n := len(g.segs)
	if n == 0 {
		return false
	}
	switch last := &g.segs[n-1]; {
	case last.dstar:
		return true
	case !last.wild, last.star:
		return last.matchOne(name)
	}
	return true
}

func matchSegs(segs []seg, s string) bool {
	// Wildcard matching over segments, as for `*` over characters: on a
	// mismatch, backtrack only to the most recent `**` and let it swallow
	// one more segment. pos is the byte offset of the current segment of s;
	// len(s)+1 once every segment is consumed.
	n := len(s)
	pos, i, star, mark := 0, 0, -1, 0
	for pos <= n {
		if i < len(segs) && segs[i].dstar {
			if i == len(segs)-1 {
				return true // a trailing ** takes whatever is left
			}
			star, mark = i, pos
			i++
			continue
		}
		end := strings.IndexByte(s[pos:], '/')
		if end < 0 {
			end = n
		} else {
			end += pos
		}
		if i < len(segs) && segs[i].matchOne(s[pos:end]) {
			i, pos = i+1, end+1
			continue
		}
		if star < 0 {
			return false
		}
		if e := strings.IndexByte(s[mark:], '/'); e < 0 {
			mark = n + 1
		} else {
			mark += e + 1
		}
		i, pos = star+1, mark
	}
	for i < len(segs) && segs[i].dstar {
		i++
	}
	return i == len(segs)
}

func (sg *seg) matchOne(name string) bool {
	switch {
	case sg.star:
		return len(name) >= len(sg.prefix)+len(sg.suffix) && strings.HasPrefix(name, sg.prefix) && strings.HasSuffix(name, sg.suffix)
	case sg.wild:
		ok, _ := path.Match(sg.lit, name)
		return ok
	}
	return sg.lit == name
}

// MatchSuffix reports whether a subject that ends in the segments of s, below
// any directory, may match: some tail of the pattern matches s whole. The
// pattern's last segment must name something (a "**" tail matches any name,
// and is not counted). For "~/.aws/credentials" (home-relative
// ".aws/credentials"), "credentials" and ".aws/credentials" are suffixes;
// "x/credentials" is not.
func (g *Glob) MatchSuffix(s string) bool {
	n := len(g.segs)
	if n == 0 || g.segs[n-1].dstar || s == "" {
		return false
	}
	for k := n - 1; k >= 0; k-- {
		if matchSegs(g.segs[k:], s) {
			return true
		}
	}
	return false
}
