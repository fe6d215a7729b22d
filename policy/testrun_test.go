package policy

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestRunTests(t *testing.T) {
	t.Parallel()
	// Test cases are schema-checked with the pack.
	_, err := Parse("t.yaml", []byte(`
metadata: {id: cavra-t, title: T, description: Pack tests., version: "1"}
tests:
  - action: {type: read_file, target: x, agent: {id: 5}}
    expect: {decision: allow}
`))
	if err == nil || !strings.Contains(err.Error(), "/tests/0/action/agent/id") {
		t.Errorf("a test action with a non-string agent id: %v", err)
	}
	lib := NewLibrary()
	src := `
metadata: {id: cavra-t, title: T, description: Pack tests., version: "1"}
filesystem: {block_read: [.env]}
tests:
  - name: passes
    action: {type: read_file, target: .env}
    expect: {decision: block, rule_id: filesystem.read.block, severity: high}
  - name: wrong decision
    action: {type: read_file, target: .env}
    expect: {decision: allow}
  - action: {type: read_file, target: src/x.go}
    expect: {decision: allow, rule_id: filesystem.read.block, severity: high, approver_group: Nobody}
  - name: modes apply
    mode: audit_only
    action: {type: read_file, target: .env}
    expect: {decision: allow, rule_id: filesystem.read.block}
  - name: break glass is attested by the runner
    mode: break_glass
    action: {type: read_file, target: .env}
    expect: {decision: allow, severity: critical}
  - name: cwd and home are pinned
    action: {type: read_file, target: /project/.env}
    expect: {decision: block}
`
	if err := lib.AddFS(fstest.MapFS{"cavra-t/policy.yaml": {Data: []byte(src)}}); err != nil {
		t.Fatal(err)
	}
	results, err := lib.RunTests(t.Context(), "cavra-t")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		name   string
		passed bool
		reason []string
	}{
		{"passes", true, nil},
		{"wrong decision", false, []string{"got decision block, want allow"}},
		{"test 3", false, []string{"rule_id filesystem.read.allow, want filesystem.read.block", "severity low, want high", `approver_group "", want "Nobody"`}},
		{"modes apply", true, nil},
		{"break glass is attested by the runner", true, nil},
		{"cwd and home are pinned", true, nil},
	}
	if len(results) != len(want) {
		t.Fatalf("%d results, want %d", len(results), len(want))
	}
	for i, w := range want {
		r := results[i]
		if r.Name != w.name || r.Passed != w.passed || r.Pack != "cavra-t" {
			t.Errorf("result %d: %+v, want %s passed=%v", i, r, w.name, w.passed)
		}
		for _, s := range w.reason {
			if !strings.Contains(r.Reason, s) {
				t.Errorf("%s: reason %q does not contain %q", r.Name, r.Reason, s)
			}
		}
	}
	if _, err := lib.RunTests(t.Context(), "cavra-nope"); err == nil {
		t.Error("RunTests of an unknown pack succeeded")
	}
}
