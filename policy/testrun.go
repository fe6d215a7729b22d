package policy

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cavra-dev/cavra/decision"
)

// TestResult is the outcome of one case of a pack's tests section.
type TestResult struct {
	Pack   string            `json:"pack"`
	Name   string            `json:"name"`
	Passed bool              `json:"passed"`
	Reason string            `json:"reason,omitempty"` // why it failed
	Got    decision.Decision `json:"got"`
}

// RunTests runs the tests section of the pack with the given id against
// that pack compiled with its inheritance. Context "cwd" defaults to
// "/project" and "home" to "/home/user" so that results do not depend on
// where the tests run.
func (l *Library) RunTests(ctx context.Context, id string) ([]TestResult, error) {
	p, err := l.Get(id)
	if err != nil {
		return nil, err
	}
	set, err := l.Compile(id)
	if err != nil {
		return nil, err
	}
	out := make([]TestResult, 0, len(p.Tests))
	for i, tc := range p.Tests {
		name := tc.Name
		if name == "" {
			name = fmt.Sprintf("test %d", i+1)
		}
		r := TestResult{Pack: id, Name: name}
		a, err := testAction(tc.Action)
		if err != nil {
			r.Reason = err.Error()
			out = append(out, r)
			continue
		}
		mode, err := decision.ParseMode(tc.Mode)
		if err != nil {
			r.Reason = err.Error()
			out = append(out, r)
			continue
		}
		opts := EvalOptions{Mode: mode, Dir: "/project", Home: "/home/user"}
		if mode == decision.BreakGlass {
			opts.BreakGlassActor, opts.BreakGlassReason = "pack-test", "pack test"
		}
		r.Got = set.Evaluate(ctx, a, opts)
		r.Reason = tc.Expect.mismatch(r.Got)
		r.Passed = r.Reason == ""
		out = append(out, r)
	}
	return out, nil
}

func testAction(m map[string]any) (decision.Action, error) {
	var a decision.Action
	b, err := json.Marshal(m)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("bad test action: %w", err)
	}
	return a, nil
}

func (x TestExpect) mismatch(d decision.Decision) string {
	var diffs []string
	if x.Decision != d.Decision.String() {
		diffs = append(diffs, fmt.Sprintf("decision %s, want %s", d.Decision, x.Decision))
	}
	if x.RuleID != "" && x.RuleID != d.RuleID {
		diffs = append(diffs, fmt.Sprintf("rule_id %s, want %s", d.RuleID, x.RuleID))
	}
	if x.Severity != "" && x.Severity != d.Severity.String() {
		diffs = append(diffs, fmt.Sprintf("severity %s, want %s", d.Severity, x.Severity))
	}
	if x.ApproverGroup != "" && x.ApproverGroup != d.ApproverGroup {
		diffs = append(diffs, fmt.Sprintf("approver_group %q, want %q", d.ApproverGroup, x.ApproverGroup))
	}
	if len(diffs) == 0 {
		return ""
	}
	s := "got " + diffs[0]
	for _, x := range diffs[1:] {
		s += "; " + x
	}
	return s + " (" + d.Reason + ")"
}
