// Package cavratest is what a test suite imports to check an agent's
// behaviour against CAVRA: a Guard on chosen bundled packs whose state
// lives in the test's temporary directories (New), assertions on its
// decisions (AssertDecision, AssertRule), a fake OIDC issuer that mints
// approver tokens the Guard accepts (NewIssuer), and the JSON Lines
// fixture files of actions with expected decisions (LoadFixtures,
// RunFixtures).
//
// # State
//
// The Guard New returns is a real Guard — the same policy engine, evidence
// log, approval store and registry as in production — whose state
// directory is a t.TempDir(), with its evidence witness in a second
// t.TempDir(); both are removed when the test ends, after the Guard is
// closed. Nothing outside those directories is written: no ./.cavra, no
// file under the user's state home, no policy cache elsewhere. It is not an
// in-memory store: the evidence log is a bbolt file, so every decision is
// recorded and hash-chained exactly as in production, at the cost of a
// file per test.
//
// # Caveats
//
// The environment still counts: CAVRA_POLICY_DIR adds its packs as it does
// for every Guard. Actions without a "cwd" in their context are resolved
// against Options.Dir, which is "/project" by default so that decisions
// do not depend on where the test runs.
package cavratest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
)

// DefaultDir is the working directory New's Guard resolves relative paths
// against when Options.Dir is "".
const DefaultDir = "/project"

// Options configures New. The zero value is the default pack in enforce
// mode.
type Options struct {
	// Packs names the policy packs (bundled ids, or paths); empty means
	// the default pack (cavra-ai-agent-baseline).
	Packs []string
	// Mode is the policy mode; "" means the packs' own, else enforce.
	Mode cavra.Mode
	// Dir is the working directory for relative paths; "" means
	// DefaultDir.
	Dir string
	// Issuer, when set, is the OIDC issuer whose tokens approve: Approve
	// and Deny accept the tokens it mints.
	Issuer *Issuer
	// Approval replaces the approval configuration (RBAC, routing,
	// break-glass); its OIDC section is Issuer's when Issuer is set.
	Approval *approval.Config
	// RegistryFile is a registry document used instead of an empty
	// registry.
	RegistryFile string
	// UnregisteredAgent is what an agent the registry does not know gets
	// (0: allow).
	UnregisteredAgent cavra.Outcome
}

// New opens a Guard for the test and closes it when the test ends. It
// fails the test when the Guard does not open (a pack that does not load,
// an issuer misconfigured).
func New(tb testing.TB, opts Options) *cavra.Guard {
	tb.Helper()
	home := tb.TempDir()
	witness := filepath.Join(tb.TempDir(), "witness")
	if opts.Dir == "" {
		opts.Dir = DefaultDir
	}
	packs := opts.Packs
	if len(packs) == 0 {
		packs = []string{"cavra-ai-agent-baseline"}
	}
	var apr *approval.Config
	if opts.Approval != nil {
		c := *opts.Approval
		apr = &c
	}
	if opts.Issuer != nil {
		if apr == nil {
			apr = &approval.Config{}
		}
		apr.OIDC = opts.Issuer.fileConfig(tb)
	}
	g, err := cavra.Open(context.Background(), cavra.Options{
		Packs:             packs,
		Mode:              opts.Mode,
		Home:              home,
		Dir:               opts.Dir,
		Witness:           witness,
		Approval:          apr,
		RegistryFile:      opts.RegistryFile,
		UnregisteredAgent: opts.UnregisteredAgent,
	})
	if err != nil {
		tb.Fatalf("cavratest: open a Guard on %v: %v", packs, err)
	}
	tb.Cleanup(func() {
		if err := g.Close(); err != nil {
			tb.Errorf("cavratest: close the Guard: %v", err)
		}
	})
	return g
}

// Decide evaluates a with g, failing the test when the machinery fails.
func Decide(tb testing.TB, g *cavra.Guard, a cavra.Action) cavra.Decision {
	tb.Helper()
	d, err := g.Evaluate(context.Background(), a)
	if err != nil {
		tb.Fatalf("cavratest: evaluate %s %q: %v", a.Type, a.Target, err)
	}
	return d
}

// AssertDecision evaluates a with g and fails the test (without stopping
// it) unless the decision is want. It returns the decision.
func AssertDecision(tb testing.TB, g *cavra.Guard, a cavra.Action, want cavra.Outcome) cavra.Decision {
	tb.Helper()
	d := Decide(tb, g, a)
	if d.Decision != want {
		tb.Errorf("%s %q: decision %s (rule %s: %s), want %s", a.Type, a.Target, d.Decision, d.RuleID, d.Reason, want)
	}
	return d
}

// AssertRule evaluates a with g and fails the test (without stopping it)
// unless the deciding rule is ruleID. It returns the decision.
func AssertRule(tb testing.TB, g *cavra.Guard, a cavra.Action, ruleID string) cavra.Decision {
	tb.Helper()
	d := Decide(tb, g, a)
	if d.RuleID != ruleID {
		tb.Errorf("%s %q: rule %s (%s, %s), want rule %s", a.Type, a.Target, d.RuleID, d.Decision, d.Reason, ruleID)
	}
	return d
}
