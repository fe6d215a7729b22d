package policy

import (
	"net/url"
	"regexp"
	"strings"
	"sync"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/policy/shell"
)

// Facts is what the evaluation understood about an action: the paths it
// touches (resolved), the URLs and hosts it contacts, and, for commands,
// the simple commands the line runs and what each does. They are what CEL
// rules see as action.paths, action.commands, action.git and so on.
//
// Paths are resolved against the working directory in effect (a command's
// own, after `cd`), with ~ and $HOME expanded, and shown relative to the
// project root when inside it — the project root itself is shown as its
// absolute path — else absolute.
type Facts struct {
	Line     string         `json:"line,omitempty"`
	Commands []CommandFacts `json:"commands,omitempty"`
	Paths    []string       `json:"paths,omitempty"` // reads, writes and deletes together, each once
	Reads    []string       `json:"reads,omitempty"`
	Writes   []string       `json:"writes,omitempty"`
	Deletes  []string       `json:"deletes,omitempty"`
	URLs     []string       `json:"urls,omitempty"`
	Hosts    []string       `json:"hosts,omitempty"`
	Git      []GitFacts     `json:"git,omitempty"` // one per git invocation

	// Network facts (network.go): the classes of the hosts contacted, the
	// hosts that are not this machine, the kinds of secrets found in what
	// is sent, and the files whose contents are sent.
	HostClasses []string `json:"host_classes,omitempty"`
	RemoteHosts []string `json:"remote_hosts,omitempty"`
	SentSecrets []string `json:"sent_secrets,omitempty"`
	Uploads     []string `json:"uploads,omitempty"`

	// ctx looks up context.k for the rules' fact gates while they run; nil
	// outside (a gate that needs it then lets the rule run).
	ctx contextLookup
}

// contextLookup is what a fact gate needs of an evaluation: an interface
// rather than a method value, which would be allocated on every evaluation.
type contextLookup interface {
	contextValue(k string) (string, bool)
}

// CommandFacts is one simple command of a line with what it touches.
type CommandFacts struct {
	Name            string    `json:"name"`
	Args            []string  `json:"args,omitempty"`
	Text            string    `json:"text"`
	Path            string    `json:"path,omitempty"`
	Dir             string    `json:"dir,omitempty"` // absolute working directory; "" when not known
	Dynamic         bool      `json:"dynamic,omitempty"`
	Opaque          string    `json:"opaque,omitempty"`
	Via             []string  `json:"via,omitempty"`
	Reads           []string  `json:"reads,omitempty"`
	Writes          []string  `json:"writes,omitempty"`
	Deletes         []string  `json:"deletes,omitempty"`
	URLs            []string  `json:"urls,omitempty"`
	Hosts           []string  `json:"hosts,omitempty"`
	InterpreterCode string    `json:"interpreter_code,omitempty"`
	CodeRead        bool      `json:"code_read,omitempty"`        // the inline code was tokenized (package shell/inline)
	CodeEnv         []string  `json:"code_env,omitempty"`         // environment variables the code reads; "*" for all
	CodeObfuscated  []string  `json:"code_obfuscation,omitempty"` // what the code hides (eval of computed strings, decoded code)
	CodeUnknown     []string  `json:"code_unknown,omitempty"`     // what the code leaves to run time
	Git             *GitFacts `json:"git,omitempty"`
	HostClasses     []string  `json:"host_classes,omitempty"`
	RemoteHosts     []string  `json:"remote_hosts,omitempty"`
	SentSecrets     []string  `json:"sent_secrets,omitempty"`
	Uploads         []string  `json:"uploads,omitempty"`
	// Dataflow within the line (resolved like Reads; a trailing "/" is a
	// directory): what the command runs or loads as code, the libraries
	// preloaded into it, what it downloads, and which of its runs an
	// earlier command of the line downloaded.
	Runs           []string `json:"runs,omitempty"`
	Preloads       []string `json:"preloads,omitempty"`
	Loads          []string `json:"loads,omitempty"`
	Downloads      []string `json:"downloads,omitempty"`
	RunsDownloaded []string `json:"runs_downloaded,omitempty"`

	// flow resolves the dataflow lists when a rule first reads them.
	flow flowSource
	// DryRun, Env and DB: the blast radius (blast.go).
	DryRun bool   `json:"dry_run,omitempty"`
	Env    string `json:"env,omitempty"`
	DB     string `json:"db_effect,omitempty"`
	// DBScope is "database" when the command drops or resets a whole
	// database or schema (DROP DATABASE, dropDatabase(), FLUSHALL, a
	// framework's reset task), "" otherwise.
	DBScope string `json:"db_scope,omitempty"`
	// Service: what a remote service's client does to the service, "read"
	// or "change" (service.go); "" for any other command.
	Service string `json:"service,omitempty"`
	// localTarget: a cluster or database tool acting on this machine, or
	// a database task on a local or development database. With DryRun, the
	// approval list and remote verbs do not apply to it (a dry run also
	// passes the block list: it changes nothing).
	localTarget bool
	// SecretReads names the secret-store secrets whose values it prints
	// ("kubernetes secret app"; shell.Command.SecretReads).
	SecretReads []string `json:"secret_reads,omitempty"`
	// Remote: where it runs when the line runs it elsewhere ("ssh:host",
	// "kubectl:-n prod pod", "docker:web"; shell.Command.Remote). Its
	// paths are paths there: RemoteReads, RemoteWrites and RemoteDeletes
	// as written, never judged against this machine's lists.
	Remote        string   `json:"remote,omitempty"`
	RemoteReads   []string `json:"remote_reads,omitempty"`
	RemoteWrites  []string `json:"remote_writes,omitempty"`
	RemoteDeletes []string `json:"remote_deletes,omitempty"`
	// StdinNet: its standard input comes from the network.
	StdinNet bool `json:"stdin_net,omitempty"`

	// hereStrings are the texts of its <<< redirections (secretvars.go).
	hereStrings []string
	// secretVars caches secretVars(c): rules read it once per rule.
	secretVars     []string
	secretVarsDone bool
}

// GitFacts is one git invocation.
type GitFacts struct {
	Subcommand string   `json:"subcommand"`
	Args       []string `json:"args,omitempty"`
	Remote     string   `json:"remote,omitempty"`
	Refs       []string `json:"refs,omitempty"`
	// Branches are the destination branch names of a push (from the
	// refspecs; the current branch, context.branch, for a bare push or
	// HEAD; every protected branch for --all and --mirror), or the branches
	// a `git branch` command names. "x/main" also yields "main" when main is
	// protected, which errs towards protection.
	Branches   []string `json:"branches,omitempty"`
	Force      bool     `json:"force"`
	Delete     bool     `json:"delete"`
	Hard       bool     `json:"hard"`
	CleanForce bool     `json:"clean_force"`
}

// addUnique appends s to list unless it is already there.
func addUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (f *Facts) addRead(p string) {
	f.Reads = addUnique(f.Reads, p)
	f.Paths = addUnique(f.Paths, p)
}

func (f *Facts) addWrite(p string) {
	f.Writes = addUnique(f.Writes, p)
	f.Paths = addUnique(f.Paths, p)
}

func (f *Facts) addDelete(p string) {
	f.Deletes = addUnique(f.Deletes, p)
	f.Paths = addUnique(f.Paths, p)
}

func (f *Facts) addURL(u, host string) {
	f.URLs = addUnique(f.URLs, u)
	if host != "" {
		f.Hosts = addUnique(f.Hosts, host)
	}
}

// commandFacts resolves the facts of the analysed commands and matches
// the paths they touch against the filesystem lists.
func (e *evaluation) commandFacts(an *shell.Analysis) {
	f := &e.facts
	f.Line = an.Line
	f.Commands = make([]CommandFacts, len(an.Commands))
	for i := range an.Commands {
		c := &an.Commands[i]
		cf := &f.Commands[i]
		*cf = CommandFacts{Name: c.Name, Args: c.Args, Text: c.Text, Path: c.Path, Dir: c.Dir, Dynamic: c.Dynamic,
			Opaque: c.Opaque, Via: c.Via, URLs: c.URLs, Hosts: c.Hosts, InterpreterCode: c.Code,
			CodeRead: c.CodeRead, CodeEnv: c.CodeEnv, CodeObfuscated: c.CodeObfuscated, CodeUnknown: c.CodeUnknown, SecretReads: c.SecretReads,
			Remote: c.Remote, StdinNet: c.StdinNet}
		for _, r := range c.Redirects {
			if r.Op == "<<<" {
				cf.hereStrings = append(cf.hereStrings, r.Path)
			}
		}
		if c.Remote != "" {
			// Paths on another machine: facts of their own, not this
			// machine's files (kubectl exec pod -- rm -rf /tmp/x).
			cf.RemoteReads, cf.RemoteWrites, cf.RemoteDeletes = c.Reads, c.Writes, c.Deletes
			e.remoteSecretReads(c)
		} else if len(c.Reads)+len(c.Writes)+len(c.Deletes) > 0 {
			env := e.env
			if c.Dir != "" {
				env.cwd = c.Dir
			} else if env.cwd != "" {
				// A cd before it went where only run time knows: its
				// relative paths are not known to be in the project.
				env.cwd = unknownDir
			}
			// Each path is judged as written and as what it reaches on
			// disk (EvalOptions.Probe): `cat notes` where notes links to
			// ~/.ssh/id_rsa reads the key; `rm -rf build/*` deletes what
			// the glob matches.
			e.pathFacts(c, cf, env, false)
			if c.AltDir != "" && c.Dir != "" {
				// A cd before it may have failed: its relative paths
				// may name files of the directory it left as well.
				alt := env
				alt.cwd = c.AltDir
				e.pathFacts(c, cf, alt, true)
			}
		}
		e.noteLink(c)
		if len(c.Runs)+len(c.Downloads) > 0 && c.Remote == "" {
			e.flowFacts(c, cf)
		}
		for _, u := range c.URLs {
			f.URLs = addUnique(f.URLs, u)
		}
		e.networkFacts(c, cf)
		if c.Git != nil {
			g := e.gitFacts(c.Git)
			f.Git = append(f.Git, g)
			cf.Git = &f.Git[len(f.Git)-1]
		}
	}
	e.blastFacts(an)
	for i := range f.Commands {
		if cf := &f.Commands[i]; cf.Remote != "" && productionPlace(cf.Remote) {
			cf.Env = "production"
		}
	}
	// f.Git may have moved while growing: point the commands at the final array.
	n := 0
	for i := range f.Commands {
		if f.Commands[i].Git != nil {
			f.Commands[i].Git = &f.Git[n]
			n++
		}
	}
}

// pathFacts judges the paths c reads, writes and deletes from env's
// directory; relativeOnly skips the others (already judged).
func (e *evaluation) pathFacts(c *shell.Command, cf *CommandFacts, env pathEnv, relativeOnly bool) {
	f := &e.facts
	for _, p := range c.Reads {
		if relativeOnly && !relativePath(p) {
			continue
		}
		rp := env.resolve(p)
		alts := e.reach(env, &rp, true)
		for k := -1; k < len(alts); k++ {
			r := &rp
			if k >= 0 {
				r = &alts[k]
			}
			cf.Reads = append(cf.Reads, r.display)
			f.addRead(r.display)
			e.matchFiles(r, e.set.blockRead, "filesystem.read.block", decision.Block, "Matched sensitive path policy: ")
		}
	}
	for _, p := range c.Writes {
		if relativeOnly && !relativePath(p) {
			continue
		}
		rp := env.resolve(p)
		alts := e.reach(env, &rp, true)
		for k := -1; k < len(alts); k++ {
			r := &rp
			if k >= 0 {
				r = &alts[k]
			}
			cf.Writes = append(cf.Writes, r.display)
			f.addWrite(r.display)
			e.matchWrite(r)
		}
	}
	for _, p := range c.Deletes {
		if relativeOnly && !relativePath(p) {
			continue
		}
		rp := env.resolve(p)
		alts := e.reach(env, &rp, false)
		for k := -1; k < len(alts); k++ {
			r := &rp
			if k >= 0 {
				r = &alts[k]
			}
			cf.Deletes = append(cf.Deletes, r.display)
			f.addDelete(r.display)
			e.matchFilesBy(r, e.set.blockWrite, "filesystem.write.block", decision.Block, "Deletes a protected path: ", true)
			e.matchFilesBy(r, e.set.approvalWrite, "filesystem.write.require_approval", decision.RequireApproval, "Deletes an approval-required path: ", true)
		}
	}
}

// relativePath reports whether a path as written depends on the working
// directory.
func relativePath(p string) bool {
	return p != "" && p[0] != '/' && p[0] != '~' && p[0] != '$'
}

func (e *evaluation) matchWrite(rp *resolvedPath) {
	e.matchFiles(rp, e.set.blockWrite, "filesystem.write.block", decision.Block, "Matched protected path policy: ")
	e.matchFiles(rp, e.set.approvalWrite, "filesystem.write.require_approval", decision.RequireApproval, "Matched approval-required path policy: ")
}

// gitFacts turns the analysis of a git command into facts.
func (e *evaluation) gitFacts(g *shell.Git) GitFacts {
	out := GitFacts{Subcommand: g.Subcommand, Args: g.Args, Remote: g.Remote, Refs: g.Refs, Force: g.Force,
		Delete: g.Delete, Hard: g.Hard, CleanForce: g.CleanForce}
	switch g.Subcommand {
	case "push":
		out.Branches = e.pushBranches(g.Refs, g.All)
	case "branch":
		for _, r := range g.Refs {
			out.Branches = e.addBranch(out.Branches, r)
		}
	}
	return out
}

// pushBranches returns the destination branches of a push.
func (e *evaluation) pushBranches(refs []string, all bool) []string {
	var out []string
	current := strings.TrimSpace(e.act.Context[decision.ContextBranch])
	for _, r := range refs {
		dst := r
		if i := strings.LastIndexByte(dst, ':'); i >= 0 {
			dst = dst[i+1:]
		}
		dst = strings.TrimPrefix(dst, "+")
		if dst == "" || dst == "HEAD" || dst == "@" || currentBranchQuery(dst) {
			dst = current
		}
		out = e.addBranch(out, dst)
	}
	if len(refs) == 0 && !all {
		out = e.addBranch(out, current)
	}
	if all {
		for _, p := range e.set.protected {
			out = addUnique(out, p)
		}
	}
	return out
}

// currentBranchQuery reports whether a ref is computed by asking git for
// the current branch: $(git branch --show-current), $(git rev-parse
// --abbrev-ref HEAD), `git symbolic-ref --short HEAD`.
func currentBranchQuery(ref string) bool {
	if !strings.HasPrefix(ref, "$(") && !strings.HasPrefix(ref, "`") || !strings.Contains(ref, "git") {
		return false
	}
	return strings.Contains(ref, "--show-current") || strings.Contains(ref, "symbolic-ref") ||
		strings.Contains(ref, "--abbrev-ref") && strings.Contains(ref, "HEAD")
}

// addBranch adds a branch name, stripped as protectedRef does, and for
// "x/name" also "name" when that is a protected branch.
func (e *evaluation) addBranch(list []string, ref string) []string {
	ref = strings.TrimPrefix(ref, "refs/heads/")
	ref = strings.TrimPrefix(ref, "refs/remotes/")
	if ref == "" {
		return list
	}
	list = addUnique(list, ref)
	if _, rest, ok := strings.Cut(ref, "/"); ok {
		for _, p := range e.set.protected {
			if rest == p {
				list = addUnique(list, rest)
			}
		}
	}
	return list
}

// gitOperationFacts builds the git facts of a git_operation action from
// its operation ("push --force") and target ("origin main").
func (e *evaluation) gitOperationFacts(verb string, flags []string, target string, force bool) GitFacts {
	g := GitFacts{Subcommand: verb, Force: force}
	if verb == "force-push" || verb == "force_push" {
		g.Subcommand = "push"
	}
	fields := strings.Fields(target)
	g.Args = append(append(g.Args, flags...), fields...)
	switch len(fields) {
	case 0:
	case 1:
		g.Refs = fields
	default:
		g.Remote, g.Refs = fields[0], fields[1:]
	}
	for _, fl := range flags {
		switch fl {
		case "--delete", "-d":
			g.Delete = true
		case "--hard":
			g.Hard = true
		}
	}
	for _, r := range g.Refs {
		if strings.HasPrefix(r, ":") && len(r) > 1 {
			g.Delete = true
		}
	}
	if g.Subcommand == "push" {
		g.Branches = e.pushBranches(g.Refs, false)
	} else {
		for _, r := range g.Refs {
			g.Branches = e.addBranch(g.Branches, strings.TrimPrefix(r, "+"))
		}
	}
	return g
}

// urlHost returns the host of an http_request target.
func urlHost(target string) string {
	t := strings.TrimSpace(target)
	if !strings.Contains(t, "://") {
		t = "//" + t
	}
	u, err := url.Parse(t)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// CEL values are built once per evaluation as ref.Val, so that the rules
// (often dozens, each walking the commands) share them instead of each
// converting Go maps and slices again on every access.

var (
	celAdapter   = types.DefaultTypeAdapter
	celEmptyList = types.NewRefValList(celAdapter, []ref.Val{})
)

func celStrings(s []string) ref.Val {
	if len(s) == 0 {
		return celEmptyList
	}
	vals := make([]ref.Val, len(s))
	for i, x := range s {
		vals[i] = types.String(x)
	}
	return types.NewRefValList(celAdapter, vals)
}

// celCommands converts command facts to a CEL list of records.
func celCommands(cmds []CommandFacts) ref.Val {
	if len(cmds) == 0 {
		return celEmptyList
	}
	out := make([]ref.Val, len(cmds))
	recs := make([]record, len(cmds))
	n := len(commandTable.keys)
	vals := make([]ref.Val, len(cmds)*n)
	for i := range cmds {
		recs[i] = record{t: commandTable.objectType, src: commandFielder{&cmds[i]}, vals: vals[i*n : (i+1)*n]}
		out[i] = &recs[i]
	}
	return types.NewRefValList(celAdapter, out)
}

func celGit(gs []GitFacts) ref.Val {
	if len(gs) == 0 {
		return celEmptyList
	}
	out := make([]ref.Val, len(gs))
	for i := range gs {
		out[i] = newRecord(gitTable.objectType, gitFielder{&gs[i]})
	}
	return types.NewRefValList(celAdapter, out)
}

// orEmpty makes a nil list an empty one (CEL sees both as empty; JSON
// and tests prefer one form).
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// productionPlace reports whether a remote place is named like production
// (prod-web-1, production-app, -n prod, --context prod-eks, prd).
func productionPlace(place string) bool {
	return prodPlace().MatchString(place)
}

var prodPlace = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(^|[^a-z0-9])(prod|production|prd|live)([^a-z]|$)`)
})

// remoteSecretReads matches what a command run on another machine reads
// against the pack's sensitive paths, with that machine laid out like this
// one: its home directory is ~ (where ssh starts a command, so relative
// paths are under it), its system paths the same. A credential the policy
// protects here is a credential there (`gcloud compute ssh vm --command 'cat
// ~/.config/gcloud/application_default_credentials.json'`); the paths stay
// remote facts, and only the match is recorded.
func (e *evaluation) remoteSecretReads(c *shell.Command) {
	if len(c.Reads) == 0 || e.env.home == "" {
		return
	}
	env := e.env
	env.cwd = env.home
	for _, p := range c.Reads {
		if strings.HasPrefix(p, "$HOME/") {
			p = "~/" + p[len("$HOME/"):]
		}
		if strings.HasPrefix(p, "$") || strings.Contains(p, "`") {
			continue
		}
		if strings.HasPrefix(p, "/root/") || strings.HasPrefix(p, "/home/") {
			// another user's home there reads as a home here: /root/.aws/credentials
			rest := strings.TrimPrefix(p, "/root/")
			if strings.HasPrefix(p, "/home/") {
				if _, r, ok := strings.Cut(p[len("/home/"):], "/"); ok {
					rest = r
				}
			}
			p = "~/" + rest
		}
		rp := env.resolve(p)
		e.matchFiles(&rp, e.set.blockRead, "remote.secrets.path", decision.Block, "Reads a sensitive path on another machine: ")
	}
}
