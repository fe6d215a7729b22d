package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestPolicyValidateTypedFields: a rule that names a field policies do not
// have fails validation (exit 1, like any other invalid pack) with its file,
// rule id, the position of the field in the file and a caret; the same
// rules spelled right pass.
func TestPolicyValidateTypedFields(t *testing.T) {
	const pack = `metadata: {id: cavra-typed, title: t, description: d, version: "1"}
rules:
  - id: typed.rule
    decision: block
    when: %s
`
	tests := []struct {
		name, when string
		code       int
		at         string // the text the error is at: its first character is where the caret goes
		want       string
	}{
		{"misspelled list", `action.type == "execute_command" && action.comands.exists(c, c.name == "rm")`, exitFailure, ".comands", "undefined field 'comands'"},
		{"unknown field", `action.nosuch == 1`, exitFailure, ".nosuch", "undefined field 'nosuch'"},
		{"command field in a block", "|\n      action.commands.exists(c,\n        c.nmae == \"rm\")", exitFailure, ".nmae", "undefined field 'nmae'"},
		{"quoted", `'action.target == ''x'' && agent.nosuch'`, exitFailure, ".nosuch", "undefined field 'nosuch'"},
		{"type error", `action.commands.exists(c, c.dynamic == "yes")`, exitFailure, `== "yes"`, "no matching overload"},
		{"correct", `action.type == "execute_command" && action.commands.exists(c, c.name == "rm") && context.environment == "prod" && agent.profile != "ci"`, exitAllow, "", "valid cavra-typed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fmt.Sprintf(pack, tt.when)
			file := writePack(t, t.TempDir(), "policy.yaml", body)
			code, out, errs := cli(t, "policy", "validate", file)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errs)
			}
			if tt.code == exitAllow {
				if !strings.Contains(out, tt.want) {
					t.Fatalf("stdout lacks %q: %s", tt.want, out)
				}
				return
			}
			var pos, caret string
			for i, l := range strings.Split(body, "\n") {
				if j := strings.Index(l, tt.at); j >= 0 {
					pos = fmt.Sprintf(": %d:%d: ", i+1, j+1)
					caret = "\n | " + l + "\n | " + strings.Repeat(".", j) + "^"
					break
				}
			}
			for _, w := range []string{file, "rule typed.rule", pos, tt.want, caret} {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
		})
	}
}
