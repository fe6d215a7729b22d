package policy

import (
	"strings"

	"github.com/cavra-dev/cavra/internal/mcptool"
)

// sqlEffect is what a statement does to data.
type sqlEffect uint8

const (
	sqlWrite   sqlEffect = iota // changes data, or not understood
	sqlRead                     // only reads
	sqlDestroy                  // drops, truncates, or deletes or updates every row
)

// sqlVerdict is what classifySQL found.
type sqlVerdict struct {
	effect       sqlEffect
	verb         string // the statement's first word, upper case
	irreversible bool   // a DROP: the object goes with its rows
	runs         bool   // runs programs or touches the server's files (COPY … PROGRAM, xp_cmdshell, INTO OUTFILE, pg_read_file…)
}

// classifySQL is the hook through which MCP SQL arguments are judged. It
// is deliberately small and errs towards "write": a statement is a read
// only when every statement of the text begins with a read verb and no
// word anywhere in it (string literals included) is one that changes
// data or calls out of the database. It is to be replaced by the
// project's SQL analyser (item 7 of issue 13) when that lands: map its
// read/write/destroy onto sqlEffect and keep irreversible for DROP.
var classifySQL = func(text string) sqlVerdict {
	words := mcptool.Words(text)
	v := sqlVerdict{effect: sqlWrite}
	for i, w := range words {
		next := ""
		if i+1 < len(words) {
			next = words[i+1]
		}
		if w == "program" && hasWord(words[:i], "copy") || w == "xp" && next == "cmdshell" || w == "outfile" || w == "dumpfile" ||
			w == "load" && next == "file" || w == "pg" && (next == "read" || next == "ls" || next == "execute") || w == "lo" && (next == "import" || next == "export") {
			return sqlVerdict{effect: sqlWrite, verb: strings.ToUpper(w), runs: true}
		}
	}
	stmts := splitStatements(text)
	if len(words) == 0 || len(stmts) == 0 {
		return v
	}
	readOnly := true
	for _, st := range stmts {
		w := mcptool.Words(stripLeading(st))
		if len(w) == 0 {
			continue
		}
		first := strings.ToUpper(w[0])
		if v.verb == "" {
			v.verb = first
		}
		switch first {
		case "DROP":
			return sqlVerdict{effect: sqlDestroy, verb: first, irreversible: true}
		case "TRUNCATE":
			return sqlVerdict{effect: sqlDestroy, verb: first}
		case "DELETE", "UPDATE":
			if !hasWord(w, "where") {
				return sqlVerdict{effect: sqlDestroy, verb: first}
			}
			readOnly = false
		case "SELECT", "WITH", "SHOW", "EXPLAIN", "DESCRIBE", "DESC", "VALUES", "TABLE":
		default:
			readOnly = false
		}
	}
	if !readOnly {
		return v
	}
	for _, w := range words {
		if sqlChanging[w] {
			return v
		}
	}
	v.effect = sqlRead
	return v
}

// sqlChanging are words that make a statement more than a read: data
// changes, DDL, calls, file and network access, session changes. mcptool's
// word split makes pg_read_file "pg", "read", "file": the "pg" prefix
// words (PostgreSQL's admin functions) count too.
var sqlChanging = map[string]bool{"insert": true, "update": true, "delete": true, "drop": true, "truncate": true, "alter": true,
	"create": true, "grant": true, "revoke": true, "merge": true, "replace": true, "call": true, "exec": true, "execute": true,
	"copy": true, "into": true, "lock": true, "vacuum": true, "reindex": true, "cluster": true, "set": true, "do": true,
	"outfile": true, "dumpfile": true, "load": true, "dblink": true, "xp": true, "sp": true, "attach": true, "pragma": true,
	"nextval": true, "setval": true, "sleep": true, "benchmark": true, "upsert": true, "rename": true, "comment": true, "import": true, "pg": true, "lo": true}

func hasWord(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

// splitStatements splits at semicolons outside quotes (a quote the text
// does not close runs to its end).
func splitStatements(s string) []string {
	var out []string
	start, q := 0, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '\'' || c == '"' || c == '`':
			q = c
		case c == ';':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	out = append(out, s[start:])
	var kept []string
	for _, st := range out {
		if strings.TrimSpace(st) != "" {
			kept = append(kept, st)
		}
	}
	return kept
}

// stripLeading drops the white space, comments and opening parentheses
// before a statement's first word.
func stripLeading(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n(")
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = s[i+2:]
		default:
			return s
		}
	}
}
