package shell

import (
	"regexp"
	"strings"
	"sync"

	"github.com/cavra-dev/cavra/policy/shell/inline"
)

// codeLang returns the language family of an interpreter name, or 0.
func codeLang(name string) inline.Lang {
	switch {
	case versioned(name, "python"), versioned(name, "pypy"):
		return inline.Python
	case name == "node", name == "nodejs", name == "deno", name == "bun", name == "zx":
		return inline.JavaScript
	case versioned(name, "perl"):
		return inline.Perl
	case versioned(name, "ruby"):
		return inline.Ruby
	case versioned(name, "php"):
		return inline.PHP
	case isAwk(name):
		return inline.Awk
	}
	return 0
}

func isAwk(name string) bool {
	return name == "awk" || name == "gawk" || name == "mawk" || name == "nawk" || name == "busybox awk"
}

// readCode analyses interpreter code with the inline package and records
// what it does as the facts of command idx: paths, URLs, the environment
// variables it reads, and what it hides or leaves to run time. The shell
// commands it runs with literal text are analysed as nested commands.
// It reports false when the code could not be tokenized (the caller then
// falls back to the scan of code.go and the command stays opaque).
func (a *analyzer) readCode(idx int, code string, script bool, via []string, redirs []Redirect, sc scope) bool {
	lang := codeLang(a.cmds[idx].Name)
	if lang == 0 {
		return false
	}
	var f *inline.Facts
	var err error
	if lang == inline.JavaScript {
		code = dynamicImports(code)
	}
	if script {
		f, err = inline.AnalyzeScript(lang, code)
	} else {
		f, err = inline.Analyze(lang, code)
	}
	if err != nil {
		return false
	}
	c := &a.cmds[idx]
	c.CodeRead = true
	fb := factBuilder{c: c}
	for _, p := range f.Reads {
		fb.read(p)
	}
	for _, p := range f.Writes {
		fb.write(p)
	}
	for _, p := range f.Deletes {
		fb.delete(p)
	}
	for _, u := range f.URLs {
		fb.url(u)
	}
	for _, h := range f.Hosts {
		if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[:i], ":") {
			h = h[:i]
		}
		if h != "" {
			fb.host(strings.ToLower(h))
		}
	}
	c.CodeEnv = f.Env
	c.CodeObfuscated = f.Obfuscated
	c.CodeUnknown = f.Unknown
	if len(f.Obfuscated) == 0 && len(f.Unknown) == 0 && (c.Opaque == OpaqueInlineCode || c.Opaque == OpaqueStdin) {
		c.Opaque = ""
	}
	// Nested analysis appends to a.cmds: c is not used after this point.
	for _, s := range f.Shell {
		if a.err != nil {
			return true
		}
		if !a.nested(s, via, redirs, sc, input{}, false) {
			a.cmds[idx].CodeUnknown = append(a.cmds[idx].CodeUnknown, "runs a shell command that does not parse")
			a.cmds[idx].Opaque = OpaqueInlineCode
		}
	}
	for _, argv := range f.Argv {
		if a.err != nil || !a.deeper(sc) {
			return true
		}
		ws := make([]word, len(argv))
		for i, s := range argv {
			ws[i] = word{val: s, static: !strings.Contains(s, "$")}
		}
		inner := sc
		inner.depth++
		inner.stdin = input{}
		dir := a.dir
		a.resolve(ws, via, redirs, inner)
		a.dir = dir
	}
	return true
}

// awkProgram analyses the program of an awk command (its first operand
// unless -f gave one), which awk runs as code: system(), print | "cmd",
// print > "file".
func (a *analyzer) awkProgram(ws []word, via []string, redirs []Redirect, sc scope) {
	a.emit(ws, via, redirs, sc, "", false)
	idx := len(a.cmds) - 1
	for i, w := range ws {
		if w.val == "-i" && i+1 < len(ws) && strings.HasPrefix(ws[i+1].val, "inplace") || w.val == "-iinplace" || strings.HasPrefix(w.val, "--include=inplace") {
			// gawk -i inplace rewrites the files it reads.
			c := &a.cmds[idx]
			c.Writes = append(c.Writes, c.Reads...)
			break
		}
	}
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		switch {
		case v == "--":
			if i+1 < len(ws) {
				a.awkCode(idx, ws[i+1], via, redirs, sc)
			}
			return
		case v == "-f" || v == "--file" || strings.HasPrefix(v, "-f") && len(v) > 2 || strings.HasPrefix(v, "--file="):
			return // the program is a file
		case v == "-F" || v == "-v" || v == "--assign" || v == "--field-separator" || v == "-i" || v == "--include" || v == "-l" || v == "--load":
			i++
		case strings.HasPrefix(v, "-") && len(v) > 1:
		default:
			a.awkCode(idx, ws[i], via, redirs, sc)
			return
		}
	}
}

func (a *analyzer) awkCode(idx int, w word, via []string, redirs []Redirect, sc scope) {
	if !w.static {
		return
	}
	a.cmds[idx].Code = w.val
	if !a.readCode(idx, w.val, false, appendVia(via, "awk"), redirs, sc) {
		a.cmds[idx].Opaque = OpaqueInlineCode
		return
	}
	if sc.stdin.fed && !sc.stdin.static {
		// system($0), print | $0 …: the commands awk runs are made of its
		// input lines, which is a script read from standard input.
		for _, u := range a.cmds[idx].CodeUnknown {
			if strings.Contains(u, "shell command known only at run time") {
				a.cmds[idx].Opaque = OpaqueStdin
				break
			}
		}
	}
}

// deno handles `deno eval [-p] CODE`, which runs CODE as JavaScript;
// other subcommands are ordinary commands.
func (a *analyzer) deno(ws []word, via []string, redirs []Redirect, sc scope) {
	if len(ws) >= 3 && ws[1].val == "run" {
		a.denoRun(ws, via, redirs, sc)
		return
	}
	if len(ws) < 3 || ws[1].val != "eval" {
		a.emit(ws, via, redirs, sc, "", false)
		return
	}
	for i := 2; i < len(ws); i++ {
		v := ws[i].val
		if ws[i].static && strings.HasPrefix(v, "-") && v != "-" {
			continue
		}
		a.inline(ws, via, redirs, sc, ws[i], "deno eval")
		return
	}
	a.emit(ws, via, redirs, sc, "", false)
}

// lineFiles records the operands of perl or ruby -n/-p (files read line by
// line) and -i (files edited in place) after inline code; ws[first:] are
// the words after the code.
func (a *analyzer) lineFiles(idx int, t *interpTable, ws []word, first int) {
	if (t != perlInterp && t != rubyInterp) || idx >= len(a.cmds) || first > len(ws) {
		return
	}
	read, write := false, false
	for _, w := range ws[1:min(first, len(ws))] {
		v := w.val
		if len(v) < 2 || v[0] != '-' || v[1] == '-' {
			continue
		}
		for k := 1; k < len(v); k++ {
			switch v[k] {
			case 'n', 'p':
				read = true
			case 'i':
				write = true
			}
			if v[k] == 'i' || v[k] == 'e' || v[k] == 'E' || v[k] == 'I' || v[k] == 'M' || v[k] == 'm' || v[k] == 'r' {
				break // the rest of the cluster is a value
			}
		}
	}
	if !read && !write {
		return
	}
	f := factBuilder{c: &a.cmds[idx]}
	for _, w := range ws[first:] {
		if w.val == "--" {
			continue
		}
		if write {
			f.write(w.val)
		} else {
			f.read(w.val)
		}
	}
}

// denoRun handles deno run: a script read from standard input is opaque,
// and a remote module run with permissions to run programs, load native
// code or do anything (-A, --allow-all, --allow-run, --allow-ffi) is code
// the line downloads and runs (RunsDownloaded). Without such permissions
// deno's sandbox confines what a module does.
func (a *analyzer) denoRun(ws []word, via []string, redirs []Redirect, sc scope) {
	all := false
	script := ""
	for i := 2; i < len(ws); i++ {
		v := ws[i].val
		if !ws[i].static {
			break
		}
		if v == "-" || !strings.HasPrefix(v, "-") {
			script = v
			break
		}
		name, _, _ := strings.Cut(v, "=")
		if (name == "-e" || name == "--eval") && i+1 < len(ws) {
			// deno run -e CODE: the code is run as deno eval runs it.
			a.inline(ws, via, redirs, sc, ws[i+1], "deno run -e")
			return
		}
		switch name {
		case "-A", "--allow-all", "--allow-run", "--allow-ffi":
			all = true
		case "--config", "-c", "--import-map", "--lock", "--cert", "--location", "--seed", "--v8-flags", "--inspect", "--env-file":
			if !strings.Contains(v, "=") && name != "--inspect" && name != "--env-file" && i+1 < len(ws) {
				i++
			}
		}
	}
	if (script == "-" || script == "/dev/stdin") && sc.stdin.fed {
		a.emit(ws, via, redirs, sc, OpaqueStdin, false)
		return
	}
	a.emit(ws, via, redirs, sc, "", false)
	if all && (strings.HasPrefix(script, "https://") || strings.HasPrefix(script, "http://")) && len(a.cmds) > 0 {
		c := &a.cmds[len(a.cmds)-1]
		c.Runs = append(c.Runs, script)
		c.RunsDownloaded = append(c.RunsDownloaded, script)
	}
}

var (
	importThen = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`import\(\s*(['"][^'"]+['"])\s*\)\s*\.then\(\s*\(?\s*([A-Za-z_$][\w$]*)\s*\)?\s*=>`)
	})
	awaitImport = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bawait\s+import\(`) })
)

// dynamicImports rewrites JavaScript's dynamic imports as the requires
// they amount to: import('fs').then(f => f.rm(…)) binds f to the module,
// await import('fs') is the module.
func dynamicImports(code string) string {
	if !strings.Contains(code, "import(") {
		return code
	}
	code = importThen().ReplaceAllString(code, "$2 = require($1); (")
	return awaitImport().ReplaceAllString(code, "require(")
}
