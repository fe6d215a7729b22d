package policy

import "testing"

func TestResolvePath(t *testing.T) {
	t.Parallel()
	proj := pathEnv{cwd: "/project", root: "/project", home: "/home/user"}
	sub := pathEnv{cwd: "/project/src/app", root: "/project", home: "/home/user"}
	tests := []struct {
		name string
		env  pathEnv
		in   string
		want resolvedPath
	}{
		{"plain", proj, ".env", resolvedPath{rel: ".env", abs: "project/.env", display: ".env"}},
		{"dot slash", proj, "./.env", resolvedPath{rel: ".env", abs: "project/.env", display: ".env"}},
		{"dot dot inside", proj, "./src/../.env", resolvedPath{rel: ".env", abs: "project/.env", display: ".env"}},
		{"absolute inside root", proj, "/project/config/.env", resolvedPath{rel: "config/.env", abs: "project/config/.env", display: "config/.env"}},
		{"absolute unclean", proj, "/project//config/./x/../.env", resolvedPath{rel: "config/.env", abs: "project/config/.env", display: "config/.env"}},
		{"backslashes", proj, `src\..\.env`, resolvedPath{rel: ".env", abs: "project/.env", display: ".env"}},
		{"spaces trimmed", proj, "  .env \n", resolvedPath{rel: ".env", abs: "project/.env", display: ".env"}},
		{"tilde", proj, "~/.ssh/id_rsa", resolvedPath{abs: "home/user/.ssh/id_rsa", homeRel: ".ssh/id_rsa", display: "/home/user/.ssh/id_rsa"}},
		{"tilde alone", proj, "~", resolvedPath{abs: "home/user", homeRel: "", display: "/home/user", coversHome: true}},
		{"slash covers all", proj, "/", resolvedPath{display: "/", coversRoot: true, coversHome: true}},
		{"project root", proj, ".", resolvedPath{abs: "project", display: "/project", coversRoot: true}},
		{"parent of project", proj, "..", resolvedPath{display: "/", coversRoot: true, coversHome: true}},
		{"$HOME", proj, "$HOME/.aws/credentials", resolvedPath{abs: "home/user/.aws/credentials", homeRel: ".aws/credentials", display: "/home/user/.aws/credentials"}},
		{"absolute in home", proj, "/home/user/.kube/config", resolvedPath{abs: "home/user/.kube/config", homeRel: ".kube/config", display: "/home/user/.kube/config"}},
		{"outside project", proj, "../other/.env", resolvedPath{abs: "other/.env", display: "/other/.env"}},
		{"escape to root", proj, "/project/../../etc/passwd", resolvedPath{abs: "etc/passwd", display: "/etc/passwd"}},
		{"prefix is not containment", proj, "/projectx/.env", resolvedPath{abs: "projectx/.env", display: "/projectx/.env"}},
		{"cwd below root", sub, ".env", resolvedPath{rel: "src/app/.env", abs: "project/src/app/.env", display: "src/app/.env"}},
		{"cwd below root, up", sub, "../../.env", resolvedPath{rel: ".env", abs: "project/.env", display: ".env"}},
		{"no cwd", pathEnv{}, "./a/../b/.env", resolvedPath{rel: "b/.env", display: "b/.env"}},
		{"no home keeps tilde literal", pathEnv{cwd: "/p", root: "/p"}, "~/.ssh/id_rsa", resolvedPath{rel: "~/.ssh/id_rsa", abs: "p/~/.ssh/id_rsa", display: "~/.ssh/id_rsa"}},
		{"root is slash", pathEnv{cwd: "/", root: "/"}, "etc/x", resolvedPath{rel: "etc/x", abs: "etc/x", display: "etc/x"}},
		{"project inside home", pathEnv{cwd: "/home/user/p", root: "/home/user/p", home: "/home/user"}, ".env",
			resolvedPath{rel: ".env", abs: "home/user/p/.env", homeRel: "p/.env", display: ".env"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.env.resolve(tt.in); got != tt.want {
				t.Errorf("resolve(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}
