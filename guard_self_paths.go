package cavra

import (
	"github.com/cavra-dev/cavra/internal/fsprobe"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

// This file judges paths the way the kernel will resolve them when the
// agent's command runs: `..`, `//` and /proc/self/root are normalized,
// symbolic links are followed on the longest prefix that exists, and
// protected names compare case-insensitively (macOS and Windows
// filesystems do). Every path is judged in both forms, as written and as
// resolved. The probes are bounded: one lstat per path component and at
// most fsprobe.MaxLinks links followed; nothing walks a directory.

// pathOp is what an action does to a path.
type pathOp int

const (
	opRead pathOp = iota
	opWrite
	opDelete
)

// hookBinary is the executable of this process, resolved: for a hook it
// is the installed cavra binary. "" when it cannot be found.
var hookBinary = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	return filepath.ToSlash(filepath.Clean(exe))
})

var procPrefix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/proc/(?:self|thread-self|[0-9]+)/(root|cwd)(/|$)`) })

// kernelPath resolves an absolute, slash-separated path as the kernel
// would (fsprobe.Resolve: links followed on the longest existing prefix,
// the rest cleaned lexically), one lstat per component.
func kernelPath(p string) string {
	return fsprobe.Resolve(p, true, &fsprobe.Budget{Left: 4 * (len(p) + fsprobe.MaxLinks)})
}

// hasMeta reports whether a path segment is a pattern the shell expands
// or a value only known at run time.
func hasMeta(seg string) bool { return fsprobe.HasMeta(seg) }

// segIs reports whether a path segment is, or may expand to, name (lower
// case). Patterns follow the shell: one that does not start with a dot
// does not match a name that does; a run-time value ($X) matches any name
// but a dot-name.
func segIs(seg, name string) bool {
	seg = strings.ToLower(seg)
	if seg == name {
		return true
	}
	if !hasMeta(seg) {
		return false
	}
	dynamic := strings.ContainsAny(seg, "$`")
	if strings.HasPrefix(name, ".") && !strings.HasPrefix(seg, ".") && (dynamic || !strings.HasPrefix(seg, "{")) {
		return false
	}
	if dynamic || strings.Contains(seg, "{") {
		return true // brace expansion or a run-time value: anything
	}
	ok, err := path.Match(seg, name)
	return ok || err != nil
}

// segsWithin reports whether path segments p are root's or below them,
// returning the rest.
func segsWithin(root, p []string) ([]string, bool) {
	if len(p) < len(root) {
		return nil, false
	}
	for i, r := range root {
		if !segIs(p[i], r) {
			return nil, false
		}
	}
	return p[len(root):], true
}

// segsOf splits an absolute path into its segments.
func segsOf(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// lowerSegs is segsOf in lower case.
func lowerSegs(p string) []string { return segsOf(strings.ToLower(p)) }

// privateSamples are names of private files in a state directory: a
// pattern in a path that could expand to one of them reads one.
var privateSamples = []string{"k.private.jwk", "cavra.db", "approvers.json"}

// privateName reports whether a file name (or a pattern for names) in a
// state directory names private material: a private key, the database,
// the approvers' enrollment.
func privateName(seg string, inKeys bool) bool {
	s := strings.ToLower(seg)
	if hasMeta(s) {
		for _, n := range privateSamples {
			if segIs(s, n) {
				return true
			}
		}
		return inKeys && !strings.HasSuffix(s, ".public.jwk") && !strings.HasSuffix(s, ".jwks")
	}
	switch {
	case strings.HasSuffix(s, ".private.jwk"), strings.HasPrefix(s, "cavra.db"),
		strings.Contains(s, "approver"), strings.Contains(s, "passphrase"), strings.Contains(s, "enroll"):
		return true
	case inKeys:
		return !strings.HasSuffix(s, ".public.jwk") && !strings.HasSuffix(s, ".jwks") && !strings.HasSuffix(s, ".pub")
	}
	return false
}

// listingTools read a directory's names, not its files.
var listingTools = map[string]bool{
	"ls": true, "ll": true, "dir": true, "tree": true, "du": true, "stat": true, "find": true, "exa": true, "eza": true,
	"lsd": true, "file": true, "realpath": true, "readlink": true, "test": true, "[": true, "[[": true, "cd": true,
	"pushd": true, "namei": true, "Glob": true, "LS": true,
}

// settingsDirs are the agents' configuration directories whose hook and
// MCP settings CAVRA's installation lives in.
var settingsDirs = map[string]bool{".claude": true, ".cursor": true, ".gemini": true, ".codex": true}

// settingsWrite reports whether lower-case path segments name an agent's
// settings file, hooks, or one of their directories.
func settingsWrite(segs []string) bool {
	n := len(segs)
	if n == 0 {
		return false
	}
	base := segs[n-1]
	for _, f := range []string{".claude.json", ".mcp.json", "managed-settings.json", "managed-mcp.json"} {
		if segIs(base, f) {
			if hasMeta(base) && strings.HasPrefix(f, "managed-") && (n < 2 || !segIs(segs[n-2], "claude-code") && !segIs(segs[n-2], "claudecode")) {
				continue // a glob names managed settings only in their own directory (/etc/claude-code)
			}
			return true
		}
	}
	for d := range settingsDirs {
		if segIs(base, d) {
			return true
		}
	}
	for i := 0; i < n-1; i++ {
		s, rest := segs[i], segs[i+1:]
		switch {
		case segIs(s, ".codex"):
			return true
		case segIs(s, ".claude") || dynamicSeg(s) && (segIs(rest[0], "settings.json") || segIs(rest[0], "settings.local.json")):
			if segIs(rest[0], "settings.json") || segIs(rest[0], "settings.local.json") || segIs(rest[0], "hooks") {
				return true
			}
		case segIs(s, ".cursor"):
			if len(rest) == 1 && (segIs(rest[0], "hooks.json") || segIs(rest[0], "mcp.json")) {
				return true
			}
		case segIs(s, ".gemini"):
			if len(rest) == 1 && segIs(rest[0], "settings.json") {
				return true
			}
		}
	}
	return false
}

// stateRel returns the part of lower-case path segments inside a state
// directory: one of the known roots, or any directory named .cavra.
func (s *selfEnv) stateRel(segs []string) ([]string, bool) {
	for _, r := range s.stateRoots {
		if rest, ok := segsWithin(r, segs); ok {
			return rest, true
		}
	}
	for i := len(segs) - 1; i >= 0; i-- {
		if segIs(segs[i], ".cavra") {
			return segs[i+1:], true
		}
	}
	return nil, false
}

// verdictFor judges one form of a path.
func (s *selfEnv) verdictFor(p string, op pathOp, tool string) (rule, why string) {
	segs := lowerSegs(p)
	if rel, ok := s.stateRel(segs); ok {
		if op != opRead {
			return "cavra.self.state_write", "changes CAVRA's state directory"
		}
		inKeys := len(rel) > 0 && segIs(rel[0], "keys")
		switch {
		case len(rel) == 0 || (inKeys && len(rel) <= 2 && !strings.Contains(rel[len(rel)-1], ".")):
			if !listingTools[tool] {
				return "cavra.self.key_read", "reads CAVRA's state directory, its private keys and database"
			}
		case privateName(rel[len(rel)-1], inKeys):
			if inKeys || strings.HasSuffix(rel[len(rel)-1], ".jwk") {
				return "cavra.self.key_read", "reads a private key of CAVRA's"
			}
			return "cavra.self.state_read", "reads CAVRA's private state"
		}
		return "", ""
	}
	if len(segs) > 0 {
		base := segs[len(segs)-1]
		if !hasMeta(base) && (strings.HasSuffix(base, ".private.jwk") || base == "cavra.db") {
			if op == opRead {
				return "cavra.self.key_read", "reads a private key or database of CAVRA's"
			}
			return "cavra.self.state_write", "changes a key or database of CAVRA's"
		}
	}
	if op == opRead {
		// A reader over a directory above a state directory (grep -r, tar,
		// cp -r of the state home) reads the keys inside; the project's own
		// tree is left to the rules above (an in-project state is named).
		if !listingTools[tool] && tool != "ln" && !s.inProject(p) { // a link is judged by its target (judgeLinkTarget)
			for _, r := range s.stateRoots {
				if _, ok := segsWithin(segs, r); ok {
					return "cavra.self.key_read", "reads a directory that holds CAVRA's private state and keys"
				}
			}
		}
		return "", ""
	}
	if s.hook != "" && strings.EqualFold(p, s.hook) {
		return "cavra.self.hook_binary", "changes the hook binary"
	}
	for _, c := range s.configured {
		if _, ok := segsWithin(c, segs); ok {
			return "cavra.self.config_write", "changes a file CAVRA's configuration loads: a pack, the registry, the approvers' keys, RBAC or routing"
		}
	}
	if settingsWrite(segs) && !(tool == "mkdir" && settingsDirs[segs[len(segs)-1]]) {
		return "cavra.self.settings_write", "changes an agent's hook or MCP settings"
	}
	if op == opDelete {
		for _, r := range s.stateRoots {
			if _, ok := segsWithin(segs, r); ok {
				return "cavra.self.state_write", "deletes a directory that holds CAVRA's state"
			}
		}
		if s.hook != "" {
			if _, ok := segsWithin(segs, lowerSegs(s.hook)); ok {
				return "cavra.self.hook_binary", "deletes a directory that holds the hook binary"
			}
		}
		for _, a := range s.anchors {
			if _, ok := segsWithin(segs, a); ok {
				return "cavra.self.settings_write", "deletes a directory that holds an agent's settings"
			}
		}
	}
	return "", ""
}

// judgePath judges an absolute path in both its forms, as written and as
// the kernel resolves it.
func (s *selfEnv) judgePath(p string, op pathOp, tool string) (rule, why string) {
	p = s.normalize(p)
	if rule, why = s.verdictFor(p, op, tool); rule != "" {
		return rule, why
	}
	k := kernelPath(p)
	if k != p {
		if rule, why = s.verdictFor(k, op, tool); rule != "" {
			return rule, why + " (through a symbolic link: " + k + ")"
		}
	}
	if op != opRead && s.hookInfo != nil {
		if fi, err := os.Stat(filepath.FromSlash(k)); err == nil && os.SameFile(fi, s.hookInfo) {
			return "cavra.self.hook_binary", "changes the hook binary (a link to it)"
		}
	}
	return "", ""
}

// normalize makes a path absolute and cleans it: a relative path is taken
// against the project root (facts show paths inside the project relative
// to it), run-time variables CAVRA knows the value of are expanded, and
// /proc/self/root and /proc/self/cwd are what they stand for in the
// agent's shell.
func (s *selfEnv) normalize(p string) string {
	p = strings.ReplaceAll(strings.TrimSpace(p), "\\", "/")
	for _, v := range s.vars {
		for _, form := range []string{"$" + v.name, "${" + v.name + "}"} {
			// The shell splices the value where the variable stands.
			if i := strings.Index(p, form); i >= 0 && v.value != "" && (len(p) == i+len(form) || p[i+len(form)] == '/') {
				p = p[:i] + v.value + p[i+len(form):]
			}
		}
	}
	if strings.HasPrefix(p, "~") && s.home != "" {
		user, rest, _ := strings.Cut(p[1:], "/")
		if user == "" {
			p = s.home + "/" + rest
		} else {
			p = path.Dir(s.home) + "/" + user + "/" + rest
		}
	}
	if !strings.HasPrefix(p, "/") {
		base := s.root
		if base == "" {
			base = s.cwd
		}
		p = base + "/" + p
	}
	p = path.Clean(p)
	for i := 0; i < fsprobe.MaxLinks; i++ {
		m := procPrefix().FindStringSubmatch(p)
		if m == nil {
			break
		}
		rest := p[len(m[0]):]
		if m[1] == "root" {
			p = path.Clean("/" + rest)
		} else {
			p = path.Clean(s.cwd + "/" + rest)
		}
	}
	return p
}

// dynamicSeg reports whether a path segment is only known at run time
// ($d, $(printf .claude)).
func dynamicSeg(seg string) bool { return strings.ContainsAny(seg, "$`") }
