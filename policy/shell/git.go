package shell

import (
	"path"
	"strings"
)

// Git is what one git invocation does, as written on the line.
type Git struct {
	Subcommand string   // "push", "reset", "clean"…; "" for git alone or git --version
	Args       []string // the arguments after the subcommand
	Remote     string   // push, pull, fetch: the repository operand (a remote name or URL); clone: the URL
	// Refs are the ref operands as written: refspecs for push, fetch and
	// pull; branch or tag names for branch, tag, checkout, switch; the
	// commit for reset.
	Refs       []string
	Force      bool // --force, -f, +refspec, --force-with-lease, --force-if-includes (push, fetch, branch, tag, checkout, switch)
	Delete     bool // push --delete/-d or a ":branch" refspec; branch -d/-D; tag -d; push --prune/--mirror
	All        bool // push --all or --mirror: every branch
	Hard       bool // reset --hard (also --merge and --keep, which discard too)
	CleanForce bool // clean -f (without -n/--dry-run)
}

// gitGlobalValue are git's global options that take the next word.
var gitGlobalValue = []string{"-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env", "--super-prefix", "--exec-path"}

// gitValue are options of the common subcommands that take the next word,
// so that their values are not mistaken for operands.
var gitValue = map[string]string{
	"push":     "o",
	"fetch":    "jo",
	"pull":     "jo",
	"clone":    "bocju",
	"commit":   "mFcCt",
	"tag":      "mFu",
	"checkout": "bB",
	"switch":   "cC",
	"branch":   "tu",
	"reset":    "",
	"clean":    "e",
	"add":      "",
	"rm":       "",
	"restore":  "s",
	"stash":    "m",
	"merge":    "msX",
	"rebase":   "sSX",
	"archive":  "o",
	"log":      "n",
}

var gitValueLong = []string{
	"--repo", "--receive-pack", "--exec", "--push-option", "--upload-pack", "--branch", "--origin", "--depth",
	"--config", "--reference", "--separate-git-dir", "--template", "--jobs", "--message", "--file",
	"--reuse-message", "--reedit-message", "--author", "--date", "--cleanup", "--track", "--set-upstream-to",
	"--exclude", "--source", "--strategy", "--strategy-option", "--onto", "--shallow-since", "--shallow-exclude",
	"--pathspec-from-file", "--fixup", "--squash", "--conflict", "--orphan", "--local-user", "--format",
}

// gitFacts parses a git command line: global options, the subcommand, and
// what the subcommand touches.
func gitFacts(f *factBuilder, ws []word) {
	g := &Git{}
	f.c.Git = g
	dir := ""
	i := 1
	for i < len(ws) {
		v := ws[i].val
		if !ws[i].static || len(v) < 2 || v[0] != '-' {
			break
		}
		name, _, has := strings.Cut(v, "=")
		if !has && contains(gitGlobalValue, name) && i+1 < len(ws) {
			if name == "-C" && ws[i+1].static {
				if dir == "" || path.IsAbs(ws[i+1].val) {
					dir = ws[i+1].val
				} else {
					dir = path.Join(dir, ws[i+1].val)
				}
			}
			i++
		}
		i++
	}
	if i >= len(ws) {
		return
	}
	g.Subcommand = ws[i].val
	rest := ws[i+1:]
	if len(rest) > 0 {
		g.Args = make([]string, len(rest))
		for j, w := range rest {
			g.Args[j] = w.val
		}
	}
	at := func(p string) string {
		if dir != "" && p != "" && !path.IsAbs(p) && p[0] != '~' && p[0] != '$' {
			return path.Join(dir, p)
		}
		return p
	}
	// Operands, with the options each subcommand cares about noted.
	var ops, paths []string
	dashdash := false
	var flags []string
	short := gitValue[g.Subcommand]
	for j := 0; j < len(rest); j++ {
		w := rest[j]
		v := w.val
		if dashdash {
			paths = append(paths, v)
			continue
		}
		if v == "--" {
			dashdash = true
			continue
		}
		if !w.static || len(v) < 2 || v[0] != '-' {
			ops = append(ops, v)
			continue
		}
		flags = append(flags, v)
		if v[1] == '-' {
			name, _, has := strings.Cut(v, "=")
			if !has && contains(gitValueLong, name) && j+1 < len(rest) {
				j++
			}
			continue
		}
		for k := 1; k < len(v); k++ {
			if strings.IndexByte(short, v[k]) >= 0 {
				if k == len(v)-1 && j+1 < len(rest) {
					j++
				}
				break
			}
		}
	}
	has := func(long string, shorts string) bool {
		for _, fl := range flags {
			if fl == long || strings.HasPrefix(fl, long+"=") {
				return true
			}
			if len(fl) > 1 && fl[1] != '-' && shorts != "" {
				for k := 1; k < len(fl); k++ {
					if strings.IndexByte(shorts, fl[k]) >= 0 {
						return true
					}
					if strings.IndexByte(short, fl[k]) >= 0 {
						break // the rest of the cluster is a value
					}
				}
			}
		}
		return false
	}
	switch g.Subcommand {
	case "push":
		g.Force = has("--force", "f") || has("--force-with-lease", "") || has("--force-if-includes", "") || has("--mirror", "")
		g.Delete = has("--delete", "d") || has("--prune", "") || has("--mirror", "")
		g.All = has("--all", "") || has("--mirror", "") || has("--branches", "")
		if len(ops) > 0 {
			g.Remote = ops[0]
			g.Refs = ops[1:]
		}
		for _, r := range g.Refs {
			if strings.HasPrefix(r, "+") {
				g.Force = true
			}
			if strings.HasPrefix(r, ":") && len(r) > 1 {
				g.Delete = true
			}
		}
	case "fetch", "pull":
		g.Force = has("--force", "f")
		if len(ops) > 0 {
			g.Remote = ops[0]
			g.Refs = ops[1:]
		}
	case "clone":
		if len(ops) > 0 {
			g.Remote = ops[0]
			if len(ops) > 1 {
				f.write(at(ops[1]))
			}
		}
	case "remote":
		if len(ops) >= 3 && (ops[0] == "add" || ops[0] == "set-url") {
			f.url(ops[2])
		}
	case "ls-remote", "archive":
		if len(ops) > 0 && isGitURL(ops[0]) {
			g.Remote = ops[0]
		}
	case "reset":
		g.Hard = has("--hard", "") || has("--merge", "") || has("--keep", "")
		if len(ops) > 0 {
			g.Refs = ops[:1]
		}
		if dashdash {
			// reset -- paths only unstages.
			g.Hard = g.Hard && len(paths) == 0
		}
	case "clean":
		dry := has("--dry-run", "n")
		g.CleanForce = has("--force", "f") && !dry
		if g.CleanForce {
			targets := append(ops, paths...)
			if len(targets) == 0 {
				targets = []string{"."}
			}
			for _, p := range targets {
				f.delete(at(p))
			}
		}
	case "branch":
		g.Delete = has("--delete", "dD")
		g.Force = has("--force", "fDM")
		g.Refs = ops
	case "tag":
		g.Delete = has("--delete", "d")
		g.Force = has("--force", "f")
		g.Refs = ops
	case "checkout", "switch":
		g.Force = has("--force", "f") && g.Subcommand == "checkout" || has("--discard-changes", "")
		// Without "--", `git checkout .` and `git checkout REF file…`
		// name paths; a lone word is a branch.
		switch {
		case dashdash:
			g.Refs = ops
		case len(ops) == 1 && looksLikePathspec(ops[0]):
			paths = ops
		case len(ops) > 1 && g.Subcommand == "checkout":
			g.Refs, paths = ops[:1], ops[1:]
		default:
			g.Refs = ops
		}
		for _, p := range paths {
			f.write(at(p))
		}
	case "restore":
		staged, worktree := has("--staged", "S"), has("--worktree", "W")
		if !staged || worktree {
			for _, p := range append(ops, paths...) {
				f.write(at(p))
			}
		}
	case "add", "stage":
		for _, p := range append(ops, paths...) {
			f.read(at(p))
		}
	case "rm":
		if !has("--cached", "") {
			for _, p := range append(ops, paths...) {
				f.delete(at(p))
			}
		}
	case "mv":
		if len(ops) > 1 {
			for _, p := range ops[:len(ops)-1] {
				f.delete(at(p))
			}
			f.write(at(ops[len(ops)-1]))
		}
	case "apply", "am":
		for _, p := range ops {
			f.read(at(p))
		}
	case "stash":
		if len(ops) > 0 {
			g.Refs = ops[1:]
		}
	case "update-ref":
		g.Delete = has("-d", "d")
		g.Refs = ops
	case "commit":
		if fl := flagValue(rest, "-F", "--file"); fl != "" {
			f.read(at(fl))
		}
	}
	gitContentReads(f, g.Subcommand, flags, ops, paths, at)
	if g.Remote != "" && isGitURL(g.Remote) {
		f.url(g.Remote)
	}
	if len(g.Refs) == 0 {
		g.Refs = nil
	}
}

// flagValue returns the value of -X VALUE / --long VALUE / --long=VALUE in ws.
func flagValue(ws []word, short, long string) string {
	for i, w := range ws {
		switch {
		case (w.val == short || w.val == long) && i+1 < len(ws):
			return ws[i+1].val
		case strings.HasPrefix(w.val, long+"="):
			return w.val[len(long)+1:]
		}
	}
	return ""
}

// looksLikePathspec reports whether a lone checkout operand is a path
// rather than a branch: ".", "./x", a glob, or ":/".
func looksLikePathspec(s string) bool {
	return s == "." || s == ".." || strings.HasPrefix(s, "./") || strings.HasPrefix(s, "../") ||
		strings.HasPrefix(s, ":/") || strings.ContainsAny(s, "*?[")
}

// isGitURL reports whether a git repository operand is a URL or an
// scp-style address rather than a remote name or a local path.
func isGitURL(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	at, colon := strings.IndexByte(s, '@'), strings.IndexByte(s, ':')
	return at > 0 && colon > at
}
