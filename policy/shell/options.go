package shell

import (
	"regexp"
	"strings"
	"sync"
)

var (
	tclFile      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bfile\s+(delete|rename|copy)\s+([^;\n\]]*)`) })
	tclNormalize = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\[\s*file\s+normalize\s+([^\]\s]+)\s*\]`) })
)

// Options whose value is a command the program runs: tar --to-command,
// -I/--use-compress-program and --checkpoint-action=exec=, zip -TT,
// rsync -e, ssh -o ProxyCommand= and LocalCommand=, less +!, man -P,
// script -c, vim's -c/--cmd/+ ex commands that start with !, and git grep
// -O (see git). The value is analysed as the command line it is, through
// a via label ending in "=" like a setting's, so that its own facts decide
// and a program it names from outside the project is one of Loads; a
// value that is not a command line is an opaque setting.

// optionCommands analyses the commands ws's options make the program run.
func (a *analyzer) optionCommands(name string, ws []word, via []string, redirs []Redirect, sc scope) {
	run := func(label string, w word) {
		if len(a.cmds) >= 1024 || a.err != nil {
			return
		}
		if !w.static {
			a.opaqueSetting(label+w.val, via, redirs)
			return
		}
		inner := sc
		if strings.HasSuffix(label, "--to-command=") || strings.HasSuffix(label, "--use-compress-program=") || strings.HasSuffix(label, " -I=") {
			// The program reads the archive's data on its input: a shell
			// given as one runs what the archive holds.
			a.fedValue(label, w.val, via, redirs, inner)
			return
		}
		a.commandValue(label, w.val, via, redirs, inner)
	}
	// value returns the value of option opt at ws[i] (--opt=v, --opt v;
	// -Xv, -X v for a short opt), and how many words it took.
	value := func(i int, opt string) (word, int) {
		v := ws[i].val
		long := strings.HasPrefix(opt, "--")
		switch {
		case v == opt:
			if i+1 < len(ws) {
				return ws[i+1], 2
			}
		case long && strings.HasPrefix(v, opt+"="):
			return word{val: v[len(opt)+1:], static: ws[i].static}, 1
		case !long && strings.HasPrefix(v, opt) && len(v) > len(opt):
			return word{val: v[len(opt):], static: ws[i].static}, 1
		}
		return word{}, 0
	}
	if (name == "sqlite3" || name == "sqlite") && sc.stdin.static && sc.stdin.fed {
		// The statements and dot-commands it reads from a heredoc.
		for _, cmd := range clientEscapes(sc.stdin.script, ".shell ", ".system ") {
			run(name+" .shell=", word{val: cmd, static: true})
		}
		for _, cmd := range sqliteDots(sc.stdin.script) {
			run(name+" dot-command=", word{val: cmd, static: true})
		}
	}
	for i := 1; i < len(ws) && a.err == nil; i++ {
		v := ws[i].val
		if v == "--" {
			return
		}
		switch name {
		case "tar", "gtar", "bsdtar":
			for _, opt := range []string{"--to-command", "--use-compress-program", "--info-script", "--new-volume-script", "--rsh-command", "-I"} {
				if opt == "-I" && name == "bsdtar" {
					continue // bsdtar's -I is --files-from
				}
				if w, n := value(i, opt); n > 0 {
					run(name+" "+opt+"=", w)
					i += n - 1
					break
				}
			}
			if act, ok := strings.CutPrefix(v, "--checkpoint-action="); ok {
				if cmd, ok := strings.CutPrefix(act, "exec="); ok {
					run(name+" --checkpoint-action=exec=", word{val: cmd, static: ws[i].static})
				}
			}
		case "zip":
			for _, opt := range []string{"-TT", "--unzip-command"} {
				if w, n := value(i, opt); n > 0 && (opt != "-TT" || v == "-TT") {
					run("zip "+opt+"=", w)
					i += n - 1
					break
				}
			}
		case "rsync":
			for _, opt := range []string{"--rsh", "-e"} {
				if w, n := value(i, opt); n > 0 {
					run("rsync "+opt+"=", w)
					i += n - 1
					break
				}
			}
		case "ssh", "scp", "sftp":
			if w, n := value(i, "-o"); n > 0 {
				key, val, ok := strings.Cut(w.val, "=")
				if !ok {
					key, val, ok = strings.Cut(w.val, " ")
				}
				switch k := strings.ToLower(strings.TrimSpace(key)); {
				case ok && (k == "proxycommand" || k == "localcommand" || k == "knownhostscommand"):
					val = strings.TrimSpace(val)
					if strings.ToLower(val) != "none" {
						run(name+" -o "+key+"=", word{val: strings.TrimPrefix(val, "exec "), static: w.static})
					}
				}
				i += n - 1
			}
		case "less", "more", "most":
			if c, ok := strings.CutPrefix(strings.TrimLeft(v, "+"), "!"); ok && strings.HasPrefix(v, "+") {
				run(name+" +!=", word{val: c, static: ws[i].static})
			}
		case "man":
			for _, opt := range []string{"--pager", "-P", "--html", "-H"} {
				// --html and -H take a browser only when it is attached.
				if w, n := value(i, opt); n > 0 && !((opt == "-H" || opt == "--html") && n == 2) {
					run("man "+opt+"=", w)
					i += n - 1
					break
				}
			}
		case "script":
			switch {
			case v == "--command" || (len(v) > 1 && v[0] == '-' && v[1] != '-' && strings.HasSuffix(v, "c")):
				if i+1 < len(ws) {
					run("script -c=", ws[i+1])
					i++
				}
			case strings.HasPrefix(v, "--command="):
				run("script -c=", word{val: v[len("--command="):], static: ws[i].static})
			}
		case "gem", "bundle":
			// gem open -e/--editor CMD, bundle open: the editor is a command.
			for _, opt := range []string{"-e", "--editor"} {
				if w, n := value(i, opt); n > 0 && len(ws) > 1 && ws[1].val == "open" {
					run(name+" open "+opt+"=", w)
					i += n - 1
					break
				}
			}
		case "cmake":
			// cmake -P SCRIPT from standard input runs the script's commands.
			if (v == "-P") && i+1 < len(ws) && (ws[i+1].val == "/dev/stdin" || ws[i+1].val == "-") && sc.stdin.static && !*sc.stdin.read {
				*sc.stdin.read = true
				a.buildText("cmake", sc.stdin.script, appendVia(via, "cmake -P"), sc)
			}
		case "sqlite3", "sqlite":
			// .shell CMD and .system CMD run CMD, in an SQL argument or
			// in -cmd's value.
			w := ws[i]
			if v == "-cmd" && i+1 < len(ws) {
				w = ws[i+1]
				i++
			}
			for _, cmd := range clientEscapes(w.val, ".shell ", ".system ") {
				run(name+" .shell=", word{val: cmd, static: w.static})
			}
			for _, cmd := range sqliteDots(w.val) {
				run(name+" dot-command=", word{val: cmd, static: w.static})
			}

		case "psql":
			if w, n := value(i, "-c"); n > 0 {
				for _, cmd := range clientEscapes(w.val, `\!`) {
					run("psql \\!=", word{val: cmd, static: w.static})
				}
				i += n - 1
			} else if w, n := value(i, "--command"); n > 0 {
				for _, cmd := range clientEscapes(w.val, `\!`) {
					run("psql \\!=", word{val: cmd, static: w.static})
				}
				i += n - 1
			}
		case "mysql", "mariadb":
			for _, opt := range []string{"-e", "--execute"} {
				if w, n := value(i, opt); n > 0 {
					for _, cmd := range clientEscapes(w.val, "system ", `\!`) {
						run(name+" system=", word{val: cmd, static: w.static})
					}
					i += n - 1
					break
				}
			}
		case "gdb", "gdb-multiarch", "cgdb":
			for _, opt := range []string{"-ex", "--ex", "-iex", "--iex", "-eval-command", "--eval-command", "-init-eval-command", "--init-eval-command"} {
				if w, n := value(i, opt); n > 0 && (n == 2 || strings.HasPrefix(v, opt+"=")) {
					for _, cmd := range clientEscapes(w.val, "shell ", "!", "pipe ") {
						run(name+" shell=", word{val: cmd, static: w.static})
					}
					i += n - 1
					break
				}
			}
		case "vim", "nvim", "vi", "view", "ex", "gvim", "vimdiff":
			var cmd word
			switch {
			case (v == "-c" || v == "--cmd") && i+1 < len(ws):
				cmd = ws[i+1]
				i++
			case strings.HasPrefix(v, "+") && len(v) > 1:
				cmd = word{val: v[1:], static: ws[i].static}
			default:
				continue
			}
			a.exCommand(name, cmd, run, via, redirs)
		}
	}
}

// exCommand analyses a vim ex command given on the command line: `:!cmd`,
// `:r !cmd` and `:w !cmd` run a shell command; system(), :terminal and the
// embedded interpreters run code that is an opaque setting here.
func (a *analyzer) exCommand(name string, cmd word, run func(string, word), via []string, redirs []Redirect) {
	c := strings.TrimSpace(strings.TrimLeft(cmd.val, ": "))
	for _, p := range []string{"silent!", "silent"} {
		c = strings.TrimSpace(strings.TrimPrefix(c, p))
	}
	switch {
	case strings.HasPrefix(c, "!"):
		run(name+" -c :!=", word{val: c[1:], static: cmd.static})
		return
	case strings.HasPrefix(c, "r !") || strings.HasPrefix(c, "read !") || strings.HasPrefix(c, "w !") || strings.HasPrefix(c, "write !"):
		_, rest, _ := strings.Cut(c, "!")
		run(name+" -c :!=", word{val: rest, static: cmd.static})
		return
	}
	lc := strings.ToLower(c)
	for _, k := range []string{"system(", "systemlist(", "term", "py", "lua", "perl", "ruby", "call job", "jobstart("} {
		if strings.Contains(lc, k) && (k != "term" && k != "py" && k != "lua" && k != "perl" && k != "ruby" || strings.HasPrefix(lc, k)) {
			a.opaqueSetting(name+" -c "+cmd.val, via, redirs)
			return
		}
	}
}

// psVerbs maps the PowerShell cmdlets and aliases whose effect the shell
// analysis knows to the commands with that effect.
var psVerbs = map[string]string{
	"remove-item": "rm -rf", "ri": "rm -rf", "rm": "rm -rf", "del": "rm -rf", "erase": "rm -rf", "rd": "rm -rf", "rmdir": "rm -rf",
	"invoke-webrequest": "curl", "iwr": "curl", "invoke-restmethod": "curl", "irm": "curl", "curl": "curl", "wget": "curl",
	"invoke-expression": "sh", "iex": "sh",
}

// powershell analyses PowerShell code given with -c/-Command by
// translating its statements to the commands with the same effect
// (Remove-Item → rm -rf, Invoke-WebRequest → curl, iex → sh); other
// cmdlets are kept as they are, as commands nothing knows.
func (a *analyzer) powershell(ws []word, via []string, redirs []Redirect, sc scope) {
	ci := len(a.cmds)
	a.emit(ws, via, redirs, sc, "", false)
	code := ""
	for i := 1; i < len(ws); i++ {
		v := strings.ToLower(ws[i].val)
		if psEncoded(v) {
			// -EncodedCommand (-e, -ec, -enc…): base64 of the script, which
			// only hides what it runs.
			if ci < len(a.cmds) {
				a.cmds[ci].CodeObfuscated = append(a.cmds[ci].CodeObfuscated, "a base64-encoded PowerShell command")
			}
			return
		}
		if psCommand(v) || v == "/c" {
			if s, ok := joinStatic(ws[i+1:]); ok {
				code = s
			} else {
				// "… $true": the outer shell's expansions are kept as
				// written; the cmdlets are still read.
				var parts []string
				for _, w := range ws[i+1:] {
					parts = append(parts, w.val)
				}
				code = strings.Join(parts, " ")
			}
			break
		}
	}
	if code == "" || !a.deeper(sc) {
		return
	}
	for _, env := range []string{"$env:HOME", "$env:USERPROFILE", "${env:HOME}", "${env:USERPROFILE}"} {
		code = strings.ReplaceAll(code, env, "$HOME")
	}
	var line strings.Builder
	for _, stmt := range strings.FieldsFunc(code, func(r rune) bool { return r == ';' || r == '\n' }) {
		if line.Len() > 0 {
			line.WriteString("; ")
		}
		if t, ok := psInvokeExpression(stmt); ok {
			if lit, ok := psLiteralIex(stmt); ok {
				t = psTranslate(lit) // iex 'Get-Date': the literal is the code
			}
			if t == "" {
				if ci < len(a.cmds) {
					a.cmds[ci].CodeObfuscated = append(a.cmds[ci].CodeObfuscated, "Invoke-Expression of a computed string")
				}
				continue
			}
			line.WriteString(t)
			continue
		}
		line.WriteString(psTranslate(stmt))
	}
	inner := sc
	inner.stdin = input{}
	a.nested(line.String(), appendVia(via, base(ws[0].val)+" -c"), redirs, inner, inner.stdin, false)
}

// psTranslate translates one PowerShell statement: each part of a
// pipeline whose cmdlet psVerbs knows becomes that command with the
// operands (-OutFile F of a web request becomes -o F); .NET's
// DownloadFile(url, file) becomes curl -o file url; Start-Process F, & F
// and .\F run F; other parts are kept as they are.
func psTranslate(stmt string) string {
	var line strings.Builder
	for k, part := range strings.Split(stmt, "|") {
		if k > 0 {
			line.WriteString(" | ")
		}
		low := strings.ToLower(part)
		if i := strings.Index(low, ".downloadfile("); i >= 0 {
			args := strings.Split(strings.TrimSuffix(strings.TrimSpace(part[i+len(".downloadfile("):]), ")"), ",")
			if len(args) == 2 {
				url, file := psUnquote(args[0]), psUnquote(args[1])
				line.WriteString("curl -so " + shellQuote(file) + " " + shellQuote(url))
				continue
			}
		}
		f := strings.Fields(part)
		if len(f) == 0 {
			continue
		}
		if f[0] == "&" || f[0] == "." && len(f) > 1 {
			f = f[1:]
		}
		head := strings.ToLower(f[0])
		if head == "start-process" || head == "saps" || head == "start" {
			for j := 1; j < len(f); j++ {
				if strings.HasPrefix(f[j], "-") {
					if lf := strings.ToLower(f[j]); lf == "-filepath" || lf == "-file" {
						continue
					}
					j++ // -ArgumentList x, -WorkingDirectory d…
					continue
				}
				line.WriteString(psRun(psUnquote(f[j])))
				break
			}
			continue
		}
		if strings.HasPrefix(f[0], ".\\") || strings.HasPrefix(f[0], "./") || strings.HasPrefix(f[0], "'.\\") {
			line.WriteString(psRun(psUnquote(f[0])))
			for _, arg := range f[1:] {
				line.WriteString(" " + arg)
			}
			continue
		}
		verb, known := psVerbs[head]
		if !known {
			line.WriteString(strings.Join(f, " "))
			continue
		}
		line.WriteString(verb)
		for j := 1; j < len(f); j++ {
			arg := f[j]
			if !strings.HasPrefix(arg, "-") {
				line.WriteString(" " + arg)
				continue
			}
			if verb == "curl" && j+1 < len(f) {
				switch lo := strings.ToLower(arg); {
				case len(lo) >= 3 && strings.HasPrefix("-outfile", lo):
					line.WriteString(" -o " + f[j+1])
					j++
				case lo == "-method" || lo == "-body" || lo == "-headers" || lo == "-contenttype" || lo == "-infile":
					j++
				}
			}
		}
	}
	return line.String()
}

// psRun is the shell spelling of running a file PowerShell names.
func psRun(f string) string {
	f = strings.ReplaceAll(f, "\\", "/")
	if !strings.Contains(f, "/") {
		f = "./" + f
	}
	return shellQuote(f)
}

// psUnquote strips the quotes of a PowerShell string literal.
func psUnquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// psLiteralIex returns X of `iex 'X'` / `Invoke-Expression "X"` (no
// variables in X).
func psLiteralIex(stmt string) (string, bool) {
	f := strings.Fields(stmt)
	if len(f) < 2 {
		return "", false
	}
	if h := strings.ToLower(f[0]); h != "iex" && h != "invoke-expression" {
		return "", false
	}
	rest := strings.TrimSpace(stmt[strings.Index(stmt, f[0])+len(f[0]):])
	lit := psUnquote(rest)
	if lit == rest || strings.ContainsAny(lit, "$`'\"") {
		return "", false
	}
	return lit, true
}

// psCommand reports whether a pwsh option is -Command (PowerShell takes
// any unambiguous prefix: -c, -co, -com…) or -CommandWithArgs (-cwa).
func psCommand(v string) bool {
	return len(v) >= 2 && strings.HasPrefix("-command", v) || v == "-commandwithargs" || v == "-cwa"
}

// psEncoded reports whether a pwsh option is -EncodedCommand (-e, -ec and
// the prefixes of -encodedcommand).
func psEncoded(v string) bool {
	if v == "-ec" || v == "/ec" || v == "-e" {
		return true
	}
	return len(v) >= 3 && strings.HasPrefix("-encodedcommand", v)
}

// psDownloads are what a PowerShell expression fetches code with.
var psDownloads = []string{"iwr", "irm", "invoke-webrequest", "invoke-restmethod", "downloadstring", "downloaddata",
	"downloadfile", "net.webclient", "system.net.webclient", "start-bitstransfer", "curl", "wget", "httpclient"}

// psInvokeExpression translates a statement that runs a string as code
// (iex X, Invoke-Expression X, X | iex): with a download in X, to
// "curl URL | sh"; with a literal X, to X translated; otherwise "" (the
// code is computed). ok is false for other statements.
func psInvokeExpression(stmt string) (string, bool) {
	low := strings.ToLower(stmt)
	f := strings.FieldsFunc(low, func(r rune) bool { return r == ' ' || r == '\t' || r == '(' || r == ')' || r == '|' || r == '&' })
	iex := false
	for _, w := range f {
		if w == "iex" || w == "invoke-expression" {
			iex = true
		}
	}
	if !iex {
		return "", false
	}
	download := false
	for _, w := range f {
		for _, d := range psDownloads {
			if w == d || strings.Contains(w, "."+d) || strings.HasPrefix(w, d+".") || strings.HasPrefix(w, d+"(") {
				download = true
			}
		}
	}
	if !download {
		return "", true
	}
	url := "\"$PS_URL\""
	if i := strings.Index(low, "http://"); i >= 0 || strings.Contains(low, "https://") {
		if j := strings.Index(low, "https://"); j >= 0 && (i < 0 || j < i) {
			i = j
		}
		end := strings.IndexAny(stmt[i:], " \t'\")|;")
		if end < 0 {
			end = len(stmt) - i
		}
		url = "'" + stmt[i:i+end] + "'"
	}
	return "curl -s " + url + " | sh", true
}

// tcl analyses Tcl code (expect -c, or a script on standard input) for
// the commands it runs with exec: `exec rm -rf $env(HOME)/.aws`.
func (a *analyzer) tcl(ws []word, via []string, redirs []Redirect, sc scope) {
	code := ""
	for i := 1; i < len(ws); i++ {
		if ws[i].val == "-c" && i+1 < len(ws) && ws[i+1].static {
			code = ws[i+1].val
			break
		}
	}
	fromStdin := false
	if code == "" && firstOperand(ws[1:]) == "" && sc.stdin.fed {
		if !sc.stdin.static {
			a.emit(ws, via, redirs, sc, OpaqueStdin, false)
			return
		}
		code, fromStdin = sc.stdin.script, true
	}
	a.emit(ws, via, redirs, sc, "", false)
	if code == "" || !a.deeper(sc) {
		return
	}
	if fromStdin {
		if *sc.stdin.read {
			return
		}
		*sc.stdin.read = true
	}
	inner := sc
	inner.stdin = input{}
	// file delete / file rename / file copy act on the files they name,
	// as rm -rf, mv and cp would ([file normalize X] is X).
	norm := tclNormalize().ReplaceAllString(code, "$1")
	for _, m := range tclFile().FindAllStringSubmatch(norm, 64) {
		args := strings.Fields(m[2])
		for len(args) > 0 && strings.HasPrefix(args[0], "-") {
			args = args[1:]
		}
		if len(args) == 0 {
			continue
		}
		cmd := map[string]string{"delete": "rm -rf", "rename": "mv", "copy": "cp -r"}[m[1]]
		a.nested(cmd+" "+strings.Join(args, " "), appendVia(via, base(ws[0].val)+" file "+m[1]), redirs, inner, inner.stdin, false)
	}
	// exec runs a command, and expect's spawn starts one.
	for _, kw := range []string{"exec ", "spawn "} {
		for off := 0; off < len(code) && len(a.cmds) < 1024; {
			i := strings.Index(code[off:], kw)
			if i < 0 {
				break
			}
			i += off
			off = i + len(kw)
			if i > 0 && !strings.ContainsRune(" \t\n[;{", rune(code[i-1])) {
				continue
			}
			end := strings.IndexAny(code[off:], "]\n;}")
			if end < 0 {
				end = len(code) - off
			}
			cmd := code[off : off+end]
			for {
				s := strings.Index(cmd, "$env(")
				if s < 0 {
					break
				}
				e := strings.IndexByte(cmd[s:], ')')
				if e < 0 {
					break
				}
				cmd = cmd[:s] + "$" + cmd[s+5:s+e] + cmd[s+e+1:]
			}
			a.nested(cmd, appendVia(via, base(ws[0].val)+" "+strings.TrimSpace(kw)), redirs, inner, inner.stdin, false)
		}
	}
}

// sqliteDots returns, as the shell commands with the same file effects,
// sqlite3's dot-commands that read or write files: .import and .read read
// a file (cat), .output, .once, .backup and .save write one (tee).
func sqliteDots(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(strings.TrimSpace(line))
		if len(f) < 2 || len(out) >= 16 {
			continue
		}
		arg := f[len(f)-1]
		switch f[0] {
		case ".import":
			arg = f[1]
			for _, x := range f[1:] {
				if !strings.HasPrefix(x, "-") {
					arg = x
					break
				}
			}
			out = append(out, "cat "+shellQuote(arg))
		case ".read":
			out = append(out, "cat "+shellQuote(f[1]))
		case ".output", ".once", ".backup", ".save":
			if arg != "stdout" && !strings.HasPrefix(arg, "-") {
				out = append(out, "tee "+shellQuote(arg))
			}
		}
	}
	return out
}

// shellQuote quotes s as one shell word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// clientEscapes returns the shell commands of a database client's or a
// debugger's command text: each line or statement that starts with one of
// the escape prefixes (sqlite3 .shell/.system, psql and mysql \!, mysql
// system, gdb shell and !) runs the rest of it as a shell command line.
func clientEscapes(text string, prefixes ...string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		// A statement starts the line or follows a semicolon; the escape
		// runs the rest of the line.
		for start := 0; start < len(line) && len(out) < 16; {
			stmt := strings.TrimLeft(line[start:], " \t")
			for _, p := range prefixes {
				if len(stmt) > len(p) && strings.EqualFold(stmt[:len(p)], p) {
					if cmd := strings.TrimSpace(stmt[len(p):]); cmd != "" {
						out = append(out, cmd)
					}
					stmt = ""
					break
				}
			}
			if stmt == "" {
				break
			}
			semi := strings.IndexByte(line[start:], ';')
			if semi < 0 {
				break
			}
			start += semi + 1
		}
	}
	return out
}

// fedValue analyses a setting's command line that reads data the line
// does not show on its standard input (tar --to-command=sh).
func (a *analyzer) fedValue(label, v string, via []string, redirs []Redirect, sc scope) {
	if strings.TrimSpace(v) == "" || !a.deeper(sc) {
		return
	}
	in := input{fed: true, pipe: true}
	if !a.nested(v, appendVia(via, label), redirs, sc, in, false) {
		a.opaqueSetting(strings.TrimSuffix(label, "=")+"="+v, via, redirs)
	}
}
