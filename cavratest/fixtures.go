package cavratest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/cavra-dev/cavra"
)

// Fixture is one line of a fixture file: an action and the decision a pack
// should give it. The format is the one of a pack's own tests
// (docs/testing.md):
//
//	{"name": "rm -rf home", "action": {"type": "execute_command", "target": "rm -rf ~"}, "expect": {"decision": "block", "rule_id": "commands.block"}}
type Fixture struct {
	Name   string       `json:"name,omitempty"`
	Action cavra.Action `json:"action"`
	Expect Expect       `json:"expect"`
	// Line is the fixture's line in its file (not in the JSON).
	Line int `json:"-"`
}

// Expect is what a fixture expects of the decision. RuleID "" means any
// rule.
type Expect struct {
	Decision cavra.Outcome `json:"decision"`
	RuleID   string        `json:"rule_id,omitempty"`
}

// LoadFixtures reads a JSON Lines fixture file. Blank lines and lines that
// start with "//" are skipped; any other line that is not a fixture with
// an action type and an expected decision is an error naming its line.
func LoadFixtures(path string) ([]Fixture, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cavratest: %w", err)
	}
	var out []Fixture
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || bytes.HasPrefix(line, []byte("//")) {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		var f Fixture
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("cavratest: %s:%d: %w", path, n, err)
		}
		if f.Action.Type == "" {
			return nil, fmt.Errorf("cavratest: %s:%d: the action has no type", path, n)
		}
		if !f.Expect.Decision.Valid() {
			return nil, fmt.Errorf("cavratest: %s:%d: no expected decision", path, n)
		}
		f.Line = n
		out = append(out, f)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("cavratest: %s: %w", path, err)
	}
	return out, nil
}

// RunFixtures decides each fixture with g in a subtest named after it and
// fails the subtest when the decision (or the rule, when the fixture names
// one) differs.
func RunFixtures(t *testing.T, g *cavra.Guard, fixtures []Fixture) {
	t.Helper()
	for _, f := range fixtures {
		name := f.Name
		if name == "" {
			name = fmt.Sprintf("line %d", f.Line)
		}
		t.Run(name, func(t *testing.T) {
			d, err := g.Evaluate(context.Background(), f.Action)
			if err != nil {
				t.Fatalf("line %d: evaluate: %v", f.Line, err)
			}
			if d.Decision != f.Expect.Decision {
				t.Errorf("line %d: %s %q: decision %s (rule %s: %s), want %s", f.Line, f.Action.Type, f.Action.Target, d.Decision, d.RuleID, d.Reason, f.Expect.Decision)
			}
			if f.Expect.RuleID != "" && d.RuleID != f.Expect.RuleID {
				t.Errorf("line %d: %s %q: rule %s, want %s", f.Line, f.Action.Type, f.Action.Target, d.RuleID, f.Expect.RuleID)
			}
		})
	}
}
