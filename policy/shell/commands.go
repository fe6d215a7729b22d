package shell

import (
	"path"
	"regexp"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"
)

// optTable describes the options of a wrapper or interpreter.
type optTable struct {
	value     string   // short options taking a value: rest of the cluster or the next word
	rest      string   // short options taking only the rest of the cluster
	noCmd     string   // short options after which no command runs (queries, listings)
	longValue []string // long options taking the next word as value unless written --opt=value
	noCmdLong []string
}

// skip returns the index of the first operand in ws after the options
// starting at ws[i], or -1 when an option means no command runs. A dynamic
// word ends the options: it may be the command.
func (t *optTable) skip(ws []word, i int) int {
	for i < len(ws) {
		w := ws[i]
		v := w.val
		if !w.static || len(v) < 2 || v[0] != '-' {
			return i
		}
		if v == "--" {
			return i + 1
		}
		if v[1] == '-' {
			name, _, withValue := strings.Cut(v, "=")
			if contains(t.noCmdLong, name) {
				return -1
			}
			if !withValue && contains(t.longValue, name) {
				i++
			}
			i++
			continue
		}
		for j := 1; j < len(v); j++ {
			c := v[j]
			if strings.IndexByte(t.noCmd, c) >= 0 {
				return -1
			}
			if strings.IndexByte(t.value, c) >= 0 {
				if j == len(v)-1 {
					i++ // the value is the next word
				}
				break
			}
			if strings.IndexByte(t.rest, c) >= 0 {
				break
			}
		}
		i++
	}
	return i
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var (
	sudoOpts = optTable{
		value: "gpuCDRrTtU",
		noCmd: "lveKV",
		longValue: []string{"--user", "--group", "--prompt", "--close-from", "--chdir", "--chroot",
			"--role", "--type", "--other-user", "--command-timeout", "--host"},
		noCmdLong: []string{"--list", "--validate", "--edit", "--remove-timestamp", "--version", "--help"},
	}
	doasOpts    = optTable{value: "u", noCmd: "CL"}
	commandOpts = optTable{noCmd: "vV"}
	execOpts    = optTable{value: "a"}
	plainOpts   = optTable{}
	timeoutOpts = optTable{value: "sk", longValue: []string{"--signal", "--kill-after"}}
	timeOpts    = optTable{value: "fo", longValue: []string{"--format", "--output"}}
	niceOpts    = optTable{value: "n", longValue: []string{"--adjustment"}}
	stdbufOpts  = optTable{value: "ioe", longValue: []string{"--input", "--output", "--error"}}
	xargsOpts   = optTable{
		value: "aEdILnPs",
		longValue: []string{"--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars",
			"--process-slot-var"},
		noCmdLong: []string{"--help", "--version"},
	}
	watchOpts  = optTable{value: "n", longValue: []string{"--interval"}}
	chrootOpts = optTable{longValue: []string{"--userspec", "--groups"}}
	envOpts    = optTable{value: "uCPS", longValue: []string{"--unset", "--chdir", "--split-string"}}
)

// wrapper returns where the wrapped command starts in ws (ws[0] being the
// wrapper named name): -1 if name is not a wrapper or runs no command here,
// len(ws) if the command is missing. split is env's -S string, if any.
func (a *analyzer) wrapper(name string, ws []word) (start int, split *word) {
	switch name {
	case "sudo":
		return skipAssigns(ws, sudoOpts.skip(ws, 1)), nil
	case "doas":
		return doasOpts.skip(ws, 1), nil
	case "env":
		return envSkip(ws)
	case "command":
		return commandOpts.skip(ws, 1), nil
	case "builtin":
		return 1, nil
	case "exec":
		return execOpts.skip(ws, 1), nil
	case "nohup", "setsid":
		return plainOpts.skip(ws, 1), nil
	case "timeout":
		i := timeoutOpts.skip(ws, 1)
		if i < len(ws) {
			i++ // the duration
		}
		return i, nil
	case "time":
		return timeOpts.skip(ws, 1), nil
	case "nice":
		return niceOpts.skip(ws, 1), nil
	case "stdbuf":
		return stdbufOpts.skip(ws, 1), nil
	case "xargs":
		return xargsOpts.skip(ws, 1), nil
	case "chroot":
		// chroot [--userspec=U] NEWROOT [COMMAND…]: the command runs with
		// NEWROOT as /; its paths are read as written (the root it sees is
		// the mounted system's: sudo chroot /host cat /etc/shadow).
		i := chrootOpts.skip(ws, 1)
		if i < len(ws) {
			i++ // the new root
		}
		return i, nil
	}
	if isLoader(name) {
		return loaderOpts.skip(ws, 1), nil
	}
	return -1, nil
}

func isWrapper(name string) bool {
	switch name {
	case "sudo", "doas", "env", "command", "builtin", "exec", "nohup", "setsid", "timeout", "time",
		"nice", "stdbuf", "xargs", "chroot":
		return true
	}
	return isLoader(name)
}

// loaderOpts are the dynamic loader's options before the program it runs.
var loaderOpts = optTable{longValue: []string{"--library-path", "--preload", "--argv0", "--audit", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask"}}

// isLoader reports whether name is the dynamic loader, which runs the
// program named by its first operand (/lib64/ld-linux-x86-64.so.2 ./bin).
func isLoader(name string) bool {
	switch {
	case name == "ld.so" || name == "ld-linux.so.2":
		return true
	case strings.HasPrefix(name, "ld-linux") || strings.HasPrefix(name, "ld-musl-") || strings.HasPrefix(name, "ld64.so"):
		return strings.Contains(name, ".so")
	}
	return false
}

// skipAssigns skips NAME=value words from ws[i].
func skipAssigns(ws []word, i int) int {
	if i < 0 {
		return i
	}
	for i < len(ws) && ws[i].static && isAssign(ws[i].val) {
		i++
	}
	return i
}

func isAssign(s string) bool {
	eq := strings.IndexByte(s, '=')
	return eq > 0 && syntax.ValidName(s[:eq])
}

// envSkip handles env's options, which include -S, a string split into
// more words.
func envSkip(ws []word) (int, *word) {
	var split *word
	i := 1
	for i < len(ws) {
		w := ws[i]
		v := w.val
		if !w.static {
			break
		}
		if v == "-" {
			i++
			continue
		}
		if len(v) < 2 || v[0] != '-' {
			break
		}
		if v == "--" {
			i++
			break
		}
		if v[1] == '-' {
			name, val, withValue := strings.Cut(v, "=")
			next := !withValue && contains(envOpts.longValue, name)
			if next {
				i++
			}
			i++
			if name == "--split-string" {
				if withValue {
					split = &word{val: val, static: true}
				} else if i-1 < len(ws) && next {
					split = &ws[i-1]
				}
				break
			}
			continue
		}
		for j := 1; j < len(v); j++ {
			c := v[j]
			if strings.IndexByte(envOpts.value, c) < 0 {
				continue
			}
			if j < len(v)-1 {
				if c == 'S' {
					split = &word{val: v[j+1:], static: true}
				}
			} else {
				if c == 'S' && i+1 < len(ws) {
					split = &ws[i+1]
				}
				i++
			}
			break
		}
		i++
		if split != nil {
			break
		}
	}
	if split != nil {
		// The split words take the place of the -S option; the caller
		// parses options again over them.
		return min(i, len(ws)), split
	}
	return skipAssigns(ws, i), nil
}

// resolve reports the command made of ws, seeing through wrappers and
// carriers.
func (a *analyzer) resolve(ws []word, via []string, redirs []Redirect, sc scope) {
	var chain []string
	var xin input // what xargs reads, when the command runs under xargs
	xreplace := false
	resplit := false // re-reading env's options after -S: env is already in via
	for a.err == nil {
		head := ws[0]
		if !head.static || head.glob || (head.brace && braceExpands(head.node)) {
			ws[0].static = false
			a.emit(ws, via, redirs, sc, OpaqueDynamicName, true)
			a.expandVar(ws, via, redirs, sc)
			return
		}
		name := base(head.val)
		if name == "busybox" && len(ws) > 1 && ws[1].static && !strings.HasPrefix(ws[1].val, "-") {
			// busybox APPLET ARGS runs that applet: busybox sh is sh.
			via = appendVia(via, "busybox")
			ws = ws[1:]
			continue
		}
		if !isWrapper(name) {
			break
		}
		start, split := a.wrapper(name, ws)
		if start < 0 || (start >= len(ws) && split == nil) {
			if name == "xargs" && start >= len(ws) {
				// xargs without a command runs echo.
				a.emit([]word{{val: "echo", static: true}}, appendVia(via, name), redirs, sc, "", false)
				return
			}
			if resplit {
				via = via[:len(via)-1]
				if len(via) == 0 {
					via = nil
				}
			}
			a.emit(ws, via, redirs, sc, "", false)
			return
		}
		if !resplit {
			if len(chain) == 0 {
				// Own the array from here on, so a long chain of wrappers
				// appends in amortized time.
				chain = via[:len(via):len(via)]
			}
			chain = append(chain, name)
			via = chain
		}
		resplit = false
		if name == "env" || name == "sudo" {
			a.wrapperSettings(ws[1:min(start, len(ws))], via, redirs, sc)
		}
		if name == "xargs" {
			xin, xreplace = sc.stdin, hasReplace(ws[1:start])
			sc.stdin = input{} // GNU xargs gives its command /dev/null
		}
		if split != nil {
			// env -S re-parses a string: it counts as nesting.
			if !a.deeper(sc) {
				return
			}
			sc.depth++
			words, ok := a.splitWords(*split)
			if !ok {
				words = []word{{val: split.val, static: false}}
			}
			rest := ws[start:]
			ws = append(append(append(make([]word, 0, 1+len(words)+len(rest)), ws[0]), words...), rest...)
			resplit = true
			continue
		}
		ws = ws[start:]
	}
	if a.err != nil {
		return
	}
	if xin.script != "" {
		// xargs appends the words it reads (`xargs rm -rf <<< "$HOME"` runs
		// rm -rf $HOME), or puts them in place of -I's placeholder; find
		// … | xargs CMD gives CMD the paths find prints.
		extra := strings.Fields(xin.script)
		if len(extra) > 64 {
			extra = extra[:64]
		}
		ws = xargsPaths(ws, extra, xreplace, xin.static)
	}
	name := base(ws[0].val)
	if ws[0].static && strings.Contains(ws[0].val, "/") && a.runWrittenFile(ws, via, redirs, sc) {
		return
	}
	if remoteCarrier(name) && a.remote(name, ws, via, redirs, sc) {
		return
	}
	switch name {
	case "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh":
		a.shell(name, ws, via, redirs, sc)
	case "su":
		a.su(ws, via, redirs, sc)
	case "find":
		a.find(ws, via, redirs, sc)
	case "parallel":
		a.parallel(ws, via, redirs, sc)
	case "eval":
		if len(ws) == 2 && setupEval(ws[1]) {
			// eval "$(ssh-agent -s)": the output of an installed tool's
			// own environment setup, which the tool still runs as a
			// command of the line (below, through the substitution).
			a.emit(ws, via, redirs, sc, "", false)
			break
		}
		a.emit(ws, via, redirs, sc, OpaqueEval, false)
		if script, ok := joinStatic(ws[1:]); ok && script != "" {
			a.nested(script, appendVia(via, "eval"), redirs, sc, sc.stdin, true)
		}
	case "source", ".":
		// A project file sourced is the project's own script run in this
		// shell (. .venv/bin/activate), as `bash scripts/x.sh` runs one; a
		// file from elsewhere, or one named at run time, may redefine
		// every later command.
		if len(ws) > 1 && ws[1].static && projectRelative(ws[1].val) {
			a.emit(ws, via, redirs, sc, "", false)
			break
		}
		a.emit(ws, via, redirs, sc, OpaqueSource, false)
	case "watch":
		a.watch(ws, via, redirs, sc)
	case "git":
		a.git(ws, via, redirs, sc)
	case "make", "gmake":
		a.make(ws, via, redirs, sc)
	case "alias":
		a.alias(ws, via, redirs, sc)
	case "awk", "gawk", "mawk", "nawk":
		a.awkProgram(ws, via, redirs, sc)
	case "deno":
		a.deno(ws, via, redirs, sc)
	case "pwsh", "powershell", "powershell.exe", "pwsh.exe":
		a.powershell(ws, via, redirs, sc)
	case "tclsh", "wish", "expect", "jimsh":
		a.tcl(ws, via, redirs, sc)
	case "ed", "red", "ex":
		a.edScript(ws, via, redirs, sc)
	default:
		if l := lightCodeLang(name); l != 0 && (l != langLua || hasOption(ws, "-e")) {
			a.lightInterp(l, ws, via, redirs, sc)
			return
		}
		if t := interpreter(name); t != nil {
			a.interp(t, ws, via, redirs, sc)
			return
		}
		a.emit(ws, via, redirs, sc, "", false)
		self := len(a.cmds) - 1
		switch name {
		case "vim", "vi", "nvim", "ex", "vimdiff", "view":
			vimWrites(&a.cmds[self], ws)
		case "pytest", "py.test":
			// pytest empties its --basetemp directory before the run.
			for i, w := range ws {
				if v, ok := strings.CutPrefix(w.val, "--basetemp="); ok && w.static {
					a.cmds[self].Deletes = append(a.cmds[self].Deletes, v)
				} else if w.val == "--basetemp" && i+1 < len(ws) && ws[i+1].static {
					a.cmds[self].Deletes = append(a.cmds[self].Deletes, ws[i+1].val)
				}
			}
		}
		if name == "sed" || name == "gsed" {
			a.sedEffects(self, ws, via, redirs, sc)
		}
		if name == "pytest" || name == "py.test" || name == "nox" || name == "tox" {
			a.writtenPython(name, via, redirs, sc)
		}
		a.optionCommands(name, ws, via, redirs, sc)
		a.storedCode(name, ws, via, redirs, sc)
		if tools[name] == nil && interpreter(name) == nil {
			a.runsOperands(name, ws, via, redirs, sc)
		}
	}
}

// runWrittenFile handles ./x where the line wrote x: with the text known,
// as its #! interpreter (a shell when it names none) running it; with
// the text hidden (decoded, written by inline code), as obfuscated code.
func (a *analyzer) runWrittenFile(ws []word, via []string, redirs []Redirect, sc scope) bool {
	p := ws[0].val
	text, ok := a.writtenScript(p)
	if !ok {
		text, ok = a.writtenScript(path.Clean(p))
	}
	if !ok {
		why := a.hiddenWrite(p)
		if why == "" {
			return false
		}
		a.emit(ws, via, redirs, sc, "", false)
		a.runsWritten(len(a.cmds)-1, why)
		return true
	}
	interp := "sh"
	if line, ok := strings.CutPrefix(text, "#!"); ok {
		line, _, _ = strings.Cut(line, "\n")
		f := strings.Fields(line)
		if len(f) > 0 {
			interp = base(f[0])
			if interp == "env" {
				interp = ""
				for _, x := range f[1:] {
					if !strings.HasPrefix(x, "-") {
						interp = x
						break
					}
				}
			}
		}
	}
	if interp == "" || !a.deeper(sc) {
		return false
	}
	out := append([]word{{val: interp, static: true}, {val: path.Clean(p), static: true}}, ws[1:]...)
	sc.depth++
	a.resolve(out, appendVia(via, p), redirs, sc)
	return true
}

// edScript reports ed (or ex) and the shell commands of the editing
// script it reads from standard input: each line starting with ! runs
// the rest as a command. A script only run time knows may run any.
func (a *analyzer) edScript(ws []word, via []string, redirs []Redirect, sc scope) {
	script, ok := a.claimStdin(ws, via, redirs, sc)
	if !ok {
		return
	}
	inner := sc
	inner.stdin = input{}
	c := &a.cmds[len(a.cmds)-1]
	for _, l := range strings.Split(script, "\n") {
		// w, wq, x, W write the buffer: to the file named, else the one edited.
		f := strings.Fields(strings.TrimSpace(l))
		if len(f) == 0 {
			continue
		}
		if cmd := strings.TrimLeft(f[0], "0123456789,$.;"); cmd == "w" || cmd == "wq" || cmd == "W" || cmd == "x" {
			if len(f) > 1 {
				c.Writes = append(c.Writes, f[1])
			} else {
				c.Writes = append(c.Writes, c.Reads...)
			}
		}
	}
	for i, l := range strings.Split(script, "\n") {
		if i >= 256 {
			break
		}
		if c, ok := strings.CutPrefix(strings.TrimSpace(l), "!"); ok && strings.TrimSpace(c) != "" {
			a.nested(c, appendVia(via, base(ws[0].val)+" !"), redirs, inner, inner.stdin, false)
		}
	}
}

// claimStdin reports a command that reads a script on its standard input
// and returns that script for it to analyse, once: not fed, it is an
// ordinary command; fed what only run time knows, it is opaque.
func (a *analyzer) claimStdin(ws []word, via []string, redirs []Redirect, sc scope) (string, bool) {
	if !sc.stdin.fed {
		a.emit(ws, via, redirs, sc, "", false)
		return "", false
	}
	if !sc.stdin.static {
		a.emit(ws, via, redirs, sc, OpaqueStdin, false)
		return "", false
	}
	a.emit(ws, via, redirs, sc, "", false)
	if *sc.stdin.read || !a.deeper(sc) {
		return "", false
	}
	*sc.stdin.read = true
	return sc.stdin.script, true
}

// vimWrites records the files vim writes when its startup commands (-c
// CMD, +CMD) save them (w, wq, x, wall, update, saveas FILE).
func vimWrites(c *Command, ws []word) {
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		cmd := ""
		switch {
		case (v == "-c" || v == "--cmd") && i+1 < len(ws):
			i++
			cmd = ws[i].val
		case strings.HasPrefix(v, "+") && len(v) > 1:
			cmd = v[1:]
		default:
			continue
		}
		for _, part := range strings.Split(cmd, "|") {
			f := strings.Fields(strings.TrimLeft(strings.TrimSpace(part), ":"))
			if len(f) == 0 {
				continue
			}
			switch strings.TrimSuffix(f[0], "!") {
			case "w", "wq", "x", "xit", "wa", "wall", "wqa", "xa", "up", "update", "write", "exit":
				if len(f) > 1 {
					c.Writes = append(c.Writes, f[1])
					continue
				}
				for _, r := range c.Reads {
					if !strings.HasPrefix(r, "+") && !strings.HasPrefix(r, "-") {
						c.Writes = append(c.Writes, r)
					}
				}
			case "sav", "saveas":
				if len(f) > 1 {
					c.Writes = append(c.Writes, f[1])
				}
			}
		}
	}
}

// hasReplace reports whether xargs options include -I/-i/--replace, with
// which the input replaces a placeholder rather than being appended.
func hasReplace(opts []word) bool {
	for _, w := range opts {
		if v := w.val; strings.HasPrefix(v, "-I") || strings.HasPrefix(v, "-i") || strings.HasPrefix(v, "--replace") {
			return true
		}
	}
	return false
}

// expandVar reports, besides a command whose name is a variable, the
// command the variable's value names when an assignment earlier on the line
// gave it a static value: `cmd=rm; $cmd -rf /` also reports `rm -rf /`
// (via "$cmd"), split on IFS as the shell would. The dynamic command stays,
// so the line is still unresolved; the expansion lets block rules see it.
func (a *analyzer) expandVar(ws []word, via []string, redirs []Redirect, sc scope) {
	node := ws[0].node
	if a.vars == nil || node == nil || len(node.Parts) != 1 {
		return
	}
	pe, ok := node.Parts[0].(*syntax.ParamExp)
	if !ok || pe.Param == nil || pe.Excl || pe.Length || pe.Width || pe.Index != nil || pe.Slice != nil || pe.Repl != nil || pe.Exp != nil || pe.Names != 0 {
		return
	}
	val, ok := a.vars[pe.Param.Value]
	if !ok {
		return
	}
	ifs, ok := a.vars["IFS"]
	if !ok {
		ifs = " \t\n"
	}
	fields := strings.FieldsFunc(val, func(r rune) bool { return strings.ContainsRune(ifs, r) })
	if len(fields) == 0 || len(fields) > 64 || !a.deeper(sc) {
		return
	}
	out := make([]word, 0, len(fields)+len(ws)-1)
	for _, f := range fields {
		out = append(out, word{val: f, static: true})
	}
	out = append(out, ws[1:]...)
	sc.depth++
	a.resolve(out, appendVia(via, "$"+pe.Param.Value), redirs, sc)
}

// splitWords splits an env -S string into words.
func (a *analyzer) splitWords(w word) ([]word, bool) {
	if !w.static {
		return nil, false
	}
	var out []word
	for sw, err := range a.parser.WordsSeq(strings.NewReader(w.val)) {
		if err != nil {
			return nil, false
		}
		out = append(out, evalWord(sw, w.val))
	}
	return out, true
}

// joinStatic joins static words with spaces, as eval and watch do.
func joinStatic(ws []word) (string, bool) {
	var b strings.Builder
	for i, w := range ws {
		if !w.static {
			return "", false
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.val)
	}
	return b.String(), true
}

// shell handles sh, bash and friends: -c scripts are parsed, stdin
// scripts are opaque.
func (a *analyzer) shell(name string, ws []word, via []string, redirs []Redirect, sc scope) {
	cmode, smode := false, false
	i := 1
options:
	for i < len(ws) {
		w := ws[i]
		v := w.val
		switch {
		case !w.static:
			break options
		case v == "-" || v == "--":
			i++
			break options
		case strings.HasPrefix(v, "--"):
			if v == "--rcfile" || v == "--init-file" {
				i++
			}
			i++
		case len(v) >= 2 && (v[0] == '-' || v[0] == '+'):
			i++
			for j := 1; j < len(v); j++ {
				switch v[j] {
				case 'c':
					cmode = cmode || v[0] == '-'
				case 's':
					smode = smode || v[0] == '-'
				case 'o', 'O':
					i++ // option name
				}
			}
		default:
			break options
		}
	}
	switch {
	case cmode:
		if i >= len(ws) {
			a.emit(ws, via, redirs, sc, "", false)
			return
		}
		script := ws[i]
		if !script.static && script.node != nil {
			// sh -c "curl -d @$HOME/.aws/credentials …": the outer shell
			// puts the home directory into the script's text.
			a.homeValue = true
			if w := a.expandWord(script.node, sc.src); w.static {
				script = w
			}
			a.homeValue = false
		}
		if !script.static {
			a.emit(ws, via, redirs, sc, OpaqueDynamicScript, true)
			return
		}
		text := script.val
		if i+1 < len(ws) && !appendsArgs(via) {
			// sh -c 'rm -rf "$1"' _ ~: the words after the script are
			// its $0, $1, … and "$@" (unless xargs or find -exec {} +
			// adds more at run time).
			text = withPositional(text, ws[i+1:])
		}
		if !a.nested(text, appendVia(via, name+" -c"), redirs, sc, sc.stdin, false) {
			a.emit(ws, via, redirs, sc, OpaqueInvalidScript, false)
		}
	case i < len(ws) && !smode:
		if text, ok := a.writtenScript(ws[i].val); ok && ws[i].static {
			// sh x.sh where the line wrote x.sh: its code is known.
			a.emit(ws, via, redirs, sc, "", false)
			self := len(a.cmds) - 1
			if !a.nested(text, appendVia(via, name+" "+ws[i].val), redirs, sc, sc.stdin, false) && self < len(a.cmds) {
				a.cmds[self].Opaque = OpaqueInvalidScript
			}
			return
		}
		a.emit(ws, via, redirs, sc, scriptOpaque(ws[i]), false) // runs a script file
		a.runsWritten(len(a.cmds)-1, a.hiddenWrite(ws[i].val))
	case sc.stdin.fed:
		if !sc.stdin.static && sc.stdin.file != "" && !sc.stdin.net {
			// sh < x.sh (here or through ssh) where the line wrote x.sh.
			if text, ok := a.writtenScript(sc.stdin.file); ok {
				sc.stdin.script, sc.stdin.static, sc.stdin.read = text, true, new(bool)
			}
		}
		// A script the line shows whole (a quoted heredoc, echo '…' |,
		// cat <<'EOF' |) is analysed like sh -c's; any other input is
		// a script only run time knows.
		known := sc.stdin.static && !*sc.stdin.read
		why := OpaqueStdin
		if sc.stdin.decoded {
			known = false // decoded on the line: hidden from a reader, whatever it does
		}
		if known {
			why = ""
		}
		a.emit(ws, via, redirs, sc, why, false)
		self := len(a.cmds) - 1
		if sc.stdin.decoded {
			a.decodedCode(self)
		}
		if sc.stdin.static && !*sc.stdin.read {
			*sc.stdin.read = true
			// The script's own commands read what is left of the same
			// input; it carries no further script we know of.
			label := "heredoc"
			if sc.stdin.pipe {
				label = "pipe"
			}
			if !a.nested(sc.stdin.script, appendVia(via, label), redirs, sc, input{fed: true}, false) && self < len(a.cmds) {
				a.cmds[self].Opaque = OpaqueInvalidScript
			}
		}
	default:
		a.emit(ws, via, redirs, sc, "", false) // interactive
	}
}

// find reports find itself and the commands of its -exec actions.
func (a *analyzer) find(ws []word, via []string, redirs []Redirect, sc scope) {
	a.emit(ws, via, redirs, sc, "", false)
	braces := a.braces
	a.braces = findBraces(ws)
	defer func() { a.braces = braces }()
	var fvia []string
	for i := 1; i < len(ws) && a.err == nil; i++ {
		switch v := ws[i]; {
		case !v.static:
			continue
		case v.val != "-exec" && v.val != "-execdir" && v.val != "-ok" && v.val != "-okdir":
			continue
		}
		j := i + 1
		for j < len(ws) && !(ws[j].static && (ws[j].val == ";" || ws[j].val == "+")) {
			j++
		}
		if j > i+1 {
			if !a.deeper(sc) {
				return
			}
			if fvia == nil {
				fvia = appendVia(via, "find -exec")
			}
			inner := sc
			inner.depth++
			dir := a.dir
			a.resolve(ws[i+1:j], fvia, redirs, inner)
			a.dir = dir
		}
		i = j
	}
}

// git runs the commands some of its subcommands are given: rebase's
// -x/--exec and submodule foreach run a shell script, bisect run a
// command with its arguments. They are analysed like sh -c's script and
// like a wrapper's command.
func (a *analyzer) git(ws []word, via []string, redirs []Redirect, sc scope) {
	gi := len(a.cmds)
	a.emit(ws, via, redirs, sc, "", false)
	i := 1
	for i < len(ws) && strings.HasPrefix(ws[i].val, "-") {
		switch v := ws[i].val; {
		case v == "-c" && i+1 < len(ws):
			// git -c key=value: settings that are commands run.
			if k, val, ok := strings.Cut(ws[i+1].val, "="); ok {
				a.addRuns(gi, a.gitConfig(k, word{val: val, static: ws[i+1].static}, appendVia(via, "git"), redirs, sc))
			}
			i++
		case v == "--config-env" || strings.HasPrefix(v, "--config-env="):
			// The value comes from an environment variable: unknown here.
			kv := strings.TrimPrefix(v, "--config-env=")
			if v == "--config-env" && i+1 < len(ws) {
				kv = ws[i+1].val
				i++
			}
			if k, env, ok := strings.Cut(kv, "="); ok {
				a.gitConfig(k, word{val: "$" + env}, appendVia(via, "git"), redirs, sc)
			}
		case v == "-C" || v == "--git-dir" || v == "--work-tree" || v == "--namespace" || v == "--exec-path":
			i++
		}
		i++
	}
	if i >= len(ws) || !ws[i].static {
		return
	}
	sub, rest := ws[i].val, ws[i+1:]
	gvia := appendVia(via, "git "+sub)
	inner := sc
	inner.stdin = input{}
	script := func(w []word) {
		if !a.deeper(sc) {
			return
		}
		if s, ok := joinStatic(w); ok {
			if s != "" && !a.nested(s, gvia, redirs, inner, inner.stdin, false) {
				a.emit(ws, via, redirs, sc, OpaqueInvalidScript, false)
			}
			return
		}
		a.emit(ws, via, redirs, sc, OpaqueDynamicScript, true)
	}
	// Options and remotes that name a command git runs: --upload-pack,
	// --receive-pack, the ext:: transport, filter-branch's filters,
	// difftool's -x.
	for j := 0; j < len(rest) && a.err == nil; j++ {
		v := rest[j].val
		name, val, has := strings.Cut(v, "=")
		switch {
		case strings.HasPrefix(v, "ext::"):
			// git clone 'ext::sh -c touch% /tmp/x' runs the argv split at
			// spaces ("% " is a space inside a word).
			if argv := extArgv(v[5:], rest[j].static); len(argv) > 0 && a.deeper(sc) {
				a.resolve(argv, gvia, redirs, inner)
			}
		case name == "--upload-pack" || name == "--receive-pack" || (name == "--exec" && sub == "push") ||
			(sub == "filter-branch" && strings.HasSuffix(name, "-filter")) || (sub == "difftool" && (name == "--extcmd" || name == "-x")) ||
			(name == "-u" && (sub == "clone" || sub == "fetch" || sub == "pull" || sub == "ls-remote")):
			if has {
				script([]word{{val: val, static: rest[j].static}})
			} else if j+1 < len(rest) {
				script(rest[j+1 : j+2])
				j++
			}
		}
	}
	switch sub {
	case "grep":
		// -O/--open-files-in-pager runs its value with the matching files.
		for j := 0; j < len(rest); j++ {
			v := rest[j].val
			if v == "--" {
				break
			}
			if p, ok := strings.CutPrefix(v, "--open-files-in-pager="); ok {
				a.commandValue("git grep --open-files-in-pager=", p, gvia, redirs, inner)
			} else if p, ok := strings.CutPrefix(v, "-O"); ok && p != "" && rest[j].static {
				a.commandValue("git grep -O=", p, gvia, redirs, inner)
			}
		}
	case "config":
		if k, v, ok := gitConfigSet(rest); ok {
			a.addRuns(gi, a.gitConfig(k, v, gvia, redirs, inner))
		}
	case "rebase":
		for j := 0; j < len(rest); j++ {
			switch v := rest[j].val; {
			case (v == "-x" || v == "--exec") && j+1 < len(rest):
				script(rest[j+1 : j+2])
				j++
			case strings.HasPrefix(v, "--exec="):
				script([]word{{val: strings.TrimPrefix(v, "--exec="), static: rest[j].static}})
			case strings.HasPrefix(v, "-x") && len(v) > 2:
				script([]word{{val: v[2:], static: rest[j].static}})
			}
		}
	case "bisect":
		if len(rest) > 1 && rest[0].static && rest[0].val == "run" && a.deeper(sc) {
			a.resolve(rest[1:], gvia, redirs, inner)
		}
	case "submodule":
		for j := 0; j < len(rest); j++ {
			if rest[j].static && rest[j].val == "foreach" {
				k := j + 1
				for k < len(rest) && strings.HasPrefix(rest[k].val, "-") {
					k++
				}
				if k < len(rest) {
					script(rest[k:])
				}
				break
			}
		}
	}
}

// watch runs its arguments with sh -c, or directly with -x.
func (a *analyzer) watch(ws []word, via []string, redirs []Redirect, sc scope) {
	start := watchOpts.skip(ws, 1)
	if start >= len(ws) {
		a.emit(ws, via, redirs, sc, "", false)
		return
	}
	exec := false
	for _, w := range ws[1:start] {
		v := w.val
		if v == "--exec" || (len(v) > 1 && v[0] == '-' && v[1] != '-' && strings.IndexByte(v, 'x') > 0) {
			exec = true
		}
	}
	sc.stdin = input{}
	wvia := appendVia(via, "watch")
	if script, ok := joinStatic(ws[start:]); ok && !exec {
		if !a.nested(script, wvia, redirs, sc, sc.stdin, false) {
			a.emit(ws, via, redirs, sc, OpaqueInvalidScript, false)
		}
		return
	}
	a.resolve(ws[start:], wvia, redirs, sc)
}

// interpTable describes a script interpreter's command line.
type interpTable struct {
	optTable
	inline     string   // short options whose value is code
	module     string   // short options naming code to run (python -m)
	longInline []string // long options whose value is code
}

var (
	pythonInterp = &interpTable{optTable: optTable{value: "WXQ"}, inline: "c", module: "m"}
	nodeInterp   = &interpTable{
		optTable:   optTable{value: "r", longValue: []string{"--require", "--import", "--loader", "--experimental-loader", "--conditions"}},
		inline:     "ep",
		longInline: []string{"--eval", "--print"},
	}
	perlInterp = &interpTable{optTable: optTable{rest: "IMmxi0lCdD"}, inline: "eE"}
	rubyInterp = &interpTable{optTable: optTable{value: "IrCEF", rest: "x0iKTW"}, inline: "e"}
	phpInterp  = &interpTable{optTable: optTable{value: "cdz"}, inline: "rBRE", module: "fF"}
	luaInterp  = &interpTable{optTable: optTable{value: "l"}, inline: "e"}
)

// interpreter returns the table for a script interpreter name, or nil.
func interpreter(name string) *interpTable {
	switch {
	case versioned(name, "python"), versioned(name, "pypy"):
		return pythonInterp
	case name == "node", name == "nodejs", name == "bun", name == "zx":
		return nodeInterp
	case versioned(name, "perl"):
		return perlInterp
	case versioned(name, "ruby"):
		return rubyInterp
	case versioned(name, "php"):
		return phpInterp
	case versioned(name, "lua"):
		return luaInterp
	}
	return nil
}

// versioned reports whether name is prefix optionally followed by a
// version such as "3" or "3.12".
func versioned(name, prefix string) bool {
	if !strings.HasPrefix(name, prefix) {
		return false
	}
	for _, c := range name[len(prefix):] {
		if (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}

// interp handles a script interpreter: inline code and code read from
// stdin are opaque.
func (a *analyzer) interp(t *interpTable, ws []word, via []string, redirs []Redirect, sc scope) {
	i := 1
	operand := false
scan:
	for i < len(ws) {
		w := ws[i]
		v := w.val
		switch {
		case !w.static:
			operand = true
			break scan
		case v == "-":
			break scan
		case v == "--":
			operand = i+1 < len(ws) && ws[i+1].val != "-"
			break scan
		case len(v) < 2 || v[0] != '-':
			operand = true
			break scan
		case v[1] == '-':
			name, _, withValue := strings.Cut(v, "=")
			if contains(t.longInline, name) {
				code := word{}
				if val, ok := strings.CutPrefix(v, name+"="); ok {
					code = word{val: val, static: true}
				} else if i+1 < len(ws) {
					code = ws[i+1]
				}
				a.inline(ws, via, redirs, sc, code, base(ws[0].val)+" "+name)
				return
			}
			if !withValue && contains(t.longValue, name) {
				i++
			}
			i++
			continue
		}
		i++
		for j := 1; j < len(v); j++ {
			c := v[j]
			if strings.IndexByte(t.inline, c) >= 0 {
				code := word{}
				if j+1 < len(v) {
					code = word{val: v[j+1:], static: true}
				} else if i < len(ws) {
					code = ws[i]
				}
				idx := len(a.cmds)
				a.inline(ws, via, redirs, sc, code, base(ws[0].val)+" -"+string(c))
				first := i
				if j+1 >= len(v) {
					first = i + 1
				}
				a.lineFiles(idx, t, ws, first)
				return
			}
			if strings.IndexByte(t.module, c) >= 0 {
				operand = true
				break scan
			}
			if strings.IndexByte(t.value, c) >= 0 {
				if j == len(v)-1 {
					i++
				}
				break
			}
			if strings.IndexByte(t.rest, c) >= 0 {
				break
			}
		}
	}
	if operand && i < len(ws) {
		if why := scriptOpaque(ws[i]); why != "" {
			a.emit(ws, via, redirs, sc, why, false)
			return
		}
		if text, ok := a.writtenScript(ws[i].val); ok {
			// python3 x.py where the line wrote x.py: its code is on the
			// line, and is read as inline code is.
			a.emit(ws, via, redirs, sc, "", false)
			a.code(len(a.cmds)-1, text, appendVia(via, base(ws[0].val)+" "+ws[i].val), redirs, sc)
			return
		}
		if why := a.hiddenWrite(ws[i].val); why != "" {
			a.emit(ws, via, redirs, sc, "", false)
			a.runsWritten(len(a.cmds)-1, why)
			return
		}
	}
	if !operand && sc.stdin.fed {
		a.emit(ws, via, redirs, sc, OpaqueStdin, false)
		self := len(a.cmds) - 1
		if sc.stdin.static && !*sc.stdin.read {
			*sc.stdin.read = true
			a.code(self, sc.stdin.script, appendVia(via, base(ws[0].val)+" stdin"), redirs, sc)
		}
		if sc.stdin.decoded {
			a.decodedCode(self)
		}
		return
	}
	a.emit(ws, via, redirs, sc, "", false)
}

// scriptOpaque returns OpaqueSubstScript when a shell's or interpreter's
// script operand is the output of a command (`bash <(curl …)`), else "".
func scriptOpaque(w word) string {
	if !w.static && (strings.HasPrefix(w.val, "<(") || strings.HasPrefix(w.val, "/dev/fd/")) {
		return OpaqueSubstScript
	}
	return ""
}

// inline reports an interpreter running code given on its command line
// and what the code visibly does.
func (a *analyzer) inline(ws []word, via []string, redirs []Redirect, sc scope, code word, label string) {
	a.emit(ws, via, redirs, sc, OpaqueInlineCode, false)
	if code.static && code.val != "" {
		a.code(len(a.cmds)-1, code.val, appendVia(via, label), redirs, sc)
	} else if code.val != "" && len(code.val) <= 1<<14 {
		// python3 -c "open('/home/dev/.bashrc','a').write('$PATH')": the
		// shell's expansions are kept as written; what the rest of the
		// code visibly does is still a fact, and the command stays opaque.
		idx := len(a.cmds) - 1
		a.code(idx, code.val, appendVia(via, label), redirs, sc)
		a.cmds[idx].Opaque = OpaqueInlineCode
	}
}

// make reports make and, for a makefile read from standard input
// (`make -f - <<EOF`), the commands of its recipes, which make runs.
func (a *analyzer) make(ws []word, via []string, redirs []Redirect, sc scope) {
	stdin := false
	var evals []word // --eval=TEXT: makefile text make reads first
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		switch {
		case strings.HasPrefix(v, "--eval="):
			evals = append(evals, word{val: v[len("--eval="):], static: ws[i].static})
		case (v == "--eval" || v == "-E") && i+1 < len(ws):
			i++
			evals = append(evals, ws[i])
		case (v == "-f" || v == "--file" || v == "--makefile") && i+1 < len(ws):
			i++
			stdin = stdin || ws[i].val == "-" || ws[i].val == "/dev/stdin"
		case v == "-f-" || v == "--file=-" || v == "--makefile=-" || v == "-f/dev/stdin" || v == "--file=/dev/stdin":
			stdin = true
		}
	}
	if len(evals) > 0 {
		a.emit(ws, via, redirs, sc, "", false)
		self := len(a.cmds) - 1
		for _, w := range evals {
			if !w.static {
				a.cmds[self].Opaque = OpaqueDynamicScript
				continue
			}
			if !a.nested(strings.Join(makeRecipes(w.val), "\n"), appendVia(via, "make --eval recipe"), redirs, sc, input{}, false) {
				a.cmds[self].Opaque = OpaqueInvalidScript
			}
		}
		return
	}
	if !stdin {
		a.emit(ws, via, redirs, sc, "", false)
		return
	}
	script, ok := a.claimStdin(ws, via, redirs, sc)
	if !ok {
		return
	}
	self := len(a.cmds) - 1
	if !a.nested(strings.Join(makeRecipes(script), "\n"), appendVia(via, "make recipe"), redirs, sc, input{}, false) {
		a.cmds[self].Opaque = OpaqueInvalidScript
	}
}

// alias reports alias and the commands each definition's value runs, at
// the definition, as function bodies are: a later word of the line may call
// it (with expand_aliases, or in an interactive shell), and which one does
// is not followed. A value only known at run time is a dynamic script.
func (a *analyzer) alias(ws []word, via []string, redirs []Redirect, sc scope) {
	opaque := ""
	var values []string
	for _, w := range ws[1:] {
		name, value, ok := strings.Cut(w.val, "=")
		if !ok || name == "" || strings.HasPrefix(name, "-") {
			continue
		}
		if !w.static {
			opaque = OpaqueDynamicScript
			continue
		}
		values = append(values, value)
	}
	a.emit(ws, via, redirs, sc, opaque, false)
	self := len(a.cmds) - 1
	for _, v := range values {
		if !a.nested(v, appendVia(via, "alias"), redirs, sc, sc.stdin, false) && a.err == nil {
			a.cmds[self].Opaque = OpaqueInvalidScript
		}
	}
}

// extArgv splits the command of git's ext:: transport into words: spaces
// separate, "% " is a space, "%%" a percent sign.
func extArgv(s string, static bool) []word {
	var out []word
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 && len(out) < 64 {
			out = append(out, word{val: b.String(), static: static})
		}
		b.Reset()
	}
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '%' && i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '%'):
			i++
			b.WriteByte(s[i])
		case s[i] == ' ':
			flush()
		default:
			b.WriteByte(s[i])
		}
	}
	flush()
	return out
}

// decodedCode marks command i as running code that a decoder produced on
// the line (echo … | base64 -d | sh): obfuscation whatever the code does,
// since the line was written so that a reader would not see it.
func (a *analyzer) decodedCode(i int) {
	if i >= 0 && i < len(a.cmds) {
		a.cmds[i].CodeObfuscated = append(a.cmds[i].CodeObfuscated, "code decoded on the line")
	}
}

// projectRelative reports a relative path that stays below the directory
// it is relative to (no leading /, ~ or $, no .. component).
func projectRelative(p string) bool {
	if p == "" || p[0] == '/' || p[0] == '~' || strings.ContainsAny(p, "$`") {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return false
		}
	}
	return true
}

// shellSetup are programs whose output is shell code setting up their own
// environment, made to be eval'ed (eval "$(ssh-agent -s)", eval "$(pyenv
// init -)"), with the subcommand or option that prints it.
var shellSetup = map[string][]string{
	"ssh-agent": {"-s", "-c", ""}, "direnv": {"export", "hook"}, "pyenv": {"init", "virtualenv-init"},
	"rbenv": {"init"}, "nodenv": {"init"}, "goenv": {"init"}, "jenv": {"init"}, "plenv": {"init"},
	"brew": {"shellenv"}, "opam": {"env"}, "zoxide": {"init"}, "starship": {"init"}, "fnm": {"env"},
	"mise": {"activate", "env"}, "rtx": {"activate", "env"}, "dircolors": {"-b", ""}, "keychain": {"--eval"},
	"luarocks": {"path"}, "thefuck": {"--alias"}, "conda": {"shell.bash", "shell.zsh"}, "micromamba": {"shell"},
}

// setupEval reports eval's one argument being "$(PROG SETUP…)" of a
// shellSetup program with static words.
func setupEval(w word) bool {
	if w.node == nil || len(w.node.Parts) != 1 {
		return false
	}
	part := w.node.Parts[0]
	if dq, ok := part.(*syntax.DblQuoted); ok {
		if len(dq.Parts) != 1 {
			return false
		}
		part = dq.Parts[0]
	}
	cs, ok := part.(*syntax.CmdSubst)
	if !ok || len(cs.Stmts) != 1 {
		return false
	}
	call, ok := cs.Stmts[0].Cmd.(*syntax.CallExpr)
	if !ok || len(call.Args) == 0 || len(call.Assigns) > 0 || len(cs.Stmts[0].Redirs) > 0 {
		return false
	}
	var words []string
	for _, a := range call.Args {
		lit := a.Lit()
		if lit == "" {
			return false
		}
		words = append(words, lit)
	}
	subs, ok := shellSetup[words[0]]
	if !ok {
		return false
	}
	for _, s := range subs {
		if s == "" && len(words) == 1 {
			return true
		}
		for _, x := range words[1:] {
			if x == s {
				return true
			}
		}
	}
	return false
}

// positionalRef matches the positional parameters of a script: "$@", "$*",
// "$N", "${N}" quoted or not (N a digit), not after a backslash.
var positionalRef = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(^|[^\\])("\$[@*]"|"\$\{?[0-9]\}?"|\$[@*]|\$\{?[0-9]\}?)`)
})

// withPositional returns script with its positional parameters replaced
// by args (args[0] is $0), as sh -c gives them, when every arg is static;
// script unchanged otherwise. A plain word is put in as written (its tilde
// was expanded by the outer shell, so it stays expandable), any other
// single-quoted.
func withPositional(script string, args []word) string {
	vals := make([]string, len(args))
	for i, w := range args {
		if !w.static {
			return script
		}
		vals[i] = positionalWord(w.val)
	}
	return positionalRef().ReplaceAllStringFunc(script, func(m string) string {
		lead := ""
		if m != "" && m[0] != '$' && m[0] != '"' {
			lead, m = m[:1], m[1:]
		}
		ref := strings.Trim(m, `"${}`)
		switch ref {
		case "@", "*":
			if len(vals) < 2 {
				return lead + "''"
			}
			return lead + strings.Join(vals[1:], " ")
		}
		n := int(ref[0] - '0')
		if n < len(vals) {
			return lead + vals[n]
		}
		return lead + "''"
	})
}

var plainWord = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_./~+@%:,=-]+$`) })

func positionalWord(v string) string {
	if plainWord().MatchString(v) {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// appendsArgs reports a wrapper that adds arguments at run time (xargs,
// parallel, find -exec … {} +).
func appendsArgs(via []string) bool {
	for _, v := range via {
		if v == "xargs" || v == "parallel" || strings.HasPrefix(v, "find -exec") || strings.HasPrefix(v, "fd -x") {
			return true
		}
	}
	return false
}

// parallelOpts are GNU parallel's options that take a value.
var parallelValue = map[string]bool{"-j": true, "-P": true, "--jobs": true, "-S": true, "--sshlogin": true,
	"--joblog": true, "--results": true, "--res": true, "-a": true, "--arg-file": true, "--colsep": true,
	"-C": true, "-d": true, "--delimiter": true, "-I": true, "--tmpdir": true, "--timeout": true,
	"--retries": true, "--delay": true, "--memfree": true, "--load": true, "-n": true, "--max-args": true,
	"-L": true, "-l": true, "-N": true, "-s": true, "--max-chars": true, "-E": true, "--eof": true,
	"--workdir": true, "--wd": true, "--basefile": true, "--bf": true, "--return": true, "--env": true,
	"--tag-string": true, "--tagstring": true, "--halt": true, "--sshloginfile": true, "--slf": true}

// parallel handles GNU parallel. With a command, it runs that command once
// per argument (after :::, or read from standard input), through a shell,
// with {} replaced by the argument or the argument appended. Without one,
// each argument or input line is itself a command line: `curl … | parallel`
// runs what it fetched, as `curl … | sh` does.
func (a *analyzer) parallel(ws []word, via []string, redirs []Redirect, sc scope) {
	i := 1
	for i < len(ws) {
		v := ws[i].val
		if !ws[i].static || !strings.HasPrefix(v, "-") || v == "-" {
			break
		}
		if v == "--" {
			i++
			break
		}
		if parallelValue[v] {
			i++
		}
		i++
	}
	sep := len(ws)
	for j := i; j < len(ws); j++ {
		if v := ws[j].val; ws[j].static && (v == ":::" || v == "::::" || v == ":::+" || v == "::::+") {
			sep = j
			break
		}
	}
	via = appendVia(via, "parallel")
	var args []string
	for j := sep + 1; j < len(ws) && len(args) < 16; j++ {
		if v := ws[j].val; !strings.HasPrefix(v, ":::") {
			args = append(args, v)
		}
	}
	if i >= sep {
		// No command: the arguments or the input lines are the commands.
		if sep < len(ws) {
			for j := sep + 1; j < len(ws); j++ {
				if !ws[j].static {
					a.emit(ws, via, redirs, sc, OpaqueDynamicScript, true)
					continue
				}
				if !strings.HasPrefix(ws[j].val, ":::") && !a.nested(ws[j].val, via, redirs, sc, input{}, false) {
					a.emit(ws, via, redirs, sc, OpaqueInvalidScript, false)
				}
			}
			return
		}
		a.shell("sh", []word{{val: "sh", static: true}}, via, redirs, sc)
		return
	}
	if sep == len(ws) && sc.stdin.fed && sc.stdin.static {
		args = strings.Fields(sc.stdin.script)
		if len(args) > 16 {
			args = args[:16]
		}
	}
	var parts []string
	for _, w := range ws[i:sep] {
		parts = append(parts, w.val)
	}
	tmpl := strings.Join(parts, " ")
	if len(args) == 0 {
		args = []string{""}
	}
	inner := sc
	inner.stdin = input{}
	for _, arg := range args {
		line := tmpl
		if strings.Contains(tmpl, "{}") {
			line = strings.ReplaceAll(tmpl, "{}", arg)
		} else if arg != "" {
			line = tmpl + " " + arg
		}
		if a.err != nil || !a.nested(line, via, redirs, inner, input{}, false) {
			if a.err == nil {
				a.emit(ws, via, redirs, sc, OpaqueInvalidScript, false)
			}
			return
		}
	}
}

// su runs -c's command (--command, --session-command) as the target user,
// root by default, through that user's shell: the command is analysed
// like sudo's, after su itself is reported.
func (a *analyzer) su(ws []word, via []string, redirs []Redirect, sc scope) {
	a.emit(ws, via, redirs, sc, "", false)
	for i := 1; i < len(ws); i++ {
		w := ws[i]
		if !w.static {
			return
		}
		v := w.val
		var text string
		switch {
		case v == "-c" || v == "--command" || v == "--session-command":
			if i+1 >= len(ws) {
				return
			}
			if !ws[i+1].static {
				a.cmds[len(a.cmds)-1].Opaque = OpaqueDynamicScript
				return
			}
			text = ws[i+1].val
		case strings.HasPrefix(v, "--command=") || strings.HasPrefix(v, "--session-command="):
			_, text, _ = strings.Cut(v, "=")
		case len(v) > 2 && v[0] == '-' && v[1] != '-' && strings.HasSuffix(v, "c") && !strings.ContainsAny(v[1:len(v)-1], "cgGsw"):
			// -lc CMD, -mc CMD: flags ending in c.
			if i+1 >= len(ws) || !ws[i+1].static {
				return
			}
			text = ws[i+1].val
		default:
			continue
		}
		self := len(a.cmds) - 1
		if !a.nested(text, appendVia(via, "su"), redirs, sc, sc.stdin, false) && self < len(a.cmds) {
			a.cmds[self].Opaque = OpaqueInvalidScript
		}
		return
	}
}
