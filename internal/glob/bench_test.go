package glob

import "testing"

func BenchmarkMatch(b *testing.B) {
	cases := []struct{ name, pattern, s string }{
		{"bare_name", "**/.env", "src/config/app/settings.yaml"},
		{"star_segment", "**/*.pem", "certs/prod/server.pem"},
		{"tool", "mcp__github__*", "mcp__github__create_issue"},
		{"class", "**/key[0-9].pem", "a/b/c/key7.pem"},
		{"deep_doublestar", "a/**/b/**/c", "a/x/y/b/z/w/q/c"},
	}
	for _, c := range cases {
		g := MustCompile(c.pattern)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g.Match(c.s)
			}
		})
	}
}
