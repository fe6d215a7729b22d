package shell

import "strings"

// Programs the analysis does not know often run another program: strace,
// taskset, setarch, flock, cpulimit, systemd-run, firejail, proxychains
// (`strace -o /dev/null rm -rf ~`), or a command line given as one word
// (`openvpn --up 'curl … | sh'`, `hyperfine 'make'`, `entr -s 'make'`).
// Without a table entry for each, the analysis reads what such a program
// is given: an operand that names a program whose effects matter starts a
// nested command (the program runs it, or at worst prints it), and a word
// made of several words whose first is such a program, or that starts
// with the `!` of an editor's or client's shell escape, is a command line.

// consequential are the programs whose effects the policy decides: a word
// naming one, given to an unknown program, is read as the command it
// would be.
var consequential = map[string]bool{
	"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "mksh": true, "ash": true, "fish": true, "busybox": true,
	"rm": true, "rmdir": true, "shred": true, "unlink": true, "mv": true, "cp": true, "dd": true, "ln": true, "chmod": true,
	"chown": true, "chattr": true, "tee": true, "truncate": true, "install": true,
	"curl": true, "wget": true, "nc": true, "ncat": true, "netcat": true, "socat": true, "telnet": true, "ssh": true,
	"scp": true, "sftp": true, "rsync": true, "ftp": true, "tftp": true,
	"python": true, "python2": true, "python3": true, "node": true, "nodejs": true, "deno": true, "bun": true, "perl": true,
	"ruby": true, "php": true, "lua": true, "luajit": true, "Rscript": true, "julia": true, "tclsh": true, "expect": true,
	"awk": true, "gawk": true, "mawk": true,
	"git": true, "sudo": true, "su": true, "doas": true, "pkexec": true, "crontab": true, "at": true, "systemctl": true,
	"launchctl": true, "kill": true, "pkill": true, "killall": true, "base64": true, "xxd": true, "openssl": true,
	"tar": true, "zip": true, "unzip": true, "find": true, "xargs": true, "eval": true, "exec": true, "source": true,
	"cat": true, "head": true, "tail": true, "less": true, "more": true, "env": true, "iptables": true, "ufw": true,
	"setenforce": true, "mount": true, "umount": true, "useradd": true, "usermod": true, "passwd": true, "chpasswd": true,
	"visudo": true, "setcap": true, "insmod": true, "modprobe": true,
}

// namesAsData are programs that take program names as data: process
// lookups, documentation, package managers, version managers.
var namesAsData = map[string]bool{
	"pkill": true, "killall": true, "pgrep": true, "pidof": true, "which": true, "whereis": true, "type": true, "man": true,
	"help": true, "info": true, "tldr": true, "whatis": true, "apropos": true, "hash": true, "brew": true, "apt": true,
	"apt-get": true, "apt-cache": true, "dnf": true, "yum": true, "pacman": true, "zypper": true, "apk": true, "snap": true,
	"flatpak": true, "port": true, "nix-env": true, "nix": true, "pip": true, "pip3": true, "pipx": true, "npm": true,
	"yarn": true, "pnpm": true, "gem": true, "cargo": true, "go": true, "uv": true, "conda": true, "mamba": true,
	"asdf": true, "mise": true, "update-alternatives": true, "dpkg": true, "rpm": true, "choco": true, "winget": true,
	"scoop": true, "systemctl": true, "service": true, "journalctl": true, "complete": true, "compgen": true,
	"unalias": true, "export": true, "declare": true, "typeset": true, "local": true, "readonly": true, "unset": true,
	"echo": true, "printf": true, "read": true, "test": true, "[": true, "[[": true, "let": true, "set": true,
	"trap": true, "notify-send": true, "logger": true, "say": true, "figlet": true, "cowsay": true, "banner": true,
	"toilet": true, "lolcat": true, "gh": true, "glab": true, "jira": true, "hub": true, "az": true, "aws": true,
	"gcloud": true, "docker": true, "podman": true, "kubectl": true, "oc": true, "helm": true, "terraform": true,
	"make": true, "just": true, "task": true, "alias": true, "function": true, "sed": true, "grep": true,
}

// messageOptions take a text, not a command, in every program.
var messageOptions = map[string]bool{
	"-m": true, "--message": true, "--title": true, "--body": true, "--description": true, "--summary": true,
	"--comment": true, "--notes": true, "--subject": true, "--text": true, "--msg": true, "--reason": true,
	"--name": true, "--label": true, "--help": true,
}

// runsOperands reports the commands an unknown program ws is given (see
// above), as nested commands of the line, via the program.
func (a *analyzer) runsOperands(name string, ws []word, via []string, redirs []Redirect, sc scope) {
	if namesAsData[name] || len(ws) < 2 || len(ws) > 128 || !a.deeper(sc) {
		return
	}
	inner := sc
	inner.depth++
	skipped := 0
	for i := 1; i < len(ws) && a.err == nil; i++ {
		w := ws[i]
		if !w.static {
			return
		}
		v := w.val
		if strings.HasPrefix(v, "-") {
			opt, val, has := strings.Cut(v, "=")
			if messageOptions[opt] {
				if !has {
					i++
				}
				continue
			}
			if has && commandWord(val) {
				a.commandValue(opt+"=", strings.TrimPrefix(val, "!"), appendVia(via, name), redirs, inner)
			}
			continue
		}
		if commandWord(v) {
			a.commandValue(name+" ", strings.TrimPrefix(v, "!"), appendVia(via, name), redirs, inner)
			continue
		}
		if consequential[base(v)] && (strings.HasPrefix(v, "/") || !strings.Contains(v, "/")) {
			rest := append([]word{{val: base(v), static: true}}, ws[i+1:]...)
			a.resolve(rest, appendVia(via, name), redirs, inner)
			return
		}
		if skipped++; skipped > 2 {
			return // a program's own operands: files, hosts, names
		}
	}
}

// commandWord reports a single word that holds a command line: several
// words of which the first is a consequential program, or an editor's
// or client's shell escape (`!rm -rf ~`).
func commandWord(v string) bool {
	if strings.HasPrefix(v, "!") && len(v) > 1 && v[1] != '=' {
		f := strings.Fields(v[1:])
		return len(f) > 0 && (consequential[base(f[0])] || strings.HasPrefix(f[0], "/"))
	}
	f := strings.Fields(v)
	return len(f) >= 2 && consequential[base(f[0])] && (strings.HasPrefix(f[0], "/") || !strings.Contains(f[0], "/"))
}
