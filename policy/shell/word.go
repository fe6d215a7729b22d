package shell

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// word is a shell word after quote removal.
type word struct {
	val    string // unquoted value; dynamic parts keep their source text
	static bool   // no parameter, command, arithmetic or process expansion
	glob   bool   // unquoted pattern characters: the word may expand to file names
	brace  bool   // unquoted '{': the word may be a brace expansion
	plain  bool   // a single literal written exactly as val
	node   *syntax.Word
	// empty is the value when every unknown parameter in the word is
	// empty or unset ($X/ gives "/"); valid when emptyOK, which needs a
	// parameter that may be empty and no other unknown part.
	empty   string
	emptyOK bool
}

// literal reports whether w holds only plain literals and single quotes,
// so walking it for substitutions is pointless.
func literal(w *syntax.Word) bool {
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit, *syntax.SglQuoted:
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if _, ok := q.(*syntax.Lit); !ok {
					return false
				}
			}
		default:
			return false
		}
	}
	return true
}

// evalWord removes quotes from w. src is the text w's positions refer to.
func evalWord(w *syntax.Word, src string) word {
	return evalWordWith(w, src, nil)
}

// resolver gives the value of a dynamic word part when the line determines
// it; quoted says the part is inside double quotes.
type resolver func(p syntax.WordPart, quoted bool) (string, bool)

// evalWordWith is evalWord that asks known for the value of each dynamic
// part; a part it resolves counts as static.
func evalWordWith(w *syntax.Word, src string, known resolver) word {
	out := word{static: true, node: w}
	if len(w.Parts) == 1 {
		// Fast path: a plain literal needs no copying.
		if l, ok := w.Parts[0].(*syntax.Lit); ok && !strings.ContainsAny(l.Value, "\\*?[{") {
			out.val, out.plain = l.Value, true
			return out
		}
	}
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			unquoteLit(&b, p.Value, &out)
		case *syntax.SglQuoted:
			if p.Dollar {
				ansiC(&b, p.Value)
			} else {
				b.WriteString(p.Value)
			}
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if l, ok := q.(*syntax.Lit); ok {
					unescape(&b, l.Value, "$`\"\\\n")
				} else if v, ok := resolve(known, q, true); ok {
					b.WriteString(v)
				} else {
					out.static = false
					b.WriteString(source(src, q))
				}
			}
		case *syntax.ExtGlob:
			out.glob = true
			b.WriteString(source(src, p))
		default:
			if v, ok := resolve(known, p, false); ok {
				// Unquoted: the value is subject to globbing.
				out.glob = out.glob || strings.ContainsAny(v, "*?[")
				b.WriteString(v)
				continue
			}
			out.static = false
			b.WriteString(source(src, p))
		}
	}
	out.val = b.String()
	if !out.static {
		out.empty, out.emptyOK = emptyValue(w, known)
	}
	return out
}

// emptyValue returns what w expands to when each parameter that the
// resolver does not know and that may expand to nothing does: a plain $X
// or ${X}, ${X-d}, ${X+a}, ${X:+a}, ${X%p}…, but not ${X:?}, ${#X} or
// ${X:-d} with a default written in it. False when w holds no such
// parameter or another unknown part ($(…), a guarded parameter).
func emptyValue(w *syntax.Word, known resolver) (string, bool) {
	var b strings.Builder
	var scratch word
	dropped := false
	part := func(p syntax.WordPart, quoted bool) bool {
		if _, ok := resolve(known, p, quoted); ok {
			return false // known, so not empty: left to the caller's value
		}
		pe, ok := p.(*syntax.ParamExp)
		if !ok || !mayBeEmpty(pe) {
			return false
		}
		dropped = true
		return true
	}
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			unquoteLit(&b, p.Value, &scratch)
		case *syntax.SglQuoted:
			if p.Dollar {
				ansiC(&b, p.Value)
			} else {
				b.WriteString(p.Value)
			}
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if l, ok := q.(*syntax.Lit); ok {
					unescape(&b, l.Value, "$`\"\\\n")
				} else if !part(q, true) {
					return "", false
				}
			}
		default:
			if !part(p, false) {
				return "", false
			}
		}
	}
	return b.String(), dropped
}

// mayBeEmpty reports whether a parameter expansion of an unknown
// variable may give the empty string.
func mayBeEmpty(pe *syntax.ParamExp) bool {
	if pe.Length || pe.Width || pe.Excl {
		return false
	}
	if pe.Exp == nil {
		return true
	}
	switch pe.Exp.Op {
	case syntax.ErrorUnsetOrNull:
		return false
	case syntax.DefaultUnsetOrNull, syntax.AssignUnsetOrNull:
		if pe.Exp.Word == nil {
			return true
		}
		for _, p := range pe.Exp.Word.Parts {
			switch p := p.(type) {
			case *syntax.Lit:
				if p.Value != "" {
					return false
				}
			case *syntax.SglQuoted:
				if p.Value != "" {
					return false
				}
			}
		}
		return true
	}
	return true
}

func resolve(known resolver, p syntax.WordPart, quoted bool) (string, bool) {
	if known == nil {
		return "", false
	}
	return known(p, quoted)
}

// unquoteLit writes an unquoted literal with backslash escapes removed and
// notes pattern characters.
func unquoteLit(b *strings.Builder, s string, w *word) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) {
				i++
				if s[i] != '\n' {
					b.WriteByte(s[i])
				}
			}
			continue
		case '*', '?':
			w.glob = true
		case '[':
			if strings.IndexByte(s[i+1:], ']') >= 0 {
				w.glob = true
			}
		case '{':
			w.brace = true
		}
		b.WriteByte(c)
	}
}

// unescape writes s, dropping a backslash before any byte in special
// (double-quote and heredoc rules); an escaped newline disappears.
func unescape(b *strings.Builder, s, special string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && strings.IndexByte(special, s[i+1]) >= 0 {
			i++
			if s[i] != '\n' {
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(c)
	}
}

// heredocBody returns the static body of a heredoc redirection.
func heredocBody(r *syntax.Redirect) (string, bool) {
	if r.Hdoc == nil {
		return "", true
	}
	quoted := r.Word == nil
	if r.Word != nil {
		for _, p := range r.Word.Parts {
			switch p := p.(type) {
			case *syntax.Lit:
				if strings.IndexByte(p.Value, '\\') >= 0 {
					quoted = true
				}
			default:
				quoted = true
			}
		}
	}
	var b strings.Builder
	for _, p := range r.Hdoc.Parts {
		l, ok := p.(*syntax.Lit)
		if !ok {
			return "", false
		}
		if quoted {
			b.WriteString(l.Value)
		} else {
			unescape(&b, l.Value, "$`\\\n")
		}
	}
	return b.String(), true
}

// ansiC writes the value of a $'…' string.
func ansiC(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'e', 'E':
			b.WriteByte(0x1b)
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '\\', '\'', '"', '?':
			b.WriteByte(e)
		case 'c':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i] & 0x1f)
			} else {
				b.WriteString("\\c")
			}
		case 'x', 'u', 'U':
			max := 2
			switch e {
			case 'u':
				max = 4
			case 'U':
				max = 8
			}
			j := i + 1
			for j < len(s) && j-i-1 < max && isHex(s[j]) {
				j++
			}
			if j == i+1 {
				b.WriteByte('\\')
				b.WriteByte(e)
				continue
			}
			n, _ := strconv.ParseUint(s[i+1:j], 16, 32)
			if e == 'x' {
				b.WriteByte(byte(n))
			} else if r := rune(n); utf8.ValidRune(r) {
				b.WriteRune(r)
			}
			i = j - 1
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(s) && j-i < 3 && s[j] >= '0' && s[j] <= '7' {
				j++
			}
			n, _ := strconv.ParseUint(s[i:j], 8, 16)
			b.WriteByte(byte(n))
			i = j - 1
		default:
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// braceExpands reports whether w holds a real brace expansion such as
// {a,b} or {1..3}, which the parser leaves as literal text.
func braceExpands(w *syntax.Word) bool {
	if w == nil {
		return false
	}
	cp := syntax.Word{Parts: append([]syntax.WordPart(nil), w.Parts...)}
	return syntax.SplitBraces(&cp)
}

// maxPrintf bounds the output printfStatic builds.
const maxPrintf = 4096

// printfStatic returns what bash's printf prints for static arguments
// (format first): the escapes of the format, %s %b %c %d %i %u %x %X %o and
// %%, with flags and widths, the format reused while arguments remain.
// printf -v, and conversions it does not know, are not read.
func printfStatic(args []string) (string, bool) {
	if len(args) == 0 || args[0] == "-v" || strings.HasPrefix(args[0], "-") && args[0] != "--" {
		return "", false
	}
	if args[0] == "--" {
		args = args[1:]
		if len(args) == 0 {
			return "", false
		}
	}
	format, rest := args[0], args[1:]
	var b strings.Builder
	for {
		used := 0
		next := func() string {
			if used < len(rest) {
				used++
				return rest[used-1]
			}
			return ""
		}
		for i := 0; i < len(format); i++ {
			c := format[i]
			switch {
			case c == '\\':
				j := min(i+2, len(format))
				if j == i+2 {
					switch e := format[i+1]; {
					case e >= '0' && e <= '7':
						for j < len(format) && j-i < 4 && format[j] >= '0' && format[j] <= '7' {
							j++
						}
					case e == 'x':
						for j < len(format) && j-i < 4 && isHex(format[j]) {
							j++
						}
					}
				}
				ansiC(&b, format[i:j])
				i = j - 1
			case c != '%':
				b.WriteByte(c)
			case i+1 < len(format) && format[i+1] == '%':
				b.WriteByte('%')
				i++
			default:
				j := i + 1
				for j < len(format) && strings.IndexByte("-+ #0123456789.", format[j]) >= 0 {
					j++
				}
				if j >= len(format) || strings.IndexByte(format[i+1:j], '*') >= 0 {
					return "", false
				}
				spec := format[i:j]
				switch verb := format[j]; verb {
				case 's':
					b.WriteString(fmt.Sprintf(spec+"s", next()))
				case 'b':
					var e strings.Builder
					ansiC(&e, next())
					b.WriteString(fmt.Sprintf(spec+"s", e.String()))
				case 'c':
					if v := next(); v != "" {
						b.WriteByte(v[0])
					}
				case 'd', 'i', 'u', 'x', 'X', 'o':
					v := next()
					n, err := strconv.ParseInt(v, 0, 64)
					if err != nil && v != "" {
						return "", false
					}
					if verb == 'i' || verb == 'u' {
						verb = 'd'
					}
					b.WriteString(fmt.Sprintf(spec+string(verb), n))
				default:
					return "", false
				}
				i = j
			}
			if b.Len() > maxPrintf {
				return "", false
			}
		}
		rest = rest[used:]
		if used == 0 || len(rest) == 0 {
			break
		}
	}
	return b.String(), true
}
