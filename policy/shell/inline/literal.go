package inline

import "strings"

// qstyle describes a quoted literal's body.
type qstyle struct {
	open, close byte // close delimiter; open != 0 (and != close) nests: q{a{b}c}
	escapes     bool // backslash escapes are decoded (else only \\ and \<close>, as in '…')
	interp      byte // 0 none, 'f' Python f-string, 'j' JS template, 'r' Ruby #{}, 'p' Perl $x @{[…]}, 'h' PHP $x {$…}
	triple      bool // Python: the close is three delimiters
	noNL        bool // a newline ends the literal in error (a regular expression, a Python one-line string)
}

type qresult struct {
	end    int // after the closing delimiter
	val    string
	interp bool
	code   []Span
}

// benignEnv are environment variables whose value an interpolation may
// stand for as $NAME: what they hold is the user's own location.
var benignEnv = map[string]bool{"HOME": true, "USER": true, "PWD": true, "TMPDIR": true, "LOGNAME": true}

// quoted scans a literal body from i to its closing delimiter, or to
// stop when q.close is 0.
func (l *lexer) quoted(i, stop int, q qstyle) (qresult, bool, error) {
	var b strings.Builder
	var r qresult
	nest := 0
	src := l.src
	for i < stop {
		c := src[i]
		if q.close != 0 {
			if q.open != 0 && q.open != q.close && c == q.open {
				nest++
			} else if c == q.close {
				if q.triple {
					if strings.HasPrefix(src[i:], strings.Repeat(string(c), 3)) {
						r.end, r.val = i+3, b.String()
						return r, true, nil
					}
				} else if nest == 0 {
					r.end, r.val = i+1, b.String()
					return r, true, nil
				} else {
					nest--
				}
			}
		}
		if c == '\n' && q.noNL {
			return r, false, nil
		}
		if c == '\\' && i+1 < stop {
			n := src[i+1]
			i += 2
			if !q.escapes {
				if n == '\\' || n == q.close || q.open != 0 && n == q.open {
					b.WriteByte(n)
				} else {
					b.WriteByte('\\')
					b.WriteByte(n)
				}
				continue
			}
			switch n {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case '\n':
			case 'x', 'u', 'U', 'N', 'o', 'c', 'e', 'a':
				// A character spelled by its code: the value is not what it shows.
				b.WriteString("${?}")
				r.interp = true
			default:
				if n >= '1' && n <= '7' {
					b.WriteString("${?}")
					r.interp = true
					continue
				}
				b.WriteByte(n)
			}
			continue
		}
		if q.interp != 0 {
			adv, err := l.interpolation(i, stop, q, &b, &r)
			if err != nil {
				return r, false, err
			}
			if adv > 0 {
				i = adv
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	if q.close == 0 {
		r.end, r.val = stop, b.String()
		return r, true, nil
	}
	return r, false, nil
}

// interpolation reads an interpolation at i, if one starts there, and
// returns the offset after it (0 when none starts).
func (l *lexer) interpolation(i, stop int, q qstyle, b *strings.Builder, r *qresult) (int, error) {
	src := l.src
	at := func(s string) bool { return strings.HasPrefix(src[i:stop], s) }
	code := func(from int) (int, error) { // from: first byte of the code; returns the offset of the closing }
		end, err := l.sub(from)
		if err != nil {
			return 0, err
		}
		r.code = append(r.code, Span{from, end})
		r.interp = true
		b.WriteString("${?}")
		return end + 1, nil
	}
	switch q.interp {
	case 'f':
		if at("{{") || at("}}") {
			b.WriteByte(src[i])
			return i + 2, nil
		}
		if src[i] == '{' {
			return code(i + 1)
		}
	case 'j':
		if at("${") {
			// ${process.env.HOME}: the variable, as the shell would read $HOME.
			if end, err := l.sub(i + 2); err == nil {
				if name := jsEnvRef(src[i+2 : end]); benignEnv[name] {
					b.WriteString("$" + name)
					return end + 1, nil
				}
			}
			return code(i + 2)
		}
	case 'r':
		if at("#{") {
			return code(i + 2)
		}
		if at("#@") || at("#$") {
			j := i + 2
			for j < stop && (isIdentChar(src[j]) || src[j] == '@') {
				j++
			}
			b.WriteString("${?}")
			r.interp = true
			return j, nil
		}
	case 'p', 'h':
		c := src[i]
		if c != '$' && c != '@' && !(q.interp == 'h' && at("{$")) {
			return 0, nil
		}
		if q.interp == 'h' && at("{$") {
			return code(i + 1)
		}
		if at("${") || at("@{") {
			return code(i + 2)
		}
		j := i + 1
		for j < stop && isIdentChar(src[j]) || q.interp == 'p' && j+2 < stop && src[j] == ':' && src[j+1] == ':' {
			if src[j] == ':' {
				j += 2
				continue
			}
			j++
		}
		name := src[i+1 : j]
		if name == "" || c == '@' && q.interp == 'h' {
			return 0, nil
		}
		if name[0] >= '0' && name[0] <= '9' && q.interp == 'h' {
			return 0, nil
		}
		// $ENV{HOME}, $_ENV['HOME'], $x{…}, $x[…], $x->[…]
		if j < stop && (src[j] == '{' || src[j] == '[') {
			closeC := byte('}')
			if src[j] == '[' {
				closeC = ']'
			}
			k := strings.IndexByte(src[j:stop], closeC)
			if k < 0 {
				return 0, l.errf("unterminated subscript in interpolation")
			}
			key := strings.Trim(src[j+1:j+k], `'" `)
			if (name == "ENV" || name == "_ENV" || name == "_SERVER") && benignEnv[key] {
				b.WriteString("$" + key)
				return j + k + 1, nil
			}
			if strings.ContainsAny(src[j+1:j+k], "()") {
				r.code = append(r.code, Span{j + 1, j + k})
			}
			j += k + 1
		}
		b.WriteString("${?}")
		r.interp = true
		return j, nil
	}
	return 0, nil
}

// sub lexes the code of an interpolation from i and returns the offset of
// the } that closes it.
func (l *lexer) sub(i int) (int, error) {
	if l.depth >= MaxDepth {
		return 0, l.errf("interpolation nested too deep")
	}
	s := &lexer{lang: l.lang, src: l.src, pos: i, depth: l.depth + 1}
	if err := s.run(true); err != nil {
		return 0, err
	}
	return s.pos, nil
}

// str adds a String token from start to r.end.
func (l *lexer) str(start int, r qresult) *Token {
	l.pos = r.end
	t := l.add(String, start)
	t.Value, t.Interp, t.Code = r.val, r.interp, r.code
	return t
}

func closer(c byte) byte {
	switch c {
	case '(':
		return ')'
	case '[':
		return ']'
	case '{':
		return '}'
	case '<':
		return '>'
	}
	return c
}

// literal lexes a string, regular expression or heredoc head at l.pos.
func (l *lexer) literal() (bool, error) {
	src, i := l.src, l.pos
	c := src[i]
	n := byte(0)
	if i+1 < len(src) {
		n = src[i+1]
	}
	one := func(start, body int, q qstyle) (bool, error) {
		r, ok, err := l.quoted(body, len(src), q)
		if err != nil {
			return true, err
		}
		if !ok {
			return true, l.errf("unterminated string")
		}
		l.str(start, r)
		return true, nil
	}
	switch l.lang {
	case Python:
		j := i
		for j < len(src) && j-i < 2 && strings.IndexByte("rRbBuUfF", src[j]) >= 0 {
			j++
		}
		if j < len(src) && (src[j] == '"' || src[j] == '\'') && (j == i || i == 0 || !isIdentChar(src[i-1])) {
			pre := strings.ToLower(src[i:j])
			q := qstyle{close: src[j], escapes: !strings.Contains(pre, "r"), noNL: true}
			if strings.Contains(pre, "f") {
				q.interp = 'f'
			}
			body := j + 1
			if strings.HasPrefix(src[j:], strings.Repeat(string(src[j]), 3)) {
				q.triple, q.noNL, body = true, false, j+3
			}
			return one(i, body, q)
		}
	case JavaScript:
		switch {
		case c == '"' || c == '\'':
			return one(i, i+1, qstyle{close: c, escapes: true, noNL: true})
		case c == '`':
			return one(i, i+1, qstyle{close: c, escapes: true, interp: 'j'})
		case c == '/' && n != '/' && n != '*' && !l.operandEnded():
			return l.regex(i, i+1, '/', 'j')
		}
	case Awk:
		switch {
		case c == '"':
			return one(i, i+1, qstyle{close: c, escapes: true, noNL: true})
		case c == '/' && !l.operandEnded():
			return l.regex(i, i+1, '/', 0)
		}
	case PHP:
		switch {
		case c == '\'':
			return one(i, i+1, qstyle{close: c})
		case c == '"':
			return one(i, i+1, qstyle{close: c, escapes: true, interp: 'h'})
		case c == '`':
			ok, err := one(i, i+1, qstyle{close: c, escapes: true, interp: 'h'})
			if ok && err == nil {
				l.toks[len(l.toks)-1].Exec = true
			}
			return ok, err
		case strings.HasPrefix(src[i:], "<<<"):
			return l.phpHeredoc(i)
		}
	case Ruby:
		switch {
		case c == '\'':
			return one(i, i+1, qstyle{close: c})
		case c == '"':
			return one(i, i+1, qstyle{close: c, escapes: true, interp: 'r'})
		case c == '`':
			ok, err := one(i, i+1, qstyle{close: c, escapes: true, interp: 'r'})
			if ok && err == nil {
				l.toks[len(l.toks)-1].Exec = true
			}
			return ok, err
		case c == '/' && !l.operandEnded():
			return l.regex(i, i+1, '/', 'r')
		case c == '%' && !l.operandEnded():
			j := i + 1
			kind := byte('Q')
			if j < len(src) && strings.IndexByte("qQwWiIxrs", src[j]) >= 0 {
				kind = src[j]
				j++
			}
			if j >= len(src) || isIdentChar(src[j]) || src[j] == ' ' || src[j] == '\n' || src[j] == '=' {
				return false, nil
			}
			q := qstyle{open: src[j], close: closer(src[j])}
			if strings.IndexByte("QWIxr", kind) >= 0 {
				q.escapes, q.interp = true, 'r'
			}
			ok, err := one(i, j+1, q)
			if ok && err == nil {
				t := &l.toks[len(l.toks)-1]
				t.Exec, t.Regex = kind == 'x', kind == 'r'
			}
			return ok, err
		case c == '?' && isIdentChar(n) && !l.operandEnded() && (i+2 >= len(src) || !isIdentChar(src[i+2])):
			l.pos = i + 2
			t := l.add(String, i)
			t.Value = string(n)
			return true, nil
		case c == '<' && n == '<' && !l.operandEnded():
			return l.heredocHead(i)
		}
	case Perl:
		switch {
		case c == '\'':
			return one(i, i+1, qstyle{close: c})
		case c == '"':
			return one(i, i+1, qstyle{close: c, escapes: true, interp: 'p'})
		case c == '`':
			ok, err := one(i, i+1, qstyle{close: c, escapes: true, interp: 'p'})
			if ok && err == nil {
				l.toks[len(l.toks)-1].Exec = true
			}
			return ok, err
		case c == '/' && !l.operandEnded():
			return l.regex(i, i+1, '/', 'p')
		case c == '<' && n == '<' && !l.operandEnded():
			return l.heredocHead(i)
		case isIdentStart(c) && (i == 0 || !isIdentChar(src[i-1]) && src[i-1] != '$' && src[i-1] != '@' && src[i-1] != '%' && src[i-1] != '&' && !(i > 1 && src[i-1] == '>' && src[i-2] == '-')):
			return l.perlQuote(i)
		}
	}
	return false, nil
}

// regex lexes a regular expression whose body starts at body. A / that
// does not close on its line is division after all.
func (l *lexer) regex(start, body int, close byte, interp byte) (bool, error) {
	src := l.src
	i := body
	class := false
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			return false, nil
		case c == '\\':
			i++
		case c == '[':
			class = true
		case c == ']':
			class = false
		case c == close && !class:
			i++
			for i < len(src) && (src[i] >= 'a' && src[i] <= 'z') {
				i++
			}
			l.pos = i
			t := l.add(String, start)
			t.Regex = true
			t.Value = src[body:i]
			if interp != 0 && strings.Contains(src[body:i], "${") || strings.Contains(src[body:i], "#{") {
				t.Interp = true
			}
			return true, nil
		}
		i++
	}
	return false, nil
}

// perlQuote lexes q qq qw qx qr m s tr y with their delimiters.
func (l *lexer) perlQuote(i int) (bool, error) {
	src := l.src
	j := i
	for j < len(src) && isIdentChar(src[j]) {
		j++
	}
	op := src[i:j]
	switch op {
	case "q", "qq", "qw", "qx", "qr", "m", "s", "tr", "y":
	default:
		return false, nil
	}
	k := j
	for k < len(src) && (src[k] == ' ' || src[k] == '\t') {
		k++
	}
	if k >= len(src) {
		return false, nil
	}
	d := src[k]
	if isIdentChar(d) || strings.IndexByte("=,;)\n\r\t ", d) >= 0 || d == '>' && op != "m" || k > j && d == '#' {
		return false, nil
	}
	if d == '=' || strings.HasPrefix(src[k:], "=>") {
		return false, nil
	}
	q := qstyle{open: d, close: closer(d)}
	if d != '\'' && op != "q" && op != "qw" && op != "tr" && op != "y" {
		q.escapes, q.interp = true, 'p'
	}
	r, ok, err := l.quoted(k+1, len(src), q)
	if err != nil {
		return true, err
	}
	if !ok {
		return true, l.errf("unterminated %s", op)
	}
	var repl Span
	if op == "s" || op == "tr" || op == "y" {
		e := r.end
		if q.open != q.close {
			for e < len(src) && strings.IndexByte(" \t\n", src[e]) >= 0 {
				e++
			}
			if e >= len(src) {
				return true, l.errf("unterminated %s", op)
			}
			q.open, q.close = src[e], closer(src[e])
			e++
		}
		r2, ok, err := l.quoted(e, len(src), q)
		if err != nil {
			return true, err
		}
		if !ok {
			return true, l.errf("unterminated %s", op)
		}
		repl = Span{e, r2.end - 1}
		r.code = append(r.code, r2.code...)
		r.interp = r.interp || r2.interp
		r.end = r2.end
	}
	flags := r.end
	for flags < len(src) && src[flags] >= 'a' && src[flags] <= 'z' {
		flags++
	}
	fl := src[r.end:flags]
	r.end = flags
	t := l.str(i, r)
	t.Exec = op == "qx"
	t.Regex = op == "m" || op == "s" || op == "qr" || op == "tr" || op == "y"
	if op == "s" {
		t.Eval = strings.Count(fl, "e")
		if t.Eval > 0 {
			t.Code = append(t.Code, repl)
		}
	}
	return true, nil
}

// heredocHead lexes <<ID, <<"ID", <<'ID', <<~ID, <<-ID (Ruby, Perl); the
// body is read at the next newline.
func (l *lexer) heredocHead(i int) (bool, error) {
	src := l.src
	j := i + 2
	h := heredoc{interp: true}
	if j < len(src) && (src[j] == '~' || src[j] == '-' && l.lang == Ruby) {
		h.indent = true
		j++
	}
	if j >= len(src) {
		return false, nil
	}
	switch q := src[j]; {
	case q == '"' || q == '\'' || q == '`':
		k := strings.IndexByte(src[j+1:], q)
		if k < 0 || strings.Contains(src[j+1:j+1+k], "\n") {
			return true, l.errf("unterminated heredoc tag")
		}
		h.term = src[j+1 : j+1+k]
		h.interp = q != '\''
		j += k + 2
	case isIdentStart(q) && (l.lang == Perl || q >= 'A' && q <= 'Z' || q == '_'):
		k := j
		for k < len(src) && isIdentChar(src[k]) {
			k++
		}
		h.term = src[j:k]
		j = k
	default:
		return false, nil
	}
	l.pos = j
	t := l.add(String, i)
	t.Value = "" // filled in by heredocBodies
	h.tok = len(l.toks) - 1
	l.pending = append(l.pending, h)
	return true, nil
}

// heredocBodies reads the bodies of the pending heredocs from l.pos (the
// start of a line).
func (l *lexer) heredocBodies() error {
	src := l.src
	for _, h := range l.pending {
		start := l.pos
		i := l.pos
		found := false
		for i <= len(src) {
			e := strings.IndexByte(src[i:], '\n')
			line := src[i:]
			if e >= 0 {
				line = src[i : i+e]
			}
			cmp := line
			if h.indent {
				cmp = strings.TrimLeft(cmp, " \t")
			}
			cmp = strings.TrimRight(cmp, "\r")
			if cmp == h.term {
				q := qstyle{}
				if h.interp {
					q.escapes = true
					q.interp = 'p'
					if l.lang == Ruby {
						q.interp = 'r'
					}
				}
				r, _, err := l.quoted(start, i, q)
				if err != nil {
					return err
				}
				t := &l.toks[h.tok]
				t.Value, t.Interp, t.Code = r.val, r.interp, r.code
				if e < 0 {
					l.pos = len(src)
				} else {
					l.pos = i + e + 1
				}
				found = true
				break
			}
			if e < 0 {
				break
			}
			i += e + 1
		}
		if !found {
			return l.errf("unterminated heredoc %q", h.term)
		}
		l.add(Data, start)
	}
	l.pending = l.pending[:0]
	return nil
}

// phpHeredoc lexes <<<ID … ID and <<<'ID' … ID.
func (l *lexer) phpHeredoc(i int) (bool, error) {
	src := l.src
	j := i + 3
	for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
		j++
	}
	nowdoc := false
	quote := byte(0)
	if j < len(src) && (src[j] == '\'' || src[j] == '"') {
		quote = src[j]
		nowdoc = quote == '\''
		j++
	}
	k := j
	for k < len(src) && isIdentChar(src[k]) {
		k++
	}
	if k == j {
		return false, nil
	}
	term := src[j:k]
	if quote != 0 {
		if k >= len(src) || src[k] != quote {
			return true, l.errf("bad heredoc tag")
		}
		k++
	}
	nl := strings.IndexByte(src[k:], '\n')
	if nl < 0 {
		return true, l.errf("unterminated heredoc")
	}
	body := k + nl + 1
	for p := body; p <= len(src); {
		e := strings.IndexByte(src[p:], '\n')
		line := src[p:]
		if e >= 0 {
			line = src[p : p+e]
		}
		tl := strings.TrimLeft(line, " \t")
		if strings.HasPrefix(tl, term) && (len(tl) == len(term) || !isIdentChar(tl[len(term)])) {
			q := qstyle{}
			if !nowdoc {
				q.escapes, q.interp = true, 'h'
			}
			end := p - 1
			if end < body {
				end = body
			}
			r, _, err := l.quoted(body, end, q)
			if err != nil {
				return true, err
			}
			r.end = p + (len(line) - len(tl)) + len(term)
			l.str(i, r)
			return true, nil
		}
		if e < 0 {
			break
		}
		p += e + 1
	}
	return true, l.errf("unterminated heredoc %q", term)
}

// jsEnvRef returns NAME for process.env.NAME, process.env['NAME'] and
// Bun.env.NAME; "" for anything else.
func jsEnvRef(expr string) string {
	e := strings.TrimSpace(expr)
	for _, p := range []string{"process.env", "Bun.env", "import.meta.env"} {
		rest, ok := strings.CutPrefix(e, p)
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(rest, "."):
			rest = rest[1:]
		case strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]"):
			rest = strings.Trim(rest[1:len(rest)-1], `'"`)
		default:
			return ""
		}
		for i := 0; i < len(rest); i++ {
			if !isIdentChar(rest[i]) {
				return ""
			}
		}
		return rest
	}
	return ""
}
