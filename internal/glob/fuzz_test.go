package glob

import (
	"path"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzMatch checks Glob.Match against two models on short inputs: a
// recursive matcher over the segments (exponential in the number of **,
// which the linear matcher replaced), and, for patterns without classes, a
// regular expression built character by character from the documented
// syntax.
func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{"**/.env", "a/b/.env"}, {"**/.env", ".env"}, {"infra/**", "infra"}, {"a/**/b/**/c", "a/x/b/y/z/c"},
		{"mcp__github__*", "mcp__github__create_issue"}, {"acme/*", "acme/web/x"}, {"/etc/*", "/etc/passwd"},
		{"[!.]*.yaml", ".x.yaml"}, {`\*.txt`, "*.txt"}, {"file?.txt", "file1.txt"}, {"**.tf", "a/b.tf"},
		{"", ""}, {"*", ""}, {"a//b", "a//b"}, {"**/**", "x/"}, {"[", ""}, {"a/*/", "a/b/"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		g, err := Compile(pattern)
		if err != nil {
			return
		}
		got := g.Match(s)
		if len(s) > 64 || len(pattern) > 64 || strings.Count(pattern, "**") > 5 {
			return
		}
		if want := refMatch(strings.Split(pattern, "/"), strings.Split(s, "/")); got != want {
			t.Fatalf("%q on %q = %v, the recursive model says %v", pattern, s, got, want)
		}
		if re, ok := regexpModel(pattern); ok && utf8.ValidString(s) {
			if want := re.MatchString(s); got != want {
				t.Fatalf("%q on %q = %v, the regexp model %s says %v", pattern, s, got, re, want)
			}
		}
		// A pattern without wildcards or escapes matches exactly itself.
		if !strings.ContainsAny(pattern, "*?[\\") && got != (s == pattern) {
			t.Fatalf("literal %q on %q = %v", pattern, s, got)
		}
	})
}

// refMatch is the straightforward recursive matcher over raw segments.
func refMatch(pat, subj []string) bool {
	if len(pat) == 0 {
		return len(subj) == 0
	}
	if pat[0] == "**" {
		for k := 0; k <= len(subj); k++ {
			if refMatch(pat[1:], subj[k:]) {
				return true
			}
		}
		return false
	}
	if len(subj) == 0 {
		return false
	}
	ok, err := path.Match(bangClasses(pat[0]), subj[0])
	return err == nil && ok && refMatch(pat[1:], subj[1:])
}

// regexpModel translates a pattern without classes to a regular expression:
// `*` is [^/]*, `?` is [^/], `\c` is c, and a ** segment is zero or more
// segments together with one of its slashes.
func regexpModel(pattern string) (*regexp.Regexp, bool) {
	if strings.Contains(pattern, "[") || !utf8.ValidString(pattern) {
		return nil, false
	}
	var segs []string
	for _, s := range strings.Split(pattern, "/") {
		if s == "**" && len(segs) > 0 && segs[len(segs)-1] == "**" {
			continue
		}
		segs = append(segs, s)
	}
	var b strings.Builder
	b.WriteString(`\A`)
	for i, s := range segs {
		last := i == len(segs)-1
		if s == "**" {
			switch {
			case len(segs) == 1:
				b.WriteString(`(?s:.*)`)
			case i == 0:
				b.WriteString(`(?:[^/]*/)*`) // the next segment follows its own slash
			default:
				b.WriteString(`(?:/[^/]*)*`) // the previous segment's slash is taken here
				if !last {
					b.WriteString(`/`)
				}
			}
			continue
		}
		for j := 0; j < len(s); j++ {
			switch c := s[j]; c {
			case '*':
				b.WriteString(`[^/]*`)
			case '?':
				b.WriteString(`[^/]`)
			case '\\':
				j++
				r, n := utf8.DecodeRuneInString(s[j:])
				b.WriteString(regexp.QuoteMeta(string(r)))
				j += n - 1
			default:
				b.WriteString(regexp.QuoteMeta(string(c)))
			}
		}
		if !last && segs[i+1] != "**" {
			b.WriteString(`/`)
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String()), true
}

// FuzzPath checks file patterns against their definition in Glob terms: a
// bare name is "**/" + name, "dir/" is "dir/**", and anchors are stripped.
func FuzzPath(f *testing.F) {
	for _, s := range [][2]string{{".env", "a/.env"}, {"secrets/", "secrets/x"}, {"/etc/*", "etc/passwd"},
		{"~/.ssh/*", ".ssh/id_rsa"}, {"./src/*.go", "src/a.go"}, {"*.pem", "a/b.pem"}, {"a/./b", "a/b"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		g, err := CompilePath(pattern)
		if err != nil {
			return
		}
		if len(s) > 64 || len(pattern) > 64 || s != path.Clean(s) || strings.HasPrefix(s, "/") {
			return
		}
		p := strings.TrimSpace(pattern)
		switch {
		case strings.HasPrefix(p, "~/"):
			p = p[2:]
		case strings.HasPrefix(p, "/"):
			p = strings.TrimLeft(p, "/")
		default:
			p = strings.TrimPrefix(p, "./")
			if !strings.Contains(strings.TrimRight(p, "/"), "/") {
				p = "**/" + p
			}
		}
		if strings.HasSuffix(p, "/") {
			p = strings.TrimRight(p, "/") + "/**"
		}
		var keep []string
		for _, seg := range strings.Split(p, "/") {
			if seg != "" && seg != "." {
				keep = append(keep, seg)
			}
		}
		want := refMatch(keep, strings.Split(s, "/"))
		if s == "." {
			want = refMatch(keep, []string{"."})
		}
		if got := g.Match(s); got != want {
			t.Fatalf("path pattern %q on %q = %v, want %v (as %q)", pattern, s, got, want, strings.Join(keep, "/"))
		}
	})
}

// FuzzOverlapsWitness checks Overlaps against a concrete witness: when a path p
// matches the policy pattern and the shell glob (as bash expands it, one
// segment each, a wildcard not matching a leading dot), the two must be
// found to overlap. The documented under-approximations are left out of
// the oracle: a bare `*` segment against a name protected in any
// directory, and a segment led by `*` and a literal (`*.go`) against a
// literal-led pattern segment. A ** segment of the shell side stands for
// zero or more non-dot segments.
func FuzzOverlapsWitness(f *testing.F) {
	for _, s := range [][3]string{
		{"~/.ssh/id_*[!b]", ".s?h/*", ".ssh/id_rsa"}, {"~/.aws/credentials", ".aws/**/credentials", ".aws/credentials"},
		{"**/id_rsa", ".ssh/?d_rsa", ".ssh/id_rsa"}, {"**/id_rsa", ".ssh/[ci]*", ".ssh/id_rsa"},
		{".env", ".e*", ".env"}, {"~/.kube/config", ".kube/c*", ".kube/config"}, {"*.env", "config/*.env", "config/prod.env"},
		{".env.*.local", ".env.exa*", ".env.example.local"}, {"~/.*_history", ".*_h?story", ".psql_history"},
		{"**/secrets.*", "src/*.go", "src/secrets.go"}, {"**/main.tf", "build/*", "build/main.tf"},
		{"~/.aws/credentials", ".[a-z]*/cred*", ".aws/credentials"}, {"**/*.pem", "**/*.pem", "a/b.pem"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, pattern, shell, p string) {
		if len(pattern) > 48 || len(shell) > 48 || len(p) > 48 || strings.ContainsAny(shell, "\\") ||
			strings.Contains(shell, "[!") || strings.Contains(shell, "[^") || strings.Contains(shell, "[]") ||
			p == "" || p != path.Clean(p) || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "..") ||
			strings.HasPrefix(shell, "/") || !utf8.ValidString(shell) || !utf8.ValidString(p) {
			return
		}
		g, err := CompilePath(pattern)
		if err != nil || !g.Match(p) {
			return
		}
		var sh []string
		for _, seg := range strings.Split(shell, "/") {
			if seg != "" && seg != "." {
				sh = append(sh, seg)
			}
		}
		names := strings.Split(p, "/")
		if !shellMatch(sh, names) {
			return
		}
		anyDir := strings.Contains(pattern, "**") || !strings.Contains(strings.TrimRight(strings.TrimSpace(pattern), "/"), "/")
		for _, seg := range sh {
			if seg == "*" || len(seg) > 1 && seg[0] == '*' && seg != "**" || seg == "**" && anyDir {
				return // the documented exclusions (see segCould and the ** case of overlaps)
			}
		}
		if !g.Overlaps(shell) {
			t.Fatalf("pattern %q and shell glob %q both match %q, Overlaps = false", pattern, shell, p)
		}
	})
}

// shellMatch is bash's expansion of a glob split into segments against a
// path split into names (with ** as zero or more non-dot names).
func shellMatch(sh, names []string) bool {
	if len(sh) == 0 {
		return len(names) == 0
	}
	if sh[0] == "**" {
		if shellMatch(sh[1:], names) {
			return true
		}
		return len(names) > 0 && !strings.HasPrefix(names[0], ".") && shellMatch(sh, names[1:])
	}
	if len(names) == 0 {
		return false
	}
	seg, name := sh[0], names[0]
	if strings.HasPrefix(name, ".") && !strings.HasPrefix(seg, ".") {
		return false
	}
	ok, err := path.Match(seg, name)
	return err == nil && ok && shellMatch(sh[1:], names[1:])
}
