package glob

import (
	"strings"
	"testing"
	"time"
)

func TestMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		yes, no []string
	}{
		// * stays inside one segment.
		{"*", []string{"", "a", "mcp__github__create_issue", "a b"}, []string{"a/b", "/"}},
		{"src/*.go", []string{"src/main.go", "src/.go"}, []string{"src/a/main.go", "main.go", "x/src/main.go", "src/main.gox"}},
		{"acme/*", []string{"acme/web", "acme/"}, []string{"acme", "acme/web/x", "other/web"}},
		// ** is a whole segment and matches zero or more segments.
		{"**", []string{"", "a", "a/b/c", "/abs/x", "a/"}, nil},
		{"**/.env", []string{".env", "a/.env", "a/b/.env", "/.env"}, []string{".env.example", "a/.envrc", "a/x.env"}},
		{"infra/**", []string{"infra", "infra/", "infra/a", "infra/a/b.tf"}, []string{"infra2", "x/infra", "infr"}},
		{"a/**/b", []string{"a/b", "a/x/b", "a/x/y/z/b"}, []string{"a", "b", "a/b/c", "x/a/b"}},
		{"a/**/**/b", []string{"a/b", "a/x/b"}, []string{"a/x/c"}},
		{"acme/**", []string{"acme", "acme/web", "acme/sub/proj"}, []string{"acmex/web"}},
		// ** inside a segment is two *, as in .gitignore.
		{"**.tf", []string{"main.tf", ".tf"}, []string{"infra/main.tf"}},
		{"mcp__**", []string{"mcp__github__x"}, []string{"mcp_x"}},
		// Tool names are one segment; "__" separates nothing.
		{"mcp__github__*", []string{"mcp__github__create_issue", "mcp__github__"}, []string{"mcp__gitlab__x", "mcp__github", "Bash"}},
		{"mcp__*__list_*", []string{"mcp__github__list_issues"}, []string{"mcp__github__create_issue"}},
		// Empty segments count: a leading / is a segment of its own.
		{"/etc/*", []string{"/etc/passwd"}, []string{"etc/passwd", "/etc/ssl/certs"}},
		{"https://*/x", []string{"https://host/x"}, []string{"https://host/a/x", "http://host/x"}},
		{"a//b", []string{"a//b"}, []string{"a/b"}},
		// ?, classes and escapes, inside a segment.
		{"prod-?", []string{"prod-1", "prod-é"}, []string{"prod-12", "prod-", "prod-/"}},
		{"key[0-9].pem", []string{"key1.pem"}, []string{"keya.pem", "key10.pem"}},
		{"[!.]*", []string{"a.yaml"}, []string{".hidden"}},
		{"[^.]*", []string{"a.yaml"}, []string{".hidden"}},
		{"[[!]x", []string{"[x", "!x"}, []string{"^x", "ax"}},
		{`\[!x]`, []string{"[!x]"}, []string{"a", "!x"}},
		{`\*.txt`, []string{"*.txt"}, []string{"a.txt"}},
		{`a\b`, []string{"ab"}, []string{`a\b`}},
		// Everything else is literal.
		{"a.b", []string{"a.b"}, []string{"axb"}},
		{"(x)+", []string{"(x)+"}, []string{"x", "xx"}},
		{"kubectl *", []string{"kubectl apply", "kubectl "}, []string{"kubectl apply -f k8s/prod.yaml", "kubectl"}},
		{"", []string{""}, []string{"a", "/"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			t.Parallel()
			g, err := Compile(tt.pattern)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			for _, s := range tt.yes {
				if !g.Match(s) {
					t.Errorf("%q does not match %q", tt.pattern, s)
				}
			}
			for _, s := range tt.no {
				if g.Match(s) {
					t.Errorf("%q matches %q", tt.pattern, s)
				}
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"[", "a/[]", "[!]", "x[a-", `a\`, `a\/b`, "[a/b]", "**/x["} {
		if g, err := Compile(p); err == nil {
			t.Errorf("Compile(%q) = %+v, want an error", p, g)
		} else if !strings.Contains(err.Error(), "pattern") {
			t.Errorf("error %q does not say it is about a pattern", err)
		}
	}
	var zero Glob
	if zero.Match("") || zero.Match("a") {
		t.Error("the zero Glob matches")
	}
}

func TestMatchAncestor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		yes, no []string
	}{
		{".github/workflows/**", []string{".github", ".github/workflows"}, []string{"x", ".github/workflows/ci.yml"}},
		{"**/backend.tf", nil, []string{"build", "a/b"}},
		{"infra/*/main.tf", []string{"infra", "infra/prod"}, []string{"infra/prod/main.tf", "src"}},
		{"a", nil, []string{"a", ""}},
	}
	for _, tt := range tests {
		g := MustCompile(tt.pattern)
		for _, s := range tt.yes {
			if !g.MatchAncestor(s) {
				t.Errorf("%q: %q is not an ancestor", tt.pattern, s)
			}
		}
		for _, s := range tt.no {
			if g.MatchAncestor(s) {
				t.Errorf("%q: %q is an ancestor", tt.pattern, s)
			}
		}
	}
}

func TestLastLiteral(t *testing.T) {
	t.Parallel()
	for pattern, want := range map[string]string{"**/.env": ".env", "a/b": "b", "a/*.go": "", "a/**": "", `a/\x`: ""} {
		g := MustCompile(pattern)
		got, ok := g.LastLiteral()
		if got != want || ok != (want != "") {
			t.Errorf("LastLiteral(%q) = %q, %v; want %q", pattern, got, ok, want)
		}
	}
}

func TestPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		anchor  Anchor
		yes, no []string
	}{
		// A bare name matches in any directory, but only the whole name.
		{".env", Project, []string{".env", "config/.env", "a/b/c/.env"}, []string{".env.example", "x.env", ".env/x"}},
		{"*.pem", Project, []string{"a.pem", "certs/server.pem"}, []string{"a.pem.bak", "a/pem"}},
		{"**.tf", Project, []string{"main.tf", "infra/main.tf"}, []string{"main.tfvars"}},
		// A pattern with a slash is anchored at the project root.
		{"iam/**", Project, []string{"iam", "iam/admin-role.tf", "iam/a/b/c.json"}, []string{"src/iam/x.tf", "iam2/x"}},
		{"src/*.go", Project, []string{"src/main.go"}, []string{"src/a/main.go", "main.go"}},
		// A trailing / is the directory and everything in it.
		{"secrets/", Project, []string{"secrets", "secrets/db.yaml", "a/secrets/b/c"}, []string{"secrets.yaml", "mysecrets/x"}},
		{".github/workflows/", Project, []string{".github/workflows/ci.yml"}, []string{".github/ci.yml"}},
		// ./, space, empty and . segments are dropped.
		{"./src/*.go", Project, []string{"src/main.go"}, []string{"main.go"}},
		{"  .env  ", Project, []string{".env"}, []string{" .env"}},
		{"a//./b", Project, []string{"a/b"}, []string{"a//b"}},
		// Anchors: no any-directory rule.
		{"/etc/shadow", Root, []string{"etc/shadow"}, []string{"x/etc/shadow", "shadow"}},
		{"/id_rsa", Root, []string{"id_rsa"}, []string{"root/id_rsa"}},
		{"~/.ssh/*", Home, []string{".ssh/id_rsa"}, []string{".ssh/a/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			t.Parallel()
			g, err := CompilePath(tt.pattern)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if g.Anchor() != tt.anchor {
				t.Errorf("anchor = %v, want %v", g.Anchor(), tt.anchor)
			}
			if g.String() != tt.pattern {
				t.Errorf("String() = %q", g.String())
			}
			for _, s := range tt.yes {
				if !g.Match(s) {
					t.Errorf("%q does not match %q", tt.pattern, s)
				}
			}
			for _, s := range tt.no {
				if g.Match(s) {
					t.Errorf("%q matches %q", tt.pattern, s)
				}
			}
		})
	}
	for _, p := range []string{"", "   ", "./", "/", "~/", "/.", "secrets/[a-", "[", "a/[]"} {
		if g, err := CompilePath(p); err == nil {
			t.Errorf("CompilePath(%q) = %+v, want an error", p, g)
		} else if !strings.Contains(err.Error(), "pattern") {
			t.Errorf("error %q does not say it is about a pattern", err)
		}
	}
}

func TestCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		line    bool
		yes, no []string
	}{
		// * matches any run of characters, spaces and slashes included.
		{"terraform apply*", false,
			[]string{"terraform apply", "terraform apply -var-file=env/prod.tfvars", "terraform applyx"},
			[]string{"terraform plan", "echo terraform apply", "terraform  apply", "TERRAFORM APPLY"}},
		{"git push origin main", false, []string{"git push origin main"}, []string{"git push origin main2", "git push origin"}},
		{"*", false, []string{"", "anything/at all"}, nil},
		{"a*a", false, []string{"aa", "aba"}, []string{"a", "ab"}},
		{"a*b*c", false, []string{"abc", "aXbYc", "abcbc"}, []string{"acb", "abcd"}},
		// No ?, classes or escapes: they are literal.
		{"rm -rf ?", false, []string{"rm -rf ?"}, []string{"rm -rf x"}},
		{"ls [ab]", false, []string{"ls [ab]"}, []string{"ls a"}},
		// Whitespace collapses; the first word loses its directory unless it holds a *.
		{"terraform   plan*", false, []string{"terraform plan -out x"}, []string{"terraform  plan"}},
		{"/usr/bin/terraform apply*", false, []string{"terraform apply"}, []string{"/usr/bin/terraform apply"}},
		{"*/terraform apply*", false, []string{"x/terraform apply"}, nil},
		// Shell operators make a line pattern.
		{"curl *|*sh*", true, []string{"curl https://x | sh"}, []string{"curl https://x"}},
		{"cd * && rm *", true, []string{"cd /tmp && rm x"}, []string{"rm x"}},
	}
	for _, tt := range tests {
		g, err := CompileCommand(tt.pattern)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if g.Line() != tt.line {
			t.Errorf("%q: Line() = %v, want %v", tt.pattern, g.Line(), tt.line)
		}
		for _, s := range tt.yes {
			if !g.Match(s) {
				t.Errorf("%q does not match %q", tt.pattern, s)
			}
		}
		for _, s := range tt.no {
			if g.Match(s) {
				t.Errorf("%q matches %q", tt.pattern, s)
			}
		}
	}
	for _, p := range []string{"", " ", "\t\n"} {
		if _, err := CompileCommand(p); err == nil {
			t.Errorf("CompileCommand(%q) succeeded", p)
		}
	}
	for pattern, want := range map[string][2]any{
		"terraform apply*": {"terraform apply", false}, "pytest": {"pytest", true}, "*rm*": {"", false}, "**": {"", false},
	} {
		g, _ := CompileCommand(pattern)
		if p, whole := g.LiteralPrefix(); p != want[0] || whole != want[1] {
			t.Errorf("LiteralPrefix(%q) = %q, %v; want %v", pattern, p, whole, want)
		}
	}
}

// Matching time must not explode with the number of ** in a pattern: the
// subject is the agent's to choose.
func TestMatchIsLinear(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"a/**/b/**/c/**/d", "a/" + strings.Repeat("b/c/", 20_000) + "z", false},
		{"a/**/b/**/c/**/d", "a/" + strings.Repeat("b/c/", 20_000) + "d", true},
		{"**/x/**/y", strings.Repeat("x/", 50_000) + "z", false},
		{"**/x/**/x/**/x/**/x/**/y", strings.Repeat("x/", 50_000) + "y", true},
		{strings.Repeat("*a", 30) + "b", strings.Repeat("a", 10_000), false},
	}
	for _, tt := range tests {
		g := MustCompile(tt.pattern)
		start := time.Now()
		if got := g.Match(tt.s); got != tt.want {
			t.Errorf("%s on %d bytes = %v, want %v", tt.pattern, len(tt.s), got, tt.want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s on %d bytes took %v", tt.pattern, len(tt.s), d)
		}
	}
}
