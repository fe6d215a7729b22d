package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A Block is one fenced code block of the README that the check runs or
// deliberately skips.
type Block struct {
	Line  int    // line of the opening fence
	Lang  string // sh, bash, shell or console
	Skip  string // the reason given by <!-- readme: skip REASON -->; empty: the block runs
	Steps []Step
}

// A Step is one command of a block: one line, or several when a line ends
// with a backslash, leaves a quote open or starts a here-document.
type Step struct {
	Line int    // README line where the command starts
	Text string // the command as bash reads it (console prompts removed)
	Want int    // the exit status the README expects: "exit N" in its comment, else 0
}

// runnable are the fence languages whose blocks are run.
var runnable = map[string]bool{"sh": true, "bash": true, "shell": true, "console": true}

var (
	fenceRE     = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})(.*)$")
	directiveRE = regexp.MustCompile(`^<!--\s*readme:\s*(.*?)\s*-->$`)
	exitRE      = regexp.MustCompile(`\bexit\s+([0-9]+)\b`)
	// heredocRE finds here-document operators (not <<< here-strings) and
	// their delimiter word, quoted or not.
	heredocRE = regexp.MustCompile(`(?:^|[^<])<<(-?)[ \t]*(?:'([^']+)'|"([^"]+)"|\\?([A-Za-z_][A-Za-z0-9_]*))`)
)

// Parse reads a README and returns its runnable blocks (and the skipped
// ones, with their reason), in order. It refuses what would let the check
// pass without checking: a runnable block without a command, an exit
// status written on a comment line instead of on its command, a skip
// marker that marks nothing, an unterminated block or command.
func Parse(name, src string) ([]Block, error) {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var blocks []Block
	skip, skipLine := "", 0
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		if m := directiveRE.FindStringSubmatch(trimmed); m != nil {
			if skipLine != 0 {
				return nil, fmt.Errorf("%s:%d: a second readme directive before the block that line %d marks", name, i+1, skipLine)
			}
			word, reason, _ := strings.Cut(m[1], " ")
			reason = strings.TrimSpace(reason)
			if word != "skip" || reason == "" {
				return nil, fmt.Errorf("%s:%d: unknown readme directive %q: the only one is <!-- readme: skip REASON --> (the reason is required)", name, i+1, m[1])
			}
			skip, skipLine = reason, i+1
			continue
		}
		if strings.Contains(line, "<!--") && strings.Contains(line, "readme:") {
			return nil, fmt.Errorf("%s:%d: a readme directive must be a line of its own: <!-- readme: skip REASON -->", name, i+1)
		}
		m := fenceRE.FindStringSubmatch(line)
		if m == nil {
			if trimmed != "" && skipLine != 0 {
				return nil, fmt.Errorf("%s:%d: the readme directive is not followed by a fenced block", name, skipLine)
			}
			continue
		}
		fence, info := m[1], strings.Fields(m[2])
		open := i + 1
		var body []string
		closed := false
		for i++; i < len(lines); i++ {
			t := strings.TrimLeft(lines[i], " ")
			if len(lines[i])-len(t) <= 3 && strings.HasPrefix(t, fence) && strings.Trim(strings.TrimSpace(t), fence[:1]) == "" {
				closed = true
				break
			}
			body = append(body, lines[i])
		}
		if !closed {
			return nil, fmt.Errorf("%s:%d: the fenced block is never closed", name, open)
		}
		lang := ""
		if len(info) > 0 {
			lang = info[0]
		}
		if !runnable[lang] {
			if skipLine != 0 {
				return nil, fmt.Errorf("%s:%d: the readme directive marks a %q block, which is not run anyway", name, skipLine, lang)
			}
			continue
		}
		if len(info) > 1 {
			return nil, fmt.Errorf("%s:%d: %q after the fence's language: to keep a block from running, put <!-- readme: skip REASON --> on the line before it", name, open, strings.Join(info[1:], " "))
		}
		steps, err := splitSteps(name, lang, open+1, body)
		if err != nil {
			return nil, err
		}
		if len(steps) == 0 {
			return nil, fmt.Errorf("%s:%d: a %s block without a command: it would pass without running anything", name, open, lang)
		}
		blocks = append(blocks, Block{Line: open, Lang: lang, Skip: skip, Steps: steps})
		skip, skipLine = "", 0
	}
	if skipLine != 0 {
		return nil, fmt.Errorf("%s:%d: the readme directive is not followed by a fenced block", name, skipLine)
	}
	return blocks, nil
}

// splitSteps splits a block's lines (the first is README line first) into
// commands.
func splitSteps(name, lang string, first int, body []string) ([]Step, error) {
	var (
		steps   []Step
		cur     *Step
		cmd     []string // the command's own lines, heredoc bodies left out
		q       quoteState
		cont    bool     // the previous line ended with a backslash
		pending []string // here-document delimiters still to come
		dash    []bool   // whether each pending delimiter was <<- (leading tabs stripped)
	)
	finish := func() error {
		want, err := wantStatus(cmd)
		if err != nil {
			return fmt.Errorf("%s:%d: %v", name, cur.Line, err)
		}
		cur.Want = want
		steps = append(steps, *cur)
		cur, cmd = nil, nil
		return nil
	}
	for k, raw := range body {
		ln := first + k
		line := raw
		if cur != nil && lang == "console" {
			// Continuation and here-document lines carry the PS2 prompt.
			rest, ok := strings.CutPrefix(line, "> ")
			if !ok && line != ">" {
				return nil, fmt.Errorf("%s:%d: in a console block, a command's continuation lines start with \"> \"", name, ln)
			}
			line = rest
		}
		if cur != nil && len(pending) > 0 { // a here-document's body
			cur.Text += "\n" + line
			probe := line
			if dash[0] {
				probe = strings.TrimLeft(probe, "\t")
			}
			if probe == pending[0] {
				pending, dash = pending[1:], dash[1:]
				if len(pending) == 0 && !cont && !q.open() {
					if err := finish(); err != nil {
						return nil, err
					}
				}
			}
			continue
		}
		if cur == nil {
			trimmed := strings.TrimSpace(line)
			if lang == "console" {
				rest, ok := strings.CutPrefix(line, "$ ")
				if !ok {
					continue // output shown in the README, not checked
				}
				line, trimmed = rest, strings.TrimSpace(rest)
			}
			if trimmed == "" {
				continue
			}
			if strings.HasPrefix(trimmed, "#") {
				if exitRE.MatchString(trimmed) {
					return nil, fmt.Errorf("%s:%d: an exit status on a comment line checks nothing: put \"# exit N\" at the end of the command's own line", name, ln)
				}
				continue
			}
			cur = &Step{Line: ln, Text: line}
		} else {
			cur.Text += "\n" + line
		}
		comment, docs, backslash := q.scan(line)
		cmd = append(cmd, comment)
		for _, d := range docs {
			pending = append(pending, d.word)
			dash = append(dash, d.dash)
		}
		cont = backslash
		if !cont && !q.open() && len(pending) == 0 {
			if err := finish(); err != nil {
				return nil, err
			}
		}
	}
	if cur != nil {
		what := "a line continued with a backslash"
		switch {
		case len(pending) > 0:
			what = fmt.Sprintf("a here-document without its %q line", pending[0])
		case q.open():
			what = "an unclosed quote"
		}
		return nil, fmt.Errorf("%s:%d: the block ends inside the command (%s)", name, cur.Line, what)
	}
	return steps, nil
}

// wantStatus reads "exit N" from the comments of a command's lines.
func wantStatus(comments []string) (int, error) {
	want, found := 0, false
	for _, c := range comments {
		for _, m := range exitRE.FindAllStringSubmatch(c, -1) {
			n, err := strconv.Atoi(m[1])
			if err != nil || n > 255 {
				return 0, fmt.Errorf("exit status %s is not one a process can have", m[1])
			}
			if found && n != want {
				return 0, fmt.Errorf("the comment gives two exit statuses, %d and %d", want, n)
			}
			want, found = n, true
		}
	}
	return want, nil
}

type heredoc struct {
	word string
	dash bool
}

// quoteState follows bash's quoting across the lines of one command, well
// enough to find where a comment starts, which here-documents a line opens
// and whether the command goes on to the next line.
type quoteState struct{ single, double bool }

func (q *quoteState) open() bool { return q.single || q.double }

// scan returns the line's trailing comment, the here-documents it opens
// and whether it ends with a line-continuing backslash.
func (q *quoteState) scan(line string) (comment string, docs []heredoc, backslash bool) {
	code := line
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case q.single:
			if c == '\'' {
				q.single = false
			}
		case c == '\\':
			if i == len(line)-1 {
				backslash = true
			}
			i++
		case q.double:
			if c == '"' {
				q.double = false
			}
		case c == '\'':
			q.single = true
		case c == '"':
			q.double = true
		case c == '#' && (i == 0 || strings.IndexByte(" \t;&|()<>", line[i-1]) >= 0):
			code, comment = line[:i], line[i:]
			i = len(line)
		}
	}
	if !q.open() {
		for _, m := range heredocRE.FindAllStringSubmatch(unquoted(code), -1) {
			docs = append(docs, heredoc{word: m[2] + m[3] + m[4], dash: m[1] == "-"})
		}
	}
	return comment, docs, backslash
}

// unquoted blanks out single-quoted text (other than a here-document's
// quoted delimiter, which directly follows <<), so a "<<" inside a quoted
// argument is not taken for a here-document.
func unquoted(code string) string {
	b := []byte(code)
	for i := 0; i < len(b); i++ {
		if b[i] != '\'' {
			continue
		}
		j := strings.IndexByte(code[i+1:], '\'')
		if j < 0 {
			break
		}
		before := strings.TrimRight(code[:i], " \t-")
		if !strings.HasSuffix(before, "<<") {
			for k := i + 1; k < i+1+j; k++ {
				b[k] = ' '
			}
		}
		i += j + 1
	}
	return string(b)
}
