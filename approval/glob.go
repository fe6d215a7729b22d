package approval

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cavra-dev/cavra/internal/glob"
)

// routeGlob is a routing condition over a target, repository or
// environment, in CAVRA's glob dialect (docs/policy.md#globs): "*", "?" and
// "[...]" stay within one "/"-separated segment and a "**" segment matches
// zero or more segments, so "**/.env" matches ".env" and "iam/**" matches
// "iam". Two spellings of the routing matcher that came before keep their
// meaning, so routing files written for it route as they did:
//
//   - "**" inside a segment ("**.tf", "src/**.go", "*prod**") still
//     crosses "/": "**.tf" is "*.tf" or "*/**/*.tf";
//   - "\" is an ordinary character (routing had no escapes; Windows paths).
//
// An empty pattern matches everything: the condition is not set.
type routeGlob struct {
	alts []glob.Glob // any of them; none: match everything
}

// maxInnerStars bounds the "**" inside segments of one routing pattern:
// each doubles the globs it compiles to.
const maxInnerStars = 4

func compileGlob(src string) (routeGlob, error) {
	if src == "" {
		return routeGlob{}, nil
	}
	pats, err := routingPatterns(src)
	if err != nil {
		return routeGlob{}, fmt.Errorf("bad pattern %q: %w", src, err)
	}
	g := routeGlob{alts: make([]glob.Glob, 0, len(pats))}
	for _, p := range pats {
		c, err := glob.Compile(p)
		if err != nil {
			return routeGlob{}, fmt.Errorf("bad pattern %q: %w", src, errors.Unwrap(err))
		}
		g.alts = append(g.alts, c)
	}
	return g, nil
}

// routingPatterns rewrites a routing pattern into patterns of the dialect
// that together match what it matched: "\" is escaped, and each "**" inside
// a segment becomes either "*" (no "/" in what it matches) or "*/**/*".
func routingPatterns(src string) ([]string, error) {
	src = strings.ReplaceAll(src, `\`, `\\`)
	// Split src into literal pieces around the inner star runs.
	var pieces []string
	var b strings.Builder
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '[': // a class is literal to the end of it
			end := strings.IndexByte(src[i+1:], ']')
			if end < 0 { // unclosed: the compiler says so
				b.WriteString(src[i:])
				i = len(src)
				continue
			}
			b.WriteString(src[i : i+end+2])
			i += end + 1
		case '*':
			j := i
			for j < len(src) && src[j] == '*' {
				j++
			}
			switch {
			case j-i == 1:
				b.WriteByte('*')
			case segStart(src, i) && segEnd(src, j):
				b.WriteString("**") // a whole segment: "***" is "**" too
			default:
				pieces = append(pieces, b.String())
				b.Reset()
			}
			i = j - 1
		default:
			b.WriteByte(src[i])
		}
	}
	pieces = append(pieces, b.String())
	if n := len(pieces) - 1; n > maxInnerStars {
		return nil, fmt.Errorf("more than %d \"**\" inside segments; write them as whole segments (\"a/**/b\")", maxInnerStars)
	}
	out := []string{pieces[0]}
	for _, p := range pieces[1:] {
		next := make([]string, 0, 2*len(out))
		for _, o := range out {
			next = append(next, o+"*"+p, o+"*/**/*"+p)
		}
		out = next
	}
	return out, nil
}

func segStart(s string, i int) bool { return i == 0 || s[i-1] == '/' }
func segEnd(s string, j int) bool   { return j == len(s) || s[j] == '/' }

func (g routeGlob) match(s string) bool {
	if g.alts == nil {
		return true
	}
	for i := range g.alts {
		if g.alts[i].Match(s) {
			return true
		}
	}
	return false
}
