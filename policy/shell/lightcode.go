package shell

import (
	"regexp"
	"strings"
	"sync"
)

// Light analysis of the code R (Rscript -e, R -e), Julia (julia -e/-E,
// --eval) and Emacs Lisp (emacs --eval) run from their command line. These
// languages have no tokenizer in package inline; the analysis reads the
// calls whose effect is plain from a literal argument — deletes, reads,
// writes and shell commands — with the home directory's spellings
// (homedir(), path.expand("~"), Sys.getenv("HOME"), ENV["HOME"],
// (getenv "HOME"), (expand-file-name "~")) resolved to ~. A shell command
// is analysed as a nested command line. A call that runs code or a command
// it computes (system(paste(…)), eval(parse(…)), run(`$cmd`),
// (shell-command (concat …)), (eval (read …))) leaves the command opaque,
// as inline code the analysis cannot read; code that makes none of these
// calls is decided by what it does, as an unknown command is.

type lightLang int

const (
	langR lightLang = iota + 1
	langJulia
	langElisp
	langLua
	langElixir
	langGo
	langNashorn
)

// lightCodeLang returns the language of a command name that runs light code.
func lightCodeLang(name string) lightLang {
	switch {
	case name == "Rscript" || name == "R":
		return langR
	case versioned(name, "julia"):
		return langJulia
	case name == "emacs" || name == "emacsclient" || versioned(name, "emacs"):
		return langElisp
	case versioned(name, "lua") || name == "luajit":
		return langLua
	case name == "elixir" || name == "iex":
		return langElixir
	case name == "jrunscript" || name == "jjs":
		return langNashorn
	}
	return 0
}

var (
	lightHome = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`os\.Getenv\(\s*"HOME"\s*\)|System\.user_home!?\(\)|Path\.expand\(\s*"~"\s*\)|os\.getenv\(\s*["']HOME["']\s*\)|System\.get_env\(\s*"HOME"\s*\)|homedir\(\)|path\.expand\(\s*["']~["']\s*\)|normalizePath\(\s*["']~["']\s*\)|Sys\.getenv\(\s*["']HOME["']\s*\)|ENV\[\s*"HOME"\s*\]|\(\s*getenv\s+"HOME"\s*\)|\(\s*expand-file-name\s+"~/?"\s*\)`)
	})
	// lispCall rewrites the head of a Lisp form, (name arg…), as name(arg…
	// so that the call scan reads its first argument.
	lispCall = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\(\s*([a-zA-Z][a-zA-Z0-9-]*)\s+`) })
)

var lightCalls = map[lightLang][]codeCall{
	langR: {{"unlink", 'd'}, {"file.remove", 'd'}, {"system", 'x'}, {"system2", 'x'}, {"shell", 'x'},
		{"readLines", 'r'}, {"readRDS", 'r'}, {"read.csv", 'r'}, {"readChar", 'r'}, {"scan", 'r'}, {"file", 'o'}},
	langJulia: {{"rm", 'd'}, {"run", 'x'}, {"read", 'r'}, {"readlines", 'r'}, {"readline", 'r'},
		{"write", 'w'}, {"open", 'o'}, {"pipeline", 'x'}},
	langElisp: {{"delete-directory", 'd'}, {"delete-file", 'd'}, {"shell-command", 'x'},
		{"shell-command-to-string", 'x'}, {"async-shell-command", 'x'}, {"call-process-shell-command", 'x'},
		{"start-process-shell-command", 'x'}, {"insert-file-contents", 'r'}, {"find-file", 'r'},
		{"with-temp-file", 'w'}},
	langLua: {{"os.execute", 'x'}, {"io.popen", 'x'}, {"os.remove", 'd'}, {"io.open", 'o'}, {"io.lines", 'r'},
		{"dofile", 'r'}, {"loadfile", 'r'}},
	langElixir: {{"File.rm_rf!", 'd'}, {"File.rm_rf", 'd'}, {"File.rm!", 'd'}, {"File.rm", 'd'}, {"File.rmdir", 'd'},
		{"File.read!", 'r'}, {"File.read", 'r'}, {"File.stream!", 'r'}, {"File.write!", 'w'}, {"File.write", 'w'},
		{"System.shell", 'x'}, {":os.cmd", 'x'}},
	langNashorn: {{"exec", 'x'}, {"$EXEC", 'x'}, {"getRuntime().exec", 'x'}, {"readFully", 'r'}, {"Files.delete", 'd'}},
	langGo: {{"os.RemoveAll", 'd'}, {"os.Remove", 'd'}, {"os.ReadFile", 'r'}, {"ioutil.ReadFile", 'r'}, {"os.Open", 'r'},
		{"os.WriteFile", 'w'}, {"ioutil.WriteFile", 'w'}, {"os.Create", 'w'}, {"os.OpenFile", 'w'}, {"os.Symlink", 'w'},
		{"os.Rename", 'd'}, {"exec.Command", 'a'}, {"exec.CommandContext", 'a'}, {"syscall.Exec", 'a'}},
}

// lightComputed are the calls that run code or a command built at run time
// when their argument is not a literal.
var lightComputed = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\bloadstring\s*\(|\bload\s*\(|Code\.eval_string|Code\.eval_quoted|Code\.compile_string|System\.cmd\s*\(|Port\.open|:os\.cmd\s*\(\s*[^'"~]|\beval\s*\(\s*(parse|Meta\.parse|str2lang)|\beval\s*\(\s*read|\beval\(\s*\(read|\bMeta\.parse\b|\binclude_string\b|\bsource\s*\(\s*["']https?:|\bsource\s*\(\s*url\(|\binclude\s*\(\s*download\(`)
})

// lightRemote are calls that run code fetched from the network: source()
// of a URL, include(download(…)), a fetched body evaluated.
var lightRemote = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\bsource\s*\(\s*["']https?:|\bsource\s*\(\s*url\(|\bsource_url\s*\(|\binclude\s*\(\s*download\(|\beval\s*\(\s*(Meta\.)?parse\s*\(\s*(read\s*\()?(download|HTTP\.get|readLines\s*\(\s*url|url\()|\bdofile\s*\(\s*["']https?:|(load|loadstring)\s*\(\s*[a-z.]*(http|request|get)\b|Code\.eval_string\s*\(\s*(HTTPoison|Req|:httpc)|\b(HTTPoison|Req)\.get!?\(.*Code\.eval`)
})

// lightDecoded are calls that decode or rearrange a string: code built
// with them and then run hides what it runs.
var lightDecoded = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`string\.reverse|string\.char|:reverse\(|\breverse\s*\(|String\.reverse|Base\.decode(64|32|16)|base64[_.]?decode|rawToChar|intToUtf8|chartr\s*\(|utf8\.char|base64decode|from_base64|\bstrrev|rot13`)
})

// lightCode reads code of language lang run by command idx.
func (a *analyzer) lightCode(idx int, lang lightLang, code string, via []string, redirs []Redirect, sc scope) {
	c := &a.cmds[idx]
	c.Code = code
	src := lightHome().ReplaceAllString(code, `"~"`)
	src = lightJoin(src)
	if lang == langElisp {
		src = lispCall().ReplaceAllString(src, "$1(")
	}
	f := factBuilder{c: c}
	scanURLs(&f, code)
	var scripts []string
	unknown := lightComputed().MatchString(src)
	if lightRemote().MatchString(src) {
		c.CodeObfuscated = append(c.CodeObfuscated, "runs code it fetches from the network")
	}
	for _, cc := range lightCalls[lang] {
		for off := 0; off < len(src); {
			i := strings.Index(src[off:], cc.name)
			if i < 0 {
				break
			}
			i += off
			off = i + len(cc.name)
			if i > 0 && (isIdent(src[i-1]) || src[i-1] == '-' || src[i-1] == '.') {
				continue
			}
			if off < len(src) && (isIdent(src[off]) || src[off] == '-' || src[off] == '.') {
				continue
			}
			rest := strings.TrimLeft(src[off:], " \t")
			if !strings.HasPrefix(rest, "(") {
				continue
			}
			if cc.kind == 'a' {
				// exec.Command("sh", "-c", "…") or exec.Command("rm", "-rf", …):
				// the program and its words, all literals, or a command
				// computed at run time.
				argv, ok := literalArgs(rest, cc.name == "exec.CommandContext")
				switch {
				case !ok:
					unknown = true
				case len(argv) >= 3 && isShell(base(argv[0])) && argv[1] == "-c":
					scripts = append(scripts, argv[2])
				default:
					scripts = append(scripts, quoteWords(argv))
				}
				continue
			}
			args, ok := callArgs(rest)
			if !ok {
				if cc.kind == 'x' || cc.kind == 'd' {
					unknown = true // a command or a path computed at run time
				}
				continue
			}
			if cc.kind != 'x' && strings.Contains(args[0], "://") {
				continue // a URL, which scanURLs recorded
			}
			switch cc.kind {
			case 'r':
				f.read(args[0])
			case 'w':
				f.write(args[0])
			case 'd':
				f.delete(args[0])
			case 'o':
				if len(args) > 1 && strings.ContainsAny(args[1], "wa+") {
					f.write(args[0])
				} else {
					f.read(args[0])
				}
			case 'x':
				if strings.Contains(args[0], "$") && lang == langJulia {
					unknown = true
				}
				scripts = append(scripts, args[0])
			}
		}
	}
	c.CodeRead = !unknown
	if unknown && lightDecoded().MatchString(src) {
		c.CodeObfuscated = append(c.CodeObfuscated, "runs code or a command it decodes or rearranges first")
	}
	if unknown {
		c.Opaque = OpaqueInlineCode
		c.CodeUnknown = append(c.CodeUnknown, "runs code or a command computed at run time")
	}
	for _, s := range scripts {
		if a.err != nil {
			return
		}
		if !a.nested(s, via, redirs, sc, input{}, false) && idx < len(a.cmds) {
			a.cmds[idx].Opaque = OpaqueInlineCode
		}
	}
}

// lightInterp handles Rscript/R -e, julia -e/-E/--eval/--print and emacs
// --eval/-eval: the command is reported, and the code it runs read.
func (a *analyzer) lightInterp(lang lightLang, ws []word, via []string, redirs []Redirect, sc scope) {
	a.emit(ws, via, redirs, sc, "", false)
	idx := len(a.cmds) - 1
	label := base(ws[0].val)
	var codes []word
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		var opts []string
		switch lang {
		case langR:
			opts = []string{"-e"}
		case langJulia:
			opts = []string{"-e", "-E", "--eval", "--print"}
		case langElisp:
			opts = []string{"--eval", "-eval"}
		case langLua:
			opts = []string{"-e"}
		case langElixir, langNashorn:
			opts = []string{"-e", "--eval"}
		}
		for _, o := range opts {
			switch {
			case v == o && i+1 < len(ws):
				codes = append(codes, ws[i+1])
				i++
			case strings.HasPrefix(v, o+"=") && strings.HasPrefix(o, "--"):
				codes = append(codes, word{val: v[len(o)+1:], static: ws[i].static})
			default:
				continue
			}
			break
		}
		if v == "--" {
			break
		}
	}
	if len(codes) == 0 && sc.stdin.fed && idx < len(a.cmds) && a.cmds[idx].Opaque == "" {
		// curl … | Rscript -, elixir < x.exs: a program read from standard input.
		if op := firstOperand(ws[1:]); op == "" || op == "-" {
			a.cmds[idx].Opaque = OpaqueStdin
		}
	}
	for _, w := range codes {
		if a.err != nil || idx >= len(a.cmds) {
			return
		}
		if !w.static {
			a.cmds[idx].Opaque = OpaqueInlineCode
			continue
		}
		a.lightCode(idx, lang, w.val, appendVia(via, label+" -e"), redirs, sc)
	}
}

// hasOption reports whether option o appears among ws's words before "--".
func hasOption(ws []word, o string) bool {
	for _, w := range ws[1:] {
		if w.val == "--" {
			return false
		}
		if w.val == o {
			return true
		}
	}
	return false
}

// literalArgs reads a call's arguments when every one is a string literal
// (after a first context argument when skipFirst): ("sh", "-c", "…").
func literalArgs(s string, skipFirst bool) ([]string, bool) {
	s = strings.TrimLeft(s, " \t")
	if !strings.HasPrefix(s, "(") {
		return nil, false
	}
	s = s[1:]
	if skipFirst {
		i := strings.IndexByte(s, ',')
		if i < 0 {
			return nil, false
		}
		s = s[i+1:]
	}
	var out []string
	for len(out) < 64 {
		s = strings.TrimLeft(s, " \t\n")
		lit, rest, ok := strLiteral(s)
		if !ok {
			return nil, false
		}
		out = append(out, lit)
		rest = strings.TrimLeft(rest, " \t\n")
		switch {
		case strings.HasPrefix(rest, ")"):
			return out, true
		case strings.HasPrefix(rest, ","):
			s = rest[1:]
		default:
			return nil, false
		}
	}
	return nil, false
}

// quoteWords joins words into a shell command line that gives them back.
func quoteWords(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

// joinCall is a path join of literal parts: joinpath("~", ".kube"),
// file.path(…), Path.join(…), filepath.Join(…), Path.expand("~/x").
var joinCall = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b(?:joinpath|file\.path|Path\.join|filepath\.Join|path\.join|Path\.expand|normalizePath|path\.expand|expanduser)\(\s*("[^"$\\]*"(?:\s*,\s*"[^"$\\]*")*)\s*\)`)
})

// lightJoin rewrites path joins of literals as the one literal they make,
// so that the call scan reads the joined path.
func lightJoin(src string) string {
	if !strings.Contains(src, "(") {
		return src
	}
	return joinCall().ReplaceAllStringFunc(src, func(m string) string {
		parts := strings.Split(joinCall().FindStringSubmatch(m)[1], ",")
		var out []string
		for _, p := range parts {
			out = append(out, strings.Trim(strings.TrimSpace(p), `"`))
		}
		return `"` + strings.Join(out, "/") + `"`
	})
}
