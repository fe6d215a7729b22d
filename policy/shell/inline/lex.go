package inline

import (
	"errors"
	"fmt"
	"strings"
)

// Lang is a language family whose one-liners the package reads.
type Lang int

// The language families.
const (
	Python     Lang = iota + 1 // python, pypy
	JavaScript                 // node, deno, bun (TypeScript lexes the same for these purposes)
	Ruby
	Perl
	PHP
	Awk
)

func (l Lang) String() string {
	switch l {
	case Python:
		return "python"
	case JavaScript:
		return "javascript"
	case Ruby:
		return "ruby"
	case Perl:
		return "perl"
	case PHP:
		return "php"
	case Awk:
		return "awk"
	}
	return "unknown"
}

// Kind is what a token is.
type Kind uint8

// Token kinds.
const (
	Space   Kind = iota + 1 // white space, including newlines
	Comment                 // a comment; data
	Ident                   // a name; with its sigil in Perl, PHP and Ruby ($x, @x, %x, @@x, :sym)
	Number
	String // a string literal, a regular expression, a heredoc head or a command string
	Punct  // an operator or bracket
	Data   // text that is not code: a heredoc body, PHP text outside <?php ?>, Perl's __END__
)

// Token is one lexeme. Tokens of a Tokenize result are contiguous and
// concatenate back to the input.
type Token struct {
	Kind       Kind
	Start, End int // byte offsets in the input
	// For String: Value is the literal's value with simple escapes
	// decoded; an interpolation stands in it as $NAME for a well-known
	// environment variable and as ${?} for anything else.
	Value  string
	Interp bool   // String: part of the value is computed at run time (anything but $HOME-like env vars)
	Exec   bool   // String: a command string the language runs in a shell (`…`, %x(), qx//)
	Regex  bool   // String: a regular expression (or Perl's s///, tr///)
	Eval   int    // String: Perl s///e (1) or s///ee (2): the replacement is code, or computed code
	Code   []Span // String: code embedded in the literal (f-string {…}, ${…}, #{…}, @{[…]}), absolute offsets
	NL     bool   // a newline comes between this token and the previous code token
}

// Span is a range of the input.
type Span struct{ Start, End int }

// ErrLex is returned, wrapped, for code the lexer cannot tokenize
// (an unterminated string or comment, interpolation nested too deep).
var ErrLex = errors.New("inline: cannot tokenize")

// MaxDepth bounds nesting of code inside string interpolation.
const MaxDepth = 32

type lexer struct {
	lang    Lang
	src     string
	pos     int
	toks    []Token
	depth   int
	pending []heredoc // heredocs whose bodies start at the next newline (Ruby, Perl)
	phpText bool      // PHP: outside <?php … ?>
	lastNL  bool
	err     error
}

type heredoc struct {
	tok    int // index of the head token
	term   string
	indent bool // <<~ / <<- : the terminator may be indented
	interp bool
}

// Tokenize splits src into tokens of lang. For PHP, the text is code from
// the start (php -r); a script read from standard input starts as text
// (see TokenizeScript).
func Tokenize(lang Lang, src string) ([]Token, error) {
	l := &lexer{lang: lang, src: src}
	if err := l.run(false); err != nil {
		return nil, err
	}
	return l.toks, nil
}

// TokenizeScript is Tokenize for a whole script file (a heredoc fed to the
// interpreter): PHP starts outside <?php, Perl stops at __END__/__DATA__.
func TokenizeScript(lang Lang, src string) ([]Token, error) {
	l := &lexer{lang: lang, src: src, phpText: lang == PHP}
	if err := l.run(false); err != nil {
		return nil, err
	}
	return l.toks, nil
}

func (l *lexer) errf(format string, args ...any) error {
	return fmt.Errorf("%w: %s %s at byte %d", ErrLex, l.lang, fmt.Sprintf(format, args...), l.pos)
}

func (l *lexer) add(k Kind, start int) *Token {
	t := Token{Kind: k, Start: start, End: l.pos}
	if k != Space && k != Comment && k != Data {
		t.NL = l.lastNL
		l.lastNL = false
	}
	l.toks = append(l.toks, t)
	return &l.toks[len(l.toks)-1]
}

// prevCode returns the last code token, or nil.
func (l *lexer) prevCode() *Token {
	for i := len(l.toks) - 1; i >= 0; i-- {
		if k := l.toks[i].Kind; k != Space && k != Comment && k != Data {
			return &l.toks[i]
		}
	}
	return nil
}

// operandEnded reports whether the previous token ends an operand, so that
// a following / divides rather than opens a regular expression.
func (l *lexer) operandEnded() bool {
	p := l.prevCode()
	if p == nil {
		return false
	}
	text := l.src[p.Start:p.End]
	switch p.Kind {
	case Number, String:
		return true
	case Ident:
		switch text {
		case "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else",
			"and", "or", "not", "if", "unless", "while", "until", "when", "split", "grep", "map", "join", "push", "unshift", "x", "lt", "gt", "le", "ge", "eq", "ne", "cmp", "print", "puts", "yield":
			return false
		}
		return true
	case Punct:
		return text == ")" || text == "]" || text == "}"
	}
	return false
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// run lexes until the end of input or, when stopBrace, until the } that
// closes an interpolation (l.pos is left on it).
func (l *lexer) run(stopBrace bool) error {
	brace := 0
	for l.pos < len(l.src) {
		if l.phpText {
			l.lexPHPText()
			continue
		}
		c := l.src[l.pos]
		start := l.pos
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v':
			for l.pos < len(l.src) && strings.IndexByte(" \t\r\n\f\v", l.src[l.pos]) >= 0 {
				if l.src[l.pos] == '\n' {
					l.lastNL = true
					if len(l.pending) > 0 {
						l.pos++
						l.add(Space, start)
						if err := l.heredocBodies(); err != nil {
							return err
						}
						start = l.pos
						continue
					}
				}
				l.pos++
			}
			if l.pos > start {
				l.add(Space, start)
			}
			continue
		case l.comment():
			if l.err != nil {
				return l.err
			}
			continue
		case stopBrace && c == '}' && brace == 0:
			return nil
		}
		if ok, err := l.literal(); err != nil {
			return err
		} else if ok {
			continue
		}
		switch {
		case c >= '0' && c <= '9' || c == '.' && l.pos+1 < len(l.src) && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9':
			for l.pos < len(l.src) && (isIdentChar(l.src[l.pos]) || l.src[l.pos] == '.' && l.pos+1 < len(l.src) && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9') {
				l.pos++
			}
			l.add(Number, start)
		case isIdentStart(c) || l.sigil(c):
			l.pos++
			if l.lang == Perl && c == '$' && l.pos < len(l.src) && strings.IndexByte("&`'+!@/\\,;.0123456789_<>[]^$", l.src[l.pos]) >= 0 && !(l.pos+1 < len(l.src) && isIdentChar(l.src[l.pos]) && l.src[l.pos] == '_' && isIdentChar(l.src[l.pos+1])) {
				l.pos++ // punctuation variables: $_, $0, $@, $$
				for l.pos < len(l.src) && l.src[l.pos] >= '0' && l.src[l.pos] <= '9' {
					l.pos++
				}
				l.add(Ident, start)
				continue
			}
			for l.pos < len(l.src) && (isIdentChar(l.src[l.pos]) || l.src[l.pos] == '$' && l.lang != Perl && l.lang != PHP && l.lang != Ruby) {
				l.pos++
			}
			// Perl and Ruby package separators: File::Path, Net::HTTP
			for (l.lang == Perl) && l.pos+2 < len(l.src) && l.src[l.pos] == ':' && l.src[l.pos+1] == ':' && isIdentStart(l.src[l.pos+2]) {
				l.pos += 2
				for l.pos < len(l.src) && isIdentChar(l.src[l.pos]) {
					l.pos++
				}
			}
			if l.lang == Ruby && l.pos < len(l.src) && (l.src[l.pos] == '?' || l.src[l.pos] == '!') && !(l.pos+1 < len(l.src) && l.src[l.pos+1] == '=') {
				l.pos++
			}
			l.add(Ident, start)
			if l.lang == Perl && l.src[start:l.pos] == "__END__" || l.lang == Perl && l.src[start:l.pos] == "__DATA__" || l.lang == Ruby && l.src[start:l.pos] == "__END__" {
				l.pos = len(l.src)
				l.add(Data, l.toks[len(l.toks)-1].End)
			}
		default:
			l.pos++
			if l.pos < len(l.src) {
				two := l.src[start : l.pos+1]
				switch two {
				case "=>", "->", "::", "==", "!=", "<=", ">=", "&&", "||", "=~", "!~", "**", "//", "+=", "-=", ".=", "?.", "<<", ">>", "++", "--":
					l.pos++
				}
			}
			switch c {
			case '{', '(', '[':
				brace++
			case '}', ')', ']':
				brace--
			}
			if l.lang == PHP && c == '?' && l.pos < len(l.src) && l.src[l.pos] == '>' {
				l.pos++
				l.add(Punct, start)
				l.phpText = true
				continue
			}
			l.add(Punct, start)
		}
	}
	if stopBrace {
		return l.errf("unterminated interpolation")
	}
	if len(l.pending) > 0 {
		return l.errf("unterminated heredoc")
	}
	return nil
}

// sigil reports whether c starts a variable name here.
func (l *lexer) sigil(c byte) bool {
	next := byte(0)
	if l.pos+1 < len(l.src) {
		next = l.src[l.pos+1]
	}
	switch l.lang {
	case Perl:
		if c == '$' {
			return isIdentStart(next) || next != 0 && strings.IndexByte("&`'+!@/\\,;.0123456789_<>[]^$", next) >= 0 && next != '{'
		}
		return (c == '@' || c == '%') && isIdentStart(next) && !l.operandEnded()
	case PHP:
		return c == '$' && isIdentStart(next)
	case Ruby:
		return (c == '$' || c == '@') && (isIdentStart(next) || next == '@') || c == ':' && isIdentStart(next) && !(l.pos > 0 && l.src[l.pos-1] == ':')
	case JavaScript:
		return c == '$' || c == '#' && isIdentStart(next)
	}
	return false
}

// comment lexes a comment at l.pos, if one starts there.
func (l *lexer) comment() bool {
	s, start := l.src[l.pos:], l.pos
	end := -1
	switch {
	case s[0] == '#' && (l.lang == Python || l.lang == Ruby || l.lang == Perl || l.lang == PHP || l.lang == Awk) && !(l.lang == PHP && strings.HasPrefix(s, "#[")),
		strings.HasPrefix(s, "//") && (l.lang == JavaScript || l.lang == PHP),
		strings.HasPrefix(s, "#!") && l.pos == 0:
		end = strings.IndexByte(s, '\n')
		if l.lang == PHP {
			if i := strings.Index(s, "?>"); i >= 0 && (end < 0 || i < end) {
				end = i
			}
		}
		if end < 0 {
			end = len(s)
		}
	case strings.HasPrefix(s, "/*") && (l.lang == JavaScript || l.lang == PHP):
		i := strings.Index(s[2:], "*/")
		if i < 0 {
			end = -2
		} else {
			end = i + 4
		}
	case l.lang == Ruby && strings.HasPrefix(s, "=begin") && (start == 0 || l.src[start-1] == '\n'):
		i := strings.Index(s, "\n=end")
		if i < 0 {
			end = -2
		} else {
			end = i + 5
			for end < len(s) && s[end] != '\n' {
				end++
			}
		}
	case l.lang == Perl && s[0] == '=' && len(s) > 1 && isIdentStart(s[1]) && (start == 0 || l.src[start-1] == '\n'):
		// POD
		i := strings.Index(s, "\n=cut")
		if i < 0 {
			end = len(s)
		} else {
			end = i + 5
			for end < len(s) && s[end] != '\n' {
				end++
			}
		}
	default:
		return false
	}
	if end == -2 {
		// Unterminated block comment: it comments out the rest; the
		// interpreter rejects it, so nothing of it runs. Still, fail closed.
		l.err = l.errf("unterminated comment")
		return true
	}
	l.pos = start + end
	l.add(Comment, start)
	return true
}

// lexPHPText lexes text outside <?php … ?> up to the next open tag.
func (l *lexer) lexPHPText() {
	start := l.pos
	s := l.src[l.pos:]
	i := strings.Index(s, "<?")
	if i < 0 {
		l.pos = len(l.src)
		l.add(Data, start)
		return
	}
	if i > 0 {
		l.pos += i
		l.add(Data, start)
		start = l.pos
	}
	rest := l.src[l.pos+2:]
	n := 2
	switch {
	case strings.HasPrefix(strings.ToLower(rest), "php"):
		n += 3
	case strings.HasPrefix(rest, "="):
		n++
	}
	l.pos += n
	l.add(Punct, start)
	l.phpText = false
}
