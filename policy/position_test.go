package policy

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// TestCELErrorPositionInFile writes the same faulty rule in every scalar
// style and checks that the error points at `.nosuch` where the file has it.
func TestCELErrorPositionInFile(t *testing.T) {
	t.Parallel()
	const head = "metadata: {id: cavra-pos, title: t, description: d, version: \"1\"}\nrules:\n  - id: pos.rule\n    decision: block\n"
	tests := []struct {
		name, file, when string
		approximate      bool
	}{
		{name: "plain", when: `    when: action.type == "x" && action.nosuch == 1`},
		{name: "plain multi-line", when: "    when: action.type == \"x\" &&\n\n      action.nosuch == 1"},
		{name: "single-quoted", when: `    when: 'action.target == ''it\''s'' && action.nosuch == 1'`},
		{name: "single-quoted multi-line", when: "    when: 'action.target == ''a''   \n        && action.nosuch == 1'"},
		{name: "double-quoted", when: `    when: "action.target == \"a\tb\u00e9\" && action.nosuch == 1"`},
		{name: "double-quoted escaped break", when: "    when: \"action.type == \\\"x\\\" && \\\n      action.nosuch == 1\""},
		{name: "literal", when: "    when: |\n      action.type == \"x\" &&\n\n        action.nosuch == 1\n"},
		{name: "literal strip", when: "    when: |-\n      action.type == \"é\" &&\n      action.nosuch == 1\n"},
		{name: "folded", when: "    when: >\n      action.type == \"x\" &&\n      action.nosuch == 1\n"},
		{name: "folded with blank lines", when: "    when: >-\n      action.type == \"x\" &&\n\n\n      action.nosuch == 1\n"},
		{name: "json", file: "p.json", when: ""},
		{name: "explicit indentation", when: "    when: |2\n        action.type == \"x\" &&\n        action.nosuch == 1\n", approximate: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			file, src := "p.yaml", head+tt.when+"\n"
			if tt.file != "" {
				file = tt.file
				src = `{"metadata": {"id": "cavra-pos", "title": "t", "description": "d", "version": "1"},
 "rules": [{"id": "pos.rule", "decision": "block",
   "when": "action.target == \"\u0041\\\\\" && action.nosuch == 1"}]}`
			}
			p, err := Parse(filepath.Join(t.TempDir(), file), []byte(src))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			_, err = CompilePack(p)
			var pe *Error
			if !errors.As(err, &pe) || pe.Rule != "pos.rule" {
				t.Fatalf("err = %v, want a rule error", err)
			}
			lines := strings.Split(src, "\n")
			wantLine, wantCol := 0, 0
			for i, l := range lines {
				if j := strings.Index(l, ".nosuch"); j >= 0 {
					wantLine, wantCol = i+1, utf8.RuneCountInString(l[:j])+1
					break
				}
			}
			if tt.approximate {
				if !strings.Contains(pe.Msg, "of the when expression") || pe.Line != 6 || pe.Column != 9 {
					t.Errorf("got %d:%d %q, want the start of the value (6:9) and a note", pe.Line, pe.Column, pe.Msg)
				}
				return
			}
			if pe.Line != wantLine || pe.Column != wantCol {
				t.Errorf("got %d:%d, want %d:%d\n%v", pe.Line, pe.Column, wantLine, wantCol, err)
			}
			caret := "\n | " + lines[wantLine-1] + "\n | " + strings.Repeat(".", wantCol-1) + "^"
			if !strings.Contains(err.Error(), "undefined field 'nosuch'") || !strings.Contains(err.Error(), caret) {
				t.Errorf("message %q lacks the field or the caret %q", err.Error(), caret)
			}
		})
	}
}

// FuzzWhenPositions encodes a value in each scalar style, as a YAML encoder
// writes it, and checks the mapping back to the file: when it claims to be
// exact, every character of the value other than folded whitespace is
// found in the file where it says (or its escape's backslash is), in order.
func FuzzWhenPositions(f *testing.F) {
	for _, s := range []string{`action.type == "x"`, "a\nb", "a  \n\n b", `it's "q" \ é`, "\ttab", " lead", "trail ", "x: y # z", "\x00\u2028"} {
		f.Add(s)
	}
	styles := []yaml.Style{0, yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle, yaml.LiteralStyle, yaml.FoldedStyle}
	f.Fuzz(func(t *testing.T, value string) {
		if !utf8.ValidString(value) || len(value) > 2000 {
			return
		}
		for _, st := range styles {
			rule := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Value: "id"}, {Kind: yaml.ScalarNode, Value: "r"},
				{Kind: yaml.ScalarNode, Value: "when"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: value, Style: st},
			}}
			doc := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{
				{Kind: yaml.ScalarNode, Value: "rules"}, {Kind: yaml.SequenceNode, Content: []*yaml.Node{rule}},
			}}
			src, err := yaml.Marshal(doc)
			if err != nil {
				continue
			}
			n := whenNode(src, "r")
			if n == nil || n.Value != value {
				continue // the encoder chose a form that does not round-trip
			}
			lines := strings.Split(string(src), "\n")
			pos, exact := scalarPositions(lines, n)
			if !exact {
				continue
			}
			want := []rune(value)
			if len(pos) != len(want) {
				t.Fatalf("style %v: %d positions for %d characters", st, len(pos), len(want))
			}
			prev := filePos{}
			for i, r := range want {
				p := pos[i]
				if p.line < prev.line || p.line == prev.line && p.col < prev.col {
					t.Fatalf("style %v: position %d (%v) before %v\n%s", st, i, p, prev, src)
				}
				prev = p
				if r == ' ' || r == '\n' || r == '\t' {
					continue
				}
				line := []rune(lines[p.line-1])
				if p.col-1 >= len(line) {
					t.Fatalf("style %v: position %v of %q is past its line\n%s", st, p, r, src)
				}
				if got := line[p.col-1]; got != r && !(n.Style&yaml.DoubleQuotedStyle != 0 && got == '\\') {
					t.Fatalf("style %v: character %d %q maps to %q at %v\n%s", st, i, r, got, p, src)
				}
			}
		}
	})
}
