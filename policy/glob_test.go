package policy

import (
	"strings"
	"testing"
	"time"
)

func TestPathGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		yes     []string
		no      []string
	}{
		// ** crosses segments and matches zero of them.
		{"**/.env", []string{".env", "a/.env", "a/b/.env"}, []string{".env.example", "a/.envrc", "a/x.env", "env"}},
		// A bare name matches in any directory, but only the whole name.
		{".env", []string{".env", "config/.env", "a/b/c/.env"}, []string{".env.example", "x.env", ".env/x", "config/.env.local"}},
		{"id_rsa", []string{"id_rsa", "home/u/.ssh/id_rsa"}, []string{"id_rsa.pub", "my_id_rsa"}},
		{"*.pem", []string{"a.pem", "certs/server.pem", "a/b/c/x.pem"}, []string{"a.pem.bak", "pem", "a/pem"}},
		// * stays inside one segment.
		{"src/*.go", []string{"src/main.go", "src/.go"}, []string{"src/a/main.go", "main.go", "x/src/main.go", "src/main.gox"}},
		{"a/*/c", []string{"a/b/c", "a/xyz/c"}, []string{"a/c", "a/b/b/c"}},
		// A pattern with a slash is anchored at the project root.
		{"iam/**", []string{"iam/admin-role.tf", "iam/a/b/c.json", "iam"}, []string{"src/iam/x.tf", "iam2/x", "xiam/y"}},
		{".github/workflows/**", []string{".github/workflows/ci.yml", ".github/workflows/a/b.yml"}, []string{".github/CODEOWNERS", "x/.github/workflows/ci.yml"}},
		// **/ also matches at the root (the original needed a slash before the name).
		{"**/secrets.*", []string{"secrets.yaml", "config/secrets.json", "a/b/secrets.enc.yaml"}, []string{"secrets", "mysecrets.yaml", "secrets/x.yaml"}},
		{"**/main.tf", []string{"main.tf", "infra/prod/main.tf"}, []string{"main.tf.bak", "infra/main.tfvars"}},
		{"a/**/b", []string{"a/b", "a/x/b", "a/x/y/z/b"}, []string{"a", "b", "a/b/c", "x/a/b"}},
		{"**/.terraform/providers/**", []string{".terraform/providers/x", "infra/.terraform/providers/a/b"}, []string{".terraform/modules/x"}},
		{"**/*credential*", []string{"credentials.json", "a/aws_credential_file", "credential"}, []string{"a/cred.json"}},
		{"**", []string{"a", "a/b/c", ".env"}, nil},
		{"a/**/**/b", []string{"a/b", "a/x/b"}, []string{"a/x/c"}},
		// ? and [...] match one character inside a segment.
		{"file?.txt", []string{"file1.txt", "x/fileA.txt"}, []string{"file12.txt", "file.txt", "file/.txt"}},
		{"key[0-9].pem", []string{"key1.pem", "d/key9.pem"}, []string{"keya.pem", "key10.pem"}},
		{"[!.]*.yaml", []string{"a.yaml", "x/b.yaml"}, []string{".hidden.yaml"}},
		{"[^.]*.yaml", []string{"a.yaml"}, []string{".hidden.yaml"}},
		{"[[!]x", []string{"[x", "!x"}, []string{"^x", "ax"}},
		{`\[!x]`, []string{"[!x]"}, []string{"a", "!x"}},
		{`\*.txt`, []string{"*.txt"}, []string{"a.txt"}},
		// Leading ./ and trailing / are normalized; a trailing / means the whole directory.
		{"./src/*.go", []string{"src/main.go"}, []string{"main.go"}},
		{"secrets/", []string{"secrets", "secrets/db.yaml", "a/secrets/b/c"}, []string{"secrets.yaml", "mysecrets/x"}},
		{".github/workflows/", []string{".github/workflows/ci.yml"}, []string{".github/ci.yml"}},
		{"  .env  ", []string{".env"}, []string{" .env"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			t.Parallel()
			g, err := compilePathGlob(tt.pattern)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			for _, p := range tt.yes {
				if !g.match(p) {
					t.Errorf("%q does not match %q", tt.pattern, p)
				}
			}
			for _, p := range tt.no {
				if g.match(p) {
					t.Errorf("%q matches %q", tt.pattern, p)
				}
			}
		})
	}
}

func TestPathGlobAnchors(t *testing.T) {
	t.Parallel()
	env := pathEnv{cwd: "/work/proj", root: "/work/proj", home: "/home/dev"}
	tests := []struct {
		pattern string
		path    string
		want    bool
	}{
		{"/etc/shadow", "/etc/shadow", true},
		{"/etc/shadow", "etc/shadow", false}, // relative to the project: /work/proj/etc/shadow
		{"/etc/*", "/etc/passwd", true},
		{"/etc/*", "/etc/ssl/certs", false},
		{"/etc/**", "/etc/ssl/certs/ca.pem", true},
		{"/work/proj/.env", ".env", true},
		{"~/.ssh/*", "~/.ssh/id_rsa", true},
		{"~/.ssh/*", "$HOME/.ssh/config", true},
		{"~/.ssh/*", "/home/dev/.ssh/known_hosts", true},
		{"~/.ssh/*", ".ssh/id_rsa", false}, // the project's .ssh, not the home one
		{"~/.ssh/*", "/root/.ssh/id_rsa", false},
		{"~/.aws/**", "~/.aws/sso/cache/x.json", true},
		// Relative patterns apply to paths outside the project by their absolute form.
		{"**/id_rsa", "~/.ssh/id_rsa", true},
		{"id_rsa", "/root/.ssh/id_rsa", true},
		{"**/secrets.*", "/etc/secrets.yaml", true},
		{"iam/**", "../other/iam/x.tf", false},
		{"iam/**", "/work/proj/iam/x.tf", true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.path, func(t *testing.T) {
			t.Parallel()
			g, err := compilePathGlob(tt.pattern)
			if err != nil {
				t.Fatal(err)
			}
			rp := env.resolve(tt.path)
			if got := g.matchPath(&rp); got != tt.want {
				t.Errorf("%q on %q (resolved %+v) = %v, want %v", tt.pattern, tt.path, rp, got, tt.want)
			}
		})
	}
}

func TestPathGlobErrors(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "   ", "./", "/", "~/", "secrets/[a-", "[", "a/[]"} {
		t.Run(p, func(t *testing.T) {
			t.Parallel()
			if g, err := compilePathGlob(p); err == nil {
				t.Errorf("compilePathGlob(%q) = %+v, want an error", p, g)
			} else if !strings.Contains(err.Error(), "pattern") {
				t.Errorf("error %q does not say it is about a pattern", err)
			}
		})
	}
}

func TestCmdGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern string
		line    bool
		yes     []string
		no      []string
	}{
		// * matches any run of characters, spaces included; the whole command must match.
		{"terraform apply*", false,
			[]string{"terraform apply", "terraform apply -auto-approve", "terraform apply -var x=1 plan.out", "terraform applyx"},
			[]string{"terraform plan", "echo terraform apply", "terraform  apply", " terraform apply", "TERRAFORM APPLY"}},
		{"git push origin main", false,
			[]string{"git push origin main"},
			[]string{"git push origin main2", "git push origin mainline", "git push origin", "git push origin main --force"}},
		{"pytest", false, []string{"pytest"}, []string{"pytest -q", "xpytest"}},
		{"kubectl apply*--context*prod*", false,
			[]string{"kubectl apply -f x.yaml --context my-prod-cluster", "kubectl apply --context prod"},
			[]string{"kubectl apply -f x.yaml --context staging", "kubectl apply -f prod.yaml"}},
		{"gh pr merge*--admin*", false, []string{"gh pr merge 12 --admin", "gh pr merge --admin"}, []string{"gh pr merge 12"}},
		{"*rm -rf*", false, []string{"rm -rf /", "sudo rm -rf x"}, []string{"rm -r x"}},
		{"*", false, []string{"", "anything at all"}, nil},
		{"a*a", false, []string{"aa", "aba", "aaa"}, []string{"a", "ab"}},
		{"a*b*c", false, []string{"abc", "aXbYc", "abcbc"}, []string{"acb", "abcd"}},
		{"*.sh", false, []string{"deploy.sh", "x y.sh"}, []string{"deploy.shx"}},
		// Runs of whitespace in the pattern are one space, as in normalized commands.
		{"terraform   plan*", false, []string{"terraform plan", "terraform plan -out x"}, []string{"terraform  plan"}},
		// A directory in the first word is dropped: commands are matched by base name.
		{"/usr/bin/terraform apply*", false, []string{"terraform apply"}, []string{"/usr/bin/terraform apply"}},
		{"./deploy.sh*", false, []string{"deploy.sh --prod"}, nil},
		{"*/terraform apply*", false, []string{"x/terraform apply"}, nil}, // a star in the directory keeps it
		// Patterns with a shell operator are matched against the whole normalized line.
		{"curl *|*sh*", true, []string{"curl https://x | sh", "curl -s x | sudo bash -s"}, []string{"curl https://x", "curl x > sh"}},
		{"wget *|*sh*", true, []string{"wget -qO- x | sh"}, []string{"wget x"}},
		{"cd * && rm *", true, []string{"cd /tmp && rm x"}, []string{"rm x"}},
		{"make; make install", true, []string{"make; make install"}, []string{"make ; make install"}},
		{"gh api repos/*/branches/main/protection*", false, []string{"gh api repos/acme/api/branches/main/protection -X DELETE"}, []string{"gh api repos/acme/api/branches/dev/protection"}},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			t.Parallel()
			g, err := compileCmdGlob(tt.pattern)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if g.line != tt.line {
				t.Errorf("line pattern = %v, want %v", g.line, tt.line)
			}
			for _, s := range tt.yes {
				if !g.match(s) {
					t.Errorf("%q does not match %q", tt.pattern, s)
				}
			}
			for _, s := range tt.no {
				if g.match(s) {
					t.Errorf("%q matches %q", tt.pattern, s)
				}
			}
		})
	}
}

func TestCmdGlobErrors(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", " ", "\t\n"} {
		if _, err := compileCmdGlob(p); err == nil {
			t.Errorf("compileCmdGlob(%q) succeeded", p)
		}
	}
}

// Matching time must not explode with the number of ** in a pattern: the
// path is the agent's to choose.
func TestPathGlobBacktracking(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"a/**/b/**/c/**/d", "a/" + strings.Repeat("b/c/", 20_000) + "z", false},
		{"a/**/b/**/c/**/d", "a/" + strings.Repeat("b/c/", 20_000) + "d", true},
		{"**/x/**/y", strings.Repeat("x/", 50_000) + "z", false},
		{"**/x/**/x/**/x/**/x/**/y", strings.Repeat("x/", 50_000) + "y", true},
	}
	for _, tt := range tests {
		g, err := compilePathGlob(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if got := g.match(tt.path); got != tt.want {
			t.Errorf("%s on %d bytes = %v, want %v", tt.pattern, len(tt.path), got, tt.want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s on %d bytes took %v", tt.pattern, len(tt.path), d)
		}
	}
}
