package inline

import (
	"strings"
)

// Facts is what a program visibly does.
type Facts struct {
	Reads   []string // paths read, as written ($HOME, ~ and ${?} for what only run time knows)
	Writes  []string // paths written
	Deletes []string // paths deleted
	URLs    []string // URLs contacted, from literals
	Hosts   []string // hosts contacted without a URL (socket connects), from literals
	Env     []string // environment variables read; "*" for the whole environment
	Shell   []string // shell command lines the program runs (os.system("…"), `…`)
	Argv    [][]string
	// Obfuscated lists what the program hides: code computed and then
	// run (eval of a non-literal, decoded strings run or used as names),
	// names computed at run time (getattr, __import__, require). A policy
	// should block it.
	Obfuscated []string
	// Unknown lists what the program does that the analysis cannot see:
	// a command, URL or module only known at run time. A policy should not
	// allow it silently.
	Unknown []string
}

func (f *Facts) merge(o *Facts) {
	f.Reads = append(f.Reads, o.Reads...)
	f.Writes = append(f.Writes, o.Writes...)
	f.Deletes = append(f.Deletes, o.Deletes...)
	f.URLs = append(f.URLs, o.URLs...)
	f.Hosts = append(f.Hosts, o.Hosts...)
	f.Env = append(f.Env, o.Env...)
	f.Shell = append(f.Shell, o.Shell...)
	f.Argv = append(f.Argv, o.Argv...)
	for _, s := range o.Obfuscated {
		f.obf(s)
	}
	for _, s := range o.Unknown {
		f.unknown(s)
	}
}

func (f *Facts) obf(why string) {
	for _, s := range f.Obfuscated {
		if s == why {
			return
		}
	}
	f.Obfuscated = append(f.Obfuscated, why)
}

func (f *Facts) unknown(why string) {
	for _, s := range f.Unknown {
		if s == why {
			return
		}
	}
	f.Unknown = append(f.Unknown, why)
}

// Analyze tokenizes code given on the command line (python -c, node -e…)
// and returns what it does. An error means the code could not be
// tokenized; the caller should treat it as unknown.
func Analyze(lang Lang, code string) (*Facts, error) { return analyze(lang, code, false, 0) }

// AnalyzeScript is Analyze for a script read from standard input (a
// heredoc): PHP starts outside <?php.
func AnalyzeScript(lang Lang, code string) (*Facts, error) { return analyze(lang, code, true, 0) }

func analyze(lang Lang, code string, script bool, depth int) (*Facts, error) {
	var toks []Token
	var err error
	if script {
		toks, err = TokenizeScript(lang, code)
	} else {
		toks, err = Tokenize(lang, code)
	}
	if err != nil {
		return nil, err
	}
	a := &analyzer{lang: lang, src: code, calls: callsOf(lang), f: &Facts{}, depth: depth,
		alias: map[string]string{}, vars: map[string]val{}, sets: map[string]int{}, bind: map[int]bool{}}
	for _, t := range toks {
		if t.Kind != Space && t.Kind != Comment && t.Kind != Data {
			a.toks = append(a.toks, t)
		}
	}
	a.run()
	if depth == 0 {
		a.f.combine()
	}
	return a.f, nil
}

// combine draws the conclusions that need the whole program: a shell
// started with no script of its own is interactive (what it runs is not on
// the line); a program that talks to the network and runs commands it does
// not spell out, or a shell, or a file it wrote, runs what it receives —
// a reverse shell or a download run.
func (f *Facts) combine() {
	network := len(f.URLs)+len(f.Hosts) > 0
	unknownRun := false
	for _, u := range f.Unknown {
		if strings.Contains(u, "contacts an address") {
			network = true
		}
		if strings.Contains(u, "runs a shell command known only") || strings.Contains(u, "runs a command known only") || strings.Contains(u, "may run code") {
			unknownRun = true
		}
	}
	interactive := false
	for _, s := range f.Shell {
		if bareShell(strings.Fields(s)) {
			interactive = true
		}
	}
	for _, argv := range f.Argv {
		if bareShell(argv) {
			interactive = true
		}
	}
	if interactive {
		f.unknown("starts an interactive shell")
	}
	runsWritten := false
	for _, w := range f.Writes {
		b := w[strings.LastIndexByte(w, '/')+1:]
		if b == "" || strings.Contains(b, "${?}") {
			continue
		}
		for _, s := range f.Shell {
			if strings.Contains(s, b) {
				runsWritten = true
			}
		}
		for _, argv := range f.Argv {
			for _, x := range argv {
				if strings.Contains(x, b) {
					runsWritten = true
				}
			}
		}
	}
	if runsWritten {
		f.unknown("runs a file it writes")
	}
	if network && (interactive || unknownRun || runsWritten) {
		f.obf("connects a shell or commands to the network (runs what it receives)")
	}
}

// bareShell reports whether argv starts a shell without a script: sh,
// bash -i, /bin/sh -i <&3 >&3.
func bareShell(argv []string) bool {
	if len(argv) == 0 {
		return false
	}
	name := argv[0][strings.LastIndexByte(argv[0], '/')+1:]
	switch name {
	case "sh", "bash", "zsh", "dash", "ksh", "ash", "fish", "csh", "tcsh", "python", "python3", "node", "perl", "ruby", "php", "irb", "pwsh":
	default:
		return false
	}
	for _, x := range argv[1:] {
		if strings.HasPrefix(x, "-") && x != "-c" && x != "-e" && x != "-r" || strings.ContainsAny(x, "<>&") || allDigitsStr(x) {
			continue
		}
		return false
	}
	return true
}

func allDigitsStr(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// val is what an expression evaluates to, as far as the analysis knows.
type val struct {
	s       string // the value; for what is not known, a stand-in (${?}, $NAME)
	known   bool   // s is the whole value
	decoded bool   // produced by decoding or character codes
	built   bool   // assembled from pieces (concatenation, join)
	qual    string // the qualified name it refers to (a module, a function, an object's class)
	path    bool   // a path object (pathlib.Path, Pathname)
	list    []val
	isList  bool
	fn      bool // a function or lambda body
	name    bool // a name not (yet) called: eval in .then(eval)
	output  bool // a line another command printed (awk's "cmd" | getline v)
	glob    bool // the paths a glob pattern matches (glob.glob): each element is one of them
}

var unknownVal = val{s: "${?}"}

type arg struct {
	v  val
	kw string
}

type analyzer struct {
	lang  Lang
	src   string
	toks  []Token
	calls map[string]op
	f     *Facts
	depth int
	alias map[string]string
	vars  map[string]val
	sets  map[string]int
	bind  map[int]bool // tokens that only bind names (import lists, destructuring): not references
	piped bool         // awk: "cmd" | getline with no variable set $0 to cmd's output
}

func (a *analyzer) text(i int) string {
	if i < 0 || i >= len(a.toks) {
		return ""
	}
	t := &a.toks[i]
	return a.src[t.Start:t.End]
}

func (a *analyzer) is(i int, s string) bool {
	return i >= 0 && i < len(a.toks) && a.toks[i].Kind == Punct && a.text(i) == s
}

func (a *analyzer) kind(i int) Kind {
	if i < 0 || i >= len(a.toks) {
		return 0
	}
	return a.toks[i].Kind
}

func (a *analyzer) member(i int) bool {
	return a.is(i, ".") || a.is(i, "->") || a.is(i, "::") || a.is(i, "?.")
}

// callable reports whether token i ends an operand that a "(" after it
// calls or subscripts (a name, a literal, a closing bracket).
func (a *analyzer) callable(i int) bool {
	switch a.kind(i) {
	case Ident, String, Number:
		return true
	case Punct:
		return a.is(i, ")") || a.is(i, "]") || a.is(i, "}")
	}
	return false
}

// run walks every token: assignments and imports are remembered, every
// expression that starts a chain of calls is evaluated for its effects,
// and literals holding code (interpolations, s///e) are analysed.
func (a *analyzer) run() {
	a.imports()
	for i := 0; i < len(a.toks); i++ {
		t := &a.toks[i]
		switch t.Kind {
		case String:
			for _, sp := range t.Code {
				a.nested(a.src[sp.Start:sp.End], "code in an interpolation")
			}
			if t.Eval > 1 {
				a.f.obf("s///ee runs a computed string as code")
			}
			if t.Exec || a.shellTemplate(i) {
				a.spawn(val{s: t.Value, known: !t.Interp}, nil)
			}
		case Punct:
			// A method called on a parenthesised value, (Path('x')).unlink()
			// or (Path.home()/'.ssh').rmdir(): the group is evaluated with
			// what follows it, once.
			if a.is(i, "(") && !a.callable(i-1) {
				if end := a.skip(i); a.member(end) && a.kind(end+1) == Ident {
					if k := a.expr(i, true); k > i {
						i = k - 1
					}
				}
			}
		case Ident:
			if a.member(i-1) || a.bind[i] {
				continue
			}
			if a.lang == Awk {
				a.awk(i)
			}
			a.assign(i)
			end := a.expr(i, true)
			_ = end
		}
	}
}

// shellTemplate reports whether token i is a template literal tagged
// with $ (Bun.$`rm -rf ${dir}`, zx's $`…`): a shell command line the
// runtime runs, its interpolations quoted as single words.
func (a *analyzer) shellTemplate(i int) bool {
	t := &a.toks[i]
	return a.lang == JavaScript && t.Start < len(a.src) && a.src[t.Start] == '`' &&
		a.kind(i-1) == Ident && a.text(i-1) == "$" && a.toks[i-1].End == t.Start
}

// nested analyses code found inside code (an interpolation, the string
// given to eval) and merges its facts.
func (a *analyzer) nested(code, what string) {
	if a.depth >= MaxDepth {
		a.f.unknown(what + " nested too deep")
		return
	}
	f, err := analyze(a.lang, code, false, a.depth+1)
	if err != nil {
		a.f.unknown(what + " that does not tokenize")
		return
	}
	a.f.merge(f)
}

// imports records Python and JavaScript import aliases.
func (a *analyzer) imports() {
	for i := 0; i < len(a.toks); i++ {
		if a.kind(i) != Ident || a.member(i-1) {
			continue
		}
		switch w := a.text(i); {
		case w == "for" && (a.lang == Python || a.lang == JavaScript || a.lang == Ruby):
			a.forLoop(i)
		case a.lang == Python && w == "import" && !a.is(i-1, ")"):
			from := ""
			if a.text(i-2) == "from" || a.kind(i-1) == Ident && a.text(i-2) == "from" {
				// handled by the "from" branch
				continue
			}
			a.pyNames(i+1, from)
		case a.lang == Python && w == "from":
			j := i + 1
			mod := ""
			for ; j < len(a.toks) && (a.kind(j) == Ident || a.is(j, ".")) && a.text(j) != "import"; j++ {
				mod += a.text(j)
			}
			if a.text(j) == "import" {
				a.pyNames(j+1, mod)
			}
		case a.lang == JavaScript && w == "import" && (a.kind(i+1) != Punct || a.is(i+1, "{") || a.is(i+1, "*")):
			// (not import('m'), a dynamic import, nor import.meta)
			// import x from 'm'; import * as x from 'm'; import {a as b} from 'm'
			j := i + 1
			for j < len(a.toks) && a.text(j) != "from" && a.kind(j) != String {
				j++
			}
			if a.text(j) == "from" {
				j++
			}
			if a.kind(j) != String {
				continue
			}
			mod := jsModule(a.toks[j].Value)
			a.jsBind(i+1, j, mod)
		}
	}
}

// forLoop binds the variable of `for x in EXPR` (Python, Ruby) and
// `for (const x of EXPR)` (JavaScript) to what EXPR yields, when that is
// a path pattern (glob.glob("~/.ssh/*")).
func (a *analyzer) forLoop(i int) {
	j := i + 1
	if a.is(j, "(") {
		j++
	}
	switch a.text(j) {
	case "const", "let", "var":
		j++
	}
	if a.kind(j) != Ident || (a.text(j+1) != "in" && a.text(j+1) != "of") {
		return
	}
	name := a.text(j)
	v, _ := a.eval(j+2, false)
	if v.isList {
		v = unknownVal
	}
	a.sets[name]++
	if a.sets[name] > 1 {
		a.vars[name] = unknownVal
		return
	}
	v.qual = ""
	a.vars[name] = v
}

// pyNames reads `a.b as c, d` after import (from is the module of a
// from-import).
func (a *analyzer) pyNames(j int, from string) {
	for k := j; k < len(a.toks) && !(k > j && a.toks[k].NL) && !a.is(k, ";"); k++ {
		a.bind[k] = true
	}
	for j < len(a.toks) && !a.toks[j].NL && !a.is(j, ";") {
		if a.is(j, "(") || a.is(j, ")") || a.is(j, ",") {
			j++
			continue
		}
		name := ""
		for ; j < len(a.toks) && (a.kind(j) == Ident || a.is(j, ".")) && a.text(j) != "as"; j++ {
			if a.toks[j].NL && name != "" {
				break
			}
			name += a.text(j)
		}
		if name == "" {
			j++
			continue
		}
		local := name
		if i := strings.IndexByte(name, '.'); i >= 0 && from == "" {
			local = name[:i]
			name = name[:i]
		}
		if a.text(j) == "as" && a.kind(j+1) == Ident {
			local = a.text(j + 1)
			if from == "" {
				name = strings.Join([]string{name}, "")
			}
			j += 2
		}
		full := name
		if from != "" {
			full = from + "." + name
		}
		if local != full {
			a.alias[local] = full
		}
		if j < len(a.toks) && a.toks[j].NL {
			break
		}
	}
}

// jsBind binds the names between i and end (an import clause or a
// destructuring pattern) to members of mod.
func (a *analyzer) jsBind(i, end int, mod string) {
	inBraces := false
	for j := i; j < end; j++ {
		a.bind[j] = true
	}
	for j := i; j < end; j++ {
		switch {
		case a.is(j, "{"):
			inBraces = true
		case a.is(j, "}"):
			inBraces = false
		case a.is(j, "*") && a.text(j+1) == "as":
			a.alias[a.text(j+2)] = mod
			j += 2
		case a.kind(j) == Ident && inBraces:
			name, local := a.text(j), a.text(j)
			if (a.text(j+1) == "as" || a.is(j+1, ":")) && a.kind(j+2) == Ident {
				local = a.text(j + 2)
				j += 2
			}
			a.alias[local] = mod + "." + name
		case a.kind(j) == Ident && !inBraces && a.text(j) != "from" && a.text(j) != "type":
			a.alias[a.text(j)] = mod
		}
	}
}

// assign remembers `name = expr` (and const/let/var/my/local forms).
func (a *analyzer) assign(i int) {
	j := i
	switch a.text(i) {
	case "const", "let", "var", "my", "our", "local", "global":
		j = i + 1
	}
	if a.lang == JavaScript && a.is(j, "{") && j != i {
		// const {execSync: run} = require('child_process')
		k := j
		for k < len(a.toks) && !a.is(k, "}") {
			k++
		}
		if a.is(k+1, "=") {
			v, _ := a.eval(k+2, false)
			if v.qual != "" {
				a.jsBind(j, k+1, v.qual)
			}
		}
		return
	}
	if a.kind(j) != Ident || !a.is(j+1, "=") {
		return
	}
	name := a.text(j)
	v, _ := a.eval(j+2, false)
	a.sets[name]++
	if a.sets[name] > 1 {
		a.vars[name] = unknownVal
		delete(a.alias, name)
		return
	}
	a.vars[name] = v
	if v.qual != "" && !v.known && !v.path {
		a.alias[name] = v.qual
	}
}

// terminator reports whether token i ends an expression.
func (a *analyzer) terminator(i int) bool {
	if i >= len(a.toks) {
		return true
	}
	t := &a.toks[i]
	if t.NL && (a.lang == Python || a.lang == Ruby || a.lang == Awk) {
		return true
	}
	if t.Kind == Punct {
		switch a.text(i) {
		case ",", ")", "]", "}", ";", "=>", ":", "=", "==", "!=", "&&", "||", "?", "|", ">", ">>", "<", "{", "=~", "!~", "<=", ">=", "-", "*", "/", "%", "**", "&", "+=", "-=", ".=":
			return true
		}
	}
	if t.Kind == Ident {
		switch a.text(i) {
		case "if", "unless", "or", "and", "for", "while", "until", "else", "in", "not", "is", "then", "do", "lambda", "rescue":
			return a.lang != JavaScript || a.text(i) == "in"
		}
	}
	return false
}

// expr evaluates the expression starting at i (for its effects when emit)
// and returns where it ends.
func (a *analyzer) expr(i int, emit bool) int {
	_, end := a.eval(i, emit)
	return end
}

// eval evaluates a concatenation of primaries from i.
func (a *analyzer) eval(i int, emit bool) (val, int) {
	v, j := a.primary(i, emit)
	parts := 1
	for j < len(a.toks) {
		cat := false
		switch {
		case a.is(j, "+") && (a.lang == Python || a.lang == JavaScript || a.lang == Ruby):
			cat = true
			j++
		case a.is(j, ".") && (a.lang == Perl || a.lang == PHP):
			cat = true
			j++
		case a.is(j, "/") && v.path && (a.lang == Python || a.lang == Ruby):
			// pathlib's and Pathname's / operator joins a path.
			w, k := a.primary(j+1, emit)
			if k == j+1 {
				return v, j
			}
			v = val{s: v.s + "/" + w.s, known: v.known && w.known, decoded: v.decoded || w.decoded, path: true}
			j = k
			parts++
			continue
		case (a.lang == Awk || a.lang == Python && a.kind(j) == String && a.kind(j-1) == String) && !a.terminator(j) && (a.kind(j) == String || a.kind(j) == Ident || a.kind(j) == Number || a.is(j, "(") || a.is(j, "$")):
			cat = true
		}
		if !cat {
			break
		}
		w, k := a.primary(j, emit)
		if k == j {
			break
		}
		j = k
		parts++
		v = concat(v, w)
	}
	return v, j
}

func concat(v, w val) val {
	return val{s: v.s + w.s, known: v.known && w.known, decoded: v.decoded || w.decoded, built: true}
}

// primary evaluates one operand with its calls, members and subscripts.
func (a *analyzer) primary(i int, emit bool) (val, int) {
	if i >= len(a.toks) {
		return unknownVal, i
	}
	t := &a.toks[i]
	var v val
	j := i + 1
	switch t.Kind {
	case String:
		v = val{s: t.Value, known: !t.Interp && !t.Exec && !t.Regex}
		if t.Exec {
			v = unknownVal
		} else if t.Interp && !t.Regex && len(t.Code) > 0 {
			v = a.interpolate(t)
		}
	case Number:
		v = val{s: a.text(i), known: true}
	case Ident:
		return a.chain(i, emit)
	case Punct:
		switch a.text(i) {
		case "(", "[":
			close := ")"
			if a.text(i) == "[" {
				close = "]"
			}
			var items []val
			j = i + 1
			for j < len(a.toks) && !a.is(j, close) {
				w, k := a.eval(j, emit)
				items = append(items, w)
				if k == j {
					k = a.skip(j)
				}
				j = k
				if a.is(j, ",") {
					j++
				}
			}
			j++
			if len(items) == 1 && close == ")" && !a.is(j-2, ",") {
				v = items[0]
			} else {
				v = val{s: "${?}", list: items, isList: true}
			}
		case "{":
			j = a.skip(i)
			v = val{s: "${?}", fn: true}
		case "-", "!", "~", "+", "*", "\\", "&":
			w, k := a.primary(i+1, emit)
			w.known = false
			w.s = "${?}"
			return w, k
		default:
			return unknownVal, i
		}
	default:
		return unknownVal, i
	}
	return a.postfix(v, j, emit)
}

// interpolate evaluates the code embedded in a string literal (f"{…}",
// `${…}`, "#{…}") where the value holds it as ${?}: `${os.homedir()}/.ssh`
// is ~/.ssh. It stays unknown when any part is.
func (a *analyzer) interpolate(t *Token) val {
	v := val{s: t.Value}
	if strings.Count(t.Value, "${?}") != len(t.Code) || a.depth >= MaxDepth || len(t.Code) > 16 {
		return v
	}
	var b strings.Builder
	rest, known := t.Value, true
	for _, sp := range t.Code {
		code := a.src[sp.Start:sp.End]
		toks, err := Tokenize(a.lang, code)
		if err != nil {
			return v
		}
		sub := &analyzer{lang: a.lang, src: code, calls: a.calls, f: &Facts{}, depth: a.depth + 1,
			alias: a.alias, vars: a.vars, sets: a.sets, bind: map[int]bool{}}
		for _, x := range toks {
			if x.Kind != Space && x.Kind != Comment && x.Kind != Data {
				sub.toks = append(sub.toks, x)
			}
		}
		w, end := sub.eval(0, false)
		before, after, _ := strings.Cut(rest, "${?}")
		b.WriteString(before)
		if w.known && end == len(sub.toks) {
			b.WriteString(w.s)
		} else {
			b.WriteString("${?}")
			known = false
		}
		rest = after
	}
	b.WriteString(rest)
	return val{s: b.String(), known: known, built: true}
}

// skip returns the offset after the balanced group or token at i.
func (a *analyzer) skip(i int) int {
	if i >= len(a.toks) {
		return i
	}
	open := a.text(i)
	if a.kind(i) != Punct || (open != "(" && open != "[" && open != "{") {
		return i + 1
	}
	depth := 0
	for j := i; j < len(a.toks); j++ {
		if a.kind(j) != Punct {
			continue
		}
		switch a.text(j) {
		case "(", "[", "{":
			depth++
		case ")", "]", "}":
			depth--
			if depth == 0 {
				return j + 1
			}
		}
	}
	return len(a.toks)
}

// args reads a parenthesised argument list at i (on the "(").
func (a *analyzer) args(i int, emit bool) ([]arg, int) {
	var out []arg
	j := i + 1
	for j < len(a.toks) && !a.is(j, ")") {
		kw := ""
		if a.kind(j) == Ident && (a.is(j+1, "=") || a.is(j+1, "=>") || a.is(j+1, ":") && a.lang != Ruby) {
			kw = a.text(j)
			j += 2
		} else if a.lang == Ruby && a.kind(j) == Ident && a.is(j+1, ":") {
			kw = a.text(j)
			j += 2
		}
		v, k := a.eval(j, emit)
		if k == j {
			k = a.skip(j)
		}
		// Anything more in this argument makes its value unknown.
		for k < len(a.toks) && !a.is(k, ",") && !a.is(k, ")") {
			v.known = false
			k = a.skip(k)
		}
		out = append(out, arg{v: v, kw: kw})
		j = k
		if a.is(j, ",") {
			j++
		}
	}
	return out, j + 1
}

// bareArgs reads the arguments of a call without parentheses (Perl, Ruby,
// PHP's language constructs) up to the end of the statement.
func (a *analyzer) bareArgs(i int, emit bool) ([]arg, int) {
	var out []arg
	j := i
	for j < len(a.toks) && !a.terminator(j) || a.is(j, ",") {
		if a.is(j, ",") {
			j++
			continue
		}
		if a.kind(j) == Ident && a.is(j+1, "=>") {
			kw := a.text(j)
			v, k := a.eval(j+2, emit)
			out = append(out, arg{v: v, kw: kw})
			if k == j+2 {
				k = a.skip(k)
			}
			j = k
			continue
		}
		v, k := a.eval(j, emit)
		if k == j {
			break
		}
		out = append(out, arg{v: v})
		j = k
	}
	return out, j
}

// bareCallLang reports whether a language calls functions without
// parentheses.
func (a *analyzer) bareCall(j int) bool {
	if a.lang != Perl && a.lang != Ruby && a.lang != PHP {
		return false
	}
	if j >= len(a.toks) || a.toks[j].NL && a.lang == Ruby {
		return false
	}
	switch a.kind(j) {
	case String, Number:
		return true
	case Ident:
		return !a.terminator(j)
	case Punct:
		return a.is(j, "[") || a.lang == Perl && (a.is(j, "(") || a.is(j, "\\"))
	}
	return false
}

// chain evaluates a name followed by members, calls and subscripts.
func (a *analyzer) chain(i int, emit bool) (val, int) {
	name := a.text(i)
	j := i + 1
	_, isVar := a.vars[name] // p = Path(…) in Python is not Ruby's p
	switch {
	case isVar:
	case name == "new" || name == "await" || name == "typeof" || name == "void" || name == "yield" || name == "return" || name == "print" ||
		name == "puts" || name == "echo" || name == "p" || name == "pp" || name == "say" || name == "not" || name == "lambda" ||
		name == "def" || name == "function" || name == "sub" || name == "class" || name == "async":
		if name == "new" && a.kind(j) == Ident {
			return a.chain(j, emit)
		}
		if name == "print" || name == "echo" || name == "puts" || name == "say" || name == "return" || name == "not" || name == "await" || name == "yield" || name == "p" || name == "pp" || name == "typeof" || name == "void" {
			if !a.is(j, "(") || a.lang == Perl || a.lang == PHP {
				return unknownVal, j
			}
		}
		if name == "def" || name == "function" || name == "sub" || name == "class" {
			return unknownVal, j
		}
	}
	if a.lang == Perl && name == "eval" && a.is(j, "{") {
		return unknownVal, j // eval BLOCK is a try
	}
	if a.lang == Perl && (name == "%ENV" || name == "@ENV") || a.lang == PHP && (name == "$_ENV" || name == "$_SERVER") && !a.is(j, "[") || a.lang == Awk && name == "ENVIRON" && !a.is(j, "[") {
		if emit {
			a.f.Env = append(a.f.Env, "*")
		}
		return unknownVal, j
	}
	qual := name
	if q, ok := a.alias[name]; ok {
		qual = q
	}
	v := val{qual: qual, s: "${?}", name: true}
	if w, ok := a.vars[name]; ok && a.sets[name] == 1 {
		v = w
		if v.qual == "" {
			v.qual = "var"
		}
	}
	if a.lang == Perl && qual == "$ENV" && a.is(j, "{") || a.lang == PHP && (qual == "$_ENV" || qual == "$_SERVER") && a.is(j, "[") || a.lang == Awk && qual == "ENVIRON" && a.is(j, "[") {
		close := "}"
		if a.is(j, "[") {
			close = "]"
		}
		k := j + 1
		key := ""
		if a.kind(k) == Ident || a.kind(k) == String {
			key = a.text(k)
			if a.kind(k) == String {
				key = a.toks[k].Value
			}
		}
		for k < len(a.toks) && !a.is(k, close) {
			k++
		}
		return a.postfix(a.env(key, emit), k+1, emit)
	}
	if a.lang == Ruby && qual == "ENV" && a.is(j, "[") || a.lang == JavaScript && qual == "process.env" {
		// handled in postfix
	}
	if a.lang == Ruby && qual == "ENV" && !a.is(j, "[") && !a.is(j, ".") {
		if emit {
			a.f.Env = append(a.f.Env, "*")
		}
		return unknownVal, j
	}
	if strings.HasPrefix(qual, ":") && a.lang == Ruby {
		return a.postfix(val{s: qual[1:], known: true}, j, emit)
	}
	// A call without parentheses: system "ls", unlink glob("x"), eval pack(…)
	if op := a.calls[qual]; op != opNone && !a.is(j, "(") && a.bareCall(j) && !a.member(j) {
		args, k := a.bareArgs(j, false)
		return a.call(qual, args, emit), k
	}
	return a.postfix(v, j, emit)
}

// env returns the value of environment variable key and records the read.
func (a *analyzer) env(key string, emit bool) val {
	if emit {
		if key == "" {
			key = "*"
		}
		a.f.Env = append(a.f.Env, key)
	}
	if benignEnv[key] {
		return val{s: "$" + key, known: true}
	}
	if key != "" && key != "*" {
		return val{s: "$" + key}
	}
	return unknownVal
}

// postfix applies members, calls and subscripts to v from j.
func (a *analyzer) postfix(v val, j int, emit bool) (val, int) {
	for j < len(a.toks) {
		switch {
		case a.member(j) && a.kind(j+1) == Ident:
			name := a.text(j + 1)
			j += 2
			if v.qual == "process.env" || v.qual == "Bun.env" {
				v = a.env(name, emit)
				continue
			}
			if a.is(j, "(") {
				args, k := a.args(j, false)
				v = a.method(v, name, args, emit)
				j = k
				continue
			}
			if a.lang == Ruby || a.lang == Perl && a.member(j-2) && a.text(j-2) == "->" {
				// Ruby calls without parentheses: File.read "x", obj.method
				if a.bareCall(j) && (a.lang == Ruby || a.calls[v.qual+"."+name] != opNone) {
					args, k := a.bareArgs(j, false)
					v = a.method(v, name, args, emit)
					j = k
					continue
				}
				v = a.method(v, name, nil, emit)
				continue
			}
			if v.path {
				if op, ok := pathMethods[name]; ok && (op == opValue || op == opJoin) {
					continue
				}
			}
			v = a.member2(v, name, emit)
		case a.is(j, "("):
			args, k := a.args(j, false)
			j = k
			if v.qual == "" || v.qual == "var" {
				if v.fn {
					v = unknownVal
					continue
				}
				if emit && a.lang == PHP {
					a.f.unknown("calls a function named at run time")
				}
				v = unknownVal
				continue
			}
			v = a.call(v.qual, args, emit)
		case a.is(j, "[") || a.lang == Perl && a.is(j, "{") && v.qual != "":
			close := "]"
			if a.is(j, "{") {
				close = "}"
			}
			key, k := a.eval(j+1, false)
			for k < len(a.toks) && !a.is(k, close) {
				key.known = false
				k = a.skip(k)
			}
			j = k + 1
			switch {
			case v.qual == "os.environ" || v.qual == "ENV" || v.qual == "process.env" || v.qual == "Bun.env" || v.qual == "$_ENV" || v.qual == "$_SERVER" || v.qual == "ENVIRON":
				if key.known {
					v = a.env(key.s, emit)
				} else {
					v = a.env("*", emit)
				}
				continue
			case v.glob:
				// glob.glob('~/.ku*/config')[0]: one of the paths the
				// pattern matches, which the pattern stands for.
			case v.qual != "" && v.qual != "var" && key.known && !key.decoded && !key.built && !v.known:
				v = val{qual: v.qual + "." + key.s, s: "${?}"}
			case v.qual != "" && v.qual != "var" && !v.known && a.is(j, "("):
				if emit {
					if key.built || key.decoded {
						a.f.obf("calls a method whose name is computed (" + v.qual + "[…])")
					} else {
						a.f.unknown("calls a method named at run time")
					}
				}
				v = val{s: "${?}", qual: "?"}
			default:
				v = unknownVal
			}
		default:
			if emit && v.name && v.qual != "" && v.qual != "var" {
				a.reference(v.qual)
			}
			return v, j
		}
	}
	if emit && v.name && v.qual != "" && v.qual != "var" {
		a.reference(v.qual)
	}
	return v, j
}

// reference notes a name used without being called: eval passed as a
// value (.then(eval)), os.environ as a whole.
func (a *analyzer) reference(qual string) {
	switch op := a.calls[qual]; {
	case op == opEval && qual != "compile":
		a.f.obf(qual + " passed as a value runs code the analysis cannot see")
	case op == opShell || op == opSpawnArgs || op == opExecv || op == opExecl || op == opSpawnl || op == opDelete || op == opDeleteAll ||
		op == opWrite || op == opMove || op == opCopy || op == opUnknown || op == opNet:
		// map(os.remove, files), (lambda f: f(x))(os.system), unlink for …
		a.f.unknown(qual + " passed as a value")
	case op == opEnvAll || qual == "os.environ":
		a.f.Env = append(a.f.Env, "*")
	}
}

// member2 is a member access that is not a call.
func (a *analyzer) member2(v val, name string, emit bool) val {
	if v.qual == "" || v.qual == "var" {
		if v.decoded {
			return val{s: "${?}", decoded: true}
		}
		return unknownVal
	}
	if v.qual == "os" && name == "environ" {
		return val{qual: "os.environ", s: "${?}", name: true}
	}
	if v.qual == "Dir" && name == "home" {
		return val{s: "~", known: true}
	}
	return val{qual: v.qual + "." + name, s: "${?}", decoded: v.decoded, name: true}
}

// method calls v.name(args).
func (a *analyzer) method(v val, name string, args []arg, emit bool) val {
	if v.path {
		switch name {
		case "glob", "rglob", "iterdir", "children", "each_child", "entries":
			// What a directory listing yields: the paths it matches, named
			// (listing a directory reads its names).
			pat := val{s: "*", known: true}
			if len(args) > 0 && name != "iterdir" {
				pat = args[0].v
			}
			sep := "/"
			if name == "rglob" {
				sep = "/**/"
			}
			w := val{s: strings.TrimSuffix(v.s, "/") + sep + pat.s, known: v.known && pat.known, decoded: v.decoded || pat.decoded, path: true}
			if emit && w.known {
				a.f.Reads = append(a.f.Reads, w.s)
			}
			return w
		}
		if op, ok := pathMethods[name]; ok {
			return a.apply(op, "path."+name, append([]arg{{v: v}}, args...), emit)
		}
		return unknownVal
	}
	switch name {
	case "join":
		if v.known && len(args) == 1 && args[0].v.isList {
			return joinList(args[0].v.list, v.s)
		}
		if v.isList {
			sep := ","
			if len(args) == 1 && args[0].v.known {
				sep = args[0].v.s
			}
			return joinList(v.list, sep)
		}
	case "decode", "toString", "to_s", "strip", "trim", "chomp", "force_encoding", "encode", "lower", "upper", "read":
		if v.decoded || v.known && name != "read" {
			return val{s: v.s, known: v.known && name != "decode", decoded: v.decoded, built: v.built}
		}
	case "split", "shellwords":
		if v.known && len(args) == 0 {
			var items []val
			for _, w := range strings.Fields(v.s) {
				items = append(items, val{s: w, known: true})
			}
			return val{s: "${?}", list: items, isList: true}
		}
	case "pack", "unpack", "unpack1", "reverse", "fromhex", "decode64", "from_base64", "hex", "chr", "fromCharCode":
		if v.known || v.isList || v.decoded {
			return val{s: "${?}", decoded: true}
		}
	case "format", "replace", "gsub", "sub", "tr", "translate":
		if v.known || v.decoded {
			return val{s: "${?}", built: true, decoded: v.decoded}
		}
	case "call", "()":
		if a.lang == Ruby && v.qual != "" && v.qual != "var" && !strings.HasSuffix(v.qual, "()") {
			return a.call(v.qual, args, emit) // method(:system).call("id")
		}
	case "then", "catch", "finally", "map", "forEach", "each":
		for _, x := range args {
			_ = x
		}
	}
	if v.qual == "" || v.qual == "var" {
		if v.decoded {
			return val{s: "${?}", decoded: true}
		}
		return unknownVal
	}
	return a.call(v.qual+"."+name, args, emit)
}

func joinList(items []val, sep string) val {
	out := val{known: true, built: true}
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(it.s)
		out.known = out.known && it.known
		out.decoded = out.decoded || it.decoded
	}
	out.s = b.String()
	return out
}

// call calls the function qual with args.
func (a *analyzer) call(qual string, args []arg, emit bool) val {
	for _, pre := range []string{"__builtins__.__dict__.", "builtins.__dict__.", "globals.__builtins__.", "__builtins__.", "builtins.", "globalThis.", "global.", "window.", "Kernel.", "CORE::GLOBAL::", "CORE::"} {
		if rest, ok := strings.CutPrefix(qual, pre); ok {
			if _, known := a.calls[rest]; known {
				qual = rest
			}
			break
		}
	}
	op, ok := a.calls[qual]
	if !ok && emit {
		if i := strings.IndexByte(qual, '.'); i > 0 {
			if safe, sens := sensitive[a.lang][qual[:i]]; sens && !strings.Contains(qual, "()") && !safe[strings.SplitN(qual[i+1:], ".", 2)[0]] {
				a.f.unknown(qual + " is not known to the analysis")
			}
		}
		if i := strings.LastIndexByte(qual, '.'); i > 0 && dangerousNames[a.lang][qual[i+1:]] {
			if _, sens := sensitive[a.lang][qual[:strings.IndexByte(qual, '.')]]; !sens {
				a.f.unknown(qual + " may run code or commands the analysis cannot name")
			}
		}
	}
	if !ok && emit && len(args) >= 3 && args[0].v.known && args[1].v.known && shellName(args[0].v.s) && args[1].v.s == "-c" {
		// Any call given a shell, -c and a script runs the script,
		// whatever the function is called (session.run("sh", "-c", …),
		// a task runner's helper): the arguments say what it does.
		a.spawn(args[2].v, nil)
	}
	if !ok {
		// A method of any object: obj.instance_eval, x.rmtree
		if i := strings.LastIndexByte(qual, '.'); i >= 0 {
			last := qual[i+1:]
			switch a.lang {
			case Ruby:
				switch last {
				case "instance_eval", "class_eval", "module_eval", "send", "public_send", "__send__", "const_get", "eval":
					op = a.calls[last]
				}
			case JavaScript:
				if last == "constructor" {
					op = opEval
				}
			}
		}
	}
	return a.apply(op, qual, args, emit)
}

// apply performs op for a call of qual.
func (a *analyzer) apply(op op, qual string, args []arg, emit bool) val {
	arg0 := func() (val, bool) {
		if len(args) == 0 {
			return val{}, false
		}
		return args[0].v, true
	}
	switch op {
	case opValue:
		if v, ok := arg0(); ok {
			v.path = strings.HasPrefix(qual, "pathlib.") || strings.HasPrefix(qual, "Pathname") || v.path || qual == "path.expanduser"
			v.qual = ""
			v.glob = strings.HasSuffix(qual, "glob") && v.known
			return v
		}
		if strings.HasPrefix(qual, "pathlib.") {
			return val{s: ".", known: true, path: true}
		}
		return unknownVal
	case opHome:
		return val{s: "~", known: true, path: strings.HasPrefix(qual, "pathlib.")}
	case opSplit:
		if v, ok := arg0(); ok && v.known {
			var items []val
			for _, w := range strings.Fields(v.s) {
				items = append(items, val{s: w, known: true})
			}
			return val{s: "${?}", list: items, isList: true}
		}
		return unknownVal
	case opJoin:
		out := val{known: true}
		var parts []string
		for _, x := range args {
			parts = append(parts, x.v.s)
			out.known = out.known && x.v.known
			out.decoded = out.decoded || x.v.decoded
		}
		out.s = strings.Join(parts, "/")
		// Path.joinpath returns a Path, whose methods (write_text, unlink)
		// act on the joined path, as with the / operator.
		out.path = qual == "path.joinpath"
		return out
	case opEnv:
		if v, ok := arg0(); ok && v.known {
			return a.env(v.s, emit)
		}
		return a.env("*", emit)
	case opEnvAll:
		if emit {
			a.f.Env = append(a.f.Env, "*")
		}
		return unknownVal
	case opDecode:
		if qual == "Buffer.from" && len(args) < 2 {
			if v, ok := arg0(); ok && !v.isList {
				return v
			}
		}
		if qual == "codecs.decode" && len(args) >= 2 && args[1].v.known && (args[1].v.s == "utf-8" || args[1].v.s == "utf8") {
			return args[0].v
		}
		if qual == "bytes" && len(args) >= 1 && !args[0].v.isList {
			return args[0].v
		}
		return val{s: "${?}", decoded: true}
	case opImport:
		v, ok := arg0()
		if !ok {
			return unknownVal
		}
		if !v.known || v.built || v.decoded {
			if emit {
				a.f.obf(qual + " loads a module whose name is computed")
			}
			return unknownVal
		}
		if a.lang == JavaScript {
			if strings.HasPrefix(v.s, ".") || strings.HasPrefix(v.s, "/") {
				if emit {
					a.f.Reads = append(a.f.Reads, v.s)
				}
				return val{s: "${?}", qual: "local"}
			}
			return val{qual: jsModule(v.s), s: "${?}"}
		}
		if a.lang == Ruby && qual != "require" {
			return val{qual: v.s, s: "${?}"}
		}
		return val{qual: v.s, s: "${?}"}
	case opAttr:
		if len(args) < 2 {
			if emit && len(args) == 1 && qual != "getattr" {
				a.f.unknown(qual + " of a name")
			}
			return unknownVal
		}
		obj, name := args[0].v, args[1].v
		if !name.known || name.built || name.decoded {
			if emit {
				a.f.obf(qual + " with a computed name")
			}
			return unknownVal
		}
		if obj.qual == "" || obj.qual == "var" {
			return unknownVal
		}
		return a.member2(obj, name.s, emit)
	case opSend:
		v, ok := arg0()
		if !ok {
			return unknownVal
		}
		if !v.known || v.built || v.decoded {
			if emit {
				a.f.obf(qual + " with a computed method name")
			}
			return unknownVal
		}
		target := v.s
		if i := strings.LastIndexByte(qual, '.'); i >= 0 {
			recv := qual[:i]
			if recv != "Kernel" && recv != "Object" && recv != "self" {
				target = recv + "." + v.s
			}
		}
		if strings.HasSuffix(qual, "method") {
			return val{qual: target, s: "${?}"}
		}
		return a.call(target, args[1:], emit)
	case opCallback:
		v, ok := arg0()
		if !ok {
			return unknownVal
		}
		if !v.known || v.built || v.decoded {
			if emit {
				if v.fn {
					return unknownVal
				}
				a.f.obf(qual + " calls a function whose name is computed")
			}
			return unknownVal
		}
		return a.call(strings.ToLower(v.s), args[1:], emit)
	}
	if !emit {
		return val{qual: qual + "()", s: "${?}"}
	}
	path := func(v val) string {
		if v.decoded {
			a.f.obf(qual + " is given a decoded string")
		}
		if v.isList {
			return ""
		}
		if v.known {
			return v.s
		}
		if (strings.HasPrefix(v.s, "/") || strings.HasPrefix(v.s, "~/") || strings.HasPrefix(v.s, "$HOME/")) && strings.Contains(v.s, "/${?}") &&
			!strings.HasPrefix(v.s, "/tmp/") && !strings.HasPrefix(v.s, "/var/tmp/") {
			// A name computed in a known directory outside the project
			// (os.path.join(home + '/.aws', f)): any file there, a glob
			// the filesystem lists match by overlap.
			return strings.ReplaceAll(v.s, "${?}", "*")
		}
		if strings.HasPrefix(v.s, "$") && v.s != "${?}" {
			return v.s
		}
		if v.s == "" || !strings.HasPrefix(v.s, "$") {
			return "${?}" + v.s
		}
		return v.s
	}
	each := func(f func(string)) {
		for _, x := range args {
			if x.kw != "" {
				continue
			}
			if x.v.isList {
				for _, it := range x.v.list {
					if p := path(it); p != "" {
						f(p)
					}
				}
				continue
			}
			if p := path(x.v); p != "" {
				f(p)
			}
		}
	}
	del := func(p string) { a.f.Deletes = append(a.f.Deletes, p) }
	wr := func(p string) { a.f.Writes = append(a.f.Writes, p) }
	rd := func(p string) { a.f.Reads = append(a.f.Reads, p) }
	switch op {
	case opDelete:
		if v, ok := arg0(); ok {
			if v.isList {
				each(del)
			} else if p := path(v); p != "" {
				del(p)
			}
		}
	case opDeleteAll:
		each(del)
	case opWrite:
		if v, ok := arg0(); ok {
			if p := path(v); p != "" {
				wr(p)
			}
		}
	case opCopy, opMove:
		if len(args) >= 2 {
			if p := path(args[0].v); p != "" {
				if op == opMove {
					del(p)
				} else {
					rd(p)
				}
			}
			if p := path(args[1].v); p != "" {
				wr(p)
			}
		}
	case opRead:
		if v, ok := arg0(); ok {
			if v.known && isURL(v.s) {
				a.f.URLs = append(a.f.URLs, v.s)
			} else if p := path(v); p != "" {
				rd(p)
			}
		}
	case opOpen:
		a.open(qual, args, path)
	case opPerlOpen:
		a.perlOpen(args, path)
	case opShell:
		if a.lang == Ruby && len(args) > 0 && args[0].v.isList == false && len(args) > 1 && !args[1].v.isList && args[0].v.qual == "" {
			// system("rm", "-rf", x): an argv
			a.argvOf(args)
			break
		}
		if (a.lang == Perl || a.lang == Ruby || a.lang == Awk) && len(args) > 1 {
			a.argvOf(args)
			break
		}
		if v, ok := arg0(); ok {
			if v.isList {
				a.spawnList(v.list)
			} else {
				a.spawn(v, nil)
			}
		} else if a.lang == Perl {
			a.f.unknown(qual + " runs a command known only at run time")
		}
	case opSpawnArgs:
		if len(args) == 0 {
			break
		}
		argv := []val{args[0].v}
		if len(args) > 1 && args[1].v.isList {
			argv = append(argv, args[1].v.list...)
		}
		shellOpt := false
		for _, x := range args[1:] {
			if x.kw == "shell" {
				shellOpt = true
			}
		}
		if shellOpt && len(argv) == 1 {
			a.spawn(argv[0], nil)
			break
		}
		a.spawnList(argv)
	case opExecv:
		if len(args) >= 2 && args[1].v.isList {
			a.spawnList(args[1].v.list)
		} else if len(args) >= 3 && args[2].v.isList {
			a.spawnList(args[2].v.list)
		} else {
			a.f.unknown(qual + " runs a command known only at run time")
		}
	case opExecl, opSpawnl:
		from := 1
		if op == opSpawnl {
			from = 2
		}
		if len(args) > from {
			var list []val
			for _, x := range args[from:] {
				list = append(list, x.v)
			}
			a.spawnList(list)
		} else {
			a.f.unknown(qual + " runs a command known only at run time")
		}
	case opEval, opTimer:
		v, ok := arg0()
		if !ok {
			if op == opEval {
				a.f.obf(qual + " runs code the analysis cannot see")
			}
			break
		}
		if v.fn || op == opTimer && !v.known && !v.decoded && !v.built {
			break
		}
		if strings.HasSuffix(qual, "Function") || strings.HasSuffix(qual, "constructor") {
			// new Function(arg…, body): the body is the last argument
			v = args[len(args)-1].v
		}
		if !v.known || v.decoded || v.built {
			a.f.obf(qual + " runs a computed string as code")
			break
		}
		a.nested(v.s, qual+" of a literal")
	case opUnknownRun:
		a.f.obf(qual + " runs code the analysis cannot see")
	case opUnknown:
		a.f.unknown(qual + " does what the analysis does not model")
	case opNet:
		v, ok := arg0()
		if ok && (v.qual == "URI" || v.qual == "URI.parse") {
			ok = false
		}
		if strings.HasSuffix(qual, "urlretrieve") && len(args) > 1 {
			if p := path(args[1].v); p != "" {
				a.f.Writes = append(a.f.Writes, p)
			}
		}
		switch {
		case ok && v.known && isURL(v.s):
			a.f.URLs = append(a.f.URLs, v.s)
		case ok && !v.decoded && isURL(v.s) && knownHost(v.s):
			a.f.URLs = append(a.f.URLs, v.s[:strings.Index(v.s, "${?}")])
		case ok && v.known && qual != "stream_socket_client":
			a.f.Hosts = append(a.f.Hosts, v.s)
		case ok && v.decoded:
			a.f.obf(qual + " contacts a decoded address")
		default:
			a.f.unknown(qual + " contacts an address known only at run time")
		}
	case opNetHost, opNetPortHost:
		idx := 0
		if op == opNetPortHost && len(args) > 1 && !args[0].v.isList {
			idx = 1
		}
		if len(args) > idx {
			v := args[idx].v
			if v.isList && len(v.list) > 0 {
				v = v.list[0]
			}
			if v.known && v.s != "" {
				if isURL(v.s) {
					a.f.URLs = append(a.f.URLs, v.s)
				} else {
					a.f.Hosts = append(a.f.Hosts, v.s)
				}
				break
			}
			for _, x := range args {
				if x.kw == "PeerAddr" || x.kw == "PeerHost" || x.kw == "host" || x.kw == "hostname" {
					if x.v.known {
						a.f.Hosts = append(a.f.Hosts, x.v.s)
						return unknownVal
					}
				}
			}
		}
		a.f.unknown(qual + " contacts an address known only at run time")
	}
	return val{qual: qual + "()", s: "${?}"}
}

// knownHost reports whether a partly computed URL has its scheme and host
// written out: 'https://x.example/c?d=' + data.
func knownHost(s string) bool {
	i := strings.Index(s, "${?}")
	if i < 0 {
		return false
	}
	rest := s[strings.Index(s, "://")+3:]
	j := strings.IndexAny(rest, "/?#")
	return j >= 0 && j < strings.Index(rest, "${?}")
}

func isURL(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 {
		return false
	}
	switch strings.ToLower(s[:i]) {
	case "http", "https", "ftp", "ws", "wss", "tcp", "udp", "ssl", "tls":
		return true
	}
	return false
}

// open records a file opened with a mode (open(p, "w"), File.open(p, "a")).
func (a *analyzer) open(qual string, args []arg, path func(val) string) {
	if len(args) == 0 {
		return
	}
	p0 := args[0].v
	if a.lang == Ruby && p0.known && strings.HasPrefix(p0.s, "|") {
		a.spawn(val{s: p0.s[1:], known: true}, nil)
		return
	}
	if p0.known && isURL(p0.s) {
		a.f.URLs = append(a.f.URLs, p0.s)
		return
	}
	mode := ""
	modeKnown := true
	for i, x := range args[1:] {
		if x.kw == "" && i == 0 || x.kw == "mode" || x.kw == "flags" {
			mode = x.v.s
			modeKnown = x.v.known
		}
	}
	p := path(p0)
	if p == "" {
		return
	}
	if !modeKnown || strings.ContainsAny(mode, "wax+") || strings.Contains(mode, "O_WRONLY") || strings.Contains(mode, "O_RDWR") || strings.Contains(mode, "O_CREAT") {
		a.f.Writes = append(a.f.Writes, p)
		return
	}
	a.f.Reads = append(a.f.Reads, p)
}

// perlOpen records open(FH, MODE, PATH) and the two-argument forms.
func (a *analyzer) perlOpen(args []arg, path func(val) string) {
	if len(args) < 2 {
		return
	}
	if len(args) >= 3 {
		mode := strings.TrimSpace(args[1].v.s)
		switch {
		case !args[1].v.known:
			a.f.unknown("open with a mode known only at run time")
		case strings.Contains(mode, "|"):
			var list []val
			for _, x := range args[2:] {
				list = append(list, x.v)
			}
			if len(list) == 1 {
				a.spawn(list[0], nil)
			} else {
				a.spawnList(list)
			}
		case strings.ContainsAny(mode, ">+"):
			if p := path(args[2].v); p != "" {
				a.f.Writes = append(a.f.Writes, p)
			}
		default:
			if p := path(args[2].v); p != "" {
				a.f.Reads = append(a.f.Reads, p)
			}
		}
		return
	}
	v := args[1].v
	s := strings.TrimSpace(v.s)
	switch {
	case strings.HasPrefix(s, "|") || strings.HasSuffix(s, "|"):
		a.spawn(val{s: strings.Trim(s, "| "), known: v.known, decoded: v.decoded}, nil)
	case strings.HasPrefix(s, ">") || strings.HasPrefix(s, "+"):
		if p := path(val{s: strings.TrimLeft(s, ">+ "), known: v.known, decoded: v.decoded}); p != "" {
			a.f.Writes = append(a.f.Writes, p)
		}
	default:
		if !v.known {
			a.f.unknown("open of a path known only at run time (it may start a command)")
		}
		if p := path(val{s: strings.TrimLeft(s, "< "), known: v.known, decoded: v.decoded}); p != "" {
			a.f.Reads = append(a.f.Reads, p)
		}
	}
}

// spawn records a shell command line the code runs.
func (a *analyzer) spawn(v val, _ []val) {
	switch {
	case v.decoded:
		a.f.obf("runs a decoded string as a shell command")
	case v.output:
		a.f.obf("runs another command's output as a shell command")
	case v.known:
		a.f.Shell = append(a.f.Shell, v.s)
	case onlyEnv(v.s):
		a.f.Shell = append(a.f.Shell, v.s)
	case a.lang == Awk && a.piped:
		a.f.obf("runs another command's output as a shell command")
	default:
		a.f.unknown("runs a shell command known only at run time")
	}
}

// onlyEnv reports whether s is known except for well-known environment
// variables written as $NAME, which the shell analysis reads the same way.
func onlyEnv(s string) bool {
	return s != "" && !strings.Contains(s, "${?}") && strings.Contains(s, "$") && envOnly(s)
}

func envOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '$' {
			continue
		}
		j := i + 1
		for j < len(s) && isIdentChar(s[j]) {
			j++
		}
		if !benignEnv[s[i+1:j]] {
			return false
		}
	}
	return true
}

// spawnList records an argv the code runs.
func (a *analyzer) spawnList(list []val) {
	if len(list) == 0 {
		return
	}
	argv := make([]string, 0, len(list))
	for _, x := range list {
		switch {
		case x.decoded:
			a.f.obf("runs a decoded string as a command")
			return
		case x.known, onlyEnv(x.s):
			argv = append(argv, x.s)
		case len(argv) == 0:
			a.f.unknown("runs a command known only at run time")
			return
		default:
			// An argument known only at run time: the shell analysis sees a variable.
			argv = append(argv, "$__inline_arg")
		}
	}
	a.f.Argv = append(a.f.Argv, argv)
}

func (a *analyzer) argvOf(args []arg) {
	var list []val
	for _, x := range args {
		if x.kw != "" {
			continue
		}
		if x.v.isList {
			list = append(list, x.v.list...)
		} else {
			list = append(list, x.v)
		}
	}
	a.spawnList(list)
}

// awk handles awk's redirections and pipes around token i: print > "f",
// print | "cmd", "cmd" | getline, getline < "f".
func (a *analyzer) awk(i int) {
	switch a.text(i) {
	case "print", "printf":
		depth := 0
		for j := i + 1; j < len(a.toks); j++ {
			if a.toks[j].NL && depth == 0 || depth == 0 && (a.is(j, ";") || a.is(j, "}")) {
				return
			}
			switch {
			case a.is(j, "(") || a.is(j, "["):
				depth++
			case a.is(j, ")") || a.is(j, "]"):
				depth--
			case depth == 0 && (a.is(j, ">") || a.is(j, ">>")):
				v, _ := a.eval(j+1, false)
				p := v.s
				if !v.known {
					p = "${?}"
				}
				if p != "/dev/stderr" && p != "/dev/stdout" {
					a.f.Writes = append(a.f.Writes, p)
				}
				return
			case depth == 0 && a.is(j, "|"):
				k := j + 1
				if a.is(k, "&") {
					k++ // gawk's |& : a coprocess, or a network connection for /inet/…
				}
				v, _ := a.eval(k, false)
				a.awkTarget(v)
				return
			}
		}
	case "getline":
		if a.is(i-1, "|") || a.is(i-1, "&") && a.is(i-2, "|") {
			// the command is the expression before the |: take the nearest operand
			k := i - 2
			if a.is(i-1, "&") {
				k = i - 3
			}
			if k >= 0 {
				v, _ := a.eval(a.operandStart(k), false)
				a.awkTarget(v)
			}
		}
		j := i + 1
		if a.kind(j) == Ident && !a.is(j, "<") {
			if a.is(i-1, "|") || a.is(i-1, "&") && a.is(i-2, "|") {
				// "cmd" | getline v: v is what cmd prints; system(v)
				// runs it.
				name := a.text(j)
				a.sets[name]++
				a.vars[name] = val{s: "${?}", output: true}
			}
			j++
		} else if a.is(i-1, "|") || a.is(i-1, "&") && a.is(i-2, "|") {
			a.piped = true
		}
		if a.is(j, "<") {
			v, _ := a.eval(j+1, false)
			p := v.s
			if !v.known {
				p = "${?}"
			}
			a.f.Reads = append(a.f.Reads, p)
		}
	}
}

// awkTarget records the target of a pipe: a command, or gawk's
// /inet/tcp/lport/host/rport network special file.
func (a *analyzer) awkTarget(v val) {
	if strings.HasPrefix(v.s, "/inet") {
		parts := strings.Split(v.s, "/")
		if len(parts) >= 6 && v.known {
			a.f.Hosts = append(a.f.Hosts, parts[4])
		} else {
			a.f.unknown("contacts an address known only at run time")
		}
		return
	}
	a.spawn(v, nil)
}

// operandStart walks back from k over an awk concatenation.
func (a *analyzer) operandStart(k int) int {
	for k > 0 {
		p := k - 1
		if a.kind(p) == String || a.kind(p) == Ident && a.text(p) != "print" {
			k = p
			continue
		}
		if a.is(k, "[") || a.is(p, "]") {
			k = p
			continue
		}
		break
	}
	return k
}

// shellName reports a shell's name or path (sh, /bin/bash, zsh…).
func shellName(s string) bool {
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		s = s[i+1:]
	}
	switch s {
	case "sh", "bash", "zsh", "dash", "ksh", "ash", "fish":
		return true
	}
	return false
}
