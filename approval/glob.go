package approval

import (
	"fmt"
	"regexp"
	"strings"
)

// glob matches a target, repository or environment: "*" and "?" stay
// within one "/"-separated segment, "**" crosses segments, "[...]" is a
// character class ("[!...]" negates). An empty glob matches everything.
// Globs compile to regular expressions, so matching is linear in the input
// however the pattern looks.
type glob struct {
	re *regexp.Regexp
}

func compileGlob(src string) (glob, error) {
	if src == "" {
		return glob{}, nil
	}
	var b strings.Builder
	b.WriteString(`^`)
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch c {
		case '*':
			if i+1 < len(src) && src[i+1] == '*' {
				b.WriteString(`.*`)
				i++
			} else {
				b.WriteString(`[^/]*`)
			}
		case '?':
			b.WriteString(`[^/]`)
		case '[':
			end := strings.IndexByte(src[i+1:], ']')
			if end < 0 {
				return glob{}, fmt.Errorf("bad pattern %q: unclosed [", src)
			}
			class := src[i+1 : i+1+end]
			if class == "" || class == "!" {
				return glob{}, fmt.Errorf("bad pattern %q: empty character class", src)
			}
			neg := strings.HasPrefix(class, "!") || strings.HasPrefix(class, "^")
			if neg {
				class = class[1:]
			}
			b.WriteByte('[')
			if neg {
				b.WriteByte('^')
			}
			for _, r := range class {
				if r == '-' {
					b.WriteRune(r)
					continue
				}
				b.WriteString(regexp.QuoteMeta(string(r)))
			}
			b.WriteByte(']')
			i += end + 1
		default:
			b.WriteString(regexp.QuoteMeta(src[i : i+1]))
		}
	}
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return glob{}, fmt.Errorf("bad pattern %q: %w", src, err)
	}
	return glob{re: re}, nil
}

func (g glob) match(s string) bool { return g.re == nil || g.re.MatchString(s) }
