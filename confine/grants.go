package confine

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Grant is one path the runner grants: read (and execute) access, or read
// and write access, to a directory tree or to one file.
type Grant struct {
	Path  string `json:"path"`
	Write bool   `json:"write,omitempty"`
	File  bool   `json:"file,omitempty"`
}

// Bounds of the enumeration of directories that hold a denied path.
const (
	maxDescend = 6    // directory levels enumerated below an enumerated root
	scanBudget = 2000 // entries looked at to decide that a home subtree is clean
)

// Grants returns what the runner grants for the profile, reading the
// filesystem now (Landlock grants existing inodes):
//
//   - System directories are readable and executable whole, except one that
//     an anchored DenyRead pattern reaches into (/etc for /etc/shadow, /run
//     for /run/secrets/**): it is enumerated and every entry but the denied
//     ones is granted. /proc is granted whole: Landlock's ptrace scoping
//     keeps a confined process from reading another process's
//     /proc/PID/environ outside its domain.
//   - The home directory is never granted whole. Its entries are granted
//     one by one; an entry that is denied or protected is left out, and a
//     directory that holds one (found by pattern, or by looking at up to
//     scanBudget entries below it for a file an "anywhere" pattern names)
//     is enumerated in turn, down to maxDescend levels. A directory so
//     enumerated is not itself readable: it cannot be listed, and no file
//     can be created in it. Symbolic links in enumerated directories are
//     not followed and not granted.
//   - The project and Writable are readable and writable whole.
//   - /dev/null, /dev/zero, /dev/tty, /dev/pts… are usable.
func (p *Profile) Grants() []Grant {
	var g []Grant
	for _, d := range p.System {
		if _, err := os.Stat(d); err != nil {
			continue
		}
		if d == "/proc" {
			g = append(g, Grant{Path: d})
			continue
		}
		p.readTree(d, 0, false, &g)
	}
	if p.Home != "" && p.Home != "/" {
		p.enumerate(p.Home, 0, true, &g)
	}
	if p.Project != "" {
		g = append(g, Grant{Path: p.Project, Write: true})
	}
	for _, w := range p.Writable {
		g = append(g, Grant{Path: w, Write: true})
	}
	return g
}

// readTree grants dir whole when nothing below it is denied, else
// enumerates it.
func (p *Profile) readTree(dir string, depth int, scan bool, g *[]Grant) {
	if p.DeniesRead(dir) || p.protects(dir) || p.grantedRW(dir) {
		return
	}
	if !p.holdsDenied(dir, scan) {
		*g = append(*g, Grant{Path: dir})
		return
	}
	if depth < maxDescend {
		p.enumerate(dir, depth, scan, g)
	}
}

func (p *Profile) enumerate(dir string, depth int, scan bool, g *[]Grant) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		path := filepath.Join(dir, e.Name())
		switch {
		case e.Type()&fs.ModeSymlink != 0:
			continue // its target may be anywhere: not followed
		case e.IsDir():
			p.readTree(path, depth+1, scan, g)
		case !p.DeniesRead(path) && !p.protects(path) && !p.grantedRW(path):
			*g = append(*g, Grant{Path: path, File: true})
		}
	}
}

// protects reports whether path is a protected path or below one.
func (p *Profile) protects(path string) bool {
	for _, s := range p.Protected {
		if path == s || strings.HasPrefix(path, s+"/") {
			return true
		}
	}
	return false
}

// grantedRW reports whether path is the project or a writable directory,
// granted on their own.
func (p *Profile) grantedRW(path string) bool {
	return path == p.Project || slices.Contains(p.Writable, path)
}

// holdsDenied reports whether dir holds a path the profile denies reading
// or protects: by an anchored pattern, by a protected path below it, or —
// with scan — by a file below it that an "anywhere" DenyRead pattern names
// (or by having more entries than the scan looks at).
func (p *Profile) holdsDenied(dir string, scan bool) bool {
	for _, s := range p.Protected {
		if strings.HasPrefix(s, dir+"/") {
			return true
		}
	}
	if strings.HasPrefix(p.Project, dir+"/") {
		return true // the project is granted read-write on its own; what is around it is enumerated
	}
	for i := range p.DenyRead {
		if p.DenyRead[i].Scope == ScopeExact && ancestorOf(&p.DenyRead[i], dir, p.Project, p.Home) {
			return true
		}
	}
	if !scan {
		return false
	}
	budget := scanBudget
	found := false
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if path == dir {
			return nil
		}
		if budget--; budget < 0 {
			found = true // too large to look through: enumerate it instead
			return filepath.SkipAll
		}
		if d.IsDir() && p.grantedRW(path) {
			return filepath.SkipDir
		}
		if p.DeniesRead(path) || p.protects(path) {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}
