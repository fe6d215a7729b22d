package registry

import (
	"path"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

func TestAllows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		// Kept: what records written for path.Match meant.
		{"mcp__github__*", "mcp__github__create_issue", true},
		{"mcp__github__*", "mcp__gitlab__create_issue", false},
		{"mcp__*", "mcp__github__create_issue", true},
		{"mcp__**", "mcp__github__create_issue", true},
		{"create_*", "create_issue", true},
		{"list_?", "list_x", true},
		{"Bash", "Bash", true},
		{"Bash", "bash", false},
		{"acme/*", "acme/web", true},
		{"acme/*", "acme/web/sub", false},
		{"acme/web", "acme/web", true},
		{`acme/\*`, "acme/*", true},
		{`acme/\*`, "acme/web", false},
		{"acme/[a-c]*", "acme/billing", true},
		{"[", "[", true}, // not a valid pattern: only itself, as before
		{"[", "x", false},
		{"a[", "a[", true},
		// Changed: ** is a whole segment that crosses "/" and matches zero segments.
		{"acme/**", "acme/platform/api", true},
		{"acme/**", "acme", true},
		{"acme/**", "acmex/web", false},
		{"**", "any/repo/at/all", true},
		// Changed: [!...] negates, as in packs (path.Match read "!" literally).
		{"acme/[!x]*", "acme/web", true},
		{"acme/[!x]*", "acme/xweb", false},
		// Changed: no class matches "/" (a negated one did under path.Match).
		{"acme[^x]web", "acme/web", false},
	} {
		if got := allows(tc.pattern, tc.s); got != tc.want {
			t.Errorf("allows(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

// Every subject a pattern matched under path.Match it still matches, unless
// the pattern uses "[!" (negation now) or matched a "/" with a class or an
// escape (no longer); and where it matches more, it has a "**" segment.
func FuzzAllows(f *testing.F) {
	for _, s := range [][2]string{{"mcp__github__*", "mcp__github__x"}, {"acme/*", "acme/web"}, {"acme/**", "acme/a/b"},
		{"[", "["}, {`\*`, "*"}, {"a/[b-d]?", "a/cx"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, p, s string) {
		got := allows(p, s)
		old, err := path.Match(p, s)
		old = old || p == s
		if err != nil || containsBang(p) {
			return
		}
		// path.Match let a class or an escape match "/"; the dialect never does.
		slashByClass := strings.Contains(p, `\/`) || classMayHoldSlash(p)
		if old && !got && !slashByClass {
			t.Fatalf("%q matched %q under path.Match and does not now", p, s)
		}
		if got && !old && !hasDoubleStarSegment(p) {
			t.Fatalf("%q matches %q now, not under path.Match, and has no ** segment", p, s)
		}
	})
}

// classMayHoldSlash reports whether a class of p may match "/": it holds
// one, a range or a negation.
func classMayHoldSlash(p string) bool {
	for i := 0; i < len(p); i++ {
		if p[i] == '[' {
			end := strings.IndexByte(p[i:], ']')
			if end < 0 || strings.ContainsAny(p[i+1:i+end], "/-^\\") {
				return true
			}
			i += end
		}
	}
	return false
}

func containsBang(p string) bool {
	for i := 0; i+1 < len(p); i++ {
		if p[i] == '[' && p[i+1] == '!' {
			return true
		}
	}
	return false
}

func hasDoubleStarSegment(p string) bool {
	start := 0
	for i := 0; i <= len(p); i++ {
		if i == len(p) || p[i] == '/' {
			if p[start:i] == "**" {
				return true
			}
			start = i + 1
		}
	}
	return false
}

func TestCheckAllowancePatterns(t *testing.T) {
	t.Parallel()
	r, err := New([]Agent{{ID: "dev", AllowedTools: []string{"Bash", "mcp__github__*"}, AllowedRepositories: []string{"acme/*", "platform/**"}}},
		[]Server{{ID: "github", TrustTier: Trusted, AllowedTools: []string{"list_*", "create_issue"}}})
	if err != nil {
		t.Fatal(err)
	}
	agent := func(tool, repo string) string {
		ms := r.CheckAgent(decision.Action{Type: decision.ExecuteCommand, Tool: tool, Agent: decision.Agent{ID: "dev"},
			Context: map[string]string{decision.ContextRepo: repo}}, Policy{})
		return ms[0].RuleID
	}
	for _, tc := range []struct{ tool, repo, want string }{
		{"Bash", "acme/web", "registry.agent.allow"},
		{"mcp__github__create_issue", "acme/web", "registry.agent.allow"},
		{"mcp__gitlab__create_issue", "acme/web", "registry.agent.scope"},
		{"Bash", "acme/web/sub", "registry.agent.scope"},
		{"Bash", "platform/infra/tf", "registry.agent.allow"},
		{"Bash", "other/web", "registry.agent.scope"},
	} {
		if got := agent(tc.tool, tc.repo); got != tc.want {
			t.Errorf("tool %s in %s: %s, want %s", tc.tool, tc.repo, got, tc.want)
		}
	}
	for tool, want := range map[string]string{"list_issues": "mcp.registry.allow", "create_issue": "mcp.registry.allow", "delete_repo": "mcp.registry.tool_scope"} {
		if got := r.CheckServer(Call{Server: "github", Tool: tool}, Policy{}).RuleID; got != want {
			t.Errorf("server tool %s: %s, want %s", tool, got, want)
		}
	}
}
