package policy

import (
	"context"
	"fmt"
	"math/bits"
	"os"
	"strings"
	"time"
	"unicode"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/mcptool"
	"github.com/cavra-dev/cavra/policy/shell"
)

// Approver groups of the original CAVRA, used for list-derived matches.
const (
	GroupRepositoryOwners = "Repository Owners"
	GroupPlatformSecurity = "Platform Security"
)

// EvalOptions tunes one evaluation. The zero value evaluates in the set's
// standing mode, resolving relative paths against the process's working
// directory.
type EvalOptions struct {
	Mode             decision.Mode // "" = the set's standing mode
	BreakGlassActor  string        // required with decision.BreakGlass
	BreakGlassReason string        // required with decision.BreakGlass
	Dir              string        // working directory when the action's context has no "cwd"; "" = os.Getwd
	Home             string        // home directory when the context has no "home"; "" = os.UserHomeDir
	Now              time.Time     // the CEL variable now; zero = time.Now

	// What a registry knows, supplied by the caller (cavra.Guard); package
	// policy does not import package registry.
	AgentFacts  map[string]any  // CEL `agent`; nil = the action's identity only
	ServerFacts map[string]any  // CEL `server`; its "tool" entry is CEL `tool`
	MCPVerdict  *decision.Match // for mcp_tool_call: replaces the pack's mcp lists
	// MCPTrusted: the caller's registry knows the server and leaves its
	// tools to the policy (registry.Server.ToolsByPolicy): the pack's
	// unknown-server block does not apply and its tools are decided by
	// what they do.
	MCPTrusted bool
	// MCPArgsAreData: the tool only looks at its arguments (CAVRA's own
	// check tools, which are asked about a command or a path): they are not
	// judged as the actions they describe.
	MCPArgsAreData bool
	Extra          []decision.Match // combined with the policy's matches; a block among them stands in every mode

	// Probe, when set, judges each path also as what it reaches on disk
	// now (links followed, globs expanded: NewFSProbe); nil looks at
	// nothing on disk.
	Probe Probe
}

// Explanation is a decision with the facts it was based on.
type Explanation struct {
	Decision decision.Decision `json:"decision"`
	Facts    Facts             `json:"facts"`
}

// Evaluate decides about one action. It never returns an error: a failure
// while deciding (a command that does not parse, a CEL rule that errors or
// runs out of budget, a cancelled context) is a block whose reason says what
// failed. The returned Decision has the policy's fields filled in; ids,
// timestamps and evidence references are the caller's (see cavra.Guard).
func (s *Set) Evaluate(ctx context.Context, a decision.Action, opts EvalOptions) decision.Decision {
	e := evaluation{set: s, ctx: ctx, act: &a, opts: &opts}
	e.run()
	return e.finish()
}

// Explain is Evaluate that also returns the facts the decision was based on.
func (s *Set) Explain(ctx context.Context, a decision.Action, opts EvalOptions) Explanation {
	e := evaluation{set: s, ctx: ctx, act: &a, opts: &opts, explain: true}
	e.run()
	return Explanation{Decision: e.finish(), Facts: e.facts}
}

type evaluation struct {
	set     *Set
	ctx     context.Context
	act     *decision.Action
	opts    *EvalOptions
	explain bool

	env      pathEnv
	matches  []decision.Match
	failed   bool // a machinery failure: the block stands in every mode
	absolute bool // a caller's (registry) block: stands in every mode
	facts    Facts
	an       *shell.Analysis
	stored   *shell.Analysis // the analysis of stored code (storedwrite.go): an execute_command judged without parsing its target
	celHit   bool
	mcpCall  *mcptool.Call // an mcp_tool_call's reading, for the CEL variable tool
	// links made by earlier commands of the line (ln -s T L): later
	// paths through L reach T (lineLinks).
	links []lineLink
}

func (e *evaluation) add(m decision.Match) {
	if e.matches == nil {
		e.matches = make([]decision.Match, 0, 4)
	}
	e.matches = append(e.matches, m)
}

func (e *evaluation) fail(rule, reason string) {
	e.failed = true
	e.add(decision.Match{RuleID: rule, Decision: decision.Block, Severity: decision.High, Reason: reason, Pack: e.set.name})
}

func (e *evaluation) run() {
	defer e.addExtra()
	if err := e.ctx.Err(); err != nil {
		e.fail("policy.error.context", "evaluation cancelled: "+err.Error())
		return
	}
	// One spelling of the action for every rule (decision.Action.Normalize);
	// the Guard has normalized it already, a direct caller may not have.
	n, err := e.act.Normalize()
	if err != nil {
		e.fail("action.invalid", err.Error())
		return
	}
	*e.act = n
	e.env = e.pathEnv()
	switch e.act.Type {
	case decision.ReadFile:
		e.file(false)
	case decision.WriteFile:
		e.file(true)
	case decision.ExecuteCommand:
		e.command()
	case decision.GitOperation:
		e.git()
	case decision.MCPToolCall:
		e.mcp()
	case decision.HTTPRequest, decision.ToolCall:
		if e.act.Type == decision.HTTPRequest {
			if t := strings.TrimSpace(e.act.Target); t != "" {
				e.facts.addURL(t, "")
				nf := httpRequestNetwork(t)
				e.facts.addNetwork(&nf)
			}
		}
		var subs []decision.Match
		if e.act.Type == decision.ToolCall && e.act.Context[decision.ContextToolArgFacts] == "true" {
			subs = e.toolCallFacts()
		}
		e.rules()
		if !e.celHit {
			o, ok := e.set.defaults[e.act.Type]
			if !ok {
				o = decision.RequireApproval
			}
			m := decision.Match{RuleID: string(e.act.Type) + ".default." + o.String(), Decision: o, Severity: defaultSeverity(o),
				Reason: fmt.Sprintf("No rule matched this %s; the pack's default is %s.", e.act.Type, o), Pack: e.set.name}
			if o == decision.RequireApproval {
				m.ApproverGroup = GroupRepositoryOwners
			}
			e.add(m)
		}
		for _, m := range subs {
			e.add(m)
		}
	default:
		e.fail("action.invalid", fmt.Sprintf("unknown action type %q", e.act.Type))
	}
}

func (e *evaluation) pathEnv() pathEnv {
	c := e.act.Context
	env := pathEnv{cwd: cleanDir(c[decision.ContextCwd]), root: cleanDir(c[decision.ContextProjectRoot]), home: cleanDir(c[decision.ContextHome])}
	if env.cwd == "" {
		env.cwd = cleanDir(e.opts.Dir)
		if env.cwd == "" {
			if wd, err := os.Getwd(); err == nil {
				env.cwd = cleanDir(wd)
			}
		}
	}
	if env.root == "" {
		env.root = env.cwd
	}
	if env.home == "" {
		env.home = cleanDir(e.opts.Home)
		if env.home == "" {
			if h, err := os.UserHomeDir(); err == nil {
				env.home = cleanDir(h)
			}
		}
	}
	return env
}

func (e *evaluation) file(write bool) {
	if strings.TrimSpace(e.act.Target) == "" {
		e.fail("action.invalid", "the file path is empty")
		return
	}
	rp := e.env.resolve(e.act.Target)
	rps := []resolvedPath{rp}
	if alts := e.reach(e.env, &rp, true); len(alts) > 0 {
		rps = append(rps, alts...)
	}
	for i := range rps {
		if write {
			e.facts.addWrite(rps[i].display)
		} else {
			e.facts.addRead(rps[i].display)
		}
	}
	e.rules()
	if write {
		e.storedWrite()
	}
	n := len(e.matches)
	for i := range rps {
		if write {
			e.matchFiles(&rps[i], e.set.blockWrite, "filesystem.write.block", decision.Block, "Matched protected path policy: ")
			e.matchFiles(&rps[i], e.set.approvalWrite, "filesystem.write.require_approval", decision.RequireApproval, "Matched approval-required path policy: ")
		} else {
			e.matchFiles(&rps[i], e.set.blockRead, "filesystem.read.block", decision.Block, "Matched sensitive path policy: ")
		}
	}
	if len(e.matches) == n && !e.celHit {
		if write {
			e.add(decision.Match{RuleID: "filesystem.write.allow", Decision: decision.Allow, Severity: decision.Low, Reason: "No protected path policy matched.", Pack: e.set.name})
		} else {
			e.add(decision.Match{RuleID: "filesystem.read.allow", Decision: decision.Allow, Severity: decision.Low, Reason: "No sensitive path policy matched.", Pack: e.set.name})
		}
	}
}

func (e *evaluation) matchFiles(rp *resolvedPath, list []fileEntry, rule string, o decision.Outcome, why string) {
	e.matchFilesBy(rp, list, rule, o, why, false)
}

// matchFilesBy matches a path against a filesystem list; under also
// matches what lies below the path (a delete removes it too).
//
// A delete of a whole anchor (the project, the home directory, /) would
// match every pattern anchored there; it is reported once per list, by the
// most severe such entry, rather than once per pattern.
func (e *evaluation) matchFilesBy(rp *resolvedPath, list []fileEntry, rule string, o decision.Outcome, why string, under bool) {
	var whole *fileEntry
	base := rp.base()
	for i := range list {
		fe := &list[i]
		if !under && !rp.glob && (fe.lastLit != "" && fe.lastLit != base || !fe.glob.MayEndIn(base)) {
			continue
		}
		if under {
			ok, all := fe.glob.matchUnder(rp)
			if !ok {
				continue
			}
			if o == decision.RequireApproval && !all && projectCleanup(rp) {
				// A project-wide cleanup by a file name pattern (find .
				// -name '*.pyc' -delete) only might reach an approval path
				// (.github/workflows/**): not the edit the list asks
				// about. A glob aimed at the directory asks (rm
				// .github/workflows/*, find .github -name '*.yml' -delete);
				// block lists still count any overlap.
				continue
			}
			if all {
				if whole == nil || fe.severity > whole.severity {
					whole = fe
				}
				continue
			}
		} else if !fe.glob.matchPath(rp) {
			continue
		}
		m := decision.Match{RuleID: rule, Decision: o, Severity: fe.severity, Reason: fe.Reason, Pack: e.set.name,
			Pattern: fe.Pattern, Subject: rp.display, ApproverGroup: fe.ApproverGroup}
		if m.Reason == "" {
			m.Reason = why + fe.Pattern
		}
		if o == decision.RequireApproval && m.ApproverGroup == "" {
			m.ApproverGroup = GroupPlatformSecurity
		}
		e.add(m)
	}
	if whole != nil {
		e.add(decision.Match{RuleID: rule, Decision: o, Severity: whole.severity, Pack: e.set.name, Pattern: whole.Pattern,
			Subject: rp.display, ApproverGroup: approverOr(o, whole.ApproverGroup),
			Reason: fmt.Sprintf("Deleting %s removes everything below it, protected paths included (%s)", rp.display, whole.Pattern)})
	}
}

// projectCleanup reports a glob delete across the whole project by a file
// name pattern: ./**/NAME, where NAME is a literal name or a pattern with a
// literal extension (*.pyc, *.orig, __pycache__).
func projectCleanup(rp *resolvedPath) bool {
	p := strings.TrimPrefix(rp.rel, "./")
	name, ok := strings.CutPrefix(p, "**/")
	if !ok || !rp.glob || strings.Contains(name, "/") || name == "" {
		return false
	}
	if !strings.ContainsAny(name, "*?[") {
		return true
	}
	i := strings.LastIndexByte(name, '.')
	return i > 0 && !strings.ContainsAny(name[i:], "*?[")
}

func approverOr(o decision.Outcome, group string) string {
	if o == decision.RequireApproval && group == "" {
		return GroupPlatformSecurity
	}
	return group
}

// inert commands change nothing by themselves: lines made only of them are
// allowed, and they do not pull a line to the commands default. A write
// redirection makes any command non-inert.
var inert = map[string]bool{
	"cd": true, "pwd": true, "echo": true, "printf": true, "true": true, "false": true, ":": true,
	"test": true, "[": true, "[[": true,
}

func (e *evaluation) command() {
	line := e.act.Target
	if strings.TrimSpace(line) == "" {
		e.fail("action.invalid", "the command is empty")
		return
	}
	an, err := e.stored, error(nil)
	if an == nil {
		an, err = shell.Analyze(line, shell.Options{Dir: e.env.cwd, Home: e.env.home, Root: e.env.root})
	}
	if err != nil {
		e.fail("commands.parse_error", "the command could not be parsed, so it cannot be checked: "+err.Error())
		return
	}
	e.an = an
	// The filesystem lists apply to what the commands read, write and
	// delete; CEL rules see the same facts.
	e.commandFacts(an)
	e.rules()
	s := e.set
	lineAllowed := false
	for i := range s.cmdBlock {
		if ce := &s.cmdBlock[i]; ce.glob.line && ce.glob.match(an.Line) {
			e.cmdMatch(ce, "commands.block", decision.Block, "Matched blocked command policy: ", an.Line)
		}
	}
	for i := range s.cmdApproval {
		if ce := &s.cmdApproval[i]; ce.glob.line && ce.glob.match(an.Line) {
			e.cmdMatch(ce, "commands.require_approval", decision.RequireApproval, "Matched approval-required command policy: ", an.Line)
		}
	}
	for i := range s.cmdAllow {
		if ce := &s.cmdAllow[i]; ce.glob.line && ce.glob.match(an.Line) {
			e.cmdMatch(ce, "commands.allow", decision.Allow, "Matched allowed command policy: ", an.Line)
			lineAllowed = true
		}
	}
	anyActive := false
	for i := range an.Commands {
		c := &an.Commands[i]
		text := c.Text
		// A dry run, or a cluster or database tool acting on this machine,
		// is not what the named-command lists are about (blast.go).
		cf := &e.facts.Commands[i]
		if !cf.DryRun && e.cmdLists(s.cmdBlock, s.cmdBlockIx, text, "commands.block", decision.Block, "Matched blocked command policy: ") {
			anyActive = true
			continue
		}
		if c.Dynamic || c.Opaque != "" {
			anyActive = true
			why := c.Opaque
			if why == "" {
				why = "dynamic command"
			}
			e.add(decision.Match{RuleID: "commands.unresolved.require_approval", Decision: decision.RequireApproval, Severity: decision.High,
				Reason: fmt.Sprintf("What %q runs cannot be known before it runs (%s); review required.", text, why),
				Pack:   s.name, Subject: text, ApproverGroup: GroupRepositoryOwners})
			continue
		}
		if !cf.DryRun && !cf.localTarget && e.cmdLists(s.cmdApproval, s.cmdApprovalIx, text, "commands.require_approval", decision.RequireApproval, "Matched approval-required command policy: ") {
			anyActive = true
			continue
		}
		if c.CodeRead && s.cmdEffect {
			// Inline code that was read is decided by what it does: an
			// allow list naming the interpreter (python3 *) does not
			// let its network or deletes through.
			anyActive = true
			if !e.celHit {
				e.add(e.effectDefault(i))
			}
			continue
		}
		if e.cmdLists(s.cmdAllow, s.cmdAllowIx, text, "commands.allow", decision.Allow, "Matched allowed command policy: ") || lineAllowed {
			anyActive = true
			continue
		}
		if inert[c.Name] && len(c.Writes) == 0 && len(c.Deletes) == 0 {
			continue
		}
		anyActive = true
		if e.celHit {
			continue // a rule spoke about this action; the default is for what nothing matched
		}
		if s.cmdEffect {
			e.add(e.effectDefault(i))
			continue
		}
		o := s.cmdDefault
		m := decision.Match{RuleID: "commands.default." + o.String(), Decision: o, Severity: defaultSeverity(o), Pack: s.name, Subject: text}
		switch o {
		case decision.RequireApproval:
			m.Reason, m.ApproverGroup = "No allow rule matched; review required.", GroupRepositoryOwners
		case decision.Block:
			m.Reason = "No allow rule matched and the pack blocks unmatched commands."
		default:
			m.Reason = "No rule matched and the pack allows unmatched commands."
		}
		e.add(m)
	}
	if !anyActive && len(e.matches) == 0 {
		e.add(decision.Match{RuleID: "commands.builtin.allow", Decision: decision.Allow, Severity: decision.Low,
			Reason: "Only shell built-ins that change nothing run (cd, echo, printf, test, …).", Pack: s.name})
	}
}

// cmdLists matches one simple command against the per-command patterns of a list.
func (e *evaluation) cmdLists(list []cmdEntry, ix *cmdIndex, text, rule string, o decision.Outcome, why string) bool {
	hit := false
	ix.candidates(text, func(i int32) {
		if ce := &list[i]; ce.glob.match(text) {
			e.cmdMatch(ce, rule, o, why, text)
			hit = true
		}
	})
	if alt := withoutGlobalOpts(text); !hit && o == decision.Allow && alt != text {
		// aws --profile prod s3 ls is aws s3 ls: a cloud client's global
		// options before its subcommand do not change which read an allow
		// pattern names (the environment they select is c.env's business,
		// and the block and approval lists keep their literal reading:
		// kubectl --context kind-x delete is decided by its context).
		ix.candidates(alt, func(i int32) {
			if ce := &list[i]; ce.glob.match(alt) {
				e.cmdMatch(ce, rule, o, why, text)
				hit = true
			}
		})
	}
	return hit
}

// cloudGlobalValue are the global options of cloud and cluster clients
// that take a value; cloudGlobalFlag those that take none.
var (
	cloudGlobalValue = map[string]bool{"--profile": true, "--region": true, "--output": true, "--endpoint-url": true,
		"--context": true, "--namespace": true, "-n": true, "--kubeconfig": true, "--cluster": true, "--user": true,
		"--project": true, "--subscription": true, "--account": true, "--configuration": true, "--kube-context": true,
		"--color": true, "--cli-read-timeout": true, "--cli-connect-timeout": true, "--ca-bundle": true}
	cloudGlobalFlag = map[string]bool{"--no-cli-pager": true, "--debug": true, "--no-paginate": true, "--quiet": true,
		"-q": true, "--no-verify-ssl": true, "--no-sign-request": true, "--verbose": true}
	cloudClients = map[string]bool{"aws": true, "gcloud": true, "az": true, "kubectl": true, "oc": true, "helm": true}
)

// withoutGlobalOpts returns a cloud client's command text without the
// global options between its name and its subcommand, or text.
func withoutGlobalOpts(text string) string {
	// Most commands are not a cloud client's: decide that without splitting.
	name := strings.TrimLeftFunc(text, unicode.IsSpace)
	if i := strings.IndexFunc(name, unicode.IsSpace); i >= 0 {
		name = name[:i]
	}
	if !cloudClients[name] {
		return text
	}
	fs := strings.Fields(text)
	if len(fs) < 3 || !cloudClients[fs[0]] || !strings.HasPrefix(fs[1], "-") {
		return text
	}
	i := 1
	for i < len(fs) && strings.HasPrefix(fs[i], "-") {
		name, _, eq := strings.Cut(fs[i], "=")
		switch {
		case cloudGlobalValue[name] && eq:
			i++
		case cloudGlobalValue[name]:
			i += 2
		case cloudGlobalFlag[name]:
			i++
		default:
			return text
		}
	}
	if i >= len(fs) {
		return text
	}
	return strings.Join(append([]string{fs[0]}, fs[i:]...), " ")
}

func (e *evaluation) cmdMatch(ce *cmdEntry, rule string, o decision.Outcome, why, subject string) {
	m := decision.Match{RuleID: rule, Decision: o, Severity: ce.severity, Reason: ce.Reason, Pack: e.set.name,
		Pattern: ce.Pattern, Subject: subject, ApproverGroup: ce.ApproverGroup}
	if m.Reason == "" {
		m.Reason = why + ce.Pattern
	}
	if o == decision.RequireApproval && m.ApproverGroup == "" {
		m.ApproverGroup = GroupRepositoryOwners
	}
	e.add(m)
}

func (e *evaluation) git() {
	fields := strings.Fields(e.act.Operation)
	verb := "push"
	if len(fields) > 0 {
		verb = fields[0]
	}
	target := strings.TrimSpace(e.act.Target)
	if target == "" {
		// A bare `git push` pushes the current branch.
		target = strings.TrimSpace(e.act.Context[decision.ContextBranch])
	}
	force := verb == "force-push" || verb == "force_push" || strings.HasPrefix(target, "+")
	for _, f := range fields[min(1, len(fields)):] {
		switch {
		case f == "--force" || f == "-f" || strings.HasPrefix(f, "--force-with-lease") || f == "--force-if-includes":
			force = true
		}
	}
	s := e.set
	branch, protected := protectedRef(target, s.protected)
	e.facts.Git = []GitFacts{e.gitOperationFacts(verb, fields[min(1, len(fields)):], target, force)}
	e.rules()
	if verb == "push" || verb == "force-push" || verb == "force_push" {
		switch {
		case protected && s.blockDirectPush:
			e.add(decision.Match{RuleID: "git.protected_branch.block_direct_push", Decision: decision.Block, Severity: decision.High,
				Reason: "Direct push to protected branch is prohibited.", Pack: s.name, Subject: branch})
		case force && s.blockForcePush && protected:
			e.add(decision.Match{RuleID: "git.protected_branch.block_force_push", Decision: decision.Block, Severity: decision.Critical,
				Reason: "Force push to a protected branch is prohibited.", Pack: s.name, Subject: branch})
		case force && s.blockForcePush:
			e.add(decision.Match{RuleID: "git.force_push.require_approval", Decision: decision.RequireApproval, Severity: decision.High,
				Reason: "A force push rewrites published history; review required.", Pack: s.name, Subject: branch, ApproverGroup: GroupRepositoryOwners})
		}
	}
	if len(e.matches) == 0 && !e.celHit {
		e.add(decision.Match{RuleID: "git.allow", Decision: decision.Allow, Severity: decision.Low, Reason: "No git policy matched.", Pack: s.name})
	}
}

// protectedRef extracts the branch a push target names — "main",
// "origin main", "origin/main", "refs/heads/main", "HEAD:refs/heads/main",
// "+main" — and reports whether it is protected. The branch is compared by
// name, never by suffix: "origin/remain" is not "main". A target of the form
// "x/main" is taken as remote x's main, which errs on the side of protection.
func protectedRef(target string, protected []string) (string, bool) {
	f := strings.Fields(target)
	if len(f) == 0 {
		return "", false
	}
	ref := f[len(f)-1]
	if i := strings.LastIndexByte(ref, ':'); i >= 0 {
		ref = ref[i+1:]
	}
	ref = strings.TrimPrefix(ref, "+")
	ref = strings.TrimPrefix(ref, "refs/heads/")
	ref = strings.TrimPrefix(ref, "refs/remotes/")
	for _, p := range protected {
		if ref == p {
			return ref, true
		}
	}
	if _, rest, ok := strings.Cut(ref, "/"); ok {
		for _, p := range protected {
			if rest == p {
				return ref, true
			}
		}
	}
	return ref, false
}

func (e *evaluation) mcp() {
	server, tool := e.mcpNames()
	if server == "" {
		e.rules()
		e.fail("action.invalid", "the MCP tool call names no server")
		return
	}
	// What the call does (policy/mcp.go): its arguments' facts first, so
	// that rules see them; then the server's verdict; then the matches of
	// the arguments, which hold whatever the server.
	call := mcptool.ReadCallWith(server, tool, e.act.Args, e.mcpHints(server, tool))
	e.mcpCall = &call
	var subs []decision.Match
	if !e.opts.MCPArgsAreData {
		subs = e.mcpFacts(&call)
		subs = append(e.mcpArgMatches(&call), subs...)
	}
	e.rules()
	s := e.set
	switch {
	case e.opts.MCPVerdict != nil:
		e.add(*e.opts.MCPVerdict) // a configured registry replaces the pack's lists
		if m, ok := e.mcpPinnedFloor(&call); ok {
			e.add(m)
		}
	case s.mcpBlocked[server]:
		e.add(decision.Match{RuleID: "mcp.server.trust.block_unknown", Decision: decision.Block, Severity: decision.High,
			Reason: fmt.Sprintf("MCP server %q is on the pack's blocked list.", server), Pack: s.name, Subject: server})
	case s.mcpAllowed[server]:
		e.add(decision.Match{RuleID: "mcp.server.trust.allow", Decision: decision.Allow, Severity: decision.Low,
			Reason: fmt.Sprintf("MCP server %q is allowed by the pack.", server), Pack: s.name, Subject: server + ":" + tool})
	case s.mcpBlockUnknown && !e.opts.MCPTrusted:
		e.add(decision.Match{RuleID: "mcp.server.trust.block_unknown", Decision: decision.Block, Severity: decision.High,
			Reason: "Untrusted MCP server with filesystem/tool capability is not approved.", Pack: s.name, Subject: server})
	case !e.celHit:
		// Neither the registry nor the pack's lists decide the server:
		// its tool is decided by what it does.
		e.add(e.mcpToolVerdict(&call))
	}
	for _, m := range subs {
		e.add(m)
	}
	if len(e.matches) == 0 {
		e.add(decision.Match{RuleID: "mcp.server.trust.allow", Decision: decision.Allow, Severity: decision.Low,
			Reason: fmt.Sprintf("MCP server %q is allowed by the pack.", server), Pack: s.name, Subject: server + ":" + tool})
	}
}

// toolCallFacts reads a tool_call's arguments as an MCP call's are read
// (decision.ContextToolArgFacts): the paths, commands, URLs and SQL in them
// are judged as the same actions would be, and their matches returned.
func (e *evaluation) toolCallFacts() []decision.Match {
	tool := e.act.Tool
	if tool == "" {
		tool = e.act.Target
	}
	call := mcptool.ReadCallWith(e.act.Server, tool, e.act.Args, e.mcpHints(e.act.Server, tool))
	e.mcpCall = &call
	if e.opts.MCPArgsAreData {
		return nil
	}
	subs := e.mcpFacts(&call)
	return append(e.mcpArgMatches(&call), subs...)
}

// mcpNames returns the MCP server and tool, as run normalized them.
func (e *evaluation) mcpNames() (server, tool string) { return e.act.Server, e.act.Tool }

// rules runs the CEL rules that apply to the action's type.
func (e *evaluation) rules() {
	e.facts.ctx = e
	defer func() { e.facts.ctx = nil }()
	var vars *celActivation
	if ix := e.set.ruleIx; ix != nil {
		// Only the rules of this type whose needs the action meets, in rule order.
		if mark, ok := ix.candidates(e.act.Type, &e.facts); ok {
			e.plan(mark)
			for w, word := range mark {
				for ; word != 0; word &= word - 1 {
					vars = e.rule(e.set.rules[w*64+bits.TrailingZeros64(word)], vars)
				}
			}
			return
		}
	}
	for _, r := range e.set.rules {
		vars = e.rule(r, vars)
	}
}

// plan builds, each on its own goroutine, the programs of the snapshot-loaded
// rules in mark that the action will run but the first: decoding a checked
// expression takes a millisecond or more, and a process deciding one action
// (a hook) would otherwise decode them one after another on one core while
// the other waits. The first is left to the rule loop, which waits for the
// others' programs as it reaches them. Gates are pure functions of the
// facts, so asking them here first does not change what the loop does.
func (e *evaluation) plan(mark ruleMask) {
	first := true
	for w, word := range mark {
		for ; word != 0; word &= word - 1 {
			r := e.set.rules[w*64+bits.TrailingZeros64(word)]
			if !r.unplanned() || !r.appliesTo(e.act.Type) || r.gate != nil && !r.gate(&e.facts) {
				continue
			}
			if first {
				first = false
				continue
			}
			go r.program()
		}
	}
}

// rule runs one CEL rule, if it applies to the action and its gate lets
// the action through; the variables are built on first need and returned.
func (e *evaluation) rule(r *compiledRule, vars *celActivation) *celActivation {
	if !r.appliesTo(e.act.Type) {
		return vars
	}
	if r.gate != nil && !r.gate(&e.facts) {
		return vars
	}
	if err := r.program(); err != nil {
		e.failRule(r, "the rule could not be built: "+err.Error())
		return vars
	}
	if vars == nil {
		vars = e.celVars()
	}
	out, _, err := e.eval(r, vars)
	if err != nil {
		e.failRule(r, err.Error())
		return vars
	}
	hit, ok := out.(types.Bool)
	if !ok {
		e.failRule(r, fmt.Sprintf("when gave %s, not a bool", out.Type().TypeName()))
		return vars
	}
	if !hit {
		return vars
	}
	e.celHit = true
	m := decision.Match{RuleID: r.ID, Decision: r.decision, Severity: r.severity, Reason: e.render(r.Reason, r.Description), Pack: r.pack,
		ApproverGroup: r.ApproverGroup, Controls: r.Controls}
	if m.Decision == decision.RequireApproval && m.ApproverGroup == "" {
		m.ApproverGroup = GroupRepositoryOwners
	}
	e.add(m)
	return vars
}

// eval runs a rule's program. A context that can never be cancelled
// (Done is nil) cannot interrupt it, so the program runs without the
// per-run cancellation state ContextEval sets up; the cost limit holds
// either way.
func (e *evaluation) eval(r *compiledRule, vars *celActivation) (ref.Val, *cel.EvalDetails, error) {
	if e.ctx.Done() == nil {
		return r.prg.Eval(vars)
	}
	return r.prg.ContextEval(e.ctx, vars)
}

func (e *evaluation) failRule(r *compiledRule, msg string) {
	e.failed = true
	e.add(decision.Match{RuleID: r.ID, Decision: decision.Block, Severity: decision.High, Pack: r.pack,
		Reason: fmt.Sprintf("rule %s failed to evaluate, so the action is blocked: %s", r.ID, msg)})
}

// render fills {target}, {path}, {command}, {server}, {tool}, {type} and
// {operation} in a rule's reason.
func (e *evaluation) render(reason, description string) string {
	if reason == "" {
		reason = description
	}
	if reason == "" {
		return "Matched a policy rule."
	}
	if !strings.Contains(reason, "{") {
		return reason
	}
	server, tool := e.mcpNames()
	path, command := e.act.Target, ""
	if len(e.facts.Paths) > 0 {
		path = e.facts.Paths[0]
	}
	if e.an != nil && len(e.an.Commands) > 0 {
		// The first command that does something; `cd x && rm -rf y` is about rm.
		command = e.an.Commands[0].Text
		for _, c := range e.an.Commands {
			if !inert[c.Name] && c.Text != "" {
				command = c.Text
				break
			}
		}
	}
	return strings.NewReplacer("{target}", e.act.Target, "{path}", path, "{command}", command, "{server}", server,
		"{tool}", tool, "{type}", string(e.act.Type), "{operation}", e.act.Operation).Replace(reason)
}

// celVars builds the CEL variables of the action. Values are converted on
// first access and shared by every rule of the evaluation.
func (e *evaluation) celVars() *celActivation {
	a := e.act
	ctxVars := make(map[string]any, len(a.Context)+6)
	for k, v := range a.Context {
		ctxVars[k] = v
	}
	for _, k := range contextDefaults {
		if _, ok := ctxVars[k]; !ok {
			ctxVars[k], _ = e.contextValue(k)
		}
	}
	now := e.opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	return &celActivation{e: e, action: newRecord(actionKeys, actionFielder{e}), context: ctxVars, now: now}
}

// celActivation resolves the CEL variables without building a map of them.
type celActivation struct {
	e       *evaluation
	action  *record
	context map[string]any
	now     time.Time
}

var _ interpreter.Activation = (*celActivation)(nil)

func (v *celActivation) ResolveName(name string) (any, bool) {
	switch name {
	case "action":
		return v.action, true
	case "context":
		return v.context, true
	case "agent":
		if f := v.e.opts.AgentFacts; f != nil {
			return f, true
		}
		ag := v.e.act.Agent
		return map[string]any{"id": ag.ID, "type": ag.Type, "session": ag.Session, "actor": ag.Actor, "registered": false}, true
	case "server":
		if f := v.e.opts.ServerFacts; f != nil {
			return f, true
		}
		server, _ := v.e.mcpNames()
		return map[string]any{"id": server, "registered": false}, true
	case "tool":
		return v.e.toolVar(), true
	case "now":
		return v.now, true
	}
	return nil, false
}

func (v *celActivation) Parent() interpreter.Activation { return nil }

// finish combines the matches into a decision and applies the mode.
func (e *evaluation) finish() decision.Decision {
	a := e.act
	d := decision.Decision{
		SessionID:          orDefault(a.Agent.Session, "local"),
		AgentID:            orDefault(a.Agent.ID, "unknown-agent"),
		Actor:              orDefault(a.Agent.Actor, "ai-agent"),
		ActionType:         a.Type,
		Target:             a.Target,
		RequestedOperation: e.requestedOperation(),
		PolicyPack:         e.set.name,
		PolicyDigest:       e.set.digest,
		Matches:            e.matches,
		EvidenceRefs:       []string{},
	}
	if len(e.matches) == 0 { // every path adds a match; this is a defect guard
		e.fail("policy.error.no_match", "the policy produced no decision")
		d.Matches = e.matches
	}
	best := 0
	for i := 1; i < len(e.matches); i++ {
		if decision.MoreRestrictive(e.matches[i], e.matches[best]) {
			best = i
		}
	}
	m := e.matches[best]
	d.RuleID, d.Decision, d.Severity, d.Reason, d.ApproverGroup = m.RuleID, m.Decision, m.Severity, m.Reason, m.ApproverGroup
	mode := e.opts.Mode
	if mode == "" {
		mode = e.set.mode
	}
	d.Mode = mode
	switch {
	case !e.failed && !e.absolute:
		applyMode(&d, mode, e.opts.BreakGlassActor, e.opts.BreakGlassReason)
	case mode == decision.Enforce:
	case e.failed:
		d.Reason += " (the " + string(mode) + " mode does not override a failure to decide)"
	default:
		d.Reason += " (the " + string(mode) + " mode does not override a registry block)"
	}
	return d
}

// addExtra adds the caller's matches (the registry's); a block among them
// stands in every mode, as the kill switch must.
func (e *evaluation) addExtra() {
	for _, m := range e.opts.Extra {
		e.add(m)
		if m.Decision == decision.Block {
			e.absolute = true
		}
	}
}

func (e *evaluation) requestedOperation() string {
	a := e.act
	switch a.Type {
	case decision.ReadFile:
		return "read"
	case decision.WriteFile:
		return orDefault(a.Operation, "write")
	case decision.ExecuteCommand:
		return strings.TrimSpace(a.Target)
	case decision.GitOperation:
		return orDefault(a.Operation, "push")
	case decision.MCPToolCall:
		_, tool := e.mcpNames()
		return orDefault(a.Operation, tool)
	}
	return a.Operation
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// applyMode turns the policy's decision into the effective one.
func applyMode(d *decision.Decision, mode decision.Mode, actor, reason string) {
	base := d.Decision
	switch mode {
	case decision.AuditOnly:
		if base != decision.Allow {
			d.BaseDecision = &base
			d.Decision = decision.Allow
			d.Reason = fmt.Sprintf("audit_only: would have been %s: %s", base, d.Reason)
		}
	case decision.Strict:
		if base == decision.Allow {
			d.BaseDecision = &base
			d.Decision = decision.RequireApproval
			d.Severity = max(d.Severity, decision.Medium)
			d.ApproverGroup = GroupRepositoryOwners
			d.Reason = "strict: every allowed action needs approval (" + d.Reason + ")"
		}
	case decision.BreakGlass:
		d.BaseDecision = &base
		if strings.TrimSpace(actor) == "" || strings.TrimSpace(reason) == "" {
			d.Decision, d.Severity, d.RuleID = decision.Block, decision.Critical, "mode.break_glass.unattested"
			d.Reason = "break_glass needs both an actor and a reason"
			return
		}
		d.Decision, d.Severity = decision.Allow, decision.Critical
		d.Attestation = &decision.Attestation{Actor: actor, Reason: reason}
		d.Reason = fmt.Sprintf("break-glass by %s (%s); the policy said %s: %s", actor, reason, base, d.Reason)
	}
}

// contextDefaults are the context keys CEL always sees: the working
// directory, project root and home (from the evaluation's environment when
// the action has none), and the documented keys as "", so that
// `context.environment == "prod"` is false, not a "no such key" failure that
// blocks every action.
var contextDefaults = []string{decision.ContextCwd, decision.ContextProjectRoot, decision.ContextHome,
	decision.ContextRepo, decision.ContextBranch, decision.ContextEnvironment}

// contextValue is context.k as CEL sees it; false when CEL has no such key.
func (e *evaluation) contextValue(k string) (string, bool) {
	if v, ok := e.act.Context[k]; ok {
		return v, true
	}
	switch k {
	case decision.ContextCwd:
		return e.env.cwd, true
	case decision.ContextProjectRoot:
		return e.env.root, true
	case decision.ContextHome:
		return e.env.home, true
	case decision.ContextRepo, decision.ContextBranch, decision.ContextEnvironment:
		return "", true
	}
	return "", false
}

// UnsandboxedAllowed reports whether the policy lets every command of a
// command line run outside the agent's own sandbox (commands
// allow_unsandboxed), and the pattern that allowed the first of them. A
// line whose commands cannot all be known before it runs (a dynamic
// command, opaque or inline code) is never allowed: what it runs is exactly
// what the sandbox is for. A line with no commands is not allowed either.
func (s *Set) UnsandboxedAllowed(f Facts) (pattern string, ok bool) {
	if len(s.cmdUnsandboxed) == 0 || len(f.Commands) == 0 {
		return "", false
	}
	for i := range f.Commands {
		c := &f.Commands[i]
		if c.Dynamic || c.Opaque != "" || c.InterpreterCode != "" || strings.TrimSpace(c.Text) == "" {
			return "", false
		}
		hit := ""
		for j := range s.cmdUnsandboxed {
			if ce := &s.cmdUnsandboxed[j]; !ce.glob.line && ce.glob.match(c.Text) {
				hit = ce.Pattern
				break
			}
		}
		if hit == "" {
			return "", false
		}
		if pattern == "" {
			pattern = hit
		}
	}
	return pattern, true
}
