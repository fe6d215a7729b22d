package cavra

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/mcptool"
	"github.com/cavra-dev/cavra/policy"
)

// CAVRA's control plane is refused to agents (DESIGN §8): whatever pack is
// loaded and in every mode, an action that would change CAVRA itself is
// blocked as critical under a cavra.self.* rule, and no approval lifts the
// block — the agent must not be able to get these approved either. The
// check reads the facts the policy already derived from the action (the
// commands of a command line, with wrappers, shells, xargs, find -exec and
// substitutions seen through, and the paths each reads, writes and
// deletes) and judges them against what makes up CAVRA on this machine:
//
//   - the cavra CLI run with a control-plane subcommand, however it is
//     named: bare, by a path, by the resolved path of this process's own
//     executable (a hook's is the installed binary), `go run ./cmd/cavra`,
//     a copy run with a subcommand only the CLI has, a name computed at
//     run time with the CLI's words, inline code or a script that runs it;
//   - the state directory (Guard.Home, any directory named .cavra, the
//     user's CAVRA state and configuration directories): no writes or
//     deletes; no reads of private material (keys, the database);
//   - the agents' hook and MCP settings files, wherever they are;
//   - the hook binary;
//   - links into any of these, or to a directory above them.

// selfRules is the prefix of the rules of this check.
const selfRules = "cavra.self."

// isSelfBlock reports whether a match is this check's block, which no
// mode and no approval overrides.
func isSelfBlock(m Match) bool { return m.Decision == Block && strings.HasPrefix(m.RuleID, selfRules) }

type selfVar struct{ name, value string }

// selfEnv is what one decision's paths are judged against.
type selfEnv struct {
	stateRoots [][]string // lower-case segments of the state directories
	anchors    [][]string // the project root and the home directory: deleting them deletes settings
	configured [][]string // files and directories CAVRA's configuration loads
	hook       string
	hookInfo   os.FileInfo
	root, cwd  string
	home       string
	vars       []selfVar
}

var hookInfo = sync.OnceValue(func() os.FileInfo {
	if h := hookBinary(); h != "" {
		if fi, err := os.Stat(filepath.FromSlash(h)); err == nil {
			return fi
		}
	}
	return nil
})

func (g *Guard) selfEnvFor(a Action) *selfEnv {
	s := &selfEnv{hook: hookBinary(), hookInfo: hookInfo()}
	clean := func(p string) string {
		p = strings.ReplaceAll(strings.TrimSpace(p), "\\", "/")
		if p == "" || !strings.HasPrefix(p, "/") {
			return ""
		}
		return path.Clean(p)
	}
	s.cwd = clean(a.Context[decision.ContextCwd])
	if s.cwd == "" {
		s.cwd = clean(filepath.ToSlash(g.opts.Dir))
	}
	if s.cwd == "" {
		if wd, err := os.Getwd(); err == nil {
			s.cwd = clean(filepath.ToSlash(wd))
		}
	}
	s.root = clean(a.Context[decision.ContextProjectRoot])
	if s.root == "" {
		s.root = s.cwd
	}
	s.home = clean(a.Context[decision.ContextHome])
	if s.home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			s.home = clean(filepath.ToSlash(h))
		}
	}
	state := clean(filepath.ToSlash(g.home))
	if state != "" && !filepath.IsAbs(g.home) {
		state = ""
	}
	if state == "" && g.home != "" {
		if abs, err := filepath.Abs(g.home); err == nil {
			state = clean(filepath.ToSlash(abs))
		}
	}
	add := func(p string) {
		if p != "" && p != "/" {
			s.stateRoots = append(s.stateRoots, lowerSegs(p))
		}
	}
	add(state)
	if k := resolvedState(state); k != state {
		add(k)
	}
	stateHome, configHome := os.Getenv("XDG_STATE_HOME"), os.Getenv("XDG_CONFIG_HOME")
	if s.home != "" {
		add(s.home + "/.local/state/cavra")
		add(s.home + "/.config/cavra")
		add(s.home + "/Library/Application Support/cavra")
		if stateHome == "" {
			stateHome = s.home + "/.local/state"
		}
		if configHome == "" {
			configHome = s.home + "/.config"
		}
	}
	if p := clean(stateHome); p != "" {
		add(p + "/cavra")
	}
	if p := clean(configHome); p != "" {
		add(p + "/cavra")
	}
	for _, p := range g.configuredFiles() {
		if p = clean(filepath.ToSlash(p)); p != "" && p != "/" {
			s.configured = append(s.configured, lowerSegs(p))
		}
	}
	for _, p := range []string{s.root, s.home} {
		if p != "" && p != "/" {
			s.anchors = append(s.anchors, lowerSegs(p))
		}
	}
	s.vars = []selfVar{{"CAVRA_HOME", state}, {"HOME", s.home}, {"PWD", s.cwd}, {"XDG_STATE_HOME", clean(stateHome)},
		{"XDG_CONFIG_HOME", clean(configHome)}, {"CLAUDE_PROJECT_DIR", s.root}}
	return s
}

// refuseSelf blocks d when the action would change CAVRA. It is called
// for every decision, by Evaluate and Check alike, after the policy and
// the mode.
func (g *Guard) refuseSelf(a Action, facts policy.Facts, d *Decision) {
	ms := g.selfMatches(a, facts)
	if len(ms) == 0 {
		return
	}
	d.Matches = append(d.Matches, ms...)
	if d.Decision == Block && d.BaseDecision == nil && d.Attestation == nil {
		// The policy blocks it already: its rule stays the one reported.
		d.Severity = Critical
		return
	}
	top := ms[0]
	reason := top.Reason
	if d.Mode != "" && d.Mode != Enforce {
		reason += fmt.Sprintf(" (the %s mode does not override it)", d.Mode)
	}
	d.Decision, d.RuleID, d.Severity, d.Reason = Block, top.RuleID, Critical, reason
	d.ApproverGroup, d.BaseDecision, d.Attestation = "", nil, nil
}

// selfMatches are the cavra.self.* blocks of an action; nil when it leaves
// CAVRA alone.
func (g *Guard) selfMatches(a Action, f policy.Facts) []Match {
	var ms []Match
	var s *selfEnv
	env := func() *selfEnv {
		if s == nil {
			s = g.selfEnvFor(a)
		}
		return s
	}
	add := func(rule, reason string) {
		for _, m := range ms {
			if m.RuleID == rule && m.Reason == reason {
				return
			}
		}
		ms = append(ms, Match{RuleID: rule, Decision: Block, Severity: Critical, Reason: reason,
			Subject: a.Target})
	}
	judge := func(p string, op pathOp, tool string) {
		if rule, why := env().judgePath(p, op, tool); rule != "" {
			add(rule, fmt.Sprintf("%s %s; an agent may not change CAVRA (%s).", opVerb(op), p, why))
		}
	}
	switch a.Type {
	case ReadFile:
		if strings.TrimSpace(a.Target) != "" {
			judge(a.Target, opRead, a.Tool)
		}
		if g, ok := a.Args["glob"].(string); ok && a.Tool == "Grep" {
			// A search that reads the files a pattern names wherever they are.
			for _, seg := range strings.Split(g, "/") {
				if seg != "**" && hasMeta(seg) && privateName(seg, false) || !hasMeta(seg) && privateName(seg, false) {
					add("cavra.self.key_read", fmt.Sprintf("Searches the contents of files named %s: CAVRA's private keys or database; an agent may not read them.", g))
					break
				}
			}
		}
	case WriteFile:
		if strings.TrimSpace(a.Target) != "" {
			judge(a.Target, opWrite, a.Tool)
			if isScript(a.Target) && scriptTouchesCAVRA(writtenText(a.Args), env()) {
				add("cavra.self.script", fmt.Sprintf("Writes a script, %s, that changes CAVRA when it runs; an agent may not.", a.Target))
			}
		}
	case ExecuteCommand:
		g.selfCommands(a, f, env, add, judge)
		if a.Context[decision.ContextSandbox] == decision.SandboxDisabled {
			if _, ok := g.active.Load().set.UnsandboxedAllowed(f); !ok {
				add("cavra.self.unsandboxed", "Asks to run this command outside the agent's sandbox (dangerouslyDisableSandbox); "+
					"the policy does not allow it unsandboxed (commands allow_unsandboxed), and an agent may not switch its confinement off. "+
					"Run it inside the sandbox.")
			}
		}
	case MCPToolCall:
		if op, ok := mcpPathOp(a); ok {
			for _, p := range mcpPaths(a) {
				judge(p, op, "mcp")
			}
		}
	}
	return ms
}

// mcpPathOp says what an MCP tool does to the paths in its arguments, by
// its name (a filesystem server's write_file, move_file, read_file…);
// false for CAVRA's own read-only tools and for names that say nothing.
func mcpPathOp(a Action) (pathOp, bool) {
	if m := OwnMCPVerdict(a.Server, a.Tool); m != nil && m.Decision == Allow {
		return 0, false
	}
	t := strings.ToLower(a.Tool)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(t, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("delete", "remove", "unlink", "rmdir", "trash"):
		return opDelete, true
	case has("write", "edit", "create", "move", "rename", "put", "upload", "append", "patch", "mkdir", "copy", "save", "replace", "chmod", "link"):
		return opWrite, true
	case has("read", "get", "cat", "view", "open", "download", "search", "grep", "head", "tail", "file"):
		return opRead, true
	}
	return 0, false
}

// mcpPathKeys are the argument names MCP tools give paths.
var mcpPathKeys = []string{"path", "file_path", "filepath", "filename", "file", "source", "destination", "dest", "target", "paths", "src", "dst"}

// mcpPaths returns the path arguments of an MCP call: the keys above, and
// every argument internal/mcptool reads as a path (nested ones, file: URIs,
// camelCase keys) — the reading the policy judges the same call by.
func mcpPaths(a Action) []string {
	var out []string
	seen := map[string]bool{}
	addp := func(p string) {
		if p = strings.TrimSpace(p); p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, k := range mcpPathKeys {
		switch v := a.Args[k].(type) {
		case string:
			addp(v)
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					addp(s)
				}
			}
		}
	}
	for _, arg := range mcptool.ReadCallWith(a.Server, a.Tool, a.Args,
		mcptool.HintsOf(a.Context[decision.ContextToolArgRoles], a.Context[decision.ContextToolLocal])).Args {
		switch arg.Role {
		case mcptool.Path, mcptool.Source, mcptool.Destination:
			p := arg.Value
			if strings.HasPrefix(strings.ToLower(p), "file://") {
				p = strings.TrimPrefix(p[len("file://"):], "localhost")
			}
			addp(p)
		}
	}
	return out
}

func opVerb(op pathOp) string {
	switch op {
	case opWrite:
		return "Writes"
	case opDelete:
		return "Deletes"
	}
	return "Reads"
}

// selfCommands judges the commands of a command line.
func (g *Guard) selfCommands(a Action, f policy.Facts, env func() *selfEnv, add func(rule, reason string), judge func(string, pathOp, string)) {
	opaque, dynamic := false, false
	written := map[string]bool{} // files earlier commands of the line write
	for i := range f.Commands {
		c := &f.Commands[i]
		if c.Opaque != "" || c.InterpreterCode != "" {
			opaque = true
		}
		if c.Dynamic {
			dynamic = true
		}
		readOnlyCLI := false
		if args, ok := cliArgs(c, env); ok {
			v := classifyCLI(args)
			readOnlyCLI = !v.control
			if v.control {
				add(v.rule, fmt.Sprintf("Runs `cavra %s`, which changes CAVRA itself; an agent may not (a person runs it in their own terminal).", v.what))
			} else if v.out != "" {
				judge(dirJoin(c.Dir, v.out), opWrite, "cavra")
			}
		}
		if c.InterpreterCode != "" && controlText.MatchString(c.InterpreterCode) {
			add("cavra.self.control_plane", "Inline code runs a control-plane cavra command; an agent may not.")
		}
		if (c.Name == "export" || c.Name == "declare" || c.Name == "typeset" || c.Name == "readonly" || c.Name == "setenv") &&
			slicesAny(c.Args, func(s string) bool { return strings.HasPrefix(strings.TrimLeft(s, "-x "), "CAVRA_") }) {
			add("cavra.self.mode", "Sets CAVRA's configuration (CAVRA_*) in the agent's shell; an agent may not.")
		}
		if !dataCommands[c.Name] && !isCavraName(c.Name) && (slicesAny(c.Args, controlText.MatchString) || controlText.MatchString(strings.Join(c.Args, " "))) ||
			c.Name == "git" && slicesAny(gitConfigValues(c.Args), controlText.MatchString) {
			// npm exec -c '…', npm pkg set scripts.x='…', a script in an argument.
			add("cavra.self.control_plane", fmt.Sprintf("%s is handed a control-plane cavra command to run; an agent may not.", c.Name))
		}
		tool := c.Name
		for _, arg := range c.Args {
			// A control socket in the state directory is the control plane.
			if i := strings.Index(arg, ".sock"); i > 0 {
				p := arg
				if j := strings.LastIndexAny(p[:i], ":="); j >= 0 {
					p = p[j+1:]
				}
				judge(dirJoin(c.Dir, p), opWrite, tool)
			}
		}
		for _, p := range outputFlags(c) {
			judge(dirJoin(c.Dir, p), opWrite, tool)
		}
		switch c.Name {
		case "chmod", "chown", "chgrp", "chattr", "setfacl":
			for _, p := range c.Args {
				if strings.Contains(p, "/") && !strings.HasPrefix(p, "--") {
					judge(dirJoin(c.Dir, p), opWrite, tool)
				}
			}
		case "tar", "bsdtar", "unzip", "7z", "7za", "cpio", "unrar", "ar", "gunzip", "bunzip2", "xz", "unxz", "zstd":
			// An archive's members are only known when it is unpacked: one
			// from outside the project unpacked at its root or above may
			// carry .claude/ or .cavra/. (The project's own archives are left
			// to confinement: unpacking them is everyday work.)
			foreign := slicesAny(c.Reads, func(p string) bool { return !env().inProject(p) })
			for _, w := range c.Writes {
				if foreign && env().coversAnchor(w) {
					add("cavra.self.settings_write", fmt.Sprintf("Unpacks an archive into %s, where it may replace an agent's settings or CAVRA's state; unpack it into a subdirectory.", w))
				}
			}
		}
		for _, p := range c.Reads {
			if readOnlyCLI { // the CLI reads its own state (--home DIR) and prints nothing private
				continue
			}
			judge(p, opRead, tool)
			// A path only known at run time (`F=…/x.private.jwk; cat $F`,
			// `cat $(echo …)`): judged by what the line names.
			if strings.ContainsAny(p, "$`") && scriptNamesCAVRA(a.Target, env()) {
				add("cavra.self.key_read", fmt.Sprintf("Reads %s, a path known only at run time, on a line that names CAVRA's private files.", p))
			}
		}
		for _, p := range c.Writes {
			judge(p, opWrite, tool)
			if isScript(p) && scriptTouchesCAVRA(a.Target, env()) {
				add("cavra.self.script", fmt.Sprintf("Writes a script, %s, that changes CAVRA when it runs; an agent may not.", p))
			}
		}
		for _, p := range c.Deletes {
			judge(p, opDelete, tool)
		}
		switch c.Name {
		case "cp", "mv", "install", "ln", "rsync":
			// A destination that is a directory receives the sources under
			// their own names.
			for _, w := range c.Writes {
				fi, err := os.Stat(filepath.FromSlash(env().normalize(w)))
				if err != nil || !fi.IsDir() {
					continue
				}
				for _, src := range append(append([]string(nil), c.Reads...), c.Deletes...) {
					judge(path.Join(w, path.Base(src)), opWrite, tool)
				}
			}
		}
		if c.Name == "go" && len(c.Args) > 1 && c.Args[0] == "install" &&
			slicesAny(c.Args[1:], func(p string) bool { return goRunCavra().MatchString(strings.ToLower(p)) }) {
			add("cavra.self.hook_binary", "`go install` of cavra replaces the installed cavra binary, which the hooks run; an agent may not.")
		}
		if c.Name == "ln" || (c.Name == "cp" && slicesAny(c.Args, isLinkFlag)) {
			for _, t := range linkTargets(c) {
				if rule, why := env().judgeLinkTarget(t); rule != "" {
					add(rule, fmt.Sprintf("Links to %s, which CAVRA protects (%s); an agent may not change CAVRA through a link.", t, why))
				}
			}
		}
		if c.Git != nil {
			env().judgeGit(c, add, judge)
		}
		for _, p := range scriptsRun(c) {
			if text := readScript(env().normalize(dirJoin(c.Dir, p))); scriptTouchesCAVRA(text, env()) {
				add("cavra.self.script", fmt.Sprintf("Runs %s, a script that changes CAVRA; an agent may not.", p))
			} else if written[p] && scriptTouchesCAVRA(a.Target, env()) {
				// printf '…cavra approval approve…' > /tmp/mk && make -f /tmp/mk:
				// the file does not exist yet; what the line writes into it does.
				add("cavra.self.script", fmt.Sprintf("Runs %s, which this line writes with text that changes CAVRA; an agent may not.", p))
			}
		}
		for _, p := range c.Writes {
			written[p] = true
		}
	}
	if opaque || dynamic {
		if controlText.MatchString(a.Target) {
			add("cavra.self.control_plane", "Code the analysis cannot see runs a control-plane cavra command; an agent may not.")
		} else if decodesToControl(a.Target) {
			add("cavra.self.control_plane", "The line decodes and runs a control-plane cavra command (base64, hex, escapes, reversed or rot13 text); an agent may not.")
		}
	}
}

// cliArgs returns the cavra CLI arguments of a command that runs the CLI.
func cliArgs(c *policy.CommandFacts, env func() *selfEnv) ([]string, bool) {
	if c.Name == "" && !c.Dynamic {
		return nil, false // redirections alone
	}
	if isCavraName(c.Name) {
		return c.Args, true
	}
	if c.Name == "go" {
		return goRunArgs(c)
	}
	if args, ok := containerCavraArgs(c); ok {
		return args, true
	}
	if c.Path != "" {
		s := env()
		if s.hook != "" {
			p := kernelPath(s.normalize(dirJoin(c.Dir, c.Path)))
			if strings.EqualFold(p, s.hook) {
				return c.Args, true
			}
			if s.hookInfo != nil {
				if fi, err := os.Stat(filepath.FromSlash(p)); err == nil && os.SameFile(fi, s.hookInfo) {
					return c.Args, true
				}
			}
		}
	}
	if c.Dynamic || c.Name == "" {
		// A name computed at run time with the CLI's words.
		for _, w := range c.Args {
			if strings.HasPrefix(w, "-") {
				continue
			}
			if controlGroups[w] {
				return c.Args, true
			}
			break
		}
		return nil, false
	}
	if !dataCommands[c.Name] && distinctive(c.Args) {
		return c.Args, true
	}
	return nil, false
}

// dirJoin joins a relative path to a directory ("" = the project root,
// which normalize applies).
func dirJoin(dir, p string) string {
	if dir == "" || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~") || strings.HasPrefix(p, "$") {
		return p
	}
	return dir + "/" + p
}

func slicesAny(s []string, f func(string) bool) bool {
	for _, x := range s {
		if f(x) {
			return true
		}
	}
	return false
}

func isLinkFlag(a string) bool {
	return a == "-s" || a == "-l" || a == "--symbolic-link" || a == "--link" ||
		(strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && strings.ContainsAny(a, "sl"))
}

// linkTargets returns the targets of an ln (or cp -s/-l) command, each as
// the kernel will look it up: a symbolic link's relative target against
// the link's directory, a hard link's against the working directory.
func linkTargets(c *policy.CommandFacts) []string {
	var ops []string
	symbolic, relative := false, false
	targetDir := ""
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case a == "--":
			ops = append(ops, c.Args[i+1:]...)
			i = len(c.Args)
		case a == "-t" || a == "--target-directory" || a == "-S" || a == "--suffix":
			if i+1 < len(c.Args) {
				if a == "-t" || a == "--target-directory" {
					targetDir = c.Args[i+1]
				}
				i++
			}
		case strings.HasPrefix(a, "--target-directory="):
			targetDir = strings.TrimPrefix(a, "--target-directory=")
		case a == "--symbolic":
			symbolic = true
		case a == "--relative":
			relative = true
		case strings.HasPrefix(a, "--"):
		case strings.HasPrefix(a, "-") && len(a) > 1:
			symbolic = symbolic || strings.Contains(a, "s")
			relative = relative || strings.Contains(a, "r")
		default:
			ops = append(ops, a)
		}
	}
	if len(ops) == 0 {
		return nil
	}
	targets, link := ops, ""
	if targetDir == "" && len(ops) > 1 {
		targets, link = ops[:len(ops)-1], ops[len(ops)-1]
	} else if targetDir != "" {
		link = targetDir + "/"
	}
	linkDir := c.Dir
	if symbolic && !relative && link != "" {
		l := dirJoin(c.Dir, link)
		if strings.HasSuffix(link, "/") {
			linkDir = strings.TrimSuffix(l, "/")
		} else if fi, err := os.Stat(filepath.FromSlash(l)); err == nil && fi.IsDir() {
			linkDir = l
		} else {
			linkDir = path.Dir(l)
		}
	}
	out := make([]string, 0, len(targets))
	for _, t := range targets {
		if symbolic && !relative {
			out = append(out, dirJoin(linkDir, t))
		} else {
			out = append(out, dirJoin(c.Dir, t))
		}
	}
	return out
}

// judgeLinkTarget judges what a new link points to: a protected place
// (for reading too: a link to a public file would let a later write
// through), or a directory above one.
func (s *selfEnv) judgeLinkTarget(t string) (rule, why string) {
	for _, form := range []string{s.normalize(t), kernelPath(s.normalize(t))} {
		if rule, why := s.verdictFor(form, opDelete, ""); rule != "" {
			return rule, why
		}
		segs := lowerSegs(form)
		if _, ok := s.stateRel(segs); ok {
			return "cavra.self.state_write", "CAVRA's state"
		}
		if s.hook != "" && strings.EqualFold(form, s.hook) {
			return "cavra.self.hook_binary", "the hook binary"
		}
		if len(segs) == 0 {
			return "cavra.self.link", "the root directory"
		}
	}
	return "", ""
}

// judgeGit judges git commands that move or rewrite CAVRA's files: a stash
// or clean that takes the untracked state directory with it, a checkout
// or restore of a settings file.
func (s *selfEnv) judgeGit(c *policy.CommandFacts, add func(rule, reason string), judge func(string, pathOp, string)) {
	g := c.Git
	for _, a := range g.Args {
		if !strings.HasPrefix(a, "-") && strings.ContainsAny(a, "/.") {
			judge(dirJoin(c.Dir, strings.TrimPrefix(a, ":")), opRead, "git")
		}
	}
	untracked := false
	for _, a := range g.Args {
		switch {
		case a == "-u" || a == "--include-untracked" || a == "-a" || a == "--all" || a == "-x" || a == "-X":
			untracked = true
		case strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && (g.Subcommand == "clean" && strings.ContainsAny(a, "xX")):
			untracked = true
		}
	}
	switch g.Subcommand {
	case "stash", "clean":
		// Untracked and ignored files include .claude/settings.local.json
		// and a .cavra/ in the project; a plain clean -f takes an untracked
		// state directory.
		if (g.Subcommand == "stash" && untracked) || (g.CleanForce && (untracked || s.stateInProject())) {
			add("cavra.self.state_write", fmt.Sprintf("`git %s` with untracked or ignored files moves CAVRA's state directory out of the project; an agent may not.", g.Subcommand))
		}
	case "checkout", "restore", "rm", "mv", "apply":
		for _, a := range g.Args {
			if strings.HasPrefix(a, "-") || !strings.ContainsAny(a, "/.") {
				continue
			}
			judge(dirJoin(c.Dir, a), opWrite, "git")
		}
	}
}

// stateInProject reports whether a state directory is in the project: the
// Guard's, or a .cavra directory at the project root.
func (s *selfEnv) stateInProject() bool {
	if s.root == "" {
		return false
	}
	root := lowerSegs(s.root)
	for _, r := range s.stateRoots {
		if _, ok := segsWithin(root, r); ok {
			return true
		}
	}
	_, err := os.Stat(filepath.FromSlash(s.root + "/.cavra"))
	return err == nil
}

// scriptExt are the extensions of files that run as programs.
var scriptExt = map[string]bool{
	".sh": true, ".bash": true, ".zsh": true, ".ksh": true, ".fish": true, ".py": true, ".rb": true, ".pl": true,
	".js": true, ".mjs": true, ".cjs": true, ".ts": true, ".php": true, ".lua": true, ".ps1": true, ".bat": true,
	".cmd": true, ".mk": true,
}

// isScript reports whether a file runs as a program: by extension, by
// name (Makefile, package.json…) or by its directory (bin/, scripts/,
// git hooks).
func isScript(p string) bool {
	p = strings.ToLower(strings.ReplaceAll(p, "\\", "/"))
	base := path.Base(p)
	if scriptExt[path.Ext(base)] {
		return true
	}
	switch base {
	case "makefile", "gnumakefile", "justfile", "taskfile.yml", "taskfile.yaml", "package.json", "dockerfile", ".envrc":
		return true
	}
	if path.Ext(base) == "" {
		for _, d := range []string{"/bin/", "/scripts/", "/script/", "/tools/", "/hooks/", "/.husky/"} {
			if strings.Contains("/"+p, d) {
				return true
			}
		}
	}
	return false
}

// protectedMention finds CAVRA's files named in program text.
var protectedMention = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)\.cavra\b|cavra\.db|\.private\.jwk|\.claude/settings|\.claude\.json|\.mcp\.json|\.codex/|\.cursor/(hooks|mcp)\.json|\.gemini/settings|CAVRA_HOME`)
})

// cavraAssign sets CAVRA's configuration in the environment.
var cavraAssign = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\bCAVRA_[A-Z_]+=`) })

// changeWords are what a script does to a file it changes.
var changeWords = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)>|\b(rm|mv|cp|ln|tee|sed\s+-i|truncate|chmod|unlink|shred|dd)\b|\.write|writeFile|open\([^)]*['"][wa]|os\.remove|rmtree|unlink`)
})

// scriptTouchesCAVRA reports whether program text runs a control-plane
// command, or names CAVRA's files and changes files.
func scriptTouchesCAVRA(text string, s *selfEnv) bool {
	if text == "" {
		return false
	}
	if controlText.MatchString(text) || cavraAssign().MatchString(text) {
		return true
	}
	return scriptNamesCAVRA(text, s) && changeWords().MatchString(text)
}

// scriptNamesCAVRA reports whether program text names CAVRA's files: its
// state, keys and database, the agents' settings, the hook binary, the
// pinned state directory or a configured file by path.
func scriptNamesCAVRA(text string, s *selfEnv) bool {
	if protectedMention().MatchString(text) || (s.hook != "" && strings.Contains(text, s.hook)) {
		return true
	}
	return s.namesStateOrConfig(strings.ToLower(text))
}

// writtenText is the text a Write, Edit or MultiEdit call puts in a file.
func writtenText(args map[string]any) string {
	var b strings.Builder
	for _, k := range []string{"content", "new_string", "new_source"} {
		if v, ok := args[k].(string); ok {
			b.WriteString(v)
			b.WriteByte('\n')
		}
	}
	if edits, ok := args["edits"].([]any); ok {
		for _, e := range edits {
			if m, ok := e.(map[string]any); ok {
				if v, ok := m["new_string"].(string); ok {
					b.WriteString(v)
					b.WriteByte('\n')
				}
			}
		}
	}
	return b.String()
}

// outputFlags returns the values of a command's output options (-o,
// --output, --out, --outfile): compilers, builders and converters write
// there.
func outputFlags(c *policy.CommandFacts) []string {
	var out []string
	for i := 0; i < len(c.Args); i++ {
		a := c.Args[i]
		name, val, ok := strings.Cut(a, "=")
		switch name {
		case "-o", "--output", "--out", "--outfile", "--output-file", "-output":
			if !ok && i+1 < len(c.Args) {
				i++
				val = c.Args[i]
			}
			if val != "" && val != "-" && !strings.HasPrefix(val, "-") {
				out = append(out, val)
			}
		}
	}
	return out
}

// coversAnchor reports whether a path is the project root, the home
// directory, or a directory above either.
func (s *selfEnv) coversAnchor(p string) bool {
	segs := lowerSegs(s.normalize(p))
	for _, a := range s.anchors {
		if _, ok := segsWithin(segs, a); ok {
			return true
		}
	}
	return false
}

// inProject reports whether a path is inside the project root.
func (s *selfEnv) inProject(p string) bool {
	if s.root == "" {
		return false
	}
	_, ok := segsWithin(lowerSegs(s.root), lowerSegs(s.normalize(p)))
	return ok
}

// resolvedStates caches the state directories as the kernel resolves
// them, once each exists (until then the path as given is all there is).
var resolvedStates sync.Map

func resolvedState(p string) string {
	if p == "" {
		return ""
	}
	if k, ok := resolvedStates.Load(p); ok {
		return k.(string)
	}
	k := kernelPath(p)
	if _, err := os.Stat(filepath.FromSlash(p)); err == nil {
		resolvedStates.Store(p, k)
	}
	return k
}

var (
	base64Token = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[A-Za-z0-9+/_-]{12,}={0,2}`) })
	hexToken    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)(?:[0-9a-f]{2}){8,}|(?:\\x[0-9a-f]{2}){4,}`) })
	escapeSeq   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\\(?:x[0-9a-fA-F]{2}|[0-7]{3})`) })
)

// decodesToControl reports whether a line that computes what it runs
// holds, encoded, a control-plane cavra command: base64 or hex text,
// printf escapes, reversed or rot13 text.
func decodesToControl(line string) bool {
	if len(line) > 64<<10 {
		return false
	}
	try := func(s string) bool { return controlText.MatchString(s) }
	for _, tok := range base64Token().FindAllString(line, 16) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(tok); err == nil && try(string(b)) {
				return true
			}
		}
	}
	for _, tok := range hexToken().FindAllString(line, 16) {
		if b, err := hex.DecodeString(strings.ReplaceAll(strings.ToLower(tok), "\\x", "")); err == nil && try(string(b)) {
			return true
		}
	}
	unescaped := escapeSeq().ReplaceAllStringFunc(line, func(e string) string {
		var n uint64
		if e[1] == 'x' {
			b, _ := hex.DecodeString(e[2:])
			return string(b)
		}
		for _, d := range e[1:] {
			n = n*8 + uint64(d-'0')
		}
		return string(rune(n))
	})
	if unescaped != line && try(unescaped) {
		return true
	}
	r := []rune(line)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	if try(string(r)) {
		return true
	}
	return try(strings.Map(rot13, line))
}

func rot13(r rune) rune {
	switch {
	case r >= 'a' && r <= 'z':
		return 'a' + (r-'a'+13)%26
	case r >= 'A' && r <= 'Z':
		return 'A' + (r-'A'+13)%26
	}
	return r
}

// interpreters run the file named by their first operand.
var interpreters = map[string]bool{
	"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "fish": true, "python": true, "python3": true,
	"node": true, "perl": true, "ruby": true, "php": true, "deno": true, "bun": true, "tsx": true, "ts-node": true,
	"source": true, ".": true,
}

// scriptsRun returns the files a command runs as a script: an
// interpreter's first operand, a sourced file, a script read on standard
// input.
func scriptsRun(c *policy.CommandFacts) []string {
	var out []string
	if interpreters[c.Name] {
		for _, a := range c.Args {
			if a == "-c" || a == "-e" || a == "-m" {
				break // inline code or a module: not a file
			}
			if !strings.HasPrefix(a, "-") {
				out = append(out, a)
				break
			}
		}
	}
	if c.Opaque == "script from stdin" || c.Opaque == "source" {
		out = append(out, c.Reads...)
	}
	if c.Path != "" && !interpreters[c.Name] {
		out = append(out, c.Path) // ./fix.sh
	}
	switch c.Name {
	case "make", "gmake", "just", "task":
		// The build file it runs: make -f FILE, --file=FILE, --makefile=FILE, just --justfile FILE, task -t FILE.
		for i, a := range c.Args {
			switch {
			case (a == "-f" || a == "--file" || a == "--makefile" || a == "--justfile" || a == "-t" || a == "--taskfile") && i+1 < len(c.Args):
				out = append(out, c.Args[i+1])
			case strings.HasPrefix(a, "--file=") || strings.HasPrefix(a, "--makefile=") || strings.HasPrefix(a, "--justfile=") || strings.HasPrefix(a, "--taskfile="):
				out = append(out, a[strings.IndexByte(a, '=')+1:])
			case len(a) > 2 && strings.HasPrefix(a, "-f") && c.Name != "task":
				out = append(out, a[2:])
			}
		}
	}
	return out
}

// readScript returns the start of a script file (64 KiB at most); "" when
// it cannot be read, is not a regular file, or is a binary.
func readScript(p string) string {
	f, err := os.Open(filepath.FromSlash(p))
	if err != nil {
		return ""
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	buf := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, buf)
	buf = buf[:n]
	if bytes.IndexByte(buf, 0) >= 0 {
		return "" // a program, not a script
	}
	return string(buf)
}

// configuredFiles are the files and directories the Guard's configuration
// loads, absolute: pack files and directories, the registry file, the
// approvers' keys, RBAC and routing. Changing them changes what CAVRA
// decides or who may approve.
func (g *Guard) configuredFiles() []string {
	var out []string
	abs := func(base, p string) {
		switch {
		case p == "" || strings.HasPrefix(p, "https://") || strings.HasPrefix(p, "http://"):
			return
		case !filepath.IsAbs(p) && base != "":
			p = filepath.Join(base, p)
		case !filepath.IsAbs(p):
			a, err := filepath.Abs(p)
			if err != nil {
				return
			}
			p = a
		}
		out = append(out, p)
	}
	abs("", g.opts.RegistryFile)
	abs(g.home, g.config.Registry.File)
	for _, d := range g.config.PolicyDirs {
		abs(g.home, d)
	}
	for _, d := range g.opts.PolicyDirs {
		abs("", d)
	}
	for _, d := range filepath.SplitList(os.Getenv("CAVRA_POLICY_DIR")) {
		abs("", d)
	}
	packs := g.opts.Packs
	if len(packs) == 0 {
		packs = g.config.Packs
	}
	for _, p := range packs {
		if strings.ContainsAny(p, "/\\") || strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml") || strings.HasSuffix(p, ".json") {
			abs("", p)
		}
	}
	ac := g.config.Approval
	if g.opts.Approval != nil {
		ac = *g.opts.Approval
	}
	if ac.OIDC != nil {
		abs(g.home, ac.OIDC.JWKS)
	}
	abs(g.home, ac.RBACFile)
	abs(g.home, ac.RoutingFile)
	abs(g.home, ac.LocalKeys)
	return out
}

// gitConfigValues returns the values of git's -c options: an alias with !,
// a pager, an editor or an ssh command run what they say.
func gitConfigValues(args []string) []string {
	var out []string
	for i := 0; i+1 < len(args); i++ {
		if args[i] == "-c" {
			if _, v, ok := strings.Cut(args[i+1], "="); ok {
				out = append(out, v)
			}
			i++
		}
	}
	return out
}

// namesStateOrConfig reports whether lower-cased program text names one of
// the state directories (a pinned one has no ".cavra" in its path) or a
// file the configuration loads, by its absolute path.
func (s *selfEnv) namesStateOrConfig(lower string) bool {
	for _, list := range [][][]string{s.stateRoots, s.configured} {
		for _, segs := range list {
			var parts []string
			for _, p := range segs {
				if p != "" {
					parts = append(parts, p)
				}
			}
			if len(parts) < 2 { // "/" or "/tmp" would match any text
				continue
			}
			if strings.Contains(lower, "/"+strings.Join(parts, "/")) {
				return true
			}
		}
	}
	return false
}

// containerValueOpts are the options of `docker run` (and podman's, nerdctl's)
// that take a separate value.
var containerValueOpts = map[string]bool{"-v": true, "--volume": true, "-w": true, "--workdir": true, "-e": true, "--env": true,
	"--env-file": true, "--name": true, "--network": true, "--net": true, "-p": true, "--publish": true, "-u": true, "--user": true,
	"--entrypoint": true, "--mount": true, "-l": true, "--label": true, "--platform": true, "--pull": true, "--add-host": true,
	"--cpus": true, "-m": true, "--memory": true, "-h": true, "--hostname": true, "--device": true, "--cap-add": true,
	"--cap-drop": true, "--security-opt": true, "--restart": true, "--ulimit": true, "--tmpfs": true, "--gpus": true,
	"--ipc": true, "--pid": true, "--log-driver": true, "--log-opt": true, "--dns": true, "--runtime": true, "-a": true,
	"--attach": true, "--cidfile": true, "--expose": true, "--group-add": true, "--link": true, "--shm-size": true,
	"--stop-signal": true, "--stop-timeout": true, "--userns": true, "--uts": true, "--volumes-from": true}

// containerCavraArgs returns the cavra CLI arguments of a container run
// whose image or entrypoint is cavra (docker run -v $PWD:$PWD cavra:latest
// approval approve …): the container sees the project and runs the CLI.
func containerCavraArgs(c *policy.CommandFacts) ([]string, bool) {
	switch c.Name {
	case "docker", "podman", "nerdctl", "finch":
	default:
		return nil, false
	}
	args := c.Args
	if len(args) > 1 && args[0] == "container" {
		args = args[1:]
	}
	if len(args) == 0 || (args[0] != "run" && args[0] != "exec" && args[0] != "create") {
		return nil, false
	}
	entry := false
	for i := 1; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			name, val, hasVal := strings.Cut(a, "=")
			if name == "--entrypoint" {
				if !hasVal && i+1 < len(args) {
					val = args[i+1]
				}
				entry = isCavraName(path.Base(val))
			}
			if containerValueOpts[name] && !hasVal {
				i++
			}
			continue
		}
		if args[0] == "exec" { // docker exec CONTAINER cavra …
			if i+1 < len(args) && isCavraName(path.Base(args[i+1])) {
				return args[i+2:], true
			}
			return nil, false
		}
		image := a
		if j := strings.LastIndexByte(image, '/'); j >= 0 {
			image = image[j+1:]
		}
		image, _, _ = strings.Cut(image, "@")
		image, _, _ = strings.Cut(image, ":")
		if entry || isCavraName(image) {
			return args[i+1:], true
		}
		return nil, false
	}
	return nil, false
}
