package sqlscan

import (
	"strings"
	"testing"
)

// quoteSQL makes s a string literal under the tokenizer's rules (doubled
// quotes, backslash escapes).
func quoteSQL(s string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", "''") + "'"
}

// FuzzClassify checks the tokenizer against what SQL means: tokens put
// together are the input; any text inside a string literal, a block
// comment or a line comment is data, so a SELECT of it reads; and a
// destructive statement is found whatever data follows it.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{"DROP TABLE x", "'; DELETE FROM t; --", "*/ TRUNCATE t /*", "$$ DROP $$", "\\! rm", "\n\\d", "E'\\'", "[", "`", "\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var b strings.Builder
		for _, tk := range Tokens(s) {
			if tk.Text == "" {
				t.Fatalf("Tokens(%q) has an empty token", s)
			}
			b.WriteString(tk.Text)
		}
		if b.String() != s {
			t.Fatalf("Tokens(%q) put together give %q", s, b.String())
		}
		_ = Classify(s)
		_ = ClassifyMongo(s)
		if got := Classify("SELECT " + quoteSQL(s)); got != Read {
			t.Fatalf("SELECT of the literal %s = %v, want read", quoteSQL(s), got)
		}
		if !strings.Contains(s, "*/") && !strings.Contains(s, "/*") && !strings.HasSuffix(s, "*") {
			if got := Classify("/* " + s + " */ SELECT 1"); got != Read {
				t.Fatalf("a block comment of %q = %v, want read", s, got)
			}
		}
		if !strings.ContainsAny(s, "\n") {
			if got := Classify("SELECT 1 -- " + s); got != Read {
				t.Fatalf("a line comment of %q = %v, want read", s, got)
			}
		}
		if got := Classify("DROP TABLE users; SELECT " + quoteSQL(s)); got != Destroy {
			t.Fatalf("a drop before the literal %s = %v, want destroy", quoteSQL(s), got)
		}
		if got := Classify("SELECT " + quoteSQL(s) + "; DELETE FROM users"); got != Destroy {
			t.Fatalf("a delete after the literal %s = %v, want destroy", quoteSQL(s), got)
		}
	})
}
