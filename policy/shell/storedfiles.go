package shell

import (
	"path"
	"regexp"
	"strings"
	"sync"
)

// Build and test configuration that runs code when its tool uses it, read
// by storedText (stored.go) like the files there: justfile recipes,
// Taskfile cmds, tox.ini commands, //go:generate lines, a git hook (all of
// it), CMake's execute_process / add_custom_command / add_custom_target
// COMMANDs, build.rs's std::process::Command::new("…").arg(…) literals,
// Gradle's commandLine / Runtime.getRuntime().exec / "…".execute(),
// exec-maven-plugin's <executable> and <argument>s; the Python files
// (conftest.py, setup.py, noxfile.py), JavaScript (jest/vitest config and
// setup files) and Ruby (Rakefile) are code, analysed as python3 -c,
// node -e and ruby -e; .npmrc and pip.conf settings that change where
// packages come from, or the shell npm runs scripts with, are analysed as
// the npm config set / pip config set that would make them.

// buildFile says which kind of build configuration p is, "" for none.
func buildFile(p string) string {
	b := path.Base(p)
	dir := path.Base(path.Dir(p))
	switch {
	case b == "justfile" || b == "Justfile" || b == ".justfile" || strings.HasSuffix(b, ".just"):
		return "just"
	case contains(taskRuns, b):
		return "task"
	case b == "tox.ini":
		return "tox"
	case b == "conftest.py" || b == "setup.py" || b == "noxfile.py":
		return "python"
	case b == "build.rs":
		return "rust"
	case b == "CMakeLists.txt" || strings.HasSuffix(b, ".cmake"):
		return "cmake"
	case strings.HasSuffix(b, ".go") && len(b) > 3:
		return "gogen"
	case jsConfig(b):
		return "js"
	case b == "mix.exs" || strings.HasSuffix(b, ".exs"):
		return "elixir"
	case b == "Rakefile" || b == "rakefile" || b == "Rakefile.rb" || strings.HasSuffix(b, ".rake"):
		return "ruby"
	case strings.HasSuffix(b, ".gradle") || strings.HasSuffix(b, ".gradle.kts"):
		return "gradle" // build and settings scripts, and init scripts (--init-script, init.d/)
	case (b == "config.toml" || b == "config") && dir == ".cargo":
		return "cargo"
	case b == "pytest.ini" || b == ".pytest.ini" || b == "setup.cfg" || b == "pyproject.toml":
		return "pytest"
	case b == "pom.xml":
		return "pom"
	case b == ".npmrc":
		return "npmrc"
	case b == "pip.conf" || b == "pip.ini":
		return "pipconf"
	case dir == "hooks" && path.Base(path.Dir(path.Dir(p))) == ".git" && !strings.HasSuffix(b, ".sample"),
		dir == ".husky" && !strings.HasPrefix(b, ".") || dir == "_" && path.Base(path.Dir(path.Dir(p))) == ".husky":
		return "githook"
	}
	return ""
}

// jsConfig reports whether b is a JavaScript test tool's config or setup
// module.
func jsConfig(b string) bool {
	stem, ext, ok := strings.Cut(b, ".")
	if !ok {
		return false
	}
	switch ext {
	case "config.js", "config.cjs", "config.mjs", "config.ts", "config.mts", "config.cts",
		"setup.js", "setup.cjs", "setup.mjs", "setup.ts":
		return stem == "jest" || stem == "vitest"
	case "js", "ts", "cjs", "mjs":
		return stem == "setupTests" || stem == "jest-setup" || stem == "jest.setup"
	}
	return false
}

// buildText analyses the code in a build configuration file's text; it
// reports false for a kind it does not know.
func (a *analyzer) buildText(kind, text string, via []string, sc scope) bool {
	switch kind {
	case "just":
		for i, l := range justRecipes(text) {
			if i >= 4*maxStored {
				break
			}
			a.stored("justfile recipe=", l, via, sc)
		}
	case "task":
		for i, l := range taskCmds(text) {
			if i >= 4*maxStored {
				break
			}
			a.stored("Taskfile cmds=", l, via, sc)
		}
	case "tox":
		for i, l := range toxCommands(text) {
			if i >= 4*maxStored {
				break
			}
			a.stored("tox.ini commands=", l, via, sc)
		}
	case "cargo":
		a.storedArgvs(".cargo/config.toml=", cargoPrograms(text), via, sc)
	case "pytest":
		if argv := pytestIni(text); argv != nil {
			a.storedArgv("pytest configuration=", argv, via, sc)
		}
	case "elixir":
		a.storedArgv("Elixir script=", []string{"elixir", "-e", text}, via, sc)
	case "gogen":
		// Go code that go run or go test runs: its file, process and
		// network calls, as light code.
		if strings.Contains(text, "package ") && a.deeper(sc) {
			a.emit([]word{{val: "go", static: true}}, appendVia(via, "Go code="), nil, sc, "", false)
			a.lightCode(len(a.cmds)-1, langGo, text, appendVia(via, "Go code="), nil, sc)
		}
		n := 0
		for _, l := range strings.Split(text, "\n") {
			if c, ok := strings.CutPrefix(strings.TrimSpace(l), "//go:generate "); ok {
				if n++; n > 4*maxStored {
					break
				}
				a.stored("//go:generate=", c, via, sc)
			}
		}
	case "githook":
		a.stored("git hook=", text, via, sc)
	case "python":
		a.storedArgv("python code=", []string{"python3", "-c", text}, via, sc)
	case "js":
		a.storedArgv("JavaScript config=", []string{"node", "-e", text}, via, sc)
	case "ruby":
		a.storedArgv("Rakefile=", []string{"ruby", "-e", text}, via, sc)
	case "rust":
		a.storedArgvs("build.rs Command=", rustCommands(text), via, sc)
	case "cmake":
		a.storedArgvs("CMake COMMAND=", cmakeCommands(text), via, sc)
	case "gradle":
		lines, argvs := gradleCommands(text)
		for i, l := range lines {
			if i >= 4*maxStored {
				break
			}
			a.stored("gradle exec=", l, via, sc)
		}
		for i, argv := range argvs {
			if i >= 4*maxStored {
				break
			}
			a.storedArgv("gradle commandLine=", argv, via, sc)
		}
	case "pom":
		a.storedArgvs("exec-maven-plugin=", pomExecutables(text), via, sc)
	case "npmrc":
		for _, kv := range iniPairs(text) {
			k, v := strings.ToLower(kv[0]), kv[1]
			switch {
			case k == "registry" || strings.HasSuffix(k, ":registry"):
				a.storedArgv(".npmrc=", []string{"npm", "config", "set", "--location=project", k + "=" + v}, via, sc)
			case k == "script-shell" || k == "shell":
				a.storedArgv(".npmrc script-shell=", []string{v, "-c", "true"}, via, sc)
			case k == "node-options":
				a.storedArgv(".npmrc node-options=", []string{"env", "NODE_OPTIONS=" + v, "node"}, via, sc)
			}
		}
	case "pipconf":
		for _, kv := range iniPairs(text) {
			k := strings.ToLower(kv[0])
			if k == "index-url" || k == "extra-index-url" || k == "trusted-host" || k == "find-links" {
				for _, v := range strings.Fields(kv[1]) {
					if strings.HasPrefix(v, "https://pypi.org/") || strings.HasPrefix(v, "https://files.pythonhosted.org/") {
						continue // the public index
					}
					a.storedArgv("pip.conf=", []string{"pip", "config", "--site", "set", "global." + k, v}, via, sc)
				}
			}
		}
	default:
		return false
	}
	return true
}

// storedArgvs analyses stored commands given as their words, up to a
// bound.
func (a *analyzer) storedArgvs(label string, argvs [][]string, via []string, sc scope) {
	for i, argv := range argvs {
		if i >= 4*maxStored {
			break
		}
		a.storedArgv(label, argv, via, sc)
	}
}

// storedArgv analyses a stored command given as its words (a static
// program and arguments; a word holding $ is left to run time).
func (a *analyzer) storedArgv(label string, argv []string, via []string, sc scope) {
	if len(argv) == 0 || argv[0] == "" || len(argv) > 256 || !a.deeper(sc) {
		return
	}
	ws := make([]word, len(argv))
	for i, s := range argv {
		if len(s) > 1<<16 {
			return
		}
		code := i == 2 && (argv[1] == "-c" || argv[1] == "-e") && codeLang(argv[0]) != 0
		// A shell's script that names only $HOME is read as written: the
		// shell expands it to the home directory.
		script := i == 2 && argv[1] == "-c" && isShell(base(argv[0])) && onlyHomeVars(s)
		ws[i] = word{val: s, static: code || script || !strings.Contains(s, "$")}
	}
	inner := sc
	inner.stdin = input{}
	inner.depth++
	dir := a.dir
	a.resolve(ws, appendVia(via, label), nil, inner)
	a.dir = dir
}

// justVar is a just interpolation, {{name}} or {{ expr }}.
var justVar = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{\{\s*([A-Za-z_][A-Za-z0-9_]*)?[^}]*\}\}`) })

// justRecipes returns a justfile's recipe lines (the indented lines; just
// has nothing else indented), with its @ and - prefixes dropped and
// {{var}} a shell variable. A shebang recipe's body is read as shell too.
func justRecipes(text string) []string {
	var out []string
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines) && i < 1<<14; i++ {
		l := lines[i]
		if l == "" || (l[0] != ' ' && l[0] != '\t') {
			continue
		}
		for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
			i++
			l = l[:len(l)-1] + " " + strings.TrimLeft(lines[i], "\t ")
		}
		l = strings.TrimLeft(l, "\t @-")
		if strings.HasPrefix(l, "#") {
			continue
		}
		l = justVar().ReplaceAllStringFunc(l, func(m string) string {
			if s := justVar().FindStringSubmatch(m); s[1] != "" {
				return "$" + s[1]
			}
			return "$X"
		})
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// taskVar is a Taskfile template, {{.NAME}}.
var taskVar = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{\{\s*\.?([A-Za-z_][A-Za-z0-9_]*)?[^}]*\}\}`) })

// taskCmds returns a Taskfile's commands: the items of each cmds: list
// (a plain item or its cmd: key) and every cmd: value.
func taskCmds(text string) []string {
	var out []string
	in, indent := false, 0
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines) && i < 1<<14; i++ {
		l := strings.TrimRight(lines[i], "\r")
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		ind := len(l) - len(strings.TrimLeft(l, " \t"))
		if in && ind <= indent && !strings.HasPrefix(t, "- ") {
			in = false
		}
		if in && ind < indent {
			in = false
		}
		var v string
		switch {
		case t == "cmds:":
			in, indent = true, ind
			continue
		case strings.HasPrefix(t, "cmd:") || strings.HasPrefix(t, "- cmd:"):
			v = strings.TrimSpace(t[strings.Index(t, "cmd:")+4:])
		case in && strings.HasPrefix(t, "- "):
			v = strings.TrimSpace(t[2:])
			if strings.Contains(v, ":") && !strings.HasPrefix(v, "'") && !strings.HasPrefix(v, "\"") && !strings.HasPrefix(v, "|") && !strings.HasPrefix(v, ">") {
				k, _, _ := strings.Cut(v, ":")
				if !strings.ContainsAny(k, " \t/") {
					continue // - task: other, - defer: …
				}
			}
		default:
			continue
		}
		if v == "|" || v == ">" || v == "|-" || v == ">-" {
			// A block scalar: the lines indented below.
			var b []string
			for i+1 < len(lines) {
				n := lines[i+1]
				if strings.TrimSpace(n) != "" && len(n)-len(strings.TrimLeft(n, " \t")) <= ind {
					break
				}
				b = append(b, strings.TrimSpace(n))
				i++
			}
			sep := "\n"
			if v[0] == '>' {
				sep = " "
			}
			v = strings.Join(b, sep)
		}
		v = yamlScalar(v)
		v = taskVar().ReplaceAllStringFunc(v, func(m string) string {
			if s := taskVar().FindStringSubmatch(m); s[1] != "" {
				return "$" + s[1]
			}
			return "$X"
		})
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// yamlScalar unquotes a flow scalar.
func yamlScalar(v string) string {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'")
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return unquoteJSON(v[1 : len(v)-1])
	}
	return v
}

// toxSubst is a tox substitution: {posargs}, {envpython}, {env:X}…
var toxSubst = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\{[^{}\s]*\}`) })

// toxCommands returns tox.ini's commands, commands_pre and commands_post
// lines (the value and its indented continuation lines), its
// substitutions left to run time.
func toxCommands(text string) []string {
	var out []string
	in := false
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines) && i < 1<<14; i++ {
		l := strings.TrimRight(lines[i], "\r")
		t := strings.TrimSpace(l)
		if in && l != "" && (l[0] == ' ' || l[0] == '\t') {
			if t != "" && !strings.HasPrefix(t, "#") {
				out = append(out, toxLine(t))
			}
			continue
		}
		in = false
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "commands", "commands_pre", "commands_post", "allowlist_externals_cmd":
			in = true
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, toxLine(v))
			}
		}
	}
	return out
}

func toxLine(l string) string {
	l = strings.TrimPrefix(strings.TrimPrefix(l, "-"), "!")
	return toxSubst().ReplaceAllStringFunc(l, func(m string) string {
		switch m {
		case "{envpython}":
			return "python"
		case "{posargs}", "{}":
			return ""
		}
		return "$TOX"
	})
}

var (
	rustNew  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`Command::new\(\s*("(?:[^"\\]|\\.)*")\s*\)`) })
	rustArg  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\.\s*(arg|args)\(\s*`) })
	rustCall = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*\.\s*[A-Za-z_][A-Za-z0-9_]*\(`) })
	strLit   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')`) })
)

// rustCommands returns build.rs's std::process::Command::new("…") calls
// with their .arg("…") / .args([…]) literals, a computed argument a word
// only run time knows.
func rustCommands(text string) [][]string {
	var out [][]string
	for _, m := range rustNew().FindAllStringSubmatchIndex(text, 4*maxStored) {
		argv := []string{unquoteJSON(text[m[2]+1 : m[3]-1])}
		rest := text[m[1]:]
		for len(argv) < 256 {
			if am := rustArg().FindStringSubmatchIndex(rest); am != nil {
				many := rest[am[2]:am[3]] == "args"
				rest = rest[am[1]:]
				if many {
					rest = strings.TrimLeft(rest, " \t\n&")
					rest = strings.TrimPrefix(rest, "vec!")
					if !strings.HasPrefix(rest, "[") {
						argv = append(argv, "$ARGS")
						rest = skipCall(rest)
						continue
					}
					rest = rest[1:]
					for {
						lit := strLit().FindString(rest)
						if lit == "" {
							break
						}
						argv = append(argv, unquoteJSON(strings.TrimSpace(lit)[1:len(strings.TrimSpace(lit))-1]))
						rest = strings.TrimLeft(rest[len(lit):], " \t\n,")
					}
					rest = skipCall(rest)
					continue
				}
				if lit := strLit().FindString(rest); lit != "" {
					l := strings.TrimSpace(lit)
					argv = append(argv, unquoteJSON(l[1:len(l)-1]))
				} else {
					argv = append(argv, "$ARG")
				}
				rest = skipCall(rest)
				continue
			}
			if rustCall().MatchString(rest) {
				rest = skipCall(rest[strings.IndexByte(rest, '(')+1:])
				continue
			}
			break
		}
		out = append(out, argv)
	}
	return out
}

// skipCall returns what follows the ) closing a call whose ( came before s.
func skipCall(s string) string {
	depth := 1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return s[i+1:]
			}
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		}
	}
	return ""
}

var cmakeCall = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\b(execute_process|add_custom_command|add_custom_target)\s*\(`)
})

// cmakeKeywords end a COMMAND's words.
var cmakeKeywords = map[string]bool{
	"COMMAND": true, "WORKING_DIRECTORY": true, "OUTPUT": true, "OUTPUT_VARIABLE": true, "ERROR_VARIABLE": true,
	"RESULT_VARIABLE": true, "RESULTS_VARIABLE": true, "DEPENDS": true, "BYPRODUCTS": true, "COMMENT": true,
	"VERBATIM": true, "TIMEOUT": true, "INPUT_FILE": true, "OUTPUT_FILE": true, "ERROR_FILE": true, "ALL": true,
	"OUTPUT_QUIET": true, "ERROR_QUIET": true, "OUTPUT_STRIP_TRAILING_WHITESPACE": true, "ERROR_STRIP_TRAILING_WHITESPACE": true,
	"COMMAND_ECHO": true, "ENCODING": true, "ECHO_OUTPUT_VARIABLE": true, "ECHO_ERROR_VARIABLE": true,
	"COMMAND_ERROR_IS_FATAL": true, "MAIN_DEPENDENCY": true, "IMPLICIT_DEPENDS": true, "USES_TERMINAL": true,
	"COMMAND_EXPAND_LISTS": true, "DEPFILE": true, "JOB_POOL": true, "JOB_SERVER_AWARE": true, "SOURCES": true,
	"APPEND": true, "PRE_BUILD": true, "PRE_LINK": true, "POST_BUILD": true, "TARGET": true,
}

var cmakeRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\$(ENV)?\{([A-Za-z_][A-Za-z0-9_]*)\}`) })

// cmakeCommands returns the COMMAND word lists of CMake's execute_process,
// add_custom_command and add_custom_target calls; ${VAR} and $ENV{VAR} are
// variables run time knows.
func cmakeCommands(text string) [][]string {
	var out [][]string
	for _, m := range cmakeCall().FindAllStringIndex(text, 4*maxStored) {
		body := text[m[1]:]
		if end := len(body) - len(skipCall(body)); end > 0 && end <= len(body) {
			body = body[:end]
		}
		// add_custom_target(name [ALL] cmd …): a command without COMMAND.
		target := strings.EqualFold(text[m[0]:m[0]+len("add_custom")], "add_custom") &&
			strings.HasPrefix(strings.ToLower(text[m[0]:]), "add_custom_target")
		var cur []string
		flush := func() {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
		}
		inCmd := false
		words := cmakeWords(strings.TrimSuffix(body, ")"))
		for i, w := range words {
			switch {
			case i == 0 && target:
				inCmd = true
			case w == "ALL" && target && i == 1:
			case w == "COMMAND":
				flush()
				inCmd = true
			case cmakeKeywords[w]:
				flush()
				inCmd = false
			case inCmd:
				cur = append(cur, w)
			}
		}
		flush()
	}
	return out
}

// cmakeWords splits CMake arguments: quoted strings, bare words, comments
// dropped.
func cmakeWords(s string) []string {
	var out []string
	for i := 0; i < len(s) && len(out) < 512; {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '#':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '"':
			var b strings.Builder
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
					switch s[i] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					default:
						b.WriteByte(s[i])
					}
					continue
				}
				b.WriteByte(s[i])
			}
			i++
			out = append(out, cmakeRef().ReplaceAllString(b.String(), "$$$2"))
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r\"#", rune(s[j])) {
				j++
			}
			out = append(out, cmakeRef().ReplaceAllString(s[i:j], "$$$2"))
			i = j
		}
	}
	return out
}

var (
	gradleLine = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`\bcommandLine\b\s*(?:=\s*(?:listOf|arrayOf)?)?\s*\(?\s*\[?([^\n]*)`)
	})
	gradleExec = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:\bexec|\.exec)\s*\(\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\)`)
	})
	gradleExecute = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*\.execute\s*\(`)
	})
	anyLit = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`) })
)

// gradleCommands returns a Gradle build's command lines
// (Runtime.getRuntime().exec("…"), "…".execute()) and word lists
// (commandLine 'a', 'b' / commandLine("a", "b")).
func gradleCommands(text string) (lines []string, argvs [][]string) {
	for _, m := range gradleExec().FindAllStringSubmatch(text, 4*maxStored) {
		lines = append(lines, groovyString(m[1]))
	}
	for _, m := range gradleExecute().FindAllStringSubmatch(text, 4*maxStored) {
		lines = append(lines, groovyString(m[1]))
	}
	for _, m := range gradleLine().FindAllStringSubmatch(text, 4*maxStored) {
		var argv []string
		for _, l := range anyLit().FindAllString(m[1], 256) {
			argv = append(argv, groovyString(l))
		}
		if len(argv) > 0 {
			argvs = append(argvs, argv)
		}
	}
	return lines, argvs
}

// groovyString unquotes a Groovy or Kotlin string literal; ${…}
// interpolation becomes a variable.
func groovyString(l string) string {
	s := l[1 : len(l)-1]
	if l[0] == '"' {
		s = unquoteJSON(s)
	} else {
		s = strings.ReplaceAll(s, `\'`, "'")
	}
	return s
}

var (
	pomExe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<executable>\s*([^<]*?)\s*</executable>`) })
	pomArg = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`<argument>\s*([^<]*?)\s*</argument>`) })
	xmlEnt = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&apos;", "'")
)

// pomExecutables returns the exec-maven-plugin's <executable> with the
// <argument>s of the same <configuration>.
func pomExecutables(text string) [][]string {
	var out [][]string
	for _, m := range pomExe().FindAllStringSubmatchIndex(text, 4*maxStored) {
		argv := []string{xmlEnt.Replace(text[m[2]:m[3]])}
		rest := text[m[1]:]
		start := strings.LastIndex(text[:m[0]], "<configuration>")
		if start >= 0 {
			// Arguments before the executable in the same configuration.
			pre := text[start:m[0]]
			for _, a := range pomArg().FindAllStringSubmatch(pre, 256) {
				argv = append(argv, xmlEnt.Replace(a[1]))
			}
		}
		if end := strings.Index(rest, "</configuration>"); end >= 0 {
			rest = rest[:end]
		}
		for _, a := range pomArg().FindAllStringSubmatch(rest, 256) {
			argv = append(argv, xmlEnt.Replace(a[1]))
		}
		out = append(out, argv)
	}
	return out
}

// iniPairs returns the key = value lines of an ini-style file.
func iniPairs(text string) [][2]string {
	var out [][2]string
	for n, l := range strings.Split(text, "\n") {
		if n > 4096 || len(out) >= 4*maxStored {
			break
		}
		t := strings.TrimSpace(l)
		if t == "" || t[0] == '#' || t[0] == ';' || t[0] == '[' {
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		if v != "" {
			out = append(out, [2]string{strings.TrimSpace(k), v})
		}
	}
	return out
}

// cargoPrograms returns the programs a cargo configuration makes cargo
// run: build.rustc-wrapper, rustc-workspace-wrapper, rustc and rustdoc,
// and each target's runner and linker, as a string (split on blanks, as
// cargo does) or an array of strings.
func cargoPrograms(text string) [][]string {
	var out [][]string
	for _, l := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if !ok {
			continue
		}
		k = strings.Trim(strings.TrimSpace(k), `"'`)
		if i := strings.LastIndexByte(k, '.'); i >= 0 {
			k = k[i+1:] // build.rustc-wrapper, target.x.runner
		}
		switch k {
		case "rustc-wrapper", "rustc-workspace-wrapper", "rustc", "rustdoc", "runner", "linker":
		default:
			continue
		}
		if argv := tomlWords(strings.TrimSpace(v)); len(argv) > 0 {
			out = append(out, argv)
		}
	}
	return out
}

// tomlWords reads a TOML string ("a b", 'a b': its blank-separated words)
// or an array of strings (["sh", "-c", "…"]).
func tomlWords(v string) []string {
	if strings.HasPrefix(v, "[") {
		var out []string
		s := strings.TrimSpace(v[1:])
		for len(out) < 64 {
			lit, rest, ok := strLiteral(s)
			if !ok {
				break
			}
			out = append(out, lit)
			s = strings.TrimLeft(strings.TrimSpace(rest), ",")
			s = strings.TrimSpace(s)
		}
		return out
	}
	if lit, _, ok := strLiteral(v); ok {
		return strings.Fields(lit)
	}
	return nil
}

// pytestIni returns the pytest command a configuration file makes: its
// addopts (options given to every run: --basetemp, -p plugin) and its
// pythonpath (directories imported from), as `env PYTHONPATH=… pytest …`;
// nil when the text sets neither.
func pytestIni(text string) []string {
	var opts, dirs []string
	in := false
	for _, l := range strings.Split(text, "\n") {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			in = t == "[pytest]" || t == "[tool:pytest]" || t == "[tool.pytest.ini_options]"
			continue
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if strings.HasPrefix(v, "[") || strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "'") {
			v = strings.Join(tomlWords(v), " ") // pyproject.toml's TOML values
		}
		switch strings.TrimSpace(k) {
		case "addopts":
			opts = append(opts, strings.Fields(v)...)
		case "pythonpath":
			dirs = append(dirs, strings.Fields(v)...)
		}
	}
	if opts == nil && dirs == nil {
		return nil
	}
	argv := []string{"env"}
	if dirs != nil {
		argv = append(argv, "PYTHONPATH="+strings.Join(dirs, ":"))
	}
	return append(append(argv, "pytest"), opts...)
}

// onlyHomeVars reports whether every $ of s starts $HOME or ${HOME}.
func onlyHomeVars(s string) bool {
	for i := strings.IndexByte(s, '$'); i >= 0; {
		r := s[i+1:]
		if !strings.HasPrefix(r, "HOME") && !strings.HasPrefix(r, "{HOME}") || strings.HasPrefix(r, "HOME") && len(r) > 4 && isIdent(r[4]) {
			return false
		}
		j := strings.IndexByte(r, '$')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}
