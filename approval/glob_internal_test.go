package approval

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestGlob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"", "anything", true},
		{"iam/*.tf", "iam/admin.tf", true},
		{"iam/*.tf", "iam/sub/admin.tf", false},
		{"iam/**", "iam/sub/admin.tf", true},
		{"**/.env", "a/b/.env", true},
		{"prod-?", "prod-1", true},
		{"prod-?", "prod-12", false},
		{"[ab]*", "alpha", true},
		{"[!ab]*", "alpha", false},
		{"[^ab]*", "alpha", false},
		{"a.b", "axb", false},
		{"(x)+", "(x)+", true},
		{"kubectl *", "kubectl apply", true},
		{"kubectl *", "kubectl apply/x", false},
		// The shared dialect: a ** segment matches zero segments.
		{"**/.env", ".env", true},
		{"iam/**", "iam", true},
		{"a/**/b", "a/b", true},
		{"acme/**", "acme/platform/api", true},
		{"acme/*", "acme/platform/api", false},
		// Kept from the routing matcher before it: ** inside a segment crosses "/" ...
		{"**.tf", "x/y.tf", true},
		{"**.tf", "y.tf", true},
		{"src/**.go", "src/a/b/c.go", true},
		{"src/**.go", "src/c.go", true},
		{"src/**.go", "lib/c.go", false},
		{"*prod**", "eu-prod/a", true},
		{"a**b**c", "a/x/b/y/c", true},
		{"a**b**c", "a/x/y/c", false},
		{"***", "a/b", true},
		{"x/***", "x", true},
		{"[*]**", "*/x", true},
		{"[*]**", "a/x", false},
		// ... and "\" is an ordinary character.
		{`C:\secrets\*`, `C:\secrets\db.yaml`, true},
		{`\*`, `\x`, true},
		{`\*`, `*`, false},
		{`[\]x`, `\x`, true},
	} {
		g, err := compileGlob(tc.pat)
		if err != nil {
			t.Fatalf("%q: %v", tc.pat, err)
		}
		if got := g.match(tc.s); got != tc.want {
			t.Errorf("%q ~ %q = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
	}
	for _, bad := range []string{"[abc", "[]", "[!]", "a/[/]", "**a**b**c**d**e"} {
		if _, err := compileGlob(bad); err == nil {
			t.Errorf("%q compiled", bad)
		} else if !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("%q: error %q does not name the pattern", bad, err)
		}
	}
}

func TestGlobIsLinear(t *testing.T) {
	t.Parallel()
	g, err := compileGlob(strings.Repeat("**/a/", 30) + "**a**a**a**a")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	g.match(strings.Repeat("a/", 10000) + "b")
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}

// FuzzGlob checks routing globs against the routing matcher that came
// before the shared dialect (oldGlob): they agree on every pattern without
// a whole "**" segment, and where they do not, the new one matches more —
// the zero segments a "**" segment may now match.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"**/.github/workflows/*.yml", "a/.github/workflows/ci.yml"}, {"[!a-c]?*", "dx"}, {"[", ""},
		{"**.tf", "a/b.tf"}, {"iam/**", "iam"}, {`C:\x\*`, `C:\x\y`}, {"a**b/**/c", "a/x/b/c"}, {"***", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pat, s string) {
		g, err := compileGlob(pat)
		if err != nil {
			return
		}
		got := g.match(s)
		if len(pat) > 40 || len(s) > 64 || !utf8.ValidString(pat) || !utf8.ValidString(s) {
			return
		}
		old, err := oldGlob(pat)
		if err != nil {
			t.Fatalf("%q compiles now and did not before: %v", pat, err)
		}
		want := old.MatchString(s)
		switch {
		case want && !got:
			t.Fatalf("%q on %q: matched before, not now", pat, s)
		case got && !want && !wholeDoubleStar(pat):
			t.Fatalf("%q on %q: matches now, not before, and has no ** segment", pat, s)
		}
	})
}

func wholeDoubleStar(pat string) bool {
	for _, seg := range strings.Split(pat, "/") {
		if len(seg) >= 2 && strings.Trim(seg, "*") == "" {
			return true
		}
	}
	return false
}

// oldGlob is the routing matcher before the shared dialect, as it was.
func oldGlob(src string) (*regexp.Regexp, error) {
	if src == "" {
		return regexp.MustCompile(``), nil // not set: matches everything
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
				return nil, fmt.Errorf("bad pattern %q: unclosed [", src)
			}
			class := src[i+1 : i+1+end]
			if class == "" || class == "!" {
				return nil, fmt.Errorf("bad pattern %q: empty character class", src)
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
	return regexp.Compile(b.String())
}
