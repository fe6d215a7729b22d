package shell

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
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
