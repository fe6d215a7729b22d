package shell

import (
	"net/url"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Settings that make a program run code: environment variables whose value
// is a command line (GIT_SSH_COMMAND, PAGER, EDITOR, PROMPT_COMMAND…), a
// file or library that is loaded (BASH_ENV, LD_PRELOAD, PYTHONSTARTUP), a
// search path code is loaded from (LD_LIBRARY_PATH, PYTHONPATH, PATH), or
// options of an interpreter (NODE_OPTIONS, PERL5OPT, RUBYOPT); and git's
// -c settings of the same kinds (core.sshCommand, core.pager, alias.x=!…,
// filter.*.smudge, core.hooksPath…). A command value is analysed as the
// command line it is, so its facts are on the line; a file is a run of the
// command (and of every later one, when assigned on its own or exported);
// a value only known at run time is reported as a command with
// OpaqueSetting.

// OpaqueSetting marks a setting whose value is code only known at run
// time (GIT_SSH_COMMAND="$X", BASH_ENV=<(curl …), git --config-env=…).
const OpaqueSetting = "code from a setting"

// settingKind says what a variable's value is to the programs that read it.
type settingKind uint8

const (
	setNone     settingKind = iota
	setCommand              // a command line, run by a shell
	setFile                 // a file sourced or loaded as code
	setPreload              // libraries preloaded into every program
	setDirs                 // directories code is loaded from (colon-separated)
	setNode                 // node's command-line options
	setPerl                 // perl's command-line options
	setRuby                 // ruby's command-line options
	setPerlCode             // perl code the debugger runs (PERL5DB)
	setJava                 // the JVM's options (-javaagent:, -agentpath:)
	setGitConf              // GIT_CONFIG_PARAMETERS: 'key'='value' pairs
)

func settingOf(name string) settingKind {
	switch name {
	case "GIT_EXTERNAL_DIFF", "GIT_PAGER", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_SSH_COMMAND", "GIT_SSH",
		"GIT_ASKPASS", "SSH_ASKPASS", "SUDO_ASKPASS", "GIT_PROXY_COMMAND", "PAGER", "MANPAGER", "SYSTEMD_PAGER",
		"EDITOR", "VISUAL", "FCEDIT", "KUBE_EDITOR", "SVN_EDITOR", "BROWSER", "LESSOPEN", "LESSCLOSE",
		"PROMPT_COMMAND", "RSYNC_RSH", "CVS_RSH", "TAR_OPTIONS_COMMAND", "npm_config_script_shell", "NPM_CONFIG_SCRIPT_SHELL",
		"npm_config_shell", "NPM_CONFIG_SHELL", "YARN_SCRIPT_SHELL":
		return setCommand
	case "BASH_ENV", "ENV", "PYTHONSTARTUP", "GIT_CONFIG", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM",
		"NPM_CONFIG_USERCONFIG", "npm_config_userconfig", "NODE_REPL_EXTERNAL_MODULE", "MAKEFILES", "VIMINIT_FILE", "MYVIMRC":
		return setFile
	case "LD_PRELOAD", "LD_AUDIT", "DYLD_INSERT_LIBRARIES":
		return setPreload
	case "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "DYLD_FALLBACK_LIBRARY_PATH", "DYLD_FRAMEWORK_PATH", "PYTHONPATH",
		"PYTHONHOME", "PERL5LIB", "PERLLIB", "RUBYLIB", "NODE_PATH", "GIT_EXEC_PATH", "GIT_TEMPLATE_DIR", "ZDOTDIR", "PATH":
		return setDirs
	case "RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER", "RUSTC", "RUSTDOC", "CARGO_BUILD_RUSTC_WRAPPER",
		"CARGO_BUILD_RUSTC", "CARGO_BUILD_RUSTDOC", "CC", "CXX", "LD", "AR":
		return setCommand
	case "NODE_OPTIONS":
		return setNode
	case "PERL5OPT":
		return setPerl
	case "PERL5DB":
		return setPerlCode
	case "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "JAVA_OPTS", "MAVEN_OPTS", "GRADLE_OPTS":
		return setJava
	case "RUBYOPT":
		return setRuby
	case "GIT_CONFIG_PARAMETERS":
		return setGitConf
	}
	if strings.HasPrefix(name, "CARGO_TARGET_") && (strings.HasSuffix(name, "_RUNNER") || strings.HasSuffix(name, "_LINKER")) {
		return setCommand
	}
	return setNone
}

// computed reports whether a value runs a command to be computed:
// $(…), `…`, <(…).
func computed(v string) bool {
	return strings.Contains(v, "$(") || strings.Contains(v, "`") || strings.Contains(v, "<(") || strings.Contains(v, ">(")
}

// envFiles returns the runs that assignments put in a command's
// environment (files, libraries, directories, modules), after inherited.
func (a *analyzer) envFiles(assigns []*syntax.Assign, src string, inherited []envRun) []envRun {
	out := inherited
	owned := false
	for _, as := range assigns {
		if as.Name == nil || as.Value == nil || as.Index != nil || as.Array != nil {
			continue
		}
		runs := settingRuns(as.Name.Value, evalWord(as.Value, src))
		if len(runs) == 0 {
			continue
		}
		if !owned {
			out = append(inherited[:len(inherited):len(inherited)], runs...)
			owned = true
		} else {
			out = append(out, runs...)
		}
	}
	return out
}

// settingRuns returns the files and directories variable name with
// value w makes a program load.
func settingRuns(name string, w word) []envRun {
	v := w.val
	if v == "" || computed(v) {
		return nil
	}
	var out []envRun
	switch settingOf(name) {
	case setFile:
		out = append(out, envRun{path: v})
	case setPreload:
		for _, p := range strings.FieldsFunc(v, func(r rune) bool { return r == ':' || r == ' ' }) {
			out = append(out, envRun{path: p, preload: true})
		}
	case setDirs:
		for _, p := range strings.Split(v, ":") {
			if p == "" || (strings.HasPrefix(p, "$") && !strings.HasPrefix(p, "$PWD") && !strings.HasPrefix(p, "${PWD}") &&
				!strings.HasPrefix(p, "$HOME") && !strings.HasPrefix(p, "${HOME}")) {
				continue // $PATH and the like: what was there before
			}
			out = append(out, envRun{path: strings.TrimSuffix(p, "/") + "/", search: name == "PATH"})
		}
	case setNode:
		fields := strings.Fields(v)
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			opt, val, has := strings.Cut(f, "=")
			switch opt {
			case "-r", "--require", "--import", "--loader", "--experimental-loader":
				if !has && i+1 < len(fields) {
					i++
					val = fields[i]
				}
				if modulePath(val) {
					out = append(out, envRun{path: val})
				}
			}
		}
	case setJava:
		for _, f := range strings.Fields(v) {
			for _, opt := range []string{"-javaagent:", "-agentpath:", "-Xbootclasspath/a:", "-Xbootclasspath/p:", "-Djava.system.class.loader="} {
				if p, ok := strings.CutPrefix(f, opt); ok {
					p, _, _ = strings.Cut(p, "=") // -javaagent:agent.jar=options
					if p != "" {
						out = append(out, envRun{path: p})
					}
				}
			}
		}
	case setPerl, setRuby:
		for _, f := range strings.Fields(v) {
			switch {
			case strings.HasPrefix(f, "-I") && len(f) > 2:
				out = append(out, envRun{path: strings.TrimSuffix(f[2:], "/") + "/"})
			case strings.HasPrefix(f, "-r") && len(f) > 2 && modulePath(f[2:]):
				out = append(out, envRun{path: f[2:]})
			}
		}
	}
	return out
}

// settingCode analyses the settings among assigns whose value is code:
// command lines as nested commands, inline code of NODE_OPTIONS, values
// only known at run time as an opaque command. git pairs
// GIT_CONFIG_KEY_n with GIT_CONFIG_VALUE_n.
func (a *analyzer) settingCode(assigns []*syntax.Assign, via []string, redirs []Redirect, sc scope) []envRun {
	var runs []envRun
	var keys, vals map[string]word
	for _, as := range assigns {
		if as.Name == nil || as.Value == nil || as.Index != nil || as.Array != nil {
			continue
		}
		name := as.Name.Value
		w := evalWord(as.Value, sc.src)
		if n, ok := strings.CutPrefix(name, "GIT_CONFIG_KEY_"); ok {
			if keys == nil {
				keys = map[string]word{}
			}
			keys[n] = w
			continue
		}
		if n, ok := strings.CutPrefix(name, "GIT_CONFIG_VALUE_"); ok {
			if vals == nil {
				vals = map[string]word{}
			}
			vals[n] = w
			continue
		}
		runs = append(runs, a.settingValue(name, w, via, redirs, sc)...)
	}
	for n, k := range keys {
		if v, ok := vals[n]; ok && len(runs) < 64 {
			runs = append(runs, a.gitConfig(k.val, v, via, redirs, sc)...)
		}
	}
	return runs
}

// settingValue analyses one NAME=value whose value is code and returns the
// git settings' runs (GIT_CONFIG_PARAMETERS); other kinds of runs come from
// settingRuns.
func (a *analyzer) settingValue(name string, w word, via []string, redirs []Redirect, sc scope) []envRun {
	kind := settingOf(name)
	if kind == setNone || a.err != nil {
		return nil
	}
	v := w.val
	if computed(v) && !w.static && kind != setCommand {
		// A command line with a substitution is still read as one: its
		// name or arguments are then dynamic.
		if kind == setDirs {
			return nil // PATH=$(…) and the like: a search path, not a program
		}
		a.opaqueSetting(name+"="+v, via, redirs)
		return nil
	}
	if kind == setFile && (name == "ENV" || name == "BASH_ENV") && computed(v) {
		// sh (interactive) and bash expand ENV and BASH_ENV — parameter
		// expansion, command substitution, arithmetic — before reading
		// the file: ENV='$(rm -rf ~)' sh -i runs rm. The substitutions
		// are analysed as the commands they are.
		a.commandValue(name+"=", ": "+v, via, redirs, sc)
		return nil
	}
	switch kind {
	case setCommand:
		if name == "LESSOPEN" || name == "LESSCLOSE" {
			v = strings.TrimLeft(v, "|-")
		}
		a.commandValue(name+"=", v, via, redirs, sc)
	case setNode:
		for _, f := range strings.Fields(v) {
			_, val, _ := strings.Cut(f, "=")
			if strings.HasPrefix(val, "data:") {
				a.inlineModule(val, appendVia(via, name+"="), redirs, sc)
			}
		}
	case setPerl:
		if code, ok := perlOptCode(v); ok {
			// perl refuses -e in PERL5OPT, but nothing is lost in reading
			// the code as what it asks for.
			ws := []word{{val: "perl", static: true}, {val: "-e", static: true}, {val: code, static: true}}
			a.inline(ws, appendVia(via, name+"="), redirs, sc, ws[2], "perl -e")
			break
		}
		for _, f := range strings.Fields(v) {
			if (strings.HasPrefix(f, "-M") || strings.HasPrefix(f, "-m")) && strings.ContainsAny(f, ";(`'\"{") {
				// -MMod;CODE is `use Mod;CODE`: perl runs CODE. It is read
				// as perl code (the inline analysis decides it; code it
				// cannot read stays opaque).
				at := strings.Index(v, f)
				mod := v[at+2:]
				if _, code, ok := strings.Cut(mod, ";"); ok && strings.TrimSpace(code) != "" {
					ws := []word{{val: "perl", static: true}, {val: "-e", static: true}, {val: code, static: true}}
					a.inline(ws, appendVia(via, name+"="), redirs, sc, ws[2], "perl -e")
					break
				}
				a.opaqueSetting(name+"="+v, via, redirs) // -M'x(…)' is code
				break
			}
		}
	case setPerlCode:
		// The debugger runs PERL5DB's value as perl code (with -d).
		ws := []word{{val: "perl", static: true}, {val: "-e", static: true}, {val: v, static: true}}
		a.inline(ws, appendVia(via, name+"="), redirs, sc, ws[2], "perl -e")
	case setGitConf:
		var runs []envRun
		if ws, ok := a.splitWords(word{val: v, static: true}); ok {
			for _, kv := range ws {
				k, val, ok := strings.Cut(kv.val, "=")
				if ok {
					runs = append(runs, a.gitConfig(strings.Trim(k, "'"), word{val: strings.Trim(val, "'"), static: kv.static}, via, redirs, sc)...)
				}
			}
		}
		return runs
	}
	return nil
}

// perlOptCode returns the code of an -e or -E switch among perl options
// (the rest of the value after the switch).
func perlOptCode(v string) (string, bool) {
	fields := strings.Fields(v)
	at := 0
	for _, f := range fields {
		at += strings.Index(v[at:], f)
		if strings.HasPrefix(f, "-e") || strings.HasPrefix(f, "-E") {
			code := strings.TrimSpace(v[at+2:])
			return code, code != ""
		}
		at += len(f)
	}
	return "", false
}

// commandValue analyses a setting's command line as nested commands.
func (a *analyzer) commandValue(label, v string, via []string, redirs []Redirect, sc scope) {
	if strings.TrimSpace(v) == "" || !a.deeper(sc) {
		return
	}
	inner := sc
	inner.stdin = input{}
	if !a.nested(v, appendVia(via, label), redirs, inner, inner.stdin, false) {
		a.opaqueSetting(strings.TrimSuffix(label, "=")+"="+v, via, redirs)
	}
}

// opaqueSetting reports a setting whose code is only known at run time.
func (a *analyzer) opaqueSetting(text string, via []string, redirs []Redirect) {
	a.cmds = append(a.cmds, Command{Text: text, Dynamic: true, Opaque: OpaqueSetting, Via: via, Redirects: redirs, Dir: a.dir})
}

// inlineModule analyses a data: URL module (node --import=data:…) as the
// inline code it is.
func (a *analyzer) inlineModule(u string, via []string, redirs []Redirect, sc scope) {
	_, code, ok := strings.Cut(u, ",")
	if !ok {
		a.opaqueSetting(u, via, redirs)
		return
	}
	if strings.Contains(u[:len(u)-len(code)], ";base64") {
		a.opaqueSetting(u, via, redirs)
		return
	}
	if dec, err := url.PathUnescape(code); err == nil {
		code = dec
	}
	ws := []word{{val: "node", static: true}, {val: "-e", static: true}, {val: code, static: true}}
	a.inline(ws, via, redirs, sc, ws[2], "node --import")
}

// gitConfig analyses one git configuration setting given on the command
// line (git -c key=value, GIT_CONFIG_KEY_n): a command is analysed as one,
// a hooks directory or included file is returned as a run.
func (a *analyzer) gitConfig(key string, val word, via []string, redirs []Redirect, sc scope) []envRun {
	k := strings.ToLower(key)
	v := val.val
	section, rest, _ := strings.Cut(k, ".")
	last := k[strings.LastIndexByte(k, '.')+1:]
	cmd := ""
	switch {
	case k == "core.hookspath" || k == "init.templatedir":
		if v != "" {
			return []envRun{{path: strings.TrimSuffix(v, "/") + "/"}}
		}
		return nil
	case k == "include.path" || section == "includeif" && last == "path":
		return []envRun{{path: v}}
	case k == "core.fsmonitor":
		switch strings.ToLower(v) {
		case "", "true", "false", "yes", "no", "on", "off", "0", "1":
			return nil
		}
		cmd = v
	case section == "alias":
		if !strings.HasPrefix(v, "!") {
			return nil
		}
		cmd = v[1:]
	case section == "credential" && last == "helper":
		switch {
		case strings.HasPrefix(v, "!"):
			cmd = v[1:]
		case strings.HasPrefix(v, "/") || strings.HasPrefix(v, "~") || strings.HasPrefix(v, "."):
			cmd = v
		default:
			return nil // git credential-<name>
		}
	case k == "core.sshcommand", k == "core.pager", k == "core.editor", k == "core.askpass", k == "core.gitproxy",
		k == "diff.external", k == "sequence.editor", k == "interactive.difffilter", k == "uploadpack.packobjectshook",
		section == "gpg" && last == "program", section == "pager",
		section == "filter" && (last == "clean" || last == "smudge" || last == "process"),
		section == "diff" && (last == "command" || last == "textconv"), section == "merge" && last == "driver",
		section == "remote" && (last == "uploadpack" || last == "receivepack" || last == "proxy"),
		section == "sendemail" && (last == "smtpserver" || last == "tocmd" || last == "cccmd") && (strings.HasPrefix(v, "/") || last != "smtpserver"):
		cmd = v
	default:
		_ = rest
		return nil
	}
	if (computed(cmd) || strings.Contains(cmd, "$")) && !val.static {
		a.opaqueSetting(key+"="+cmd, via, redirs)
		return nil
	}
	a.commandValue("git -c "+key+"=", cmd, via, redirs, sc)
	return nil
}

// wrapperSettings handles the NAME=value words env and sudo put in the
// environment of the command they run.
func (a *analyzer) wrapperSettings(ws []word, via []string, redirs []Redirect, sc scope) {
	for _, w := range ws {
		if !isAssign(w.val) {
			continue
		}
		name, val, _ := strings.Cut(w.val, "=")
		v := word{val: val, static: w.static}
		if runs := settingRuns(name, v); len(runs) > 0 {
			a.cmdEnv = append(a.cmdEnv[:len(a.cmdEnv):len(a.cmdEnv)], runs...)
		}
		a.settingValue(name, v, via, redirs, sc)
	}
}

// gitConfigSet returns the key and value that `git config [options] key
// value` (or `git config set key value`) sets; ok is false for reads,
// lists, unsets and edits.
func gitConfigSet(rest []word) (key string, val word, ok bool) {
	var ops []word
	for i := 0; i < len(rest); i++ {
		v := rest[i].val
		switch {
		case v == "--get" || v == "--get-all" || v == "--get-regexp" || v == "--list" || v == "-l" || v == "--unset" ||
			v == "--unset-all" || v == "--edit" || v == "-e" || v == "--remove-section" || v == "--rename-section" || v == "--get-urlmatch":
			return "", word{}, false
		case v == "-f" || v == "--file" || v == "--blob" || v == "--type" || v == "--default" || v == "--comment":
			i++
		case strings.HasPrefix(v, "-") && rest[i].static:
		default:
			ops = append(ops, rest[i])
		}
	}
	if len(ops) > 0 && (ops[0].val == "set") {
		ops = ops[1:]
	} else if len(ops) > 0 && (ops[0].val == "get" || ops[0].val == "list" || ops[0].val == "unset") {
		return "", word{}, false
	}
	if len(ops) < 2 {
		return "", word{}, false
	}
	return ops[0].val, ops[1], true
}
