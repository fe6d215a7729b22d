package policy

import (
	"slices"
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

// TestRuleGates checks the fact screen: a rule is skipped only when it
// could not have fired, so decisions and matches are the same with and
// without the screen, and rules that cannot fire are really skipped.
func TestRuleGates(t *testing.T) {
	t.Parallel()
	set := compileYAML(t, packHead+`
commands: {default: allow}
rules:
  - {id: r.git, decision: block, when: 'action.type == "execute_command" && action.git.exists(g, g.subcommand == "push" && g.force)'}
  - {id: r.name, decision: block, when: 'action.commands.exists(c, c.name in ["kubectl", "helm"] && "delete" in c.args)'}
  - {id: r.or, decision: block, when: 'action.commands.exists(c, (c.name == "gh" && "merge" in c.args) || "sudo" in c.via)'}
  - {id: r.deletes, decision: block, when: 'action.commands.exists(c, (c.writes + c.deletes).exists(p, p.startsWith("/")))'}
  - {id: r.code, decision: block, when: 'action.commands.exists(c, c.interpreter_code != "" && c.interpreter_code.contains("rmtree"))'}
  - {id: r.err, decision: block, when: 'action.commands.exists(c, c.name == "zz" && c.nosuchfield == 1)'}
  - {id: r.err2, decision: block, when: 'action.commands.exists(c, c.name == "zz" || c.nosuchfield == 1)'}
  - {id: r.urls, decision: block, when: 'action.urls.exists(u, u.contains("evil"))'}
  - {id: r.dyn, decision: require_approval, when: 'action.commands.exists(c, c.dynamic || c.opaque != "")'}
`)
	ungated := *set
	ungated.rules = nil
	for _, r := range set.rules {
		cp := *r
		cp.gate = nil
		ungated.rules = append(ungated.rules, &cp)
	}
	lines := []string{
		"ls", "git push --force origin feature", "git push origin feature", "kubectl delete ns x", "helm list",
		"gh pr merge 1", "sudo ls", "rm -rf /tmp/x", "echo hi > /etc/x", "python3 -c 'import shutil; shutil.rmtree(\"x\")'",
		"zz", "curl https://evil.example/x", "$X", "npm test",
	}
	for _, line := range lines {
		a := action("execute_command", line)
		got := set.Evaluate(t.Context(), a, testOpts)
		want := ungated.Evaluate(t.Context(), a, testOpts)
		if got.Decision != want.Decision || got.RuleID != want.RuleID || !slices.EqualFunc(got.Matches, want.Matches, func(x, y decision.Match) bool {
			return x.RuleID == y.RuleID && x.Decision == y.Decision
		}) {
			t.Errorf("%q: gated %s/%s %v, ungated %s/%s %v", line, got.Decision, got.RuleID, got.Matches, want.Decision, want.RuleID, want.Matches)
		}
	}
	// Gates that say no.
	f := Facts{Commands: []CommandFacts{{Name: "ls"}}}
	for _, r := range set.rules {
		skip := r.gate != nil && !r.gate(&f)
		wantSkip := !slices.Contains([]string{"r.err2"}, r.ID) // r.err2 may error for any command
		if r.ID == "r.dyn" {
			wantSkip = true
		}
		if skip != wantSkip {
			t.Errorf("rule %s: skipped %v for `ls`, want %v", r.ID, skip, wantSkip)
		}
	}
}
