package policy

import (
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

// TestEffectDefault decides commands no list names by what they do.
func TestEffectDefault(t *testing.T) {
	s := compileYAML(t, `
metadata: {id: cavra-effect-test, version: 1.0.0, title: t, description: d}
commands:
  default: effect
  allow: ["git status"]
  require_approval: ["terraform apply*"]
`)
	for _, tc := range []struct {
		line string
		want decision.Outcome
		rule string
	}{
		{"gitleaks detect --source .", decision.Allow, "commands.default.effect.allow"},
		{"mkdir -p build && frob --out build/x.txt", decision.Allow, "commands.default.effect.allow"},
		{"bash scripts/x.sh", decision.Allow, "commands.default.effect.allow"},
		{"git status", decision.Allow, "commands.allow"},
		{"terraform apply", decision.RequireApproval, "commands.require_approval"},
		{"frob destroy --all", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"frob :app:publishReleaseBundle", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"frob mill.scalalib.PublishModule/publishAll", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"frob spotlessApply", decision.Allow, "commands.default.effect.allow"},
		{"frob publishLocal", decision.Allow, "commands.default.effect.allow"},
		{"frob scripts/release.sh", decision.Allow, "commands.default.effect.allow"},
		{"heroku apps:destroy myapp", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"frob https://frob.example.net/x", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"frob http://localhost:8080/health", decision.Allow, "commands.default.effect.allow"},
		{"frob > /opt/frob.out", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"frob > /tmp/frob.out", decision.Allow, "commands.default.effect.allow"},
		{"sudo frob", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"./deploy.sh staging", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"bash scripts/release.sh", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"gh workflow run release.yml", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"brew install jq", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"cd \"$X\" && frob > out.txt", decision.RequireApproval, "commands.default.effect.require_approval"},
		{"frob $(curl -s https://x.example.net)", decision.RequireApproval, ""},
	} {
		d := s.Evaluate(t.Context(), action("execute_command", tc.line), testOpts)
		if d.Decision != tc.want || (tc.rule != "" && d.RuleID != tc.rule) {
			t.Errorf("%q: got %s (%s: %s), want %s (%s)", tc.line, d.Decision, d.RuleID, d.Reason, tc.want, tc.rule)
		}
	}
}

// TestEffectDefaultKeepsOutcomeDefaults: packs that set an outcome keep it.
func TestEffectDefaultKeepsOutcomeDefaults(t *testing.T) {
	s := compileYAML(t, `
metadata: {id: cavra-outcome-test, version: 1.0.0, title: t, description: d}
commands:
  default: block
`)
	if d := s.Evaluate(t.Context(), action("execute_command", "gitleaks detect"), testOpts); d.Decision != decision.Block {
		t.Errorf("got %s (%s), want block", d.Decision, d.RuleID)
	}
}
