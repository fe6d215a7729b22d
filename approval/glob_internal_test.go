package approval

import (
	"strings"
	"testing"
	"time"
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
		{"**.tf", "x/y.tf", true},
		{"prod-?", "prod-1", true},
		{"prod-?", "prod-12", false},
		{"[ab]*", "alpha", true},
		{"[!ab]*", "alpha", false},
		{"a.b", "axb", false},
		{"(x)+", "(x)+", true},
		{"kubectl *", "kubectl apply", true},
		{"kubectl *", "kubectl apply/x", false},
	} {
		g, err := compileGlob(tc.pat)
		if err != nil {
			t.Fatalf("%q: %v", tc.pat, err)
		}
		if got := g.match(tc.s); got != tc.want {
			t.Errorf("%q ~ %q = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
	}
	for _, bad := range []string{"[abc", "[]", "[!]"} {
		if _, err := compileGlob(bad); err == nil {
			t.Errorf("%q compiled", bad)
		}
	}
}

func TestGlobIsLinear(t *testing.T) {
	t.Parallel()
	g, err := compileGlob(strings.Repeat("**a", 30) + "b")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	g.match(strings.Repeat("a", 10000))
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %s", d)
	}
}

func FuzzGlob(f *testing.F) {
	f.Add("**/.github/workflows/*.yml", "a/.github/workflows/ci.yml")
	f.Add("[!a-c]?*", "dx")
	f.Add("[", "")
	f.Fuzz(func(t *testing.T, pat, s string) {
		g, err := compileGlob(pat)
		if err != nil {
			return
		}
		g.match(s)
		if !strings.ContainsAny(pat, "*?[") && pat != "" && g.match(pat) != true {
			t.Fatalf("literal %q does not match itself", pat)
		}
	})
}
