package shell

import (
	"strings"
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
		a.commandValue(label, w.val, via, redirs, sc)
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
