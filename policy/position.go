package policy

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// A CEL error names a line and column of the `when` expression; a person
// reads the pack file. The expression is a YAML (or JSON) scalar, so its
// characters are mapped back to where they are in the file: exactly for
// plain, single-quoted, double-quoted (escapes point at their backslash),
// literal (|) and folded (>) scalars, by replaying the style's rules over the
// file's text and keeping the mapping only when the replay gives the
// decoded value. When it does not (an explicit indentation indicator, a
// construct the replay does not know), the error points at the start of the
// `when` value and says so, giving the expression's own line:column.

// filePos is a position in a pack file: 1-based line, 1-based column in
// characters.
type filePos struct{ line, col int }

// compileRuleIn compiles a rule and places a CEL error in its pack file.
func compileRuleIn(o ruleOrigin, r Rule) (*compiledRule, error) {
	cr, err := compileRule(o.file, o.pack, r)
	if err != nil {
		err = locateInFile(err, o.src, r)
	}
	return cr, err
}

// locateInFile turns the expression-relative position of a rule's CEL
// error into a position in the pack file src, with the file's line and a
// caret. Errors it cannot place (no source, not a CEL error) are returned
// as they are.
func locateInFile(err error, src []byte, r Rule) error {
	var pe *Error
	if len(src) == 0 || !errors.As(err, &pe) || pe.Line == 0 {
		return err
	}
	msg, _, _ := strings.Cut(pe.Msg, "\n") // the snippet of the expression goes

	node := whenNode(src, r.ID)
	if node == nil || node.Value != r.When {
		return err
	}
	lines := strings.Split(string(src), "\n")
	positions, exact := scalarPositions(lines, node)
	start := valueStart(lines, node)
	out := *pe
	off := runeOffset(r.When, pe.Line, pe.Column)
	at, ok := filePos{}, false
	if exact {
		at, ok = positionAt(positions, off)
	}
	if !ok {
		out.Line, out.Column = start.line, start.col
		out.Msg = fmt.Sprintf("%s (at %d:%d of the when expression; for this %s the position in the file is where the value starts)\n%s\n%s",
			msg, pe.Line, pe.Column, styleName(node), caretLine(lines, start), exprCaret(r.When, pe.Line, pe.Column))
		return &out
	}
	out.Line, out.Column = at.line, at.col
	out.Msg = msg + "\n" + caretLine(lines, at)
	return &out
}

// whenNode finds the `when` value of the rule with id in a pack's YAML or
// JSON text; nil when it is not there.
func whenNode(src []byte, id string) *yaml.Node {
	var doc yaml.Node
	if yaml.Unmarshal(src, &doc) != nil || len(doc.Content) == 0 {
		return nil
	}
	rules := mapValue(doc.Content[0], "rules")
	if rules == nil || rules.Kind != yaml.SequenceNode {
		return nil
	}
	for _, r := range rules.Content {
		if v := mapValue(r, "id"); v != nil && v.Value == id {
			if w := mapValue(r, "when"); w != nil && w.Kind == yaml.ScalarNode {
				return w
			}
		}
	}
	return nil
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func styleName(n *yaml.Node) string {
	switch {
	case n.Style&yaml.LiteralStyle != 0:
		return "literal block (|)"
	case n.Style&yaml.FoldedStyle != 0:
		return "folded block (>)"
	case n.Style&yaml.DoubleQuotedStyle != 0:
		return "double-quoted string"
	case n.Style&yaml.SingleQuotedStyle != 0:
		return "single-quoted string"
	}
	return "plain string"
}

// runeOffset is the offset, in characters, of CEL's line:column (1-based
// line, 1-based column in characters) in text.
func runeOffset(text string, line, col int) int {
	off := 0
	for i, l := range strings.Split(text, "\n") {
		if i == line-1 {
			return off + col - 1
		}
		off += utf8.RuneCountInString(l) + 1
	}
	return off
}

// positionAt is where character off of the value is; one past the last
// character is just after it (a syntax error at the end).
func positionAt(ps []filePos, off int) (filePos, bool) {
	switch {
	case off >= 0 && off < len(ps):
		return ps[off], true
	case off == len(ps) && off > 0:
		p := ps[off-1]
		return filePos{p.line, p.col + 1}, true
	}
	return filePos{}, false
}

// caretLine shows line p.line of the file with a caret under column p.col,
// as CEL shows an expression.
func caretLine(lines []string, p filePos) string {
	text := ""
	if p.line-1 < len(lines) {
		text = strings.TrimRight(lines[p.line-1], "\r")
	}
	return " | " + text + "\n | " + strings.Repeat(".", max(p.col-1, 0)) + "^"
}

func exprCaret(expr string, line, col int) string {
	ls := strings.Split(expr, "\n")
	text := ""
	if line-1 < len(ls) && line > 0 {
		text = ls[line-1]
	}
	return " | " + text + "\n | " + strings.Repeat(".", max(col-1, 0)) + "^"
}

// valueStart is where a scalar's text starts: its first content line for a
// block scalar, after the quote for a quoted one.
func valueStart(lines []string, n *yaml.Node) filePos {
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		for l := n.Line; l < len(lines); l++ { // lines[n.Line] is the line after the indicator
			if t := strings.TrimLeft(lines[l], " "); strings.TrimSpace(t) != "" {
				return filePos{l + 1, utf8.RuneCountInString(lines[l]) - utf8.RuneCountInString(t) + 1}
			}
		}
	case n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0:
		return filePos{n.Line, n.Column + 1}
	}
	return filePos{n.Line, n.Column}
}

// scalarPositions gives the file position of each character of n.Value,
// and whether replaying the scalar's style over the file gave the value.
func scalarPositions(lines []string, n *yaml.Node) ([]filePos, bool) {
	src := make([][]rune, len(lines))
	for i, l := range lines {
		src[i] = []rune(strings.TrimRight(l, "\r"))
	}
	want := []rune(n.Value)
	var got []rune
	var pos []filePos
	switch {
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		got, pos = blockScalar(src, n)
	default:
		got, pos = flowScalar(src, n, len(want))
	}
	if len(got) < len(want) {
		return nil, false
	}
	for i := range want {
		if got[i] != want[i] {
			return nil, false
		}
	}
	return pos[:len(want)], true
}

// blockScalar replays a literal or folded block scalar: the content lines
// after the header, less their indentation; a folded scalar joins adjacent
// lines of the same indentation with a space.
func blockScalar(src [][]rune, n *yaml.Node) ([]rune, []filePos) {
	hdrLine := n.Line - 1
	if hdrLine < 0 || hdrLine >= len(src) {
		return nil, nil
	}
	hdr := src[hdrLine]
	if c := n.Column - 1; c >= 0 && c < len(hdr) {
		for _, r := range hdr[c+1:] {
			if r >= '1' && r <= '9' {
				return nil, nil // an explicit indentation: not replayed
			}
			if r == ' ' || r == '#' {
				break
			}
		}
	}
	first := -1
	indent := 0
	for l := hdrLine + 1; l < len(src); l++ {
		if t := trimSpaces(src[l]); len(t) > 0 {
			first, indent = l, len(src[l])-len(t)
			break
		}
	}
	if first < 0 {
		return nil, nil
	}
	type contentLine struct {
		l    int
		text []rune
	}
	var content []contentLine
	for l := hdrLine + 1; l < len(src); l++ {
		line := src[l]
		if len(trimSpaces(line)) == 0 {
			var text []rune
			if len(line) > indent {
				text = line[indent:]
			}
			content = append(content, contentLine{l, text})
			continue
		}
		if len(line)-len(trimSpaces(line)) < indent {
			break
		}
		content = append(content, contentLine{l, line[indent:]})
	}
	folded := n.Style&yaml.FoldedStyle != 0
	var got []rune
	var pos []filePos
	emit := func(r rune, l, col int) {
		got = append(got, r)
		pos = append(pos, filePos{l + 1, col + 1})
	}
	for i := 0; i < len(content); i++ {
		c := content[i]
		for j, r := range c.text {
			emit(r, c.l, indent+j)
		}
		if !folded || len(c.text) == 0 || c.text[0] == ' ' || c.text[0] == '\t' {
			emit('\n', c.l, indent+len(c.text))
			continue
		}
		// Folding: blank lines up to the next line become newlines; no blank
		// line becomes a space, when both lines are at the base indentation.
		k := i + 1
		for k < len(content) && len(content[k].text) == 0 {
			k++
		}
		if k == len(content) {
			emit('\n', c.l, indent+len(c.text))
			continue
		}
		next := content[k].text
		if next[0] == ' ' || next[0] == '\t' {
			emit('\n', c.l, indent+len(c.text))
			continue
		}
		if k == i+1 {
			emit(' ', c.l, indent+len(c.text))
			continue
		}
		for b := i + 1; b < k; b++ {
			emit('\n', content[b].l, indent)
		}
		i = k - 1
	}
	return got, pos
}

func trimSpaces(r []rune) []rune {
	for len(r) > 0 && (r[0] == ' ' || r[0] == '\t') {
		r = r[1:]
	}
	return r
}

// flowScalar replays a plain, single- or double-quoted scalar from its
// start until it has produced n characters: line breaks fold (one into a
// space, more into newlines less one), whitespace around them is dropped,
// quotes and escapes decode.
func flowScalar(src [][]rune, node *yaml.Node, n int) ([]rune, []filePos) {
	single := node.Style&yaml.SingleQuotedStyle != 0
	double := node.Style&yaml.DoubleQuotedStyle != 0
	l, c := node.Line-1, node.Column-1
	if single || double {
		c++
	}
	var got []rune
	var pos []filePos
	var pending []filePos // whitespace not yet known to be content
	emit := func(r rune, p filePos) {
		for _, w := range pending {
			got = append(got, src[w.line-1][w.col-1])
			pos = append(pos, w)
		}
		pending = pending[:0]
		got = append(got, r)
		pos = append(pos, p)
	}
	for l >= 0 && l < len(src) && len(got) < n {
		line := src[l]
		if c >= len(line) { // a line break
			pending = pending[:0]
			brk := filePos{l + 1, c + 1}
			blanks := 0
			l++
			for l < len(src) && len(trimSpaces(src[l])) == 0 {
				blanks++
				l++
			}
			if l >= len(src) {
				break
			}
			c = len(src[l]) - len(trimSpaces(src[l]))
			if blanks == 0 {
				emit(' ', brk)
			}
			for ; blanks > 0; blanks-- {
				emit('\n', brk)
			}
			continue
		}
		r, p := line[c], filePos{l + 1, c + 1}
		switch {
		case double && r == '"', single && r == '\'' && (c+1 >= len(line) || line[c+1] != '\''):
			return got, pos
		case single && r == '\'':
			emit('\'', p)
			c += 2
			continue
		case double && r == '\\':
			if c+1 >= len(line) { // an escaped line break: it and the next line's indentation go
				for _, w := range pending {
					got = append(got, src[w.line-1][w.col-1])
					pos = append(pos, w)
				}
				pending = pending[:0]
				l++
				if l < len(src) {
					c = len(src[l]) - len(trimSpaces(src[l]))
				}
				continue
			}
			d, width, ok := unescape(line[c+1:])
			if !ok {
				return got, pos
			}
			emit(d, p)
			c += 1 + width
			continue
		case r == ' ' || r == '\t':
			pending = append(pending, p)
		default:
			emit(r, p)
		}
		c++
	}
	return got, pos
}

// unescape decodes a double-quoted escape after its backslash: the rune and
// how many characters it took.
func unescape(s []rune) (rune, int, bool) {
	simple := map[rune]rune{'0': 0, 'a': '\a', 'b': '\b', 't': '\t', '\t': '\t', 'n': '\n', 'v': '\v', 'f': '\f',
		'r': '\r', 'e': 0x1b, ' ': ' ', '"': '"', '/': '/', '\\': '\\', 'N': 0x85, '_': 0xa0, 'L': 0x2028, 'P': 0x2029}
	if d, ok := simple[s[0]]; ok {
		return d, 1, true
	}
	width := map[rune]int{'x': 2, 'u': 4, 'U': 8}[s[0]]
	if width == 0 || len(s) < 1+width {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(s[1:1+width]), 16, 32)
	if err != nil {
		return 0, 0, false
	}
	return rune(v), 1 + width, true
}
