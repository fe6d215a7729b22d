package shell

import "strings"

// gitContentReads records the files whose content a git command prints or
// packs: `git show REV:path`, `git cat-file -p REV:path`, `git diff
// --no-index a b`, the paths of `git diff`, `git log -p`, `git blame` and
// `git grep`, and what `git archive` packs. A committed .env printed from
// history is the .env read: the filesystem lists judge it by its path.
// ops are the operands before "--", paths those after it.
func gitContentReads(f *factBuilder, sub string, flags, ops, paths []string, at func(string) string) {
	read := func(p string) {
		if p != "" {
			f.read(at(p))
		}
	}
	// REV:path names a file in a commit or the index (:path, :0:path).
	blob := func(op string) bool {
		i := strings.IndexByte(op, ':')
		if i < 0 || strings.Contains(op, "://") {
			return false
		}
		p := op[i+1:]
		if i == 0 && len(p) > 1 && p[0] >= '0' && p[0] <= '3' && p[1] == ':' {
			p = p[2:] // :stage:path
		}
		read(strings.TrimPrefix(p, "/"))
		return true
	}
	hasFlag := func(names ...string) bool {
		for _, fl := range flags {
			name, _, _ := strings.Cut(fl, "=")
			for _, n := range names {
				if name == n {
					return true
				}
			}
		}
		return false
	}
	switch sub {
	case "show", "cat-file":
		if sub == "cat-file" && hasFlag("-t", "-s", "-e") {
			return // type, size or existence only
		}
		for _, op := range ops {
			blob(op)
		}
		if sub == "show" {
			for _, p := range paths {
				read(p) // the commits' diffs of these files
			}
		}
	case "diff", "difftool":
		if hasFlag("--stat", "--name-only", "--name-status", "--numstat", "--shortstat", "--dirstat", "--summary", "--quiet", "--exit-code") &&
			!hasFlag("-p", "--patch", "--patch-with-stat") {
			return // names and counts only
		}
		// Without --, operands that are not REV:path are revisions or
		// paths; with --no-index they are files.
		for _, op := range ops {
			if !blob(op) && (hasFlag("--no-index") || pathLike(op) || strings.Contains(op, "/")) && !strings.Contains(op, "..") {
				read(op)
			}
		}
		for _, p := range paths {
			read(p)
		}
	case "log", "whatchanged":
		if !hasFlag("-p", "-u", "--patch", "-L", "--full-diff", "--word-diff", "--cc", "-c") && !strings.Contains(strings.Join(flags, " "), "-L") {
			return // messages and names only
		}
		for _, p := range paths {
			read(p)
		}
		for _, op := range ops {
			if pathLike(op) && !strings.Contains(op, "..") {
				read(op)
			}
		}
	case "blame", "annotate":
		if len(paths) > 0 {
			for _, p := range paths {
				read(p)
			}
		} else if len(ops) > 0 {
			read(ops[len(ops)-1])
		}
	case "grep":
		for _, p := range paths {
			read(p)
		}
	case "archive":
		// git archive [opts] TREE [path…]: the paths, or the whole tree.
		if len(ops) > 1 {
			for _, p := range ops[1:] {
				read(p)
			}
		}
		for _, p := range paths {
			read(p)
		}
	}
}
