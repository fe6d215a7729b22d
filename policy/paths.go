package policy

import (
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/cavra-dev/cavra/internal/glob"
)

// resolvedPath is a target path in the forms that patterns are matched
// against. All forms are slash-separated and cleaned.
type resolvedPath struct {
	rel     string // relative to the project root; "" when the path is outside it
	abs     string // absolute without the leading slash; "" when not known
	homeRel string // relative to the home directory; "" when not under it
	display string // what to show: rel when inside the project, else the absolute path
	// coversRoot and coversHome: the path is the project root or the home
	// directory, or a directory above it.
	coversRoot, coversHome bool
	glob                   bool // holds shell glob characters: matched by overlap
	// unknownDir: relative to a directory only run time knows (rel is the
	// path as written); it may be anywhere (matchPath).
	unknownDir bool
}

// homeDefault matches a leading expansion of HOME with a default or an
// error for when it is unset.
var homeDefault = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\$\{HOME:?[-?=][^}]*\}`) })

// unknownDir is pathEnv.cwd when a command runs in a directory that only
// run time knows (after `cd "$X"`, a bare `cd -`, a cd in one branch of a
// conditional).
const unknownDir = "\x00unknown"

// env is where paths are resolved: the working directory, the project root
// and the home directory, all absolute and cleaned (or "").
type pathEnv struct {
	cwd, root, home string
}

// resolvePath cleans p and anchors it: "~" expands to the home directory, a
// relative path is joined to the working directory, and a path inside the
// project root is made relative to it. No filesystem access happens here:
// symbolic links are not followed.
func (e pathEnv) resolve(p string) resolvedPath {
	p = strings.ReplaceAll(strings.TrimSpace(p), "\\", "/")
	// ./~ is how the shell analysis writes a quoted tilde: a name in the
	// directory, shown as such so that no rule takes it for the home.
	literalTilde := strings.HasPrefix(p, "./~")
	if m := homeDefault().FindStringSubmatch(p); m != nil {
		// ${HOME:?}, ${HOME:-/x}, ${HOME-x}, ${HOME:=x}: the home directory,
		// which is set (its default would apply only if it were not).
		p = "$HOME" + p[len(m[0]):]
	}
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
		if e.home != "" {
			p = e.home + p[1:]
		}
	case p == "$HOME" || strings.HasPrefix(p, "$HOME/"):
		if e.home != "" {
			p = e.home + p[5:]
		}
	case p == "${HOME}" || strings.HasPrefix(p, "${HOME}/"):
		if e.home != "" {
			p = e.home + p[7:]
		}
	case p == "~+" || strings.HasPrefix(p, "~+/"):
		// ~+ is $PWD.
		p = "." + p[2:]
	case strings.HasPrefix(p, "~") && !strings.HasPrefix(p, "~-"):
		// ~user: another account's home directory, /home/user on the
		// systems agents run on (the user's own when it names it).
		user, rest, _ := strings.Cut(p[1:], "/")
		if e.home != "" && user == path.Base(e.home) {
			p = e.home + "/" + rest
		} else if user == "root" {
			p = "/root/" + rest
		} else if user != "" && !strings.ContainsAny(user, "$`*?[") {
			p = "/home/" + user + "/" + rest
		}
	}
	if !strings.HasPrefix(p, "/") && e.cwd == unknownDir {
		// Relative to a directory only known at run time: the relative
		// patterns still apply (a .env is a .env anywhere), but the
		// path is shown as $PWD/… and is not inside the project.
		p = path.Clean(p)
		r := resolvedPath{display: "$PWD", glob: glob.HasMeta(p), unknownDir: true}
		if p != "." {
			r.display += "/" + p
			r.rel = p
		}
		return r
	}
	if !strings.HasPrefix(p, "/") && e.cwd != "" {
		p = e.cwd + "/" + p
	}
	p = path.Clean(p)
	var r resolvedPath
	r.glob = glob.HasMeta(p)
	if !strings.HasPrefix(p, "/") {
		// No working directory known: keep it relative to the project.
		r.rel = strings.TrimPrefix(p, "./")
		if r.rel == "." {
			r.rel = ""
		}
		r.display = p
		if literalTilde && strings.HasPrefix(p, "~") {
			r.display = "./" + p
		}
		return r
	}
	r.abs = p[1:]
	r.display = p
	if rel, ok := within(e.root, p); ok {
		r.rel = rel
		if rel != "" {
			r.display = rel
			if literalTilde && strings.HasPrefix(rel, "~") {
				r.display = "./" + rel // a file named ~ in the project, not the home directory
			}
		}
	}
	if rel, ok := within(e.home, p); ok {
		r.homeRel = rel
	} else if rel, ok := globWithin(e.home, p, r.glob); ok {
		// /home/*/.ssh/*: a glob whose leading segments can name the
		// home directory names what is below it.
		r.homeRel = rel
	}
	if e.root != "" {
		_, r.coversRoot = within(p, e.root)
	}
	if e.home != "" {
		_, r.coversHome = within(p, e.home)
	}
	return r
}

// globWithin reports whether the glob p can name root or a path below it
// — each of root's segments matched by p's segment at the same place, as
// the shell expands it (a wildcard does not match a leading dot) — and
// returns the rest of p, relative to root. Bounded by root's depth.
func globWithin(root, p string, isGlob bool) (string, bool) {
	if !isGlob || root == "" || root == "/" {
		return "", false
	}
	rs := strings.Split(root[1:], "/")
	ps := strings.SplitN(p[1:], "/", len(rs)+1)
	if len(ps) < len(rs) {
		return "", false
	}
	for i, seg := range rs {
		if ps[i] == seg {
			continue
		}
		if !glob.HasMeta(ps[i]) || strings.HasPrefix(seg, ".") && !strings.HasPrefix(ps[i], ".") {
			return "", false
		}
		if ok, err := path.Match(ps[i], seg); err != nil || !ok {
			return "", false
		}
	}
	if len(ps) == len(rs) {
		return "", true
	}
	return ps[len(rs)], true
}

// within reports whether p is root or below it, and returns p relative to root.
func within(root, p string) (string, bool) {
	if root == "" {
		return "", false
	}
	if p == root {
		return "", true
	}
	if root == "/" {
		return p[1:], true
	}
	if strings.HasPrefix(p, root) && p[len(root)] == '/' {
		return p[len(root)+1:], true
	}
	return "", false
}

// matches reports whether the path matches the glob in any applicable form.
func (g *pathGlob) matchPath(r *resolvedPath) bool {
	switch g.Anchor() {
	case glob.Root:
		return r.abs != "" && g.matchForm(r, r.abs) || r.unknownDir && g.unknownDirMatch(r.rel)
	case glob.Home:
		return r.homeRel != "" && g.matchForm(r, r.homeRel) || r.unknownDir && g.unknownDirMatch(r.rel)
	}
	if r.rel != "" {
		return g.matchForm(r, r.rel)
	}
	// Outside the project: relative patterns still apply to the absolute
	// path, so "**/id_rsa" catches ~/.ssh/id_rsa and "/etc/secrets.yaml" is a secrets file.
	return r.abs != "" && g.matchForm(r, r.abs)
}

func cleanDir(d string) string {
	d = strings.ReplaceAll(strings.TrimSpace(d), "\\", "/")
	if d == "" {
		return ""
	}
	return path.Clean(d)
}

// matchUnder reports whether the glob matches something that deleting the
// resolved path would remove: the path itself or a path below it. Below
// counts only through a named segment — `.github/workflows/**` is under a
// delete of `.github`, but `**/backend.tf` is not under every directory —
// so that `rm -rf build` is not taken to delete every file a `**/name`
// pattern protects. Deleting a pattern's anchor (the project root, the home
// directory, /) or a directory above it removes everything it names.
//
// whole reports a match only because the path is the pattern's anchor or
// above it, which every pattern anchored there shares.
func (g *pathGlob) matchUnder(r *resolvedPath) (ok, whole bool) {
	if g.matchPath(r) {
		return true, false
	}
	var p string
	switch g.Anchor() {
	case glob.Root:
		if r.abs == "" && r.display == "/" {
			return true, true
		}
		p = r.abs
	case glob.Home:
		if r.coversHome {
			return true, true
		}
		p = r.homeRel
	default:
		if r.coversRoot {
			return true, true
		}
		p = r.rel
		if p == "" {
			p = r.abs
		}
	}
	if r.glob && p != "" && g.OverlapsUnder(p) {
		return true, false
	}
	return p != "" && g.MatchAncestor(p), false
}

// base returns the path's last segment (the same in every form).
func (r *resolvedPath) base() string {
	p := r.abs
	if p == "" {
		p = r.rel
	}
	if p == "" {
		p = r.display
	}
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// unknownDirMatch: a path relative to a directory only run time knows
// (CDPATH=~ cd .aws && cat credentials, cd "$D" && cat id_rsa) may be below
// any directory, so an anchored pattern that can end in it matches — when
// its last segment is a name only credentials carry. Generic names
// (config, config.json, settings.xml…) that anchored patterns also end in
// are left to the relative patterns, so that `cd "$BUILD" && cat config`
// is not taken for ~/.kube/config.
func (g *pathGlob) unknownDirMatch(rel string) bool {
	if rel == "" || strings.HasPrefix(rel, "../") || rel == ".." {
		return false
	}
	if genericName[path.Base(rel)] && !strings.Contains(rel, "/") {
		return false
	}
	return g.MatchSuffix(rel) // a directory's whole contents (/run/secrets/**) fit any name and do not count
}

// genericName are file names that credential paths share with ordinary
// files.
var genericName = map[string]bool{"config": true, "config.json": true, "config.yml": true, "config.yaml": true,
	"config.toml": true, "settings.xml": true, "hosts.yml": true, "auth.json": true, "settings.json": true,
	"Cookies": true, "cli.toml": true, "gradle.properties": true}
