package shell

import (
	"path"
	"slices"
	"strings"
)

// Dataflow within one line: which files a command writes with content from
// the network (Command.Downloads), which files it runs or loads as code
// (Command.Runs), and which of those an earlier command of the same line
// downloaded (Command.RunsDownloaded). `curl -o x.sh URL && bash x.sh`,
// `git clone URL d && cd d && make` and `curl URL | tar xz && ./tool/install`
// are download-and-execute although no pipe feeds a shell.
//
// A command's writes are downloads when it contacts the network (it has a
// URL: curl -o f, curl > f, wget -O f, scp host:f ., git clone URL d), when
// its standard input comes from the network (curl URL | tar xz, … | tee f,
// … | gunzip > f), or when it reads a file downloaded before (tar xf of a
// fetched archive, cp of a fetched script). Names a tool picks itself count
// too: curl -O, wget and aria2c without -O (the URL's last segment), git
// clone without a directory. Archive extraction, clones and copies to a
// directory download a directory: everything under it.
//
// Runs are what a command executes: its own path (./x, /tmp/r/x), the
// script a shell or interpreter runs, a sourced file, the files a build or
// test tool reads as code (Makefile, package.json, setup.py, conftest.py,
// justfile, CMakeLists.txt, Dockerfile, .envrc…; see toolRuns), the files
// and directories the environment makes it load (BASH_ENV, LD_PRELOAD,
// NODE_OPTIONS=--require, PYTHONPATH…; see settings.go) and git's -c
// settings that name files (core.hooksPath, include.path). An entry ending
// in "/" is a directory whose contents may run; a last segment holding a
// glob, optionally after "/**/", is what a tool looks for there.
//
// Paths are compared after joining them to the command's directory (which
// follows cd), expanding ~, $HOME, $PWD and variables assigned a static
// value on the line; a path relative to a directory only run time knows is
// compared as written, so `cd "$D"; curl -o x URL; sh x` still matches.

// download is a path a command wrote with content from the network.
type download struct {
	key string // see flowKey
	dir bool   // a directory: everything under it
}

// envRun is a file or directory that a variable in a command's
// environment makes it load as code.
type envRun struct {
	path    string // as written; a trailing "/" marks a directory
	preload bool   // a library preloaded into every program (LD_PRELOAD…)
	search  bool   // a directory programs are looked up in (PATH): not loaded itself
}

// flow computes c's runs and downloads; ws are its words, ws[0] the name.
func (a *analyzer) flow(c *Command, ws []word, sc scope) {
	for _, e := range a.envRuns {
		a.addRun(c, e, true)
	}
	for _, e := range a.cmdEnv {
		a.addRun(c, e, true)
	}
	if c.Name != "" && c.Opaque != OpaqueDynamicName {
		rs := toolRuns(c, ws)
		set := fromSetting(c.Via)
		if len(c.Runs) == 0 && len(a.downloads) == 0 && !set && !slices.ContainsFunc(rs, special) {
			c.Runs = rs // the common case: nothing to match, and no copy
		} else {
			for _, r := range rs {
				if r == "{}" {
					r = a.braces // find -exec sh {} \;
				}
				// A command run from a setting or an option runs its
				// program and script because of that setting.
				a.addRun(c, envRun{path: r}, set)
			}
		}
	}
	if len(a.downloads) > 0 && c.Name != "" && c.Opaque != OpaqueDynamicName && runnerUnknown(c.Name) {
		a.manifestRuns(c)
	}
	if c.Path == "" && c.Name != "" && len(a.downloads) > 0 && a.onPath(c.Name) {
		// install -m755 fetched /usr/local/bin/tool && tool
		c.Runs = append(c.Runs, c.Name)
		c.RunsDownloaded = append(c.RunsDownloaded, c.Name)
	}
	derived := sc.stdin.net
	if !derived && len(a.downloads) > 0 {
		for _, p := range c.Reads {
			if a.downloaded(c.Dir, p) {
				derived = true
				break
			}
		}
		if c.Name == "mv" {
			for _, p := range c.Deletes {
				if a.downloaded(c.Dir, p) {
					derived = true // mv fetched x.sh run.sh
					break
				}
			}
		}
	}
	if !derived && !(len(c.URLs) > 0 || len(c.Hosts) > 0) && !fetcher(c) {
		return
	}
	dirs := treeWriter(c)
	for _, w := range c.Writes {
		if dirs && !strings.HasSuffix(w, "/") {
			w += "/"
		}
		c.Downloads = append(c.Downloads, w)
	}
	c.Downloads = append(c.Downloads, implicitDownloads(c, ws)...)
	for _, d := range c.Downloads {
		if len(a.downloads) < maxDownloads {
			a.downloads = append(a.downloads, download{key: a.flowKey(c.Dir, strings.TrimSuffix(d, "/")), dir: strings.HasSuffix(d, "/")})
		}
	}
}

// special reports whether a run needs addRun's care: find's {} or a
// process substitution.
func special(r string) bool {
	return r == "{}" || strings.HasPrefix(r, "<(") || strings.HasPrefix(r, "/dev/fd/")
}

// maxDownloads bounds the paths remembered per line.
const maxDownloads = 256

// fromSetting reports whether a command was reached through a setting or
// an option whose value is a command line (via "GIT_SSH_COMMAND=", "git -c
// core.pager=", "tar --to-command=").
func fromSetting(via []string) bool {
	for _, v := range via {
		if strings.HasSuffix(v, "=") {
			return true
		}
	}
	return false
}

// addRun adds a run to c, noting whether it was downloaded earlier and
// whether a setting or an option made c load it (load).
func (a *analyzer) addRun(c *Command, e envRun, load bool) {
	if e.path == "" || len(c.Runs) >= 64 {
		return
	}
	c.Runs = append(c.Runs, e.path)
	if load && !e.search {
		c.Loads = append(c.Loads, e.path)
	}
	if (strings.HasPrefix(e.path, "<(") || strings.HasPrefix(e.path, "/dev/fd/")) && c.Opaque == "" {
		c.Opaque = OpaqueSubstScript // just -f <(curl …): code from a command's output
	}
	if e.preload {
		c.Preloads = append(c.Preloads, e.path)
	}
	if a.downloaded(c.Dir, e.path) {
		c.RunsDownloaded = append(c.RunsDownloaded, e.path)
	}
}

// addRuns adds runs to the command at index i of a.cmds.
func (a *analyzer) addRuns(i int, runs []envRun) {
	if i < 0 || i >= len(a.cmds) {
		return
	}
	for _, e := range runs {
		a.addRun(&a.cmds[i], e, true)
	}
}

// downloaded reports whether run r (relative to dir) names or may name a
// file downloaded earlier on the line.
func (a *analyzer) downloaded(dir, r string) bool {
	if len(a.downloads) == 0 || r == "" {
		return false
	}
	tree := strings.HasSuffix(r, "/")
	key := a.flowKey(dir, strings.TrimSuffix(r, "/"))
	if strings.ContainsAny(key, "$`") {
		return true // only run time knows what it names: it may be the download
	}
	for _, d := range a.downloads {
		if covers(d, key, tree) {
			return true
		}
	}
	return false
}

// covers reports whether download d is, holds or may hold what run key
// names (a tree: anything under it).
func covers(d download, key string, tree bool) bool {
	if !hasMeta(key) {
		switch {
		case key == d.key:
			return true
		case d.dir && under(key, d.key):
			return true // a file inside a downloaded directory
		case tree && under(d.key, key):
			return true // a download inside a directory that runs
		}
		return false
	}
	dir, name := path.Split(key)
	dir = strings.TrimSuffix(dir, "/")
	deep := false
	if dir == "**" || strings.HasSuffix(dir, "/**") {
		deep = true
		dir = strings.TrimSuffix(strings.TrimSuffix(dir, "**"), "/")
	}
	if hasMeta(dir) {
		return true // a glob in the directory: assume it can reach the download
	}
	if d.dir {
		// A downloaded directory may hold any name.
		return dir == d.key || under(dir, d.key) || (deep && under(d.key, dir))
	}
	ddir, dname := path.Split(d.key)
	ddir = strings.TrimSuffix(ddir, "/")
	if dname == "" {
		return false // "/" is no file
	}
	if ok, err := path.Match(name, dname); !ok && err == nil {
		return false
	}
	return ddir == dir || (deep && (under(ddir, dir) || dir == ""))
}

// onPath reports whether a download put a program called name in a
// directory of executables (…/bin, …/sbin), where the shell finds it.
func (a *analyzer) onPath(name string) bool {
	for _, d := range a.downloads {
		dir, file := path.Split(d.key)
		dir = strings.TrimSuffix(dir, "/")
		if (file == name && (strings.HasSuffix(dir, "/bin") || strings.HasSuffix(dir, "/sbin"))) ||
			(d.dir && (strings.HasSuffix(d.key, "/bin") || strings.HasSuffix(d.key, "/sbin")) && d.key != "/usr/bin" && d.key != "/bin") {
			return true
		}
	}
	return false
}

// under reports whether p is strictly inside directory d.
func under(p, d string) bool {
	if d == "/" {
		return len(p) > 1 && p[0] == '/'
	}
	return len(p) > len(d) && strings.HasPrefix(p, d) && p[len(d)] == '/'
}

func hasMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// flowKey anchors p for comparison: ~, $HOME, $PWD and variables with a
// static value on the line expanded, joined to dir when relative. A
// relative path under an unknown directory is kept relative behind "?/".
func (a *analyzer) flowKey(dir, p string) string {
	p = a.expandPath(p)
	switch {
	case p == "~" || strings.HasPrefix(p, "~/"):
		if a.home != "" {
			p = a.home + p[1:]
		}
	case p == "$HOME" || strings.HasPrefix(p, "$HOME/"):
		if a.home != "" {
			p = a.home + p[5:]
		}
	case p == "${HOME}" || strings.HasPrefix(p, "${HOME}/"):
		if a.home != "" {
			p = a.home + p[7:]
		}
	case p == "$PWD" || strings.HasPrefix(p, "$PWD/"):
		p = "." + p[4:]
	case p == "${PWD}" || strings.HasPrefix(p, "${PWD}/"):
		p = "." + p[6:]
	}
	if strings.HasPrefix(p, "/") {
		return path.Clean(p)
	}
	if dir == "" {
		return "?/" + path.Clean(p)
	}
	return path.Join(dir, p)
}

// expandPath replaces a leading $NAME or ${NAME} that the line assigned a
// static value.
func (a *analyzer) expandPath(p string) string {
	if len(a.vars) == 0 || !strings.HasPrefix(p, "$") {
		return p
	}
	name, rest := "", ""
	if strings.HasPrefix(p, "${") {
		end := strings.IndexByte(p, '}')
		if end < 0 {
			return p
		}
		name, rest = p[2:end], p[end+1:]
	} else {
		end := 1
		for end < len(p) && isIdent(p[end]) {
			end++
		}
		name, rest = p[1:end], p[end:]
	}
	if v, ok := a.vars[name]; ok && name != "HOME" && name != "PWD" {
		return v + rest
	}
	return p
}

// fetcher reports whether c downloads by name although the analysis
// records no URL for it (gh, hg, svn, aria2c…). A package manager's
// downloads from its registry (pip download) are not: installing from the
// registry is routine, and so is what it fetched.
func fetcher(c *Command) bool {
	switch c.Name {
	case "aria2c", "axel":
		return true
	case "gh":
		return len(c.Args) >= 2 && (c.Args[0] == "repo" && c.Args[1] == "clone" ||
			c.Args[0] == "release" && c.Args[1] == "download" || c.Args[0] == "run" && c.Args[1] == "download" ||
			c.Args[0] == "gist" && c.Args[1] == "clone") ||
			len(c.Args) >= 1 && c.Args[0] == "api" // gh api fetches from GitHub (contents, raw media types)
	case "git":
		// git archive --remote=URL fetches the archive from another repository.
		if c.Git != nil && c.Git.Subcommand == "archive" {
			for _, a := range c.Args {
				if strings.HasPrefix(a, "--remote") {
					return true
				}
			}
		}
		return false
	case "hg":
		return len(c.Args) > 0 && c.Args[0] == "clone"
	case "svn":
		return len(c.Args) > 0 && (c.Args[0] == "checkout" || c.Args[0] == "co" || c.Args[0] == "export")
	}
	return false
}

// treeWriter reports whether c's writes are directories it fills:
// archive extraction, clones, remote copies.
func treeWriter(c *Command) bool {
	switch c.Name {
	case "tar", "bsdtar", "unzip", "7z", "7za", "cpio", "git", "scp", "rsync", "hg", "svn", "gh", "rclone":
		return true
	case "cp":
		for _, a := range c.Args {
			if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.ContainsAny(a, "rRa") || a == "--recursive" || a == "--archive" {
				return true
			}
		}
	}
	return false
}

// implicitDownloads are the files a network command writes under a name
// it picks itself.
func implicitDownloads(c *Command, ws []word) []string {
	var out []string
	switch c.Name {
	case "curl":
		remote, header := false, false
		dir := ""
		for i := 1; i < len(ws); i++ {
			v := ws[i].val
			switch {
			case v == "--remote-name" || v == "--remote-name-all":
				remote = true
			case v == "--remote-header-name":
				header = true
			case v == "--output-dir" && i+1 < len(ws):
				dir = ws[i+1].val
				i++
			case strings.HasPrefix(v, "--output-dir="):
				dir = strings.TrimPrefix(v, "--output-dir=")
			case len(v) > 1 && v[0] == '-' && v[1] != '-':
				for j := 1; j < len(v); j++ {
					if v[j] == 'O' {
						remote = true
					}
					if v[j] == 'J' {
						header = true
					}
					if strings.IndexByte(curlOpts.value, v[j]) >= 0 {
						if j == len(v)-1 {
							i++
						}
						break
					}
				}
			}
		}
		switch {
		case header:
			out = append(out, joinDir(dir, ".")+"/") // the server names the file
		case remote:
			for _, u := range c.URLs {
				out = append(out, joinDir(dir, urlBase(u, "")))
			}
		}
	case "wget":
		named, dir, tree := false, "", false
		for i := 1; i < len(ws); i++ {
			v := ws[i].val
			switch {
			case v == "-O" || v == "--output-document" || strings.HasPrefix(v, "--output-document="):
				named = true
			case len(v) > 1 && v[0] == '-' && v[1] != '-' && strings.ContainsRune(v, 'O'):
				named = true
			case v == "-r" || v == "--recursive" || v == "-m" || v == "--mirror" || strings.HasPrefix(v, "--page-requisites") || v == "-p":
				tree = true
			}
			if v == "-P" || v == "--directory-prefix" {
				if i+1 < len(ws) {
					dir = ws[i+1].val
				}
			} else if d, ok := strings.CutPrefix(v, "--directory-prefix="); ok {
				dir = d
			} else if strings.HasPrefix(v, "-P") && len(v) > 2 {
				dir = v[2:]
			}
		}
		switch {
		case tree:
			out = append(out, joinDir(dir, ".")+"/")
		case !named:
			for _, u := range c.URLs {
				out = append(out, joinDir(dir, urlBase(u, "index.html")))
			}
		}
	case "aria2c", "axel":
		dir, name := "", ""
		for i := 1; i < len(ws); i++ {
			v := ws[i].val
			switch {
			case (v == "-d" || v == "--dir") && i+1 < len(ws):
				dir = ws[i+1].val
				i++
			case strings.HasPrefix(v, "--dir="):
				dir = v[6:]
			case (v == "-o" || v == "--out" || v == "--output") && i+1 < len(ws):
				name = ws[i+1].val
				i++
			case strings.HasPrefix(v, "--out="):
				name = v[6:]
			case strings.Contains(v, "://"):
				if name == "" {
					out = append(out, joinDir(dir, urlBase(v, "index.html")))
				}
			}
		}
		if name != "" {
			out = append(out, joinDir(dir, name))
		}
	case "git":
		if c.Git != nil && c.Git.Subcommand == "clone" && c.Git.Remote != "" && len(c.Writes) == 0 {
			b := strings.TrimSuffix(strings.TrimSuffix(c.Git.Remote, "/"), ".git")
			if i := strings.LastIndexAny(b, "/:"); i >= 0 {
				b = b[i+1:]
			}
			if b != "" {
				out = append(out, b+"/")
			}
		}
	case "gh", "hg", "svn":
		if fetcher(c) && len(c.Writes) == 0 && c.Args[0] != "api" {
			dir := "."
			if d := flagValue(ws[1:], "-D", "--dir"); d != "" {
				dir = d
			} else if d := flagValue(ws[1:], "-d", "--dest"); d != "" {
				dir = d
			}
			out = append(out, dir+"/")
		}
	}
	return out
}

// joinDir joins a download directory and a name.
func joinDir(dir, name string) string {
	if dir == "" {
		return name
	}
	return path.Join(dir, name)
}

// urlBase is the last path segment of a URL, or def when it has none.
func urlBase(u, def string) string {
	s := u
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i]
	}
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return def
	}
	s = s[i:]
	b := path.Base(s)
	if b == "/" || b == "." || strings.HasSuffix(s, "/") {
		return def
	}
	return b
}

// networked reports whether a command reported from index n on contacts
// the network or reads from it: what it writes to a pipe may come from
// there.
func (a *analyzer) networked(n int) bool {
	for i := n; i < len(a.cmds); i++ {
		c := &a.cmds[i]
		if len(c.URLs) > 0 || len(c.Hosts) > 0 || len(c.Downloads) > 0 || len(c.RunsDownloaded) > 0 || fetcher(c) {
			return true
		}
		for _, p := range c.Reads {
			if a.downloaded(c.Dir, p) {
				return true
			}
		}
	}
	return false
}

// manifestRuns: a tool the table does not know, run after the line
// downloaded a build or task manifest into the directory it works in
// (curl -o mix.exs URL && mix compile, curl -o Tiltfile URL && tilt up), is
// taken to load it. The file's name says it is some tool's program; which
// tool reads it is what the table cannot list whole.
func (a *analyzer) manifestRuns(c *Command) {
	for _, d := range a.downloads {
		if d.dir {
			continue
		}
		dir, name := path.Split(d.key)
		if !manifestName(name) || a.flowKey(c.Dir, "x") != path.Join(dir, "x") {
			continue
		}
		rel := name
		if len(c.Runs) >= 64 {
			return
		}
		c.Runs = append(c.Runs, rel)
		c.RunsDownloaded = append(c.RunsDownloaded, rel)
	}
}
