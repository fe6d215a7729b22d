package shell

import (
	"mvdan.cc/sh/v3/syntax"
	"path"
	"strings"
)

// This file holds what the analysis knows about common tools: which of
// their arguments are paths they read, write or delete, which are URLs or
// hosts they contact, and what a git command does. It is one table, tools,
// plus handlers for the few tools whose syntax a table cannot say.
//
// Paths are recorded as written (unquoted, relative to Command.Dir); the
// caller resolves them. Arguments of tools not in the table are data,
// except that an unknown tool's operands that look like paths are taken as
// reads (see genericOperands).

// operands says what a tool's non-option arguments are.
type operands uint8

const (
	opsGeneric operands = iota // unknown tool: path-like operands are reads
	opsNone                    // arguments are data (echo, printf, …)
	opsRead                    // every operand is read
	opsWrite                   // every operand is written
	opsDelete                  // every operand is deleted
	opsCopy                    // sources read, the last operand (or -t DIR) written
	opsMove                    // sources deleted, the last operand (or -t DIR) written
	opsPattern                 // first operand is a pattern or program unless an option gave it; the rest are read
	opsMode                    // first operand is a mode or owner (unless --reference); the rest are written
	opsFirst                   // the first operand is read; the rest are its arguments (source)
	opsURL                     // operands are URLs (curl, wget)
	opsHost                    // the first operand is a host (ssh, nc, telnet)
	opsRemote                  // operands are local paths or remote host:path (scp, rsync)
)

// tool describes a command's arguments.
type tool struct {
	ops         operands
	opts        optTable // options taking a value
	read        string   // short options whose value is a path read
	write       string   // short options whose value is a path written
	pattern     string   // short options that give the pattern, so no operand is one (grep -e, sed -f)
	inplace     string   // short options that make the operands written too (sed -i)
	target      string   // short options naming the destination directory (cp -t)
	readLong    []string
	writeLong   []string
	patternLong []string
	inplaceLong []string
	targetLong  []string
	special     func(f *factBuilder, ws []word) // replaces the table for tools it cannot describe
}

var (
	noTool    = &tool{ops: opsNone}
	readTool  = &tool{ops: opsRead}
	grepTool  = &tool{ops: opsPattern, opts: optTable{value: "ABCDdefmX", longValue: []string{"--regexp", "--file", "--max-count", "--context", "--after-context", "--before-context", "--devices", "--directories", "--label"}}, read: "f", pattern: "ef", readLong: []string{"--file"}, patternLong: []string{"--regexp", "--file"}}
	rgTool    = &tool{ops: opsPattern, opts: optTable{value: "ABCEefgjMmTt", longValue: []string{"--regexp", "--file", "--glob", "--iglob", "--type", "--type-not", "--max-count", "--context", "--after-context", "--before-context", "--encoding", "--threads", "--max-columns", "--max-depth", "--replace", "--sort", "--sortr", "--type-add", "--colors", "--ignore-file", "--pre", "--pre-glob"}}, read: "f", pattern: "ef", readLong: []string{"--file", "--ignore-file"}, patternLong: []string{"--regexp", "--file"}}
	sedTool   = &tool{ops: opsPattern, opts: optTable{value: "efl", rest: "i", longValue: []string{"--expression", "--file", "--line-length"}}, read: "f", pattern: "ef", inplace: "i", readLong: []string{"--file"}, patternLong: []string{"--expression", "--file"}, inplaceLong: []string{"--in-place"}}
	awkTool   = &tool{ops: opsPattern, opts: optTable{value: "fvFil", longValue: []string{"--file", "--assign", "--field-separator", "--include", "--load"}}, read: "f", pattern: "f", readLong: []string{"--file", "--include"}, patternLong: []string{"--file"}}
	jqTool    = &tool{ops: opsPattern, opts: optTable{value: "fL", longValue: []string{"--from-file", "--indent", "--arg", "--argjson", "--slurpfile", "--rawfile", "--args", "--jsonargs"}}, read: "f", pattern: "f", readLong: []string{"--from-file"}, patternLong: []string{"--from-file"}, special: jq}
	headTool  = &tool{ops: opsRead, opts: optTable{value: "ncs", longValue: []string{"--lines", "--bytes", "--sleep-interval", "--pid", "--max-unchanged-stats"}}}
	copyTool  = &tool{ops: opsCopy, opts: optTable{value: "StmogZ", longValue: []string{"--suffix", "--target-directory", "--mode", "--owner", "--group", "--backup", "--sparse", "--reflink", "--preserve", "--no-preserve", "--context"}}, target: "t", targetLong: []string{"--target-directory"}}
	moveTool  = &tool{ops: opsMove, opts: optTable{value: "St", longValue: []string{"--suffix", "--target-directory", "--backup"}}, target: "t", targetLong: []string{"--target-directory"}}
	rmTool    = &tool{ops: opsDelete}
	modeTool  = &tool{ops: opsMode, opts: optTable{longValue: []string{"--reference", "--from"}}}
	curlTool  = &tool{ops: opsURL, special: curl}
	curlOpts  = optTable{value: "AbcCdDeEFHhKmoQrTuUwxXyYzP", longValue: curlValueOpts}
	wgetTool  = &tool{ops: opsURL, opts: optTable{value: "aAbBeiDlOoPQRtTUwXI", longValue: []string{"--output-document", "--output-file", "--append-output", "--directory-prefix", "--post-file", "--body-file", "--post-data", "--body-data", "--header", "--user-agent", "--input-file", "--user", "--password", "--method", "--tries", "--timeout", "--level", "--accept", "--reject", "--domains", "--exclude-domains", "--load-cookies", "--save-cookies", "--base", "--config", "--execute"}}, read: "i", write: "Oo", readLong: []string{"--post-file", "--body-file", "--input-file", "--load-cookies", "--config"}, writeLong: []string{"--output-document", "--output-file", "--append-output", "--save-cookies"}, target: "P", targetLong: []string{"--directory-prefix"}}
	sshTool   = &tool{ops: opsHost, opts: optTable{value: "BbcDEeFIiJLlmOoQRSWwp"}, read: "F"} // -F: a configuration read (its parse errors print the lines)
	ncTool    = &tool{ops: opsHost, opts: optTable{value: "eIiOpPqsTwxX"}}
	scpTool   = &tool{ops: opsRemote, opts: optTable{value: "cFiJlPSoX"}}
	rsyncTool = &tool{ops: opsRemote, opts: optTable{value: "eBfMT", longValue: []string{"--rsh", "--exclude", "--include", "--exclude-from", "--include-from", "--files-from", "--filter", "--partial-dir", "--log-file", "--password-file", "--temp-dir", "--backup-dir", "--suffix", "--chmod", "--chown", "--rsync-path", "--port", "--timeout", "--bwlimit", "--compare-dest", "--copy-dest", "--link-dest", "--max-size", "--min-size", "--out-format", "--info", "--debug"}}, readLong: []string{"--exclude-from", "--include-from", "--files-from", "--password-file"}, writeLong: []string{"--log-file"}}
	touchTool = &tool{ops: opsWrite, opts: optTable{value: "dmrtT", longValue: []string{"--date", "--reference", "--mode", "--size", "--context"}}, read: "r", readLong: []string{"--reference"}}
	sortTool  = &tool{ops: opsRead, opts: optTable{value: "kotST", longValue: []string{"--key", "--output", "--field-separator", "--buffer-size", "--temporary-directory", "--files0-from", "--parallel", "--batch-size", "--compress-program"}}, write: "o", writeLong: []string{"--output"}, readLong: []string{"--files0-from"}}
)

// curlValueOpts are curl's long options that take a value.
var curlValueOpts = []string{
	"--data", "--data-ascii", "--data-binary", "--data-raw", "--data-urlencode", "--form", "--form-string",
	"--upload-file", "--output", "--config", "--cookie", "--cookie-jar", "--dump-header", "--header",
	"--user", "--user-agent", "--referer", "--request", "--proxy", "--url", "--max-time", "--connect-timeout",
	"--retry", "--retry-delay", "--output-dir", "--cert", "--key", "--cacert", "--capath", "--resolve",
	"--connect-to", "--json", "--write-out", "--range", "--continue-at", "--limit-rate", "--interface",
	"--oauth2-bearer", "--trace", "--trace-ascii", "--stderr", "--proxy-user", "--aws-sigv4", "--variable",
	"--time-cond", "--netrc-file", "--unix-socket", "--ciphers", "--expect100-timeout", "--max-filesize",
	"--retry-max-time", "--local-port", "--dns-servers", "--pinnedpubkey", "--key-type", "--cert-type",
	"--hostpubmd5", "--socks5", "--socks5-hostname", "--noproxy", "--preproxy", "--ftp-port", "--quote",
	"--mail-from", "--mail-rcpt", "--login-options", "--sasl-authzid", "--service-name", "--upload-flags",
}

// tools maps a command name to what its arguments are. Names not here are
// opsGeneric; interpreters, shells, find and git have their own handlers.
var tools = map[string]*tool{
	// Data only.
	"echo": noTool, "printf": noTool, "cd": noTool, "pushd": noTool, "popd": noTool, "export": noTool,
	"true": noTool, "false": noTool, ":": noTool, "test": noTool, "[": noTool, "[[": noTool, "sleep": noTool,
	"kill": noTool, "pkill": noTool, "killall": noTool, "exit": noTool, "return": noTool, "read": noTool,
	"set": noTool, "unset": noTool, "alias": noTool, "type": noTool, "which": noTool, "whoami": noTool,
	"date": noTool, "ps": noTool, "id": noTool, "uname": noTool, "hostname": noTool, "pwd": noTool,
	"seq": noTool, "yes": noTool, "let": noTool, "declare": noTool, "local": noTool, "typeset": noTool,
	"readonly": noTool, "shift": noTool, "wait": noTool, "trap": noTool, "ulimit": noTool, "umask": noTool,
	"eval": noTool, "exec": noTool, "command": noTool, "builtin": noTool, "env": noTool, "sudo": noTool,
	"xargs": noTool, "time": noTool, "nohup": noTool, "nice": noTool, "timeout": noTool, "watch": noTool,
	"history": noTool, "tr": noTool, "expr": noTool, "basename": noTool, "dirname": noTool,
	"realpath": noTool, "readlink": noTool, "mktemp": noTool, "tput": noTool, "clear": noTool,
	// Metadata only: listing or stat-ing a file does not read it.
	"ls": noTool, "stat": noTool, "du": noTool, "tree": noTool, "exa": noTool, "eza": noTool, "lsd": noTool,

	// Delete.
	"rm": rmTool, "rmdir": rmTool, "unlink": rmTool, "shred": &tool{ops: opsDelete, opts: optTable{value: "ns", longValue: []string{"--iterations", "--size", "--random-source"}}},

	// Write.
	"touch": touchTool, "mkdir": &tool{ops: opsWrite, opts: optTable{value: "mZ", longValue: []string{"--mode", "--context"}}},
	"tee":      &tool{ops: opsWrite, opts: optTable{longValue: []string{"--output-error"}}},
	"truncate": &tool{ops: opsWrite, opts: optTable{value: "sr", longValue: []string{"--size", "--reference"}}, read: "r", readLong: []string{"--reference"}},
	"chmod":    modeTool, "chown": modeTool, "chgrp": modeTool,
	"cp": copyTool, "install": copyTool, "ln": copyTool, "mv": moveTool,
	"sponge": &tool{ops: opsWrite, opts: optTable{}}, // sponge FILE: writes its input to FILE
	"dd":     &tool{special: dd}, "ssh-keygen": &tool{special: sshKeygen}, "sqlite3": &tool{special: sqlite}, "sqlite": &tool{special: sqlite}, "duckdb": &tool{special: sqlite}, "litecli": &tool{special: sqlite},

	// Read.
	"cat": readTool, "tac": readTool, "nl": readTool, "less": readTool, "more": readTool, "view": readTool,
	"bat": readTool, "head": headTool, "tail": headTool, "wc": readTool, "uniq": readTool, "diff": readTool,
	"cmp": readTool, "comm": readTool, "file": readTool, "od": readTool, "hexdump": readTool, "xxd": &tool{special: xxd},
	"strings": &tool{ops: opsRead, opts: optTable{value: "nte", longValue: []string{"--bytes", "--radix", "--encoding"}}},
	"base64":  &tool{ops: opsRead, opts: optTable{value: "w", longValue: []string{"--wrap"}}},
	"base32":  &tool{ops: opsRead, opts: optTable{value: "w", longValue: []string{"--wrap"}}},
	"md5sum":  readTool, "sha1sum": readTool, "sha256sum": readTool, "sha512sum": readTool, "cksum": readTool,
	"cut":  &tool{ops: opsRead, opts: optTable{value: "bcdf", longValue: []string{"--bytes", "--characters", "--delimiter", "--fields", "--output-delimiter"}}},
	"sort": sortTool, "paste": readTool, "column": readTool, "fold": readTool, "iconv": readTool,
	"gpg": readTool, "source": &tool{ops: opsFirst}, ".": &tool{ops: opsFirst},
	"grep": grepTool, "egrep": grepTool, "fgrep": grepTool, "zgrep": grepTool, "rg": rgTool, "ag": rgTool,
	"ack": rgTool, "sed": sedTool, "awk": awkTool, "gawk": awkTool, "mawk": awkTool, "nawk": awkTool,
	"jq": jqTool, "openssl": &tool{special: openssl},

	// Archives.
	"tar": &tool{special: tar}, "zip": &tool{special: zip}, "unzip": &tool{special: unzip},

	// Network.
	"curl": curlTool, "wget": wgetTool, "http": &tool{special: httpie}, "https": &tool{special: httpie},
	"xh": &tool{special: httpie}, "socat": &tool{special: socat}, "ssh": sshTool, "sftp": sshTool, "mosh": sshTool, "nc": ncTool,
	"ncat": ncTool, "netcat": ncTool, "telnet": ncTool, "scp": scpTool, "rsync": rsyncTool,
	"git": &tool{special: gitFacts}, "find": &tool{special: findFacts},
	"kubectl": &tool{special: kubectl}, "oc": &tool{special: kubectl}, "kubectl-view_secret": &tool{special: viewSecret},
}

// factBuilder collects the facts of one command.
type factBuilder struct {
	c      *Command
	braces string // what "{}" stands for (find -exec), "" when nothing
}

func (f *factBuilder) read(p string) {
	if p = f.clean(p); p != "" {
		f.c.Reads = append(f.c.Reads, p)
	}
}

func (f *factBuilder) write(p string) {
	if p = f.clean(p); p != "" {
		f.c.Writes = append(f.c.Writes, p)
	}
}

func (f *factBuilder) delete(p string) {
	if p = f.clean(p); p != "" {
		f.c.Deletes = append(f.c.Deletes, p)
	}
}

// clean drops what is not a file: "-" (standard input or output), empty
// words and device files that hold no data.
func (f *factBuilder) clean(p string) string {
	if p == "{}" {
		return f.braces
	}
	switch p {
	case "", "-", "/dev/null", "/dev/stdin", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/zero",
		"/dev/random", "/dev/urandom":
		return ""
	}
	if strings.HasPrefix(p, "/dev/fd/") || strings.HasPrefix(p, "/proc/self/fd/") {
		return ""
	}
	return p
}

func (f *factBuilder) url(u string) {
	if u == "" {
		return
	}
	if p, ok := fileURLPath(u); ok {
		// file:///home/dev/.aws/credentials: curl (or a tunnel serving
		// it) reads the file.
		f.read(p)
		return
	}
	f.c.URLs = append(f.c.URLs, u)
	if h := hostOf(u); h != "" {
		f.host(h)
	}
}

func (f *factBuilder) host(h string) {
	for _, x := range f.c.Hosts {
		if x == h {
			return
		}
	}
	f.c.Hosts = append(f.c.Hosts, h)
}

// facts fills c's facts from its words (ws[0] being the command name) and
// its redirections.
func (a *analyzer) facts(c *Command, ws []word) {
	f := factBuilder{c: c, braces: a.braces}
	ws = literalTildes(ws)
	for _, r := range c.Redirects {
		f.redirect(r)
	}
	if c.Name == "" || c.Opaque == OpaqueDynamicName {
		return
	}
	t := tools[c.Name]
	if t == nil {
		switch {
		case interpreter(c.Name) != nil:
			// A script's or module's operands are the program's input:
			// `python3 -m base64 ~/.ssh/id_rsa`, `node dump.js .env`.
			// Inline code has its own scan (code.go).
			if c.Opaque == "" {
				f.generic(ws)
			}
		case !isShell(c.Name):
			if kube, ok := kubeShaped(ws); ok {
				kubectl(&f, kube)
				return
			}
			f.generic(ws)
			f.containerCopy(c.Name, ws)
		}
		return
	}
	if t.special != nil {
		t.special(&f, ws)
		return
	}
	f.table(t, ws)
}

// literalTildes returns ws with a quoted leading tilde made a name in the
// current directory: rm -rf '~' removes a directory named ~, not the home
// directory (bash expands only an unquoted ~ at the start of a word).
func literalTildes(ws []word) []word {
	var out []word
	for i, w := range ws {
		if i == 0 || !strings.HasPrefix(w.val, "~") || w.node == nil || len(w.node.Parts) == 0 {
			continue
		}
		if lit, ok := w.node.Parts[0].(*syntax.Lit); ok && strings.HasPrefix(lit.Value, "~") {
			continue
		}
		if out == nil {
			out = append([]word(nil), ws...)
		}
		out[i].val = "./" + w.val
	}
	if out == nil {
		return ws
	}
	return out
}

// redirect records the file a redirection reads or writes.
func (f *factBuilder) redirect(r Redirect) {
	switch r.Op {
	case "<":
		f.read(r.Path)
	case ">", ">>", ">|", "&>", "&>>":
		f.write(r.Path)
	case "<>":
		f.read(r.Path)
		f.write(r.Path)
	case ">&":
		// `>&file` is `&>file`; `>&2` and `>&-` duplicate descriptors.
		if r.Path != "" && r.Path != "-" && !allDigits(r.Path) {
			f.write(r.Path)
		}
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// scan walks ws[1:] as GNU getopt does: options may follow operands, "--"
// ends them. opt gets each option (short: its letter, long: its name) with
// its value when it takes one; operand gets each operand.
func scan(ws []word, t *optTable, opt func(short byte, long, val string), operand func(w word)) {
	ended := false
	for i := 1; i < len(ws); i++ {
		w := ws[i]
		v := w.val
		if ended || len(v) < 2 || v[0] != '-' || !w.static && !dynamicLongValue(v) {
			operand(w)
			continue
		}
		if v == "--" {
			ended = true
			continue
		}
		if v[1] == '-' {
			name, val, has := strings.Cut(v, "=")
			if !has && contains(t.longValue, name) && i+1 < len(ws) {
				i++
				val = ws[i].val
			}
			opt(0, name, val)
			continue
		}
		for j := 1; j < len(v); j++ {
			c := v[j]
			if strings.IndexByte(t.value, c) >= 0 {
				val := v[j+1:]
				if val == "" && i+1 < len(ws) {
					i++
					val = ws[i].val
				}
				opt(c, "", val)
				break
			}
			if strings.IndexByte(t.rest, c) >= 0 {
				opt(c, "", v[j+1:])
				break
			}
			opt(c, "", "")
		}
	}
}

// table applies a tool description.
func (f *factBuilder) table(t *tool, ws []word) {
	var buf [8]word
	ops := buf[:0]
	patternGiven, inplace, target := false, false, ""
	deleteDest := false // rsync --delete*: files of the destination missing from the source go
	skipEmpty := false
	scan(ws, &t.opts, func(short byte, long, val string) {
		if short != 0 {
			switch {
			case strings.IndexByte(t.read, short) >= 0:
				f.read(val)
			case strings.IndexByte(t.write, short) >= 0:
				f.write(val)
			case strings.IndexByte(t.target, short) >= 0:
				target = val
			}
			if strings.IndexByte(t.pattern, short) >= 0 {
				patternGiven = true
			}
			if strings.IndexByte(t.inplace, short) >= 0 {
				inplace = true
				skipEmpty = val == "" // BSD sed -i '' takes the suffix as the next word
			}
			return
		}
		switch {
		case contains(t.readLong, long):
			f.read(val)
		case contains(t.writeLong, long):
			f.write(val)
		case contains(t.targetLong, long):
			target = val
		case long == "--reference" && t.ops == opsMode:
			patternGiven = true
		}
		if contains(t.patternLong, long) {
			patternGiven = true
		}
		if contains(t.inplaceLong, long) {
			inplace = true
		}
		if t == rsyncTool && (long == "--del" || strings.HasPrefix(long, "--delete")) {
			deleteDest = true
		}
	}, func(w word) {
		if skipEmpty && w.static && w.val == "" && len(ops) == 0 {
			skipEmpty = false
			return
		}
		ops = append(ops, w)
	})
	switch t.ops {
	case opsRead:
		for _, w := range ops {
			f.read(w.val)
		}
	case opsWrite:
		for _, w := range ops {
			f.write(w.val)
		}
	case opsDelete:
		for _, w := range ops {
			f.delete(w.val)
			if w.emptyOK && rootish(w.empty) {
				// rm -rf "$X"/ with X unset or empty is rm -rf /.
				f.delete(w.empty)
			}
		}
	case opsPattern, opsMode:
		if !patternGiven && len(ops) > 0 {
			ops = ops[1:]
		}
		for _, w := range ops {
			if t.ops == opsMode {
				f.write(w.val)
				continue
			}
			if t == awkTool && isAssign(w.val) {
				continue // awk's var=value operands
			}
			f.read(w.val)
			if inplace {
				f.write(w.val)
			}
		}
	case opsFirst:
		if len(ops) > 0 {
			f.read(ops[0].val)
		}
	case opsCopy, opsMove:
		srcs := ops
		if target != "" {
			f.write(target)
		} else if len(ops) > 1 {
			srcs = ops[:len(ops)-1]
			f.write(ops[len(ops)-1].val)
		} else if len(ops) == 1 && ws[0].val == "ln" {
			srcs = ops // ln -s TARGET makes a link in the current directory
		}
		for _, w := range srcs {
			if t.ops == opsMove {
				f.delete(w.val)
			} else {
				f.read(w.val)
			}
		}
	case opsURL:
		if target != "" {
			f.write(target)
		}
		for _, w := range ops {
			f.url(w.val)
		}
	case opsHost:
		if len(ops) > 0 {
			if h := hostOf(ops[0].val); h != "" && ops[0].static {
				f.host(h)
				if ws[0].val != "nc" && ws[0].val != "ncat" && ws[0].val != "netcat" && ws[0].val != "telnet" {
					f.c.URLs = append(f.c.URLs, ops[0].val)
				}
			}
		}
	case opsRemote:
		f.remote(ops, deleteDest)
	}
}

// rootish reports whether p names the root directory or everything in it
// (/, //, /*, /.*).
func rootish(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	switch path.Clean(p) {
	case "/", "/*", "/.*":
		return true
	}
	return false
}

// remote handles scp and rsync operands: host:path is remote, anything
// else local; local sources are read and a local destination written,
// and deleted in when deleteDest (rsync --delete removes what the source
// lacks: from an empty source, everything).
func (f *factBuilder) remote(ops []word, deleteDest bool) {
	if len(ops) == 0 {
		return
	}
	for i, w := range ops {
		last := i == len(ops)-1 && len(ops) > 1
		if isRemote(w.val) {
			f.url(w.val)
			continue
		}
		if last {
			f.write(w.val)
			if deleteDest {
				f.delete(w.val)
			}
		} else {
			f.read(w.val)
		}
	}
}

// isRemote reports whether an scp/rsync operand names a remote path:
// host:path, user@host:path, or a URL.
func isRemote(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexByte(s, '/')
	return colon > 0 && (slash < 0 || colon < slash)
}

// generic records the operands of an unknown tool that look like paths as
// reads: `vim .env`, `openssl … ~/.ssh/id_rsa`, `node x.js secrets.json`.
// Option values written --opt=value count when they look like paths.
func (f *factBuilder) generic(ws []word) {
	for i := 1; i < len(ws); i++ {
		w := ws[i]
		v := w.val
		if len(v) > 2 && v[0] == '-' && v[1] == '-' {
			if name, val, ok := strings.Cut(v, "="); ok && pathLike(val) {
				if outputOption(name) {
					f.write(val)
				} else {
					f.read(val)
				}
			} else if !ok && outputOption(v) && i+1 < len(ws) && pathLike(ws[i+1].val) {
				f.write(ws[i+1].val)
				i++
			}
			continue
		}
		if v == "-o" && i+1 < len(ws) && pathLike(ws[i+1].val) {
			f.write(ws[i+1].val) // the output file of most tools (cc -o, go build -o, pandoc -o)
			i++
			continue
		}
		if len(v) > 0 && v[0] == '-' {
			continue
		}
		if pathLike(v) && !quotedPattern(w) {
			f.read(v)
		} else if i := strings.Index(v, "://"); i > 0 && !strings.ContainsAny(v, " \t\n") && isScheme(v[:i]) {
			f.url(v) // a URL operand: the tool contacts it
		}
	}
}

// outputOption reports a long option of an unknown tool that names where
// it writes: --output, --out-dir, --outdir, --dest, --destination,
// --target-dir, protoc's --go_out and the like.
func outputOption(name string) bool {
	switch name {
	case "--output", "--out", "--outdir", "--out-dir", "--output-dir", "--output-directory", "--dest", "--destination",
		"--target-dir", "--dist-dir", "--site-dir", "--build-dir":
		return true
	}
	return strings.HasSuffix(name, "_out") && strings.HasPrefix(name, "--")
}

// quotedPattern reports an operand of an unknown tool that the shell
// passes as written although it holds pattern or template characters
// (--tests "com.example.*Service*", --format '{{.State.Status}}') and no
// directory: a pattern or template for the tool, not a file the shell
// expands. A known reader's quoted operand stays a file (cat "*.env" is
// its own table).
func quotedPattern(w word) bool {
	if !w.static || w.glob || strings.ContainsRune(w.val, '/') {
		return false // 'secrets/*.pem' is a path pattern: zip and others expand it themselves
	}
	return strings.ContainsAny(w.val, "*?[") || strings.Contains(w.val, "{{")
}

// isScheme reports whether s is a URL scheme that names a network service.
func isScheme(s string) bool {
	switch strings.ToLower(s) {
	case "http", "https", "ftp", "ftps", "ws", "wss", "ssh", "git", "sftp", "tcp", "udp", "s3", "gs", "redis", "rediss",
		"postgres", "postgresql", "mysql", "mongodb", "mongodb+srv", "amqp", "amqps", "nats", "grpc", "ldap", "ldaps", "smtp", "telnet", "rsync":
		return true
	}
	return false
}

// pathLike reports whether an argument of an unknown tool is probably a
// file: it has a slash, starts with "." or "~", or is a name with an
// extension. URLs, words with spaces and assignments are not.
func pathLike(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\n=") || strings.Contains(s, "://") {
		return false
	}
	switch {
	case s[0] == '.' || s[0] == '~' || s[0] == '/' || strings.HasPrefix(s, "$HOME"):
		return true
	case strings.IndexByte(s, '/') >= 0:
		return !strings.ContainsAny(s, "@:")
	}
	dot := strings.LastIndexByte(s, '.')
	return dot > 0 && dot < len(s)-1 && !strings.ContainsAny(s, "@:,")
}

// hostOf returns the host of a URL, an scp-style user@host:path, or a
// bare host[:port][/path]; "" when there is none or it is not static.
func hostOf(u string) string {
	if strings.ContainsAny(u, "$`") {
		return ""
	}
	s := u
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	} else if c := strings.IndexByte(s, ':'); c > 0 && (strings.IndexByte(s, '/') < 0 || c < strings.IndexByte(s, '/')) && strings.IndexByte(s, '@') >= 0 {
		s = s[:c] // user@host:path
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			return strings.ToLower(s[1:i])
		}
		return ""
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	if s == "" || strings.ContainsAny(s, " \t\"'*") {
		return ""
	}
	return strings.ToLower(s)
}

// curl: operands and --url are URLs; -d @file, -F name=@file, -T file and
// --config read files; -o, --output-dir, -c, -D write them.
func curl(f *factBuilder, ws []word) {
	var ops []word
	scan(ws, &curlOpts, func(short byte, long, val string) {
		switch {
		case short == 'd' || long == "--data" || long == "--data-binary" || long == "--data-ascii" || long == "--json":
			if strings.HasPrefix(val, "@") {
				f.read(val[1:])
			}
		case long == "--data-urlencode":
			if i := strings.IndexByte(val, '@'); i >= 0 && !strings.Contains(val[:i], "=") {
				f.read(val[i+1:])
			}
		case short == 'F' || long == "--form":
			if _, v, ok := strings.Cut(val, "="); ok && (strings.HasPrefix(v, "@") || strings.HasPrefix(v, "<")) {
				v = v[1:]
				if i := strings.IndexByte(v, ';'); i >= 0 {
					v = v[:i]
				}
				f.read(v)
			}
		case short == 'T' || long == "--upload-file" || short == 'K' || long == "--config" || long == "--netrc-file":
			f.read(val)
		case short == 'o' || long == "--output" || short == 'c' || long == "--cookie-jar" || short == 'D' || long == "--dump-header" || long == "--output-dir":
			f.write(val)
		case short == 'b' || long == "--cookie":
			if !strings.Contains(val, "=") {
				f.read(val)
			}
		case long == "--url":
			f.url(val)
		}
	}, func(w word) { ops = append(ops, w) })
	for _, w := range ops {
		f.url(w.val)
	}
}

// httpie: [METHOD] URL [items]; an item field@file or field=@file reads a file.
func httpie(f *factBuilder, ws []word) {
	seenURL := false
	scan(ws, &optTable{value: "abopv", longValue: []string{"--auth", "--output", "--session", "--print", "--verify", "--cert", "--cert-key", "--proxy", "--timeout"}}, func(short byte, long, val string) {
		if short == 'o' || long == "--output" {
			f.write(val)
		}
	}, func(w word) {
		v := w.val
		switch {
		case !seenURL && isMethod(v):
		case !seenURL:
			seenURL = true
			f.url(v)
		default:
			if i := strings.Index(v, "@"); i > 0 {
				f.read(strings.TrimPrefix(v[i+1:], "@"))
			}
		}
	})
}

func isMethod(s string) bool {
	switch s {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
		return true
	}
	return false
}

// dd: if= is read, of= written.
func dd(f *factBuilder, ws []word) {
	for _, w := range ws[1:] {
		if v, ok := strings.CutPrefix(w.val, "if="); ok {
			f.read(v)
		} else if v, ok := strings.CutPrefix(w.val, "of="); ok {
			f.write(v)
		}
	}
}

// sqlite: sqlite3 / duckdb / litecli [options] [FILE [SQL…]]: the
// database file is read (its rows reach the output); -init and -cmd
// files too.
func sqlite(f *factBuilder, ws []word) {
	n := 0
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		switch v {
		case "-init", "-cmd", "-separator", "-newline", "-nullvalue", "-mmap", "-pagecache", "-lookaside", "-heap",
			"-maxsize", "-vfs", "-c", "-s", "--cmd", "--init":
			if (v == "-init" || v == "--init") && i+1 < len(ws) {
				f.read(ws[i+1].val)
			}
			i++
			continue
		}
		if len(v) > 1 && v[0] == '-' && ws[i].static {
			continue
		}
		if n == 0 && v != ":memory:" {
			f.read(v)
		}
		n++
	}
}

// sshKeygen: with -y, -l, -e or -B it prints only the public half or a
// fingerprint of the -f key (ssh-keygen -y -f ~/.ssh/id_ed25519 checks a
// key), which is not reading the secret; otherwise -f names the key it
// creates or rewrites (-t, -p, -c): a write.
func sshKeygen(f *factBuilder, ws []word) {
	public := false
	for _, w := range ws[1:] {
		if len(w.val) > 1 && w.val[0] == '-' && w.val[1] != '-' && strings.ContainsAny(w.val[1:], "yleB") {
			public = true
		}
	}
	for i := 1; i+1 < len(ws); i++ {
		v := ws[i].val
		if len(v) > 1 && v[0] == '-' && v[1] != '-' && strings.HasSuffix(v, "f") {
			if !public {
				f.write(ws[i+1].val)
			}
			i++
		}
	}
}

// xxd: xxd [options] [infile [outfile]].
func xxd(f *factBuilder, ws []word) {
	n := 0
	scan(ws, &optTable{value: "cglnosC", longValue: nil}, func(byte, string, string) {}, func(w word) {
		if n == 0 {
			f.read(w.val)
		} else if n == 1 {
			f.write(w.val)
		}
		n++
	})
}

// jq: the filter is the first operand unless -f gave it; files follow.
func jq(f *factBuilder, ws []word) {
	patternGiven, n := false, 0
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		switch {
		case v == "--arg" || v == "--argjson":
			i += 2
		case v == "--slurpfile" || v == "--rawfile":
			if i+2 < len(ws) {
				f.read(ws[i+2].val)
			}
			i += 2
		case v == "-f" || v == "--from-file":
			if i+1 < len(ws) {
				f.read(ws[i+1].val)
			}
			patternGiven = true
			i++
		case v == "--indent" || v == "-L":
			i++
		case v == "--args" || v == "--jsonargs":
			return // the rest are arguments, not files
		case len(v) > 1 && v[0] == '-' && ws[i].static:
		default:
			if n > 0 || patternGiven {
				f.read(v)
			}
			n++
		}
	}
}

// openssl takes single-dash long options: -in, -out, -key, -inkey…
func openssl(f *factBuilder, ws []word) {
	for i := 1; i+1 < len(ws); i++ {
		switch ws[i].val {
		case "-in", "-key", "-inkey", "-kfile", "-pass", "-passin", "-CAfile", "-signkey", "-cert", "-certfile", "-config":
			v := ws[i+1].val
			if rest, ok := strings.CutPrefix(v, "file:"); ok {
				v = rest
			} else if strings.Contains(v, ":") && (ws[i].val == "-pass" || ws[i].val == "-passin") {
				i++
				continue
			}
			f.read(v)
			i++
		case "-out", "-keyout":
			f.write(ws[i+1].val)
			i++
		}
	}
}

// tar: -c/-r/-u read the operands and write the archive; -x reads the
// archive and writes into -C DIR (or the working directory); -t reads it.
func tar(f *factBuilder, ws []word) {
	var mode byte
	archive, dir := "", ""
	var ops []string
	for i := 1; i < len(ws); i++ {
		v := ws[i].val
		cluster := ""
		switch {
		case i == 1 && len(v) > 0 && v[0] != '-':
			cluster = v // tar czf out.tgz …
		case strings.HasPrefix(v, "--"):
			name, val, has := strings.Cut(v, "=")
			takes := name == "--file" || name == "--directory" || name == "--files-from" || name == "--exclude-from"
			if takes && !has && i+1 < len(ws) {
				i++
				val = ws[i].val
			}
			switch name {
			case "--file":
				archive = val
			case "--directory":
				dir = val
			case "--files-from", "--exclude-from":
				f.read(val)
			case "--create", "--append", "--update":
				mode = 'c'
			case "--extract", "--get":
				mode = 'x'
			case "--list", "--diff", "--compare":
				mode = 't'
			case "--remove-files":
				mode = 'R'
			}
			continue
		case len(v) > 1 && v[0] == '-':
			cluster = v[1:]
		default:
			ops = append(ops, v)
			continue
		}
		for j := 0; j < len(cluster); j++ {
			switch c := cluster[j]; c {
			case 'c', 'r', 'u':
				if mode != 'R' {
					mode = 'c'
				}
			case 'x':
				mode = 'x'
			case 't', 'd':
				mode = 't'
			case 'f', 'C', 'T', 'X', 'b', 'H', 'V', 'g', 'K', 'N', 'L':
				val := cluster[j+1:]
				if val == "" && i+1 < len(ws) {
					i++
					val = ws[i].val
				}
				switch c {
				case 'f':
					archive = val
				case 'C':
					dir = val
				case 'T', 'X', 'g':
					f.read(val)
				}
				j = len(cluster)
			}
		}
	}
	switch mode {
	case 'c', 'R':
		f.write(archive)
		for _, p := range ops {
			if dir != "" && !path.IsAbs(p) {
				p = path.Join(dir, p)
			}
			f.read(p)
			if mode == 'R' {
				f.delete(p)
			}
		}
	case 'x':
		f.read(archive)
		if dir == "" {
			dir = "."
		}
		f.write(dir)
	case 't':
		f.read(archive)
	}
}

// zip: zip [options] archive files…; -d deletes entries, -m moves files in.
func zip(f *factBuilder, ws []word) {
	var ops []string
	move := false
	scan(ws, &optTable{value: "bnPtx", longValue: []string{"--password", "--temp-path", "--suffixes", "--exclude", "--include"}}, func(short byte, long, val string) {
		if short == 'm' || long == "--move" {
			move = true
		}
	}, func(w word) { ops = append(ops, w.val) })
	if len(ops) == 0 {
		return
	}
	f.write(ops[0])
	for _, p := range ops[1:] {
		f.read(p)
		if move {
			f.delete(p)
		}
	}
}

// unzip: unzip [options] archive [members] [-d dir].
func unzip(f *factBuilder, ws []word) {
	dir, n := ".", 0
	scan(ws, &optTable{value: "dxP"}, func(short byte, long, val string) {
		if short == 'd' {
			dir = val
		}
	}, func(w word) {
		if n == 0 {
			f.read(w.val)
		}
		n++
	})
	if n > 0 {
		f.write(dir)
	}
}

func isShell(name string) bool {
	switch name {
	case "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh":
		return true
	}
	return false
}

// findArgs splits find's arguments into start paths and the expression,
// and notes a single -name test (the files the expression narrows to).
func findArgs(ws []word) (starts []string, name string, expr []word) {
	i := 1
	for i < len(ws) && ws[i].static && (ws[i].val == "-H" || ws[i].val == "-L" || ws[i].val == "-P" ||
		strings.HasPrefix(ws[i].val, "-O") || ws[i].val == "-D") {
		if ws[i].val == "-D" {
			i++
		}
		i++
	}
	for i < len(ws) {
		v := ws[i].val
		if ws[i].static && (strings.HasPrefix(v, "-") || v == "(" || v == "!" || v == ")" || v == ",") {
			break
		}
		starts = append(starts, v)
		i++
	}
	if len(starts) == 0 {
		starts = []string{"."}
	}
	expr = ws[min(i, len(ws)):]
	names := 0
	for j, w := range expr {
		switch w.val {
		case "-name", "-iname":
			if j+1 < len(expr) && expr[j+1].static {
				name = expr[j+1].val
			}
			names++
		case "-o", "-or":
			names += 2 // alternatives: the name does not narrow
		case "-not", "!":
			// A negated name does not narrow; a negated path or type
			// (-not -path './.git/*') only restricts further.
			if j+1 < len(expr) && (expr[j+1].val == "-name" || expr[j+1].val == "-iname") {
				names += 2
			}
		case "-exec", "-execdir", "-ok", "-okdir":
			// Stop at the first action's command.
			if names != 1 {
				name = ""
			}
			return starts, name, expr
		}
	}
	if names != 1 {
		name = ""
	}
	return starts, name, expr
}

// narrow returns start narrowed to name, as "start/**/name", or start.
func narrow(start, name string) string {
	if name == "" || strings.Contains(name, "/") {
		return start
	}
	return strings.TrimSuffix(start, "/") + "/**/" + name
}

// findBraces is what "{}" in find's -exec stands for: the start path,
// narrowed by a single -name test.
func findBraces(ws []word) string {
	starts, name, _ := findArgs(ws)
	return narrow(starts[0], name)
}

// findFacts: -delete deletes what find selects under its start paths
// (narrowed by a single -name test); -fprint and friends write files.
func findFacts(f *factBuilder, ws []word) {
	starts, name, expr := findArgs(ws)
	del := false
	for j := 0; j < len(expr); j++ {
		switch expr[j].val {
		case "-delete":
			del = true
		case "-fprint", "-fprint0", "-fls", "-fprintf":
			if j+1 < len(expr) {
				f.write(expr[j+1].val)
			}
		case "-exec", "-execdir", "-ok", "-okdir":
			for j < len(expr) && !(expr[j].static && (expr[j].val == ";" || expr[j].val == "+")) {
				j++
			}
		}
	}
	if del {
		for _, s := range starts {
			f.delete(narrow(s, name))
		}
	}
}

// findOutput is what find writes to a pipe: the paths it selects (its
// start paths, narrowed by a single -name test), one a line, when it only
// prints them; a find that runs commands or formats its output writes
// what is not known.
func findOutput(ws []word) input {
	starts, name, expr := findArgs(ws)
	for _, w := range expr {
		switch w.val {
		case "-exec", "-execdir", "-ok", "-okdir", "-printf", "-fprintf", "-ls", "-fls", "-delete":
			return input{fed: true, pipe: true}
		}
	}
	if len(starts) > 16 {
		return input{fed: true, pipe: true}
	}
	var b strings.Builder
	for _, s := range starts {
		b.WriteString(narrow(s, name))
		b.WriteByte('\n')
	}
	return input{fed: true, pipe: true, script: b.String(), static: true, read: new(bool)}
}

// containerCopy records where `docker cp CTR:SRC DEST` (podman, nerdctl,
// `docker container cp`) writes on this machine: DEST, as cp would.
func (f *factBuilder) containerCopy(name string, ws []word) {
	switch name {
	case "docker", "podman", "nerdctl":
	default:
		return
	}
	var ops []string
	i := 1
	for i < len(ws) && strings.HasPrefix(ws[i].val, "-") {
		i++ // global options without values (--debug); others end the scan below
	}
	if i < len(ws) && ws[i].val == "container" {
		i++
	}
	if i >= len(ws) || ws[i].val != "cp" {
		return
	}
	for _, w := range ws[i+1:] {
		if strings.HasPrefix(w.val, "-") && w.val != "-" {
			continue // -a, -L, -q, --archive, --follow-link
		}
		ops = append(ops, w.val)
	}
	if len(ops) != 2 || !containerRef(ops[0]) || containerRef(ops[1]) || ops[1] == "-" {
		return
	}
	f.write(ops[1])
}

// containerRef reports a CONTAINER:PATH operand of docker cp.
func containerRef(s string) bool {
	c := strings.IndexByte(s, ':')
	if c <= 0 || strings.HasPrefix(s, "/") || strings.HasPrefix(s, ".") || strings.HasPrefix(s, "~") || strings.HasPrefix(s, "$") {
		return false
	}
	return !strings.Contains(s[:c], "/")
}

// dynamicLongValue reports --name=VALUE whose value, not its name, is only
// known at run time (--post-file=$HOME/.netrc): the option is still the
// option, with the value as written.
func dynamicLongValue(v string) bool {
	eq := strings.IndexByte(v, '=')
	return strings.HasPrefix(v, "--") && eq > 2 && !strings.ContainsAny(v[:eq], "$`\"'")
}

// socat reads the files its addresses open: FILE:, OPEN:, GOPEN: and a bare
// path are read (and may be written), CREATE: is written. Its network
// addresses are read by the network facts of package policy.
func socat(f *factBuilder, ws []word) {
	for _, w := range ws[1:] {
		v := w.val
		if strings.HasPrefix(v, "-") {
			continue
		}
		typ, rest, has := strings.Cut(v, ":")
		if !has {
			if strings.ContainsAny(v, "/") {
				f.read(strings.SplitN(v, ",", 2)[0])
			}
			continue
		}
		rest, _, _ = strings.Cut(rest, ",")
		switch strings.ToUpper(typ) {
		case "FILE", "OPEN", "GOPEN":
			f.read(rest)
		case "CREATE", "CREAT":
			f.write(rest)
		}
	}
}

// fileURLPath returns the path of a file: URL (file:///p, file://localhost/p).
func fileURLPath(u string) (string, bool) {
	if len(u) < 8 || !strings.EqualFold(u[:7], "file://") {
		return "", false
	}
	rest := u[7:]
	if h, p, ok := strings.Cut(rest, "/"); ok && (h == "" || strings.EqualFold(h, "localhost")) {
		return "/" + p, true
	}
	return "", false
}
