package shell

import (
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Stored code: a command that stores a command line for another program to
// run later is analysed as that command line, so its facts are on the line
// as if it ran now (its via ends in "=", as a setting's does):
//
//   - npm/pnpm pkg set scripts.X=…, npm set-script X …
//   - claude mcp add NAME [opts] -- cmd args…, claude mcp add-json NAME JSON
//   - jq filters that assign .scripts.X = "…" to package.json, sed -i
//     replacements that write "key": "…" into package.json
//   - a static text written (echo/printf > f, cat > f <<EOF, tee f) to
//     .envrc (direnv runs it), .vscode/tasks.json (tasks' commands, run on
//     folder open), .pre-commit-config.yaml (local hooks' entry) or
//     package.json (its scripts), and to the build and test configuration
//     of storedfiles.go (justfile, Taskfile, tox.ini, conftest.py, build.rs,
//     CMakeLists.txt, //go:generate, git hooks, Gradle, pom.xml, .npmrc…);
//     sed -i replacements written into those line-oriented files are read
//     as fragments of them.
//
// git config alias.x '!…' / core.fsmonitor / core.hooksPath are settings
// (settings.go); crontab from input is judged by the baseline's scheduling
// rule.

// maxStored bounds how many stored command lines one command contributes.
const maxStored = 16

// storedCode analyses the code command ws stores, if any.
func (a *analyzer) storedCode(name string, ws []word, via []string, redirs []Redirect, sc scope) {
	switch name {
	case "npm", "pnpm":
		a.npmStored(ws, via, sc)
	case "claude":
		a.claudeStored(ws, via, sc)
	case "jq":
		a.jqStored(ws, via, sc)
	case "sed", "gsed":
		a.sedStored(ws, via, sc)
	case "echo", "printf", "cat", "tee":
		a.writtenStored(name, ws, via, redirs, sc)
	}
}

// stored analyses one stored command line.
func (a *analyzer) stored(label, code string, via []string, sc scope) {
	if len(code) > 1<<16 {
		return
	}
	a.commandValue(label, code, via, nil, sc)
}

func (a *analyzer) npmStored(ws []word, via []string, sc scope) {
	var ops []word
	for _, w := range ws[1:] {
		if strings.HasPrefix(w.val, "-") && w.static {
			continue
		}
		ops = append(ops, w)
	}
	if len(ops) >= 3 && ops[0].val == "set-script" {
		a.storedWord("npm set-script "+ops[1].val+"=", ops[2], via, sc)
		return
	}
	if len(ops) < 3 || ops[0].val != "pkg" || ops[1].val != "set" {
		return
	}
	for i, w := range ops[2:] {
		if i >= maxStored {
			return
		}
		k, v, ok := strings.Cut(w.val, "=")
		if !ok || !strings.HasPrefix(k, "scripts.") && !strings.HasPrefix(k, "scripts[") {
			continue
		}
		a.storedWord("npm pkg set "+k+"=", word{val: v, static: w.static}, via, sc)
	}
}

// storedWord analyses a stored value, or reports it as code only run time
// knows when the shell computes it.
func (a *analyzer) storedWord(label string, w word, via []string, sc scope) {
	if !w.static && (computed(w.val) || strings.Contains(w.val, "$")) {
		a.opaqueSetting(label+w.val, via, nil)
		return
	}
	a.stored(label, w.val, via, sc)
}

func (a *analyzer) claudeStored(ws []word, via []string, sc scope) {
	if len(ws) < 4 || ws[1].val != "mcp" {
		return
	}
	switch ws[2].val {
	case "add":
		for i := 3; i < len(ws); i++ {
			if ws[i].val == "--" && ws[i].static {
				if i+1 < len(ws) && a.deeper(sc) {
					inner := sc
					inner.stdin = input{}
					inner.depth++
					a.resolve(ws[i+1:], appendVia(via, "claude mcp add="), nil, inner)
				}
				return
			}
		}
		// claude mcp add NAME cmd args… (no --): the words after the name
		// that are not options.
		var ops []word
		for i := 3; i < len(ws); i++ {
			v := ws[i].val
			if strings.HasPrefix(v, "-") && ws[i].static {
				switch v {
				case "-e", "--env", "-s", "--scope", "-t", "--transport", "-H", "--header":
					i++
				}
				continue
			}
			ops = append(ops, ws[i])
		}
		if len(ops) >= 2 && !strings.Contains(ops[1].val, "://") && a.deeper(sc) {
			inner := sc
			inner.stdin = input{}
			inner.depth++
			a.resolve(ops[1:], appendVia(via, "claude mcp add="), nil, inner)
		}
	case "add-json":
		var ops []word
		for i := 3; i < len(ws); i++ {
			if strings.HasPrefix(ws[i].val, "-") && ws[i].static {
				if ws[i].val == "-s" || ws[i].val == "--scope" {
					i++
				}
				continue
			}
			ops = append(ops, ws[i])
		}
		if len(ops) >= 2 {
			a.jsonServer("claude mcp add-json=", ops[1].val, via, sc)
		}
	}
}

// jsonServer analyses the command of an MCP server's JSON definition.
func (a *analyzer) jsonServer(label, text string, via []string, sc scope) {
	var s struct {
		Command string   `json:"command"`
		Args    []string `json:"args"`
	}
	if json.Unmarshal([]byte(text), &s) != nil || s.Command == "" || len(s.Args) > 256 {
		return
	}
	if !a.deeper(sc) {
		return
	}
	ws := make([]word, 0, 1+len(s.Args))
	ws = append(ws, word{val: s.Command, static: true})
	for _, x := range s.Args {
		ws = append(ws, word{val: x, static: true})
	}
	inner := sc
	inner.stdin = input{}
	inner.depth++
	a.resolve(ws, appendVia(via, label), nil, inner)
}

var (
	jqScript = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\.scripts(?:\.[A-Za-z0-9_:-]+|\["[^"]*"\]|\.?"[^"]*")\s*[|]?=\s*"((?:[^"\\]|\\.)*)"`)
	})
	jsonValue = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"[^"]*"\s*:\s*"((?:[^"\\]|\\.)*)"`) })
)

// unquoteJSON decodes a JSON string's body, or returns it as written.
func unquoteJSON(s string) string {
	var out string
	if json.Unmarshal([]byte(`"`+s+`"`), &out) == nil {
		return out
	}
	return s
}

func namesPackageJSON(ws []word) bool {
	for _, w := range ws {
		if path.Base(w.val) == "package.json" {
			return true
		}
	}
	return false
}

func (a *analyzer) jqStored(ws []word, via []string, sc scope) {
	if !namesPackageJSON(ws[1:]) {
		return
	}
	for _, w := range ws[1:] {
		if !strings.Contains(w.val, ".scripts") {
			continue
		}
		for i, m := range jqScript().FindAllStringSubmatch(w.val, maxStored) {
			_ = i
			a.stored("jq .scripts=", unquoteJSON(m[1]), via, sc)
		}
	}
}

func (a *analyzer) sedStored(ws []word, via []string, sc scope) {
	inPlace := false
	for _, w := range ws[1:] {
		if strings.HasPrefix(w.val, "-i") || strings.HasPrefix(w.val, "--in-place") {
			inPlace = true
		}
	}
	if !inPlace {
		return
	}
	if !namesPackageJSON(ws[1:]) {
		// A line-oriented file (tox.ini, a justfile, a hook…): the
		// replacement is a fragment of it.
		kind := ""
		for _, w := range ws[1:] {
			if k := storedFile(w.val); k != "" && k != "tasks" && k != "package" && w.static {
				kind = k
			}
		}
		if kind == "" {
			return
		}
		for _, w := range ws[1:] {
			if repl, ok := sedReplacement(w.val); ok && strings.TrimSpace(repl) != "" {
				a.storedText(kind, strings.ReplaceAll(repl, `\n`, "\n"), via, sc)
			}
		}
		return
	}
	for _, w := range ws[1:] {
		repl, ok := sedReplacement(w.val)
		if !ok {
			continue
		}
		for _, m := range jsonValue().FindAllStringSubmatch(repl, maxStored) {
			a.stored("sed package.json=", unquoteJSON(m[1]), via, sc)
		}
	}
}

// sedReplacement returns the replacement of an s command (s/a/b/flags)
// with its escaped delimiters unescaped.
func sedReplacement(e string) (string, bool) {
	if len(e) < 4 || e[0] != 's' {
		return "", false
	}
	d := e[1]
	if d == '\\' || d == '\n' || d == ' ' {
		return "", false
	}
	var parts []string
	var b strings.Builder
	for i := 2; i < len(e); i++ {
		c := e[i]
		if c == '\\' && i+1 < len(e) {
			if e[i+1] == d {
				b.WriteByte(d)
			} else {
				b.WriteByte(c)
				b.WriteByte(e[i+1])
			}
			i++
			continue
		}
		if c == d {
			parts = append(parts, b.String())
			b.Reset()
			if len(parts) == 2 {
				return parts[1], true
			}
			continue
		}
		b.WriteByte(c)
	}
	return "", false
}

// writtenStored analyses static text written to a file another program
// runs code from.
func (a *analyzer) writtenStored(name string, ws []word, via []string, redirs []Redirect, sc scope) {
	var targets []string
	for _, r := range redirs {
		if (r.Op == ">" || r.Op == ">>" || r.Op == ">|") && !r.Dynamic && (r.Fd == "" || r.Fd == "1") {
			targets = append(targets, r.Path)
		}
	}
	if name == "tee" {
		for _, w := range ws[1:] {
			if !strings.HasPrefix(w.val, "-") && w.static {
				targets = append(targets, w.val)
			}
		}
	}
	kind := ""
	for _, t := range targets {
		if k := storedFile(t); k != "" {
			kind = k
			break
		}
	}
	if len(targets) == 0 {
		return
	}
	text, ok := "", false
	switch name {
	case "echo":
		args := ws[1:]
		for len(args) > 0 && args[0].static && (args[0].val == "-n" || args[0].val == "-e" || args[0].val == "-E") {
			args = args[1:]
		}
		text, ok = joinStatic(args)
	case "printf":
		if len(ws) > 1 {
			text, ok = joinStatic(ws[1:])
			text = strings.NewReplacer(`\n`, "\n", `\t`, "\t").Replace(text)
		}
	case "cat", "tee":
		for _, w := range ws[1:] {
			if !strings.HasPrefix(w.val, "-") && name == "cat" {
				return // cat of a file: its content is not on the line
			}
		}
		text, ok = sc.stdin.script, sc.stdin.static
	}
	if !ok || strings.TrimSpace(text) == "" {
		return
	}
	a.noteWritten(targets, text, redirs)
	if kind == "" {
		return
	}
	a.storedText(kind, text, via, sc)
}

// noteWritten records the static text a command writes to files of the
// line (echo '…' > x.sh), so that a shell later running x.sh or reading
// it as input (sh < x.sh, ssh host bash -s < x.sh) runs known code.
func (a *analyzer) noteWritten(targets []string, text string, redirs []Redirect) {
	if a.written == nil {
		a.written = map[string]writtenText{}
	}
	appendTo := map[string]bool{}
	for _, r := range redirs {
		if r.Op == ">>" {
			appendTo[r.Path] = true
		}
	}
	for _, t := range targets {
		if len(a.written) >= 32 {
			return
		}
		w := writtenText{text: text, after: len(a.cmds)}
		if old, ok := a.written[t]; ok && appendTo[t] {
			w.text = old.text + text
		} else if appendTo[t] {
			continue // appended to a file whose start the line does not show
		}
		a.written[t] = w
	}
}

// writtenScript returns the text the line wrote to p, when no command
// after the write changed p again.
func (a *analyzer) writtenScript(p string) (string, bool) {
	w, ok := a.written[p]
	if !ok || strings.TrimSpace(w.text) == "" {
		return "", false
	}
	for _, c := range a.cmds[min(w.after, len(a.cmds)):] {
		switch c.Name {
		case "chmod", "chown", "chgrp", "touch", "chattr", "setfacl":
			continue // metadata: the text stays
		}
		for _, l := range [][]string{c.Writes, c.Deletes} {
			for _, x := range l {
				if x == p {
					return "", false
				}
			}
		}
	}
	return w.text, true
}

// writtenText is a file's content written on the line; after is the
// number of commands recorded when it was written.
type writtenText struct {
	text  string
	after int
}

// storedFile says which kind of stored code file p is, "" for none.
func storedFile(p string) string {
	switch b := path.Base(p); {
	case b == ".envrc":
		return "envrc"
	case b == "tasks.json" && path.Base(path.Dir(p)) == ".vscode":
		return "tasks"
	case b == ".pre-commit-config.yaml" || b == ".pre-commit-config.yml":
		return "pre-commit"
	case b == "package.json":
		return "package"
	case b == "devcontainer.json" || b == ".devcontainer.json":
		return "devcontainer"
	case b == "Makefile" || b == "makefile" || b == "GNUmakefile" || strings.HasSuffix(b, ".mk"):
		return "make"
	}
	return buildFile(p)
}

// StoredFile reports whether the file at p holds code another program runs
// (.envrc, .vscode/tasks.json, .pre-commit-config.yaml, package.json's
// scripts, a Makefile's recipes, the build and test configuration of
// storedfiles.go): the files whose written text AnalyzeStored reads.
func StoredFile(p string) bool { return storedFile(p) != "" }

// AnalyzeStored analyses the code that text, written to the file at p,
// stores for another program to run, as stored.go does for a shell command
// that writes the same text: each stored command line is on the analysis
// with a via that ends in "=". text may be the whole file (Write) or a
// fragment of it (Edit's new text): a fragment of package.json or
// tasks.json that is not JSON is read by its "key": "value" pairs. It
// returns nil when p is not such a file or the text stores nothing.
func AnalyzeStored(p, text string, opts Options) (an *Analysis, err error) {
	kind := storedFile(p)
	if kind == "" || strings.TrimSpace(text) == "" {
		return nil, nil
	}
	if len(text) > MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(text), MaxInput)
	}
	ps := parsers.Get().(*parser)
	defer func() {
		if r := recover(); r != nil {
			an, err = nil, fmt.Errorf("shell: internal error: %v", r)
			return
		}
		parsers.Put(ps)
	}()
	a := analyzer{parser: ps, maxDepth: opts.MaxDepth, dir: cleanDir(opts.Dir), home: cleanDir(opts.Home)}
	if a.maxDepth <= 0 {
		a.maxDepth = DefaultMaxDepth
	}
	a.storedText(kind, text, nil, scope{src: text})
	if a.err != nil {
		return nil, a.err
	}
	if len(a.cmds) == 0 {
		return nil, nil
	}
	return &Analysis{Commands: a.cmds}, nil
}

// storedText analyses the code in a file's text of the given kind.
func (a *analyzer) storedText(kind, text string, via []string, sc scope) {
	switch kind {
	case "envrc":
		a.stored(".envrc=", text, via, sc)
	case "tasks":
		var f struct {
			Tasks []struct {
				Command string   `json:"command"`
				Args    []string `json:"args"`
			} `json:"tasks"`
		}
		if json.Unmarshal([]byte(text), &f) != nil {
			a.storedPairs(".vscode/tasks.json=", text, `"command"`, via, sc)
			return
		}
		for i, t := range f.Tasks {
			if i >= maxStored || t.Command == "" {
				break
			}
			line := t.Command
			for _, x := range t.Args {
				line += " " + x
			}
			a.stored(".vscode/tasks.json=", line, via, sc)
		}
	case "package":
		var f struct {
			Scripts map[string]string `json:"scripts"`
		}
		if json.Unmarshal([]byte(text), &f) != nil {
			a.storedPairs("package.json scripts=", text, "", via, sc)
			return
		}
		n := 0
		for _, s := range f.Scripts {
			if n++; n > maxStored {
				break
			}
			a.stored("package.json scripts=", s, via, sc)
		}
	case "pre-commit":
		// A hook repository is cloned and installed (pip, npm, cargo…) when
		// the hooks run: from a URL at a rev that is not a commit it is an
		// install from an unpinned VCS source (a branch; a release tag or a
		// commit pins it).
		repo := ""
		for _, line := range strings.Split(text, "\n") {
			t := strings.TrimLeft(strings.TrimSpace(line), "- ")
			if v, ok := strings.CutPrefix(t, "repo:"); ok {
				repo = yamlScalar(strings.TrimSpace(v))
			} else if v, ok := strings.CutPrefix(t, "rev:"); ok && strings.Contains(repo, "://") {
				rev := yamlScalar(strings.TrimSpace(v))
				if !commitHash(rev) && !versionTag.MatchString(rev) {
					a.stored(".pre-commit-config.yaml repo=", "pip install git+"+repo+"@"+rev, via, sc)
				}
				repo = ""
			}
		}
		for n, line := range strings.Split(text, "\n") {
			if n > 4096 {
				break
			}
			t := strings.TrimLeft(strings.TrimSpace(line), "- ")
			v, ok := strings.CutPrefix(t, "entry:")
			if !ok {
				continue
			}
			v = strings.TrimSpace(v)
			if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
				v = v[1 : len(v)-1]
			}
			a.stored(".pre-commit-config.yaml entry=", v, via, sc)
		}
	case "devcontainer":
		// The lifecycle commands run in the container (and
		// initializeCommand on this machine) when the editor opens it.
		for _, k := range []string{"initializeCommand", "onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand", "postAttachCommand"} {
			a.storedPairs("devcontainer.json "+k+"=", text, `"`+k+`"`, via, sc)
		}
	case "make":
		for i, line := range makeRecipes(text) {
			if i >= 4*maxStored {
				break
			}
			a.stored("Makefile recipe=", line, via, sc)
		}
	default:
		a.buildText(kind, text, via, sc)
	}
}

// storedPairs analyses the values of a JSON fragment's "key": "value"
// pairs (only key's, when key is set) as stored command lines.
func (a *analyzer) storedPairs(label, text, key string, via []string, sc scope) {
	for _, m := range jsonValue().FindAllStringSubmatchIndex(text, maxStored) {
		if key != "" && !strings.HasPrefix(text[m[0]:], key) {
			continue
		}
		a.stored(label, unquoteJSON(text[m[2]:m[3]]), via, sc)
	}
}

// makeVar is a make variable reference: $(NAME), ${NAME}, $(shell …).
var makeVar = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$[({]([A-Za-z_][A-Za-z0-9_.]*)[)}]|\$\(shell\s`) })

// makeRecipes returns a makefile's recipe lines (those that start with a
// tab, continuations joined) as shell command lines: make's @, - and +
// prefixes dropped, $$ a dollar, $(shell …) a command substitution and a
// variable reference a shell variable (its value is not on the line).
func makeRecipes(text string) []string {
	var out []string
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines) && i < 1<<14; i++ {
		l := lines[i]
		if !strings.HasPrefix(l, "\t") {
			// Outside recipes, make runs $(shell …) while it reads the
			// makefile, and VAR != CMD assigns a command's output.
			out = append(out, makeParseTime(l)...)
			continue
		}
		for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
			i++
			l = l[:len(l)-1] + " " + strings.TrimLeft(lines[i], "\t ")
		}
		l = strings.TrimLeft(l, "\t @-+")
		l = makeVar().ReplaceAllStringFunc(l, func(m string) string {
			if strings.HasPrefix(m, "$(shell") {
				return "$("
			}
			return "$" + strings.ReplaceAll(m[2:len(m)-1], ".", "_")
		})
		l = strings.ReplaceAll(l, "$$", "$")
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// sedScripts returns the scripts of a sed command: the -e and --expression
// values, or else its first operand.
func sedScripts(ws []word) []word {
	var out []word
	first := -1
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		switch {
		case (v == "-e" || v == "--expression") && i+1 < len(ws):
			out = append(out, ws[i+1])
			i++
		case strings.HasPrefix(v, "--expression="):
			out = append(out, word{val: v[len("--expression="):], static: ws[i].static})
		case v == "-f" || v == "--file" || v == "-l" || v == "--line-length":
			i++
		case v == "--":
			if first < 0 && i+1 < len(ws) {
				first = i + 1
			}
			i = len(ws)
		case strings.HasPrefix(v, "-") && len(v) > 1:
			if strings.Contains(v[1:], "e") && !strings.HasPrefix(v, "--") && i+1 < len(ws) && strings.HasSuffix(v, "e") {
				out = append(out, ws[i+1]) // -ne SCRIPT
				i++
			}
		default:
			if first < 0 {
				first = i
			}
		}
	}
	if len(out) == 0 && first > 0 {
		out = append(out, ws[first])
	}
	return out
}

// sedCommand is what one command of a sed script does beyond editing its
// stream: a shell command it runs (e CMD), a file it writes (w FILE, W,
// s///w FILE) or reads (r FILE, R), or its pattern space run as a command
// (e alone, s///e).
type sedCommand struct {
	run, write, read string
	execInput        bool
}

// sedProgram reads a sed script's commands (GNU syntax: addresses, !, {},
// ; and newlines between commands; a, i, c, e, r, R, w, W and s's w flag
// take the rest of the line).
func sedProgram(script string) []sedCommand {
	var out []sedCommand
	for _, line := range strings.Split(script, "\n") {
		i := 0
		for i < len(line) && len(out) < 64 {
			for i < len(line) && strings.IndexByte(" \t;{}!", line[i]) >= 0 {
				i++
			}
			i = sedAddress(line, i)
			for i < len(line) && (line[i] == ' ' || line[i] == '!' || line[i] == '\t') {
				i++
			}
			if i >= len(line) {
				break
			}
			c := line[i]
			i++
			rest := strings.TrimSpace(line[i:])
			switch c {
			case 'e':
				if rest == "" {
					out = append(out, sedCommand{execInput: true})
				} else {
					out = append(out, sedCommand{run: rest})
				}
				i = len(line)
			case 'w', 'W':
				out = append(out, sedCommand{write: rest})
				i = len(line)
			case 'r', 'R':
				out = append(out, sedCommand{read: rest})
				i = len(line)
			case 'a', 'i', 'c', ':', 'b', 't', 'T':
				if c == 'a' || c == 'i' || c == 'c' {
					i = len(line)
					break
				}
				for i < len(line) && line[i] != ';' {
					i++
				}
			case 's', 'y':
				if i >= len(line) {
					break
				}
				d := line[i]
				i++
				for part := 0; part < 2 && i <= len(line); part++ {
					for i < len(line) && line[i] != d {
						if line[i] == '\\' {
							i++
						}
						i++
					}
					i++
				}
				if c == 'y' {
					break
				}
				for i < len(line) && line[i] != ';' && line[i] != '}' {
					switch line[i] {
					case 'e':
						out = append(out, sedCommand{execInput: true})
					case 'w':
						out = append(out, sedCommand{write: strings.TrimSpace(line[i+1:])})
						i = len(line) - 1
					}
					i++
				}
			}
		}
	}
	return out
}

// sedAddress skips a sed address (a line number, $, /regex/, \cregexc, a
// step first~step) and a second one after a comma.
func sedAddress(s string, i int) int {
	for n := 0; n < 2 && i < len(s); n++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
			for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '~') {
				i++
			}
		case s[i] == '$':
			i++
		case s[i] == '/' || s[i] == '\\' && i+1 < len(s):
			d := byte('/')
			if s[i] == '\\' {
				i++
				d = s[i]
			}
			i++
			for i < len(s) && s[i] != d {
				if s[i] == '\\' {
					i++
				}
				i++
			}
			i++
			for i < len(s) && (s[i] == 'I' || s[i] == 'M') {
				i++
			}
		default:
			return i
		}
		if i < len(s) && s[i] == ',' && n == 0 {
			i++
			continue
		}
		break
	}
	return min(i, len(s))
}

// sedEffects adds to command idx (a sed) what its script does beyond its
// stream: files it writes and reads, commands it runs.
func (a *analyzer) sedEffects(idx int, ws []word, via []string, redirs []Redirect, sc scope) {
	if idx < 0 || idx >= len(a.cmds) {
		return
	}
	for _, w := range sedScripts(ws) {
		if !w.static {
			continue
		}
		for _, sc2 := range sedProgram(w.val) {
			c := &a.cmds[idx]
			switch {
			case sc2.write != "" && sc2.write != "/dev/stdout" && sc2.write != "/dev/stderr":
				c.Writes = append(c.Writes, sc2.write)
			case sc2.read != "":
				c.Reads = append(c.Reads, sc2.read)
			case sc2.execInput:
				if c.Opaque == "" {
					c.Opaque = OpaqueStdin // sed's e runs its input lines as commands
				}
			case sc2.run != "":
				a.commandValue("sed e ", sc2.run, via, redirs, sc)
			}
		}
	}
}

// makeParseTime returns the shell commands a makefile line that is not a
// recipe runs when make reads it: the bodies of $(shell …) (parentheses
// balanced) and the right side of VAR != CMD.
func makeParseTime(l string) []string {
	var out []string
	if name, cmd, ok := strings.Cut(l, "!="); ok && !strings.ContainsAny(strings.TrimSpace(name), " \t$:") && strings.TrimSpace(name) != "" {
		out = append(out, strings.ReplaceAll(strings.TrimSpace(cmd), "$$", "$"))
	}
	for off := 0; off < len(l) && len(out) < 16; {
		i := strings.Index(l[off:], "$(shell")
		if i < 0 {
			break
		}
		start := off + i + len("$(shell")
		depth, j := 1, start
		for ; j < len(l) && depth > 0; j++ {
			switch l[j] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		if depth == 0 {
			out = append(out, strings.ReplaceAll(strings.TrimSpace(l[start:j-1]), "$$", "$"))
		}
		off = j
	}
	return out
}

// versionTag is a release tag (v1.2.3, 24.1.0, v4.0.0-alpha.8): what
// pre-commit autoupdate writes, taken as pinned; a branch (main, HEAD) is not.
var versionTag = regexp.MustCompile(`^v?[0-9]+(\.[0-9]+)*([-+.][0-9A-Za-z.]+)?$`)

// commitHash reports a full hexadecimal commit id.
func commitHash(s string) bool {
	if len(s) != 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// writtenPython: a Python test or task runner imports the project's Python
// files (plugins named in pytest.ini's addopts, conftest.py, test modules,
// noxfile.py); a .py file the line wrote is read as the code that runs,
// as `python3 FILE` would be.
func (a *analyzer) writtenPython(name string, via []string, redirs []Redirect, sc scope) {
	n := 0
	for _, p := range slices.Sorted(maps.Keys(a.written)) {
		if !strings.HasSuffix(p, ".py") || strings.Contains(p, "..") || strings.ContainsAny(p, "'$`") || n >= 8 {
			continue
		}
		if _, ok := a.writtenScript(p); !ok {
			continue
		}
		n++
		a.commandValue(name+" imports ", "python3 '"+p+"'", via, redirs, sc)
	}
}

// hiddenWrite says how the line produced the file p that a command now
// runs, when its content was hidden from a reader of the line: decoded or
// transformed (echo … | base64 -d > c.sh), or written by inline code
// (node -e "fs.writeFileSync('/tmp/a.sh', …)"). "" when neither.
func (a *analyzer) hiddenWrite(p string) string {
	if p == "" {
		return ""
	}
	p = path.Clean(p)
	for i := len(a.cmds) - 1; i >= 0; i-- {
		c := &a.cmds[i]
		wrote := false
		for _, w := range c.Writes {
			if path.Clean(w) == p {
				wrote = true
				break
			}
		}
		if !wrote {
			continue
		}
		switch {
		case c.Code != "" || c.CodeRead:
			return "a file that inline code on the line wrote"
		case decoder(c):
			return "a file the line decoded"
		}
		return ""
	}
	return ""
}

// decoder reports a command that writes a decoding or transformation of
// its input: base64 -d, xxd -r, openssl enc -d, gunzip, tr, rev….
func decoder(c *Command) bool {
	has := func(opts ...string) bool {
		for _, a := range c.Args {
			for _, o := range opts {
				if a == o || len(o) == 2 && len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.ContainsRune(a[1:], rune(o[1])) {
					return true
				}
			}
		}
		return false
	}
	switch c.Name {
	case "base64", "base32", "basenc":
		return has("-d", "-D", "--decode")
	case "xxd":
		return has("-r", "-revert")
	case "openssl":
		return has("-d", "-base64", "-a", "base64")
	case "gunzip", "zcat", "uudecode", "uncompress", "unxz", "bunzip2", "tr", "rev", "rot13":
		return true
	case "gzip", "xz", "bzip2", "zstd":
		return has("-d", "--decompress")
	}
	return false
}

// runsWritten marks command idx, which runs a file the line produced with
// its content hidden (why, from hiddenWrite; "" for none): running it is
// running code no reader of the line could see.
func (a *analyzer) runsWritten(idx int, why string) {
	if why != "" && idx >= 0 && idx < len(a.cmds) {
		a.cmds[idx].CodeObfuscated = append(a.cmds[idx].CodeObfuscated, "runs "+why)
	}
}
