package policy

import (
	"path"
	"strings"
)

// resolvedPath is a target path in the forms that patterns are matched
// against. All forms are slash-separated and cleaned.
type resolvedPath struct {
	rel     string // relative to the project root; "" when the path is outside it
	abs     string // absolute without the leading slash; "" when not known
	homeRel string // relative to the home directory; "" when not under it
	display string // what to show: rel when inside the project, else the absolute path
}

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
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
		if e.home != "" {
			p = e.home + p[1:]
		}
	case p == "$HOME" || strings.HasPrefix(p, "$HOME/"):
		if e.home != "" {
			p = e.home + p[5:]
		}
	}
	if !strings.HasPrefix(p, "/") && e.cwd != "" {
		p = e.cwd + "/" + p
	}
	p = path.Clean(p)
	var r resolvedPath
	if !strings.HasPrefix(p, "/") {
		// No working directory known: keep it relative to the project.
		r.rel = strings.TrimPrefix(p, "./")
		if r.rel == "." {
			r.rel = ""
		}
		r.display = p
		return r
	}
	r.abs = p[1:]
	r.display = p
	if rel, ok := within(e.root, p); ok {
		r.rel = rel
		if rel != "" {
			r.display = rel
		}
	}
	if rel, ok := within(e.home, p); ok {
		r.homeRel = rel
	}
	return r
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
	switch g.anchor {
	case anchorAbs:
		return r.abs != "" && g.match(r.abs)
	case anchorHome:
		return r.homeRel != "" && g.match(r.homeRel)
	}
	if r.rel != "" {
		return g.match(r.rel)
	}
	// Outside the project: relative patterns still apply to the absolute
	// path, so "**/id_rsa" catches ~/.ssh/id_rsa and "/etc/secrets.yaml" is a secrets file.
	return r.abs != "" && g.match(r.abs)
}

func cleanDir(d string) string {
	d = strings.ReplaceAll(strings.TrimSpace(d), "\\", "/")
	if d == "" {
		return ""
	}
	return path.Clean(d)
}
