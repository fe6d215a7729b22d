package policy

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cavra-dev/cavra/decision"
)

// seedPacks returns the text of every real pack: the bundled ones and the
// testdata fixtures.
func seedPacks(f *testing.F) [][]byte {
	f.Helper()
	var out [][]byte
	err := fs.WalkDir(Bundled(), ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, err := fs.ReadFile(Bundled(), p)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	err = filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.Contains(p, "testdata/fuzz") {
			return err
		}
		if ext := filepath.Ext(p); ext == ".yaml" || ext == ".json" {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	return out
}

// FuzzParse feeds arbitrary bytes to the loader as YAML and as JSON. It must
// never panic; what parses must also compile or fail cleanly, and a compiled
// set must decide.
func FuzzParse(f *testing.F) {
	for _, b := range seedPacks(f) {
		f.Add(b, false)
		f.Add(b, true)
	}
	f.Add([]byte(`{"metadata":{"id":"cavra-x","title":"","description":"","version":""},"x":[[[[]]]]}`), true)
	f.Add([]byte("metadata: &a {id: cavra-x}\nb: *a\n"), false)
	bad, _ := filepath.Glob("testdata/invalid/cel-*.yaml") // CEL errors placed in the file
	for _, file := range bad {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b, false)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, asJSON bool) {
		name := "fuzz.yaml"
		if asJSON {
			name = "fuzz.json"
		}
		p, err := Parse(name, data)
		if err != nil {
			if p != nil {
				t.Fatalf("Parse returned a pack and an error: %v", err)
			}
			if !strings.HasPrefix(err.Error(), name+": ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if _, err := p.Normalized(); err != nil {
			t.Fatalf("a parsed pack does not normalize: %v", err)
		}
		_ = p.Raw()
		if len(p.Metadata.Inherits) > 0 {
			return
		}
		set, err := CompilePack(p)
		if err != nil {
			// A CEL error is placed in the file: on one of its lines.
			var pe *Error
			if errors.As(err, &pe) && pe.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("error at line %d of a %d-line file: %v", pe.Line, bytes.Count(data, []byte("\n"))+1, err)
			}
			return
		}
		for _, a := range []decision.Action{
			{Type: decision.ReadFile, Target: ".env"},
			{Type: decision.ExecuteCommand, Target: "cd x && terraform apply"},
			{Type: decision.GitOperation, Target: "origin/main", Operation: "push"},
			{Type: decision.MCPToolCall, Target: "github:create_issue"},
			{Type: decision.HTTPRequest, Target: "https://example.com"},
		} {
			d := set.Evaluate(context.Background(), a, testOpts)
			if !d.Decision.Valid() || !d.Severity.Valid() || d.RuleID == "" {
				t.Fatalf("%s: invalid decision %+v", a.Type, d)
			}
		}
	})
}

// FuzzPathGlob compiles and matches arbitrary patterns and paths. Beyond not
// panicking, a pattern free of wildcards must match its own path.
func FuzzPathGlob(f *testing.F) {
	seeds := [][2]string{
		{"**/.env", "a/b/.env"}, {".env", "config/.env"}, {"iam/**", "iam/admin-role.tf"},
		{"**/secrets.*", "secrets.yaml"}, {"[!.]*.yaml", ".x.yaml"}, {"file?.txt", "file1.txt"},
		{"~/.ssh/*", "~/.ssh/id_rsa"}, {"/etc/**", "/etc/passwd"}, {"a/**/b/**/c", "a/x/b/y/z/c"},
		{"secrets/", "secrets/x"}, {`\[!x]`, "[!x]"}, {"[", ""}, {"**/**/**", "../../x"},
		{"~/.ssh/id_*[!b]", "/home/*/.s?h/*"}, {"*.env", "config/*.env"}, {"~/.aws/credentials", "~/.aws/**/credentials"},
		{"**/id_rsa", "~/.ssh/?d_rsa"}, {`[\]0]`, "0"},
	}
	for _, b := range seedPacks(f) {
		// Every pattern line of the real packs, against a typical path.
		for _, line := range strings.Split(string(b), "\n") {
			if s, ok := strings.CutPrefix(strings.TrimSpace(line), "- "); ok {
				seeds = append(seeds, [2]string{strings.Trim(s, `"'`), "src/.env"})
			}
		}
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	env := pathEnv{cwd: "/project", root: "/project", home: "/home/user"}
	f.Fuzz(func(t *testing.T, pattern, p string) {
		g, err := compilePathGlob(pattern)
		if err != nil {
			return
		}
		rp := env.resolve(p)
		_ = g.matchPath(&rp)
		// The pack's rules over a recursive model of the segment matcher
		// (internal/glob's FuzzMatch checks the matcher in more depth).
		if len(p) < 128 && len(pattern) < 64 && p == path.Clean(p) && !strings.HasPrefix(p, "/") && !strings.Contains(pattern, "[!") {
			if got, want := g.match(p), refPackGlob(pattern, p); got != want {
				t.Fatalf("%q on %q = %v, the recursive model says %v", pattern, p, got, want)
			}
		}
		// A clean relative pattern without wildcards matches itself.
		lit := strings.TrimSpace(pattern)
		if lit != "" && lit == path.Clean(lit) && !strings.ContainsAny(lit, "*?[\\") &&
			!strings.HasPrefix(lit, "/") && !strings.HasPrefix(lit, "~") && !strings.HasPrefix(lit, "$") &&
			!strings.HasPrefix(lit, "..") && !strings.Contains(lit, "/../") {
			self := env.resolve(lit)
			if self.rel != "" && !g.matchPath(&self) {
				t.Fatalf("literal pattern %q does not match its own path (%+v)", pattern, self)
			}
		}
	})
}

// FuzzCmdGlob checks command patterns against a regular-expression model of
// the original semantics: `*` is any run of characters, the rest is literal,
// the whole subject must match.
func FuzzCmdGlob(f *testing.F) {
	seeds := [][2]string{
		{"terraform apply*", "terraform apply -auto-approve"}, {"git push origin main", "git push origin main"},
		{"kubectl apply*--context*prod*", "kubectl apply --context prod"}, {"curl *|*sh*", "curl x | sh"},
		{"a*a", "a"}, {"*", ""}, {"**", "x"}, {"a*b*c", "abcbc"}, {"/usr/bin/rm -rf*", "rm -rf /"},
		{"gh api repos/* --method PATCH*", "gh api repos/a/b --method PATCH"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		g, err := compileCmdGlob(pattern)
		if err != nil {
			if strings.TrimSpace(pattern) != "" {
				t.Fatalf("non-blank pattern %q refused: %v", pattern, err)
			}
			return
		}
		got := g.match(subject)
		norm := strings.Join(strings.Fields(pattern), " ")
		first, _, _ := strings.Cut(norm, " ")
		if strings.Contains(first, "/") || !utf8.ValidString(norm) || !utf8.ValidString(subject) {
			return // the model does not strip directories or handle invalid UTF-8
		}
		parts := strings.Split(norm, "*")
		for i := range parts {
			parts[i] = regexp.QuoteMeta(parts[i])
		}
		re := regexp.MustCompile(`(?s)\A` + strings.Join(parts, ".*") + `\z`)
		if want := re.MatchString(subject); got != want {
			t.Fatalf("%q on %q = %v, the model says %v", pattern, subject, got, want)
		}
	})
}

// refPackGlob is the pack pattern rules spelled out (anchors stripped, a
// bare name in any directory, "dir/" for everything in it) over a
// straightforward recursive segment matcher, exponential in the number of
// **: the model for FuzzPathGlob.
func refPackGlob(pattern, p string) bool {
	pat := strings.TrimSpace(pattern)
	switch {
	case strings.HasPrefix(pat, "~/"):
		pat = pat[2:]
	case strings.HasPrefix(pat, "/"):
		pat = strings.TrimLeft(pat, "/")
	default:
		pat = strings.TrimPrefix(pat, "./")
		if !strings.Contains(strings.TrimRight(pat, "/"), "/") {
			pat = "**/" + pat
		}
	}
	if strings.HasSuffix(pat, "/") {
		pat = strings.TrimRight(pat, "/") + "/**"
	}
	var segs []string
	for _, s := range strings.Split(pat, "/") {
		if s != "" && s != "." {
			segs = append(segs, s)
		}
	}
	return refSegs(segs, strings.Split(p, "/"))
}

func refSegs(pat, subj []string) bool {
	if len(pat) == 0 {
		return len(subj) == 0
	}
	if pat[0] == "**" {
		for k := 0; k <= len(subj); k++ {
			if refSegs(pat[1:], subj[k:]) {
				return true
			}
		}
		return false
	}
	if len(subj) == 0 {
		return false
	}
	ok, err := path.Match(pat[0], subj[0])
	return err == nil && ok && refSegs(pat[1:], subj[1:])
}
