package sqlscan

import (
	"strings"
)

// Effect is what a statement does to a database's data, ordered from
// least to most.
type Effect uint8

const (
	None       Effect = iota // no statement
	Read                     // reads (SELECT, SHOW, EXPLAIN, psql's \d…, transaction control)
	Write                    // changes rows or schema without losing data wholesale, or unknown
	Destroy                  // drops, truncates, deletes or updates every row, grants everything
	DestroyAll               // drops a whole database or schema (or, for Redis, every database); String is "destroy" too
)

func (e Effect) String() string {
	switch e {
	case None:
		return ""
	case Read:
		return "read"
	case Write:
		return "write"
	}
	return "destroy"
}

// Kind is the kind of a token.
type Kind uint8

const (
	Space   Kind = iota // white space
	Comment             // -- … or /* … */ (nested, as PostgreSQL allows), # … (MySQL)
	Word                // a keyword or bare identifier
	Quoted              // a quoted identifier: "x", `x`, [x]
	String              // a string literal: '…', E'…', N'…', $tag$…$tag$
	Number              // digits
	Symbol              // one character of punctuation
	Meta                // a psql meta-command line (\d, \copy …)
)

// Token is a piece of SQL text. The texts of Tokens(s) put together are s.
type Token struct {
	Kind Kind
	Text string
}

// maxTokens bounds the work on one text; what lies beyond is one Symbol
// token (and a statement that is not understood).
const maxTokens = 1 << 16

// Tokens splits SQL text into tokens.
func Tokens(s string) []Token {
	var out []Token
	i := 0
	lineStart := true
	for i < len(s) {
		if len(out) >= maxTokens {
			out = append(out, Token{Symbol, s[i:]})
			break
		}
		j, k := scan(s, i, lineStart)
		if k == Space {
			if strings.IndexByte(s[i:j], '\n') >= 0 {
				lineStart = true
			}
		} else {
			lineStart = false
		}
		out = append(out, Token{k, s[i:j]})
		i = j
	}
	return out
}

// scan returns the end of the token at i and its kind.
func scan(s string, i int, lineStart bool) (int, Kind) {
	c := s[i]
	switch {
	case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
		j := i + 1
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r' || s[j] == '\f' || s[j] == '\v') {
			j++
		}
		return j, Space
	case c == '-' && i+1 < len(s) && s[i+1] == '-', c == '#':
		return lineEnd(s, i), Comment
	case c == '/' && i+1 < len(s) && s[i+1] == '*':
		depth, j := 1, i+2
		for j < len(s) && depth > 0 {
			switch {
			case s[j] == '*' && j+1 < len(s) && s[j+1] == '/':
				depth--
				j += 2
			case s[j] == '/' && j+1 < len(s) && s[j+1] == '*':
				depth++
				j += 2
			default:
				j++
			}
		}
		return j, Comment
	case c == '\\' && lineStart:
		return lineEnd(s, i), Meta
	case c == '\'':
		return quoted(s, i, '\'', true), String
	case c == '"':
		return quoted(s, i, '"', false), Quoted
	case c == '`':
		return quoted(s, i, '`', false), Quoted
	case c == '[':
		j := strings.IndexByte(s[i+1:], ']')
		if j < 0 {
			return len(s), Quoted
		}
		return i + 1 + j + 1, Quoted
	case c == '$':
		if end, ok := dollarQuoted(s, i); ok {
			return end, String
		}
		return i + 1, Symbol
	case c >= '0' && c <= '9':
		j := i + 1
		for j < len(s) && (isWordByte(s[j]) || s[j] == '.') {
			j++
		}
		return j, Number
	case isWordByte(c) || c >= 0x80:
		j := i + 1
		for j < len(s) && (isWordByte(s[j]) || s[j] == '$' || s[j] >= 0x80) {
			j++
		}
		// E'…', N'…', B'…', X'…', U&'…': a prefixed string literal.
		if j < len(s) && s[j] == '\'' && j-i <= 2 {
			return quoted(s, j, '\'', true), String
		}
		return j, Word
	}
	return i + 1, Symbol
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func lineEnd(s string, i int) int {
	if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(s)
}

// quoted returns the end of the literal opened by q at i: a doubled q is
// one q inside it; backslash escapes the next byte in strings (MySQL, E”).
// An unterminated literal runs to the end.
func quoted(s string, i int, q byte, backslash bool) int {
	j := i + 1
	for j < len(s) {
		switch s[j] {
		case '\\':
			if backslash {
				j += 2
				continue
			}
		case q:
			if j+1 < len(s) && s[j+1] == q {
				j += 2
				continue
			}
			return j + 1
		}
		j++
	}
	return len(s)
}

// dollarQuoted reads a PostgreSQL $tag$…$tag$ string at i.
func dollarQuoted(s string, i int) (int, bool) {
	j := i + 1
	for j < len(s) && (isWordByte(s[j]) && !(j == i+1 && s[j] >= '0' && s[j] <= '9')) {
		j++
	}
	if j >= len(s) || s[j] != '$' {
		return 0, false
	}
	tag := s[i : j+1]
	k := strings.Index(s[j+1:], tag)
	if k < 0 {
		return len(s), true
	}
	return j + 1 + k + len(tag), true
}

// Classify returns the strongest effect of the statements in SQL text.
func Classify(s string) Effect {
	return classify(s, 0)
}

// maxDepth bounds the code inside strings (DO $$…$$, EXECUTE '…') that is
// classified in turn.
const maxDepth = 3

func classify(s string, depth int) Effect {
	var stmt []Token
	worst := None
	flush := func() {
		if len(stmt) > 0 {
			if e := statement(stmt, depth); e > worst {
				worst = e
			}
			stmt = stmt[:0]
		}
	}
	for _, t := range Tokens(s) {
		switch t.Kind {
		case Space, Comment:
			continue
		case Meta:
			flush()
			if e := meta(t.Text); e > worst {
				worst = e
			}
			continue
		case Symbol:
			if t.Text == ";" {
				flush()
				continue
			}
		}
		stmt = append(stmt, t)
	}
	flush()
	return worst
}

// meta classifies a psql backslash command: \d, \l, \dt… read; \copy
// writes; \i and \ir run a file (not seen: a write); \! runs a shell.
func meta(line string) Effect {
	f := strings.Fields(line)
	if len(f) == 0 {
		return Read
	}
	switch f[0] {
	case "\\!", "\\o", "\\w", "\\g", "\\gexec", "\\i", "\\ir", "\\include", "\\include_relative", "\\copy", "\\set", "\\lo_import", "\\lo_unlink", "\\e", "\\ef", "\\ev":
		// \g and \gexec run the query buffer, which may be anything.
		if f[0] == "\\!" {
			return Destroy
		}
		return Write
	}
	return Read
}

func upper(t Token) string {
	if t.Kind != Word {
		return ""
	}
	return strings.ToUpper(t.Text)
}

// has reports whether a word of ws (outside strings and quotes) is w.
func has(ts []Token, w ...string) bool {
	for _, t := range ts {
		u := upper(t)
		for _, x := range w {
			if u == x {
				return true
			}
		}
	}
	return false
}

// statement classifies one statement (no comments, spaces or ';').
func statement(ts []Token, depth int) Effect {
	// Parenthesised or labelled heads: ( SELECT … ) reads like SELECT.
	for len(ts) > 0 && ts[0].Kind == Symbol && ts[0].Text == "(" {
		ts = ts[1:]
	}
	if len(ts) == 0 {
		return None
	}
	switch upper(ts[0]) {
	case "SELECT":
		if has(ts, "INTO") && !has(ts, "FROM") {
			return Read // SELECT … INTO a variable or nothing is rare; INTO with FROM creates a table
		}
		if has(ts, "INTO") {
			return Write
		}
		return Read
	case "SHOW", "DESCRIBE", "DESC", "VALUES", "TABLE", "BEGIN", "COMMIT", "ROLLBACK", "START", "END", "SAVEPOINT", "RELEASE",
		"USE", "LISTEN", "UNLISTEN", "FETCH", "CLOSE", "DECLARE", "ABORT", "CHECKPOINT", "DEALLOCATE", "DISCARD", "HELP", "LIST", "PRINT", "GO":
		return Read
	case "SET", "RESET":
		if has(ts, "PASSWORD", "ROLE") && has(ts, "SUPERUSER") {
			return Destroy
		}
		return Read
	case "PRAGMA":
		for _, t := range ts {
			if t.Kind == Symbol && t.Text == "=" {
				return Write
			}
		}
		return Read
	case "EXPLAIN":
		rest := ts[1:]
		analyze := false
		for len(rest) > 0 {
			switch u := upper(rest[0]); {
			case u == "ANALYZE" || u == "ANALYSE":
				analyze = true
				rest = rest[1:]
				continue
			case u == "VERBOSE" || u == "QUERY" || u == "PLAN" || u == "FORMAT" || u == "EXTENDED" || u == "FOR":
				rest = rest[1:]
				continue
			case rest[0].Kind == Symbol && rest[0].Text == "(":
				// EXPLAIN (ANALYZE, …) stmt
				for len(rest) > 0 && !(rest[0].Kind == Symbol && rest[0].Text == ")") {
					if u := upper(rest[0]); u == "ANALYZE" || u == "ANALYSE" {
						analyze = true
					}
					rest = rest[1:]
				}
				if len(rest) > 0 {
					rest = rest[1:]
				}
				continue
			}
			break
		}
		if !analyze {
			return Read
		}
		if e := statement(rest, depth); e > Read {
			return e
		}
		return Read
	case "WITH":
		// A CTE's own statements decide: WITH x AS (DELETE FROM t) …
		worst := Read
		for i, t := range ts {
			switch upper(t) {
			case "DELETE", "UPDATE":
				if e := statement(ts[i:], depth); e > worst {
					worst = e
				}
			case "INSERT", "MERGE":
				if worst < Write {
					worst = Write
				}
			}
		}
		return worst
	case "DROP", "TRUNCATE":
		if len(ts) > 1 && ts[0].Kind == Word && strings.EqualFold(ts[0].Text, "DROP") {
			for _, t := range ts[1:] {
				if t.Kind == Word {
					if strings.EqualFold(t.Text, "DATABASE") || strings.EqualFold(t.Text, "SCHEMA") || strings.EqualFold(t.Text, "OWNED") {
						return DestroyAll
					}
					break
				}
			}
		}
		return Destroy
	case "DELETE", "UPDATE":
		// Without WHERE every row goes (or changes); a WHERE anywhere at this
		// statement's level limits it. A subquery's WHERE does not count.
		level := 0
		for _, t := range ts[1:] {
			if t.Kind == Symbol {
				switch t.Text {
				case "(":
					level++
				case ")":
					level--
				}
				continue
			}
			if level == 0 {
				switch upper(t) {
				case "WHERE", "LIMIT":
					return Write
				case "CURRENT": // WHERE CURRENT OF handled by WHERE
				}
			}
		}
		return Destroy
	case "ALTER":
		if has(ts, "DROP", "SUPERUSER") {
			return Destroy
		}
		return Write
	case "GRANT":
		if has(ts, "ALL", "SUPERUSER") || has(ts, "PUBLIC") {
			return Destroy
		}
		return Write
	case "CREATE":
		if has(ts, "SUPERUSER") {
			return Destroy
		}
		return Write
	case "COPY":
		if has(ts, "PROGRAM") {
			return Destroy // runs a shell command as the database server
		}
		if has(ts, "TO") && !has(ts, "FROM") {
			return Read
		}
		return Write
	case "DO", "EXECUTE", "EXEC", "CALL", "PREPARE":
		// The code is often in a string: judge it too.
		worst := Write
		if depth < maxDepth {
			for _, t := range ts[1:] {
				if t.Kind == String {
					if e := code(unquote(t.Text), depth+1); e > worst {
						worst = e
					}
				}
			}
		}
		return worst
	}
	return Write
}

// code classifies the text of a procedural block (DO $$…$$, EXECUTE
// '…'): its statements, and any DROP or TRUNCATE or code string inside
// it wherever it stands (BEGIN … END, IF … THEN).
func code(s string, depth int) Effect {
	worst := classify(s, depth)
	for _, t := range Tokens(s) {
		switch {
		case t.Kind == Word && (strings.EqualFold(t.Text, "DROP") || strings.EqualFold(t.Text, "TRUNCATE")):
			return Destroy
		case t.Kind == String && depth < maxDepth:
			if e := code(unquote(t.Text), depth+1); e > worst {
				worst = e
			}
		}
	}
	return worst
}

// unquote returns the text inside a string literal token.
func unquote(s string) string {
	if strings.HasPrefix(s, "$") {
		if i := strings.IndexByte(s[1:], '$'); i >= 0 {
			tag := s[:i+2]
			s = strings.TrimPrefix(s, tag)
			return strings.TrimSuffix(s, tag)
		}
		return s
	}
	if i := strings.IndexByte(s, '\''); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSuffix(s, "'")
	return strings.ReplaceAll(s, "''", "'")
}
