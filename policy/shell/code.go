package shell

import "strings"

// Interpreter code (python -c, node -e, perl -e, ruby -e, a heredoc fed to
// an interpreter) is not parsed: the analysis records it in Command.Code,
// keeps the command Opaque, and scans it for the obvious. A call from the
// table below whose first argument is a string literal adds a fact to the
// interpreter's command; a call that runs a shell command with a literal
// (os.system("rm -rf x"), execSync('…'), subprocess.run(["rm", "x"]))
// is analysed as a nested command line. URLs written in the code are
// recorded. Code that builds names at run time defeats the scan; that is
// why the command stays Opaque.

// codeCall is a function whose first string argument the scan reads.
type codeCall struct {
	name string
	kind byte // 'r' read, 'w' write, 'd' delete, 'x' run a shell command, 'o' open (read, or write by mode)
}

var codeCalls = []codeCall{
	{"os.remove", 'd'}, {"unlink", 'd'}, {"rmtree", 'd'}, {"rmdir", 'd'}, {"removedirs", 'd'},
	{"remove_tree", 'd'}, {"rmSync", 'd'}, {"rmdirSync", 'd'}, {"unlinkSync", 'd'}, {"fs.rm", 'd'},
	{"rimraf", 'd'}, {"rm_rf", 'd'}, {"rm_r", 'd'}, {"FileUtils.rm", 'd'}, {"remove_dir", 'd'},
	{"File.delete", 'd'}, {"remove_entry", 'd'},
	{"open", 'o'}, {"readFileSync", 'r'}, {"readFile", 'r'}, {"File.read", 'r'}, {"IO.read", 'r'},
	{"File.readlines", 'r'}, {"createReadStream", 'r'},
	{"writeFileSync", 'w'}, {"writeFile", 'w'}, {"appendFileSync", 'w'}, {"appendFile", 'w'},
	{"File.write", 'w'}, {"createWriteStream", 'w'},
	{"system", 'x'}, {"popen", 'x'}, {"subprocess.run", 'x'}, {"subprocess.call", 'x'},
	{"subprocess.check_call", 'x'}, {"subprocess.check_output", 'x'}, {"subprocess.Popen", 'x'},
	{"execSync", 'x'}, {"exec", 'x'}, {"spawnSync", 'x'}, {"spawn", 'x'}, {"execFileSync", 'x'},
	{"execFile", 'x'}, {"execa", 'x'},
}

// code records code as the Code of command idx and scans it.
func (a *analyzer) code(idx int, code string, via []string, redirs []Redirect, sc scope) {
	a.cmds[idx].Code = code
	if a.readCode(idx, code, a.cmds[idx].Opaque == OpaqueStdin, via, redirs, sc) {
		return
	}
	f := factBuilder{c: &a.cmds[idx]}
	scanURLs(&f, code)
	var scripts []string
	var argvs [][]string
	for _, cc := range codeCalls {
		for off := 0; off < len(code); {
			i := strings.Index(code[off:], cc.name)
			if i < 0 {
				break
			}
			i += off
			off = i + len(cc.name)
			if i > 0 && isIdent(code[i-1]) {
				continue
			}
			args, ok := callArgs(code[off:])
			if !ok {
				continue
			}
			switch cc.kind {
			case 'r':
				f.read(args[0])
			case 'w':
				f.write(args[0])
			case 'd':
				f.delete(args[0])
			case 'o':
				if len(args) > 1 && strings.ContainsAny(args[1], "wax+") {
					f.write(args[0])
				} else {
					f.read(args[0])
				}
			case 'x':
				if len(args) > 1 && args[len(args)-1] == "\x00list" {
					argvs = append(argvs, args[:len(args)-1])
				} else {
					scripts = append(scripts, args[0])
				}
			}
		}
	}
	// Nested analysis appends to a.cmds, so it runs after the facts above.
	for _, s := range scripts {
		if a.err != nil {
			return
		}
		a.nested(s, via, redirs, sc, input{}, false)
	}
	for _, argv := range argvs {
		if a.err != nil || !a.deeper(sc) {
			return
		}
		ws := make([]word, len(argv))
		for i, s := range argv {
			ws[i] = word{val: s, static: true}
		}
		inner := sc
		inner.depth++
		inner.stdin = input{}
		dir := a.dir
		a.resolve(ws, via, redirs, inner)
		a.dir = dir
	}
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// callArgs reads the literal arguments of a call starting at s: `("a",
// 'w')`, ` "a"` (perl and ruby without parentheses) or `(["rm", "x"])`. A
// list argument comes back as its elements followed by "\x00list". ok is
// false when the first argument is not a literal.
func callArgs(s string) (args []string, ok bool) {
	s = strings.TrimLeft(s, " \t")
	paren := strings.HasPrefix(s, "(")
	if paren {
		s = strings.TrimLeft(s[1:], " \t")
	} else if len(s) == 0 || (s[0] != '"' && s[0] != '\'') {
		return nil, false
	}
	if strings.HasPrefix(s, "[") {
		s = s[1:]
		for {
			s = strings.TrimLeft(s, " \t\n")
			lit, rest, ok := strLiteral(s)
			if !ok {
				break
			}
			args = append(args, lit)
			s = strings.TrimLeft(rest, " \t\n")
			if !strings.HasPrefix(s, ",") {
				break
			}
			s = s[1:]
		}
		if len(args) == 0 {
			return nil, false
		}
		return append(args, "\x00list"), true
	}
	lit, rest, ok := strLiteral(s)
	if !ok {
		return nil, false
	}
	args = append(args, lit)
	rest = strings.TrimLeft(rest, " \t")
	if strings.HasPrefix(rest, ",") {
		rest = strings.TrimLeft(rest[1:], " \t")
		if strings.HasPrefix(rest, "[") {
			// spawn("rm", ["-rf", "x"])
			more, ok := callArgs("(" + rest)
			if ok && len(more) > 1 && more[len(more)-1] == "\x00list" {
				return append(args, more...), true
			}
		} else if lit, _, ok := strLiteral(rest); ok {
			args = append(args, lit)
		}
	}
	return args, true
}

// strLiteral reads a string literal at the start of s: '…', "…" or `…`
// (without ${}), optionally with a python r or b prefix. Escapes are kept
// except \" \' \\. An f-string or template with substitutions is not a
// literal.
func strLiteral(s string) (lit, rest string, ok bool) {
	if len(s) > 1 && (s[0] == 'r' || s[0] == 'b') && (s[1] == '"' || s[1] == '\'') {
		s = s[1:]
	}
	if len(s) == 0 {
		return "", s, false
	}
	q := s[0]
	if q != '"' && q != '\'' && q != '`' {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case '"', '\'', '\\', '`':
				b.WriteByte(s[i])
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
		case c == q:
			return b.String(), s[i+1:], true
		case q == '`' && c == '$' && i+1 < len(s) && s[i+1] == '{':
			return "", s, false
		default:
			b.WriteByte(c)
		}
	}
	return "", s, false
}

// scanURLs records every http(s), ftp and websocket URL written in code.
func scanURLs(f *factBuilder, code string) {
	for off := 0; off < len(code); {
		i := strings.Index(code[off:], "://")
		if i < 0 {
			return
		}
		i += off
		off = i + 3
		start := i
		for start > 0 && isIdent(code[start-1]) {
			start--
		}
		switch code[start:i] {
		case "http", "https", "ftp", "ws", "wss":
		default:
			continue
		}
		end := off
		for end < len(code) && !strings.ContainsRune(" \t\n\"'`)<>;,{}|\\", rune(code[end])) {
			end++
		}
		if end > off {
			f.url(code[start:end])
		}
		off = end
	}
}
