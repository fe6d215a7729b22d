package glob

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOverlapsUnder(t *testing.T) {
	for _, tc := range []struct {
		pattern, shell string
		want           bool
	}{
		{"**/main.tf", "build/*.o", false},
		{"**/main.tf", "build/*", false},
		{".ssh/**", ".s*", true},
		{".ssh/id_rsa", ".s*", true},
		{".git/hooks/**", ".g?t", true},
		{".git/hooks/**", "src/*", false},
	} {
		g := MustCompile(tc.pattern)
		if got := g.OverlapsUnder(tc.shell); got != tc.want {
			t.Errorf("%q overlaps under %q = %v, want %v", tc.pattern, tc.shell, got, tc.want)
		}
	}
}

func TestOverlaps(t *testing.T) {
	for _, tc := range []struct {
		pattern, shell string
		want           bool
	}{
		{"**/.env", ".en?", true},
		{"**/.env", ".??v", true},
		{"**/.env", ".env*", true},
		{"**/.env", "config/*.env", false}, // a leading * does not match the dot of .env
		{"**/*.env", "config/*.env", true},
		{"**/.env", "*", false},
		{"**/.env", ".*", true},
		{"**/.env", "src/*.go", false},
		{".ssh/**", ".ss*/id_*", true},
		{".ssh/**", "*/id_*", false},
		{".ssh/**", ".s?h/*", true},
		{".kube/config", ".kube/conf[i]g", true},
		{".kube/config", ".kube/conf[!i]g", false},
		{".kube/config", ".kube/conf[a-h]g", false},
		{"**/id_rsa", "keys/id_*", true},
		{"**/id_rsa", "keys/*.pub", false},
		{".ssh/id_*[!b]", ".ssh/*_rsa", true},  // in the directory the pattern names, a glob by ending lists it
		{".ssh/id_*[!b]", ".ssh/*.pub", false}, // but not what the pattern leaves out
		{"**/secrets.go", "src/*.go", false},   // a name protected anywhere is not read by every *.go
		{".aws/credentials", ".aws/*", true},
		{"build/**", "dist/*", false},
		{"**/*.pem", "certs/*", false},
		{"**/*.pem", "certs/*.pem", true},
		{".cavra/**", "build/*", false},
		{"**/secrets.*", "src/*.go", false},
		// A ?- or class-led segment names what it overlaps; only a *-led one is judged by its ending.
		{"**/id_rsa", ".ssh/?d_rsa", true},
		{"**/id_rsa", ".ssh/[ci]*", true},
		{"**/id_rsa", ".ssh/[ab]*", false},
		// A shell ** is zero or more non-dot segments, and no name protected in any directory.
		{".aws/credentials", ".aws/**/credentials", true},
		{".aws/credentials", "**/credentials", false},
		{"**/rbac/**", "build/**", false},
		{"iam/**", "**", true}, // globstar: ** reaches iam/x
		{"src/secrets/key", "src/**/key", true},
		{`[\]0]`, "0", true},
		{"**/secrets.*", "src/*", false},
		{"secrets.*", "*", true},
		{"**/id_rsa", ".ssh/*.pub", false},
	} {
		g := MustCompile(tc.pattern)
		if got := g.Overlaps(tc.shell); got != tc.want {
			t.Errorf("%q overlaps %q = %v, want %v", tc.pattern, tc.shell, got, tc.want)
		}
	}
}

// FuzzOverlaps checks Overlaps against Match: a concrete path (no glob
// characters) overlaps a pattern exactly when the pattern matches it.
func FuzzOverlaps(f *testing.F) {
	f.Add("**/.env", ".env")
	f.Add(".ssh/**", ".ssh/id_rsa")
	f.Add("*.pem", "a.pem")
	f.Fuzz(func(t *testing.T, pattern, p string) {
		g, err := Compile(pattern)
		if err != nil || HasMeta(p) || !utf8.ValidString(p) || !utf8.ValidString(pattern) || len(p) > 64 || len(pattern) > 64 {
			return
		}
		if p == "" || p[0] == '/' || p[len(p)-1] == '/' || strings.Contains(pattern, "\\") {
			return
		}
		for _, part := range strings.Split(p, "/") {
			if part == "" || part == "." || part == ".." {
				return
			}
		}
		if got, want := g.Overlaps(p), g.Match(p); got != want {
			t.Fatalf("Overlaps(%q, %q) = %v, Match = %v", pattern, p, got, want)
		}
	})
}
