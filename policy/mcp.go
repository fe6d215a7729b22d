package policy

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/mcptool"
	"github.com/cavra-dev/cavra/internal/secrets"
)

// An MCP tool call is decided by what it does (docs/policy.md#mcp-tools):
//
//   - its arguments are facts, judged as the same actions through the
//     agent's own tools would be: a path of a filesystem-style tool is a
//     Read or a Write (by the tool's verb) judged by the filesystem lists
//     and rules, a command argument is a Bash command line, a URL is a
//     WebFetch, a SQL argument is SQL. These apply to every server,
//     registered or not: a trusted server does not make reading .env safe;
//   - for a server that neither the registry nor the pack's mcp lists
//     decide (with block_unknown_servers off), the tool's name sets the
//     floor: read-only tools are allowed, tools that change something ask,
//     tools that destroy ask (block when production is named or the verb
//     has no undo), tools that run commands on the machine are blocked on a
//     server nobody registered and ask on one the registry trusts; a name
//     with no known verb asks. The MCP annotations, when the caller passes
//     them in the context (decision.ContextToolReadOnly…), can raise the
//     floor (destructiveHint) or let a name without a verb read
//     (readOnlyHint); they never lower what the name says.

// mcpFacts reads the call's arguments, evaluates the actions they stand
// for and merges their facts; it returns their matches (added after the
// server's verdict, so that the verdict names an allow).
func (e *evaluation) mcpFacts(call *mcptool.Call) []decision.Match {
	var subs []decision.Match
	sub := func(a decision.Action) {
		a.Agent = e.act.Agent
		if a.Context == nil {
			a.Context = e.act.Context
		}
		if a.Tool == "" {
			if e.act.Type == decision.ToolCall {
				a.Tool = e.act.Tool
			} else {
				a.Tool = decision.MCPName(e.act.Server, e.act.Tool)
			}
		}
		opts := *e.opts
		opts.MCPVerdict, opts.Extra, opts.ServerFacts, opts.MCPTrusted = nil, nil, nil, false
		s := evaluation{set: e.set, ctx: e.ctx, act: &a, opts: &opts}
		s.run()
		if s.failed {
			e.failed = true
		}
		subs = append(subs, s.matches...)
		e.mergeFacts(&s.facts)
	}
	kind := call.Name.Kind
	cmdDir := ""
	for _, a := range call.Args {
		if a.Role == mcptool.Dir {
			cmdDir = a.Value
		}
	}
	sends := call.Name.Has("upload", "send", "post", "attach", "share", "publish", "import")
	moves := call.Name.Verb == "move" || call.Name.Verb == "rename"
	for _, a := range call.Args {
		switch a.Role {
		case mcptool.Path, mcptool.Source, mcptool.Destination:
			p := strings.TrimSpace(a.Value)
			if strings.HasPrefix(strings.ToLower(p), "file:") {
				p = fileURLPath(p)
			}
			if p == "" {
				continue
			}
			// A relative path of a tool that locates nothing elsewhere is
			// judged as this machine's: "read {path: .env}" reads the
			// project's .env whatever the tool is called.
			if !call.Local && call.Remote {
				// A path in a repository, bucket or drive elsewhere: judged
				// as the project's own file of that name (a workflow pushed
				// to the repository is a workflow of the project), when it is
				// relative.
				if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "~") {
					switch {
					case kind == mcptool.Read && a.Role != mcptool.Destination:
						sub(decision.Action{Type: decision.ReadFile, Target: p})
					case kind == mcptool.Write || kind == mcptool.Delete || kind == mcptool.Unknown:
						sub(decision.Action{Type: decision.WriteFile, Target: p})
					}
				}
				continue
			}
			read, write, del := false, false, false
			switch {
			case a.Role == mcptool.Source:
				read, del = true, moves
			case a.Role == mcptool.Destination:
				write = true
			case kind == mcptool.Read || kind == mcptool.Exec:
				read = true
			case kind == mcptool.Write && sends:
				read = true
			case kind == mcptool.Write:
				write = true
			case kind == mcptool.Delete:
				del = true
			default:
				read, write = true, true
			}
			if read {
				sub(decision.Action{Type: decision.ReadFile, Target: p})
			}
			if write {
				sub(decision.Action{Type: decision.WriteFile, Target: p, Args: writeArgs(e.act.Args)})
			}
			if del {
				// Judged as the same delete through the shell is.
				sub(decision.Action{Type: decision.ExecuteCommand, Target: "rm -r -- " + mcptool.ShellQuote(p)})
			}
		case mcptool.Command:
			a2 := decision.Action{Type: decision.ExecuteCommand, Target: a.Value}
			if cmdDir != "" {
				// The command runs in the directory the call names.
				a2.Context = make(map[string]string, len(e.act.Context)+1)
				for k, v := range e.act.Context {
					a2.Context[k] = v
				}
				a2.Context[decision.ContextCwd] = e.absDir(cmdDir)
			}
			sub(a2)
		case mcptool.URL:
			sub(decision.Action{Type: decision.HTTPRequest, Target: a.Value})
		case mcptool.Host:
			sub(decision.Action{Type: decision.HTTPRequest, Target: "http://" + a.Value + "/"})
		}
	}
	return subs
}

// absDir makes a directory argument absolute against the evaluation's
// working directory and home.
func (e *evaluation) absDir(d string) string {
	d = strings.TrimSpace(d)
	switch {
	case d == "~" || strings.HasPrefix(d, "~/"):
		return path.Join(e.env.home, d[1:])
	case strings.HasPrefix(d, "/"):
		return path.Clean(d)
	}
	return path.Join(e.env.cwd, d)
}

// fileURLPath is the path of a file: URL ("file:///etc/x" → "/etc/x").
func fileURLPath(u string) string {
	p := u[len("file:"):]
	if strings.HasPrefix(p, "//") {
		p = p[2:]
		if i := strings.IndexByte(p, '/'); i > 0 {
			p = p[i:] // file://host/path
		} else if i < 0 {
			p = "/" + p
		}
	}
	return p
}

// writeArgs carries what a write puts in a file to the Write it is judged
// as (content, new text of edits), for rules that read it.
func writeArgs(args map[string]any) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"content", "new_string", "text"} {
		if v, ok := args[k].(string); ok {
			out["content"] = v
			break
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// mergeFacts adds the facts of an action an argument stands for.
func (e *evaluation) mergeFacts(f *Facts) {
	for _, p := range f.Reads {
		e.facts.addRead(p)
	}
	for _, p := range f.Writes {
		e.facts.addWrite(p)
	}
	for _, p := range f.Deletes {
		e.facts.addDelete(p)
	}
	for _, u := range f.URLs {
		e.facts.URLs = addUnique(e.facts.URLs, u)
	}
	for _, h := range f.Hosts {
		e.facts.Hosts = addUnique(e.facts.Hosts, h)
	}
	if len(f.Commands) > 0 {
		if e.facts.Line == "" {
			e.facts.Line = f.Line
		}
		e.facts.Commands = append(e.facts.Commands, f.Commands...)
		e.facts.Git = append(e.facts.Git, f.Git...)
	}
}

// mcpProduction matches a value that names production: prod-eu,
// acme-production, app_prod, web.prod.
var mcpProduction = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)(^|[-_.:/@ ])(prod|production|prd)($|[-_.:/@ ])`)
})

// freeText are argument keys whose values are prose, not names of things.
var freeText = map[string]bool{"body": true, "text": true, "content": true, "message": true, "description": true, "title": true,
	"comment": true, "note": true, "notes": true, "summary": true, "subject": true, "query": true, "sql": true, "reason": true}

// mcpNamesProduction reports whether the call names production: the
// context's environment, or an argument that is a name (not prose).
func (e *evaluation) mcpNamesProduction() (string, bool) {
	if env := e.act.Context[decision.ContextEnvironment]; mcpProduction().MatchString(env) || strings.EqualFold(env, "prod") {
		return env, true
	}
	found := ""
	mcptool.Strings(e.act.Args, func(key, v string) {
		if found != "" || freeText[mcptool.LastKey(key)] || len(v) > 200 {
			return
		}
		if mcpProduction().MatchString(v) {
			found = v
		}
	})
	return found, found != ""
}

// secretStores are tools whose job is to hold secrets: a secret in their
// arguments is asked about, not blocked as a leak.
var secretStores = []string{"secret", "secrets", "vault", "credential", "credentials", "password", "passwords", "env", "variable",
	"variables", "var", "vars", "key", "keys", "token", "tokens", "keychain"}

// mcpSecrets returns the first secret in the call's arguments, by key.
func (e *evaluation) mcpSecrets() (key, kind string) {
	mcptool.Strings(e.act.Args, func(k, v string) {
		if key != "" || len(v) < 8 {
			return
		}
		if ms := secrets.Find(v); len(ms) > 0 {
			key, kind = k, ms[0].Kind
		}
	})
	return key, kind
}

// mcpArgMatches are the matches of the call's arguments that hold for
// every server: secrets sent, a protected branch changed, SQL.
func (e *evaluation) mcpArgMatches(call *mcptool.Call) []decision.Match {
	var out []decision.Match
	subject := decision.MCPName(e.act.Server, e.act.Tool)
	if e.act.Type == decision.ToolCall {
		subject = e.act.Tool
	}
	add := func(m decision.Match) {
		m.Pack, m.Subject = e.set.name, subject
		if m.Decision == decision.RequireApproval && m.ApproverGroup == "" {
			m.ApproverGroup = GroupRepositoryOwners
		}
		out = append(out, m)
	}
	kind := call.Name.Kind
	if !call.Local {
		if k, what := e.mcpSecrets(); k != "" {
			if call.Name.Has(secretStores...) {
				add(decision.Match{RuleID: "mcp.tool.secret_in_arguments", Decision: decision.RequireApproval, Severity: decision.High,
					Reason: fmt.Sprintf("%s is given a secret (%s in %s) to store; approval required.", subject, what, k)})
			} else {
				add(decision.Match{RuleID: "mcp.tool.secret_in_arguments", Decision: decision.Block, Severity: decision.Critical,
					Reason: fmt.Sprintf("%s would send a secret (%s in %s) off the machine.", subject, what, k)})
			}
		}
	}
	if kind == mcptool.Write || kind == mcptool.Delete {
		if kind == mcptool.Delete || !call.Name.Has("pull", "pr", "merge", "request", "requests", "issue", "branch") || call.Name.Has("push", "commit", "file", "files") {
			for _, a := range call.Args {
				if a.Role != mcptool.Branch {
					continue
				}
				b := strings.TrimPrefix(strings.TrimSpace(a.Value), "+")
				b = strings.TrimPrefix(strings.TrimPrefix(b, "refs/"), "heads/")
				for _, p := range e.set.protected {
					if b == p {
						add(decision.Match{RuleID: "mcp.tool.protected_branch", Decision: decision.Block, Severity: decision.High,
							Reason: fmt.Sprintf("%s changes the protected branch %s directly; direct changes to protected branches are prohibited.", subject, p)})
					}
				}
			}
		}
	}
	if kind == mcptool.Read && !call.Name.Has("list", "search", "count", "describe") &&
		(call.Name.Has("secret", "secrets", "password", "passwords", "credential", "credentials", "keyvault", "vault", "apikey", "apikeys") ||
			anyWordOf(mcptool.Words(e.act.Server), "vault", "keyvault", "secretsmanager", "1password", "onepassword", "bitwarden", "lastpass", "keychain", "doppler", "infisical") ||
			e.mcpNamesSecretResource()) {
		// The baseline blocks the same reads through the cloud CLIs
		// (secretsmanager get-secret-value, kubectl get secret -o).
		add(decision.Match{RuleID: "mcp.tool.secret_store.read", Decision: decision.Block, Severity: decision.Critical,
			Reason: fmt.Sprintf("%s reads a secret out of a secret store into the agent's context.", subject)})
	}
	if kind == mcptool.Write && (call.Name.Has("access", "service", "api") && call.Name.Has("key", "keys", "token", "tokens", "credential", "credentials") && call.Name.Has("create", "generate", "new", "add") ||
		call.Name.Has("iam", "role", "roles", "policy", "permission", "permissions") && call.Name.Has("binding", "bindings", "assignment", "assignments", "attach", "put", "grant", "add", "set")) {
		// Minting credentials and granting permissions: blocked through
		// the CLIs too (aws iam create-access-key, role assignments,
		// policy bindings).
		add(decision.Match{RuleID: "mcp.tool.privilege", Decision: decision.Block, Severity: decision.Critical,
			Reason: fmt.Sprintf("%s mints credentials or grants permissions; an agent may not.", subject)})
	}
	if kind == mcptool.Write || kind == mcptool.Delete {
		// Security controls: branch protection and rulesets are changed
		// only by people (the baseline blocks the same through gh api);
		// scanning, audit logs and second factors are not switched off.
		weakens := kind == mcptool.Delete || call.Name.Has("disable", "dismiss", "bypass", "unprotect", "skip", "suspend", "pause", "stop")
		switch {
		case call.Name.Has("protection", "protections", "ruleset", "rulesets"):
			add(decision.Match{RuleID: "mcp.tool.security_control", Decision: decision.Block, Severity: decision.Critical,
				Reason: fmt.Sprintf("%s changes branch protection or rulesets; an agent may not.", subject)})
		case weakens && call.Name.Has("scanning", "audit", "mfa", "2fa", "sso", "firewall", "guardduty", "cloudtrail", "logging", "alert", "alerts", "security", "protection", "dependabot", "codeql", "monitor", "monitoring"):
			add(decision.Match{RuleID: "mcp.tool.security_control", Decision: decision.Block, Severity: decision.Critical,
				Reason: fmt.Sprintf("%s switches off or removes a security control; an agent may not.", subject)})
		}
		// Overrides of protection passed as arguments (gh pr merge --admin).
		for _, k := range []string{"admin", "bypass", "bypass_protection", "bypass_rules", "bypass_branch_protection", "override", "skip_checks", "no_verify"} {
			if b, ok := e.act.Args[k].(bool); ok && b {
				add(decision.Match{RuleID: "mcp.tool.security_control", Decision: decision.Block, Severity: decision.Critical,
					Reason: fmt.Sprintf("%s overrides the repository's protections (%s); an agent may not.", subject, k)})
				break
			}
		}
		// Making what is private public.
		if v, ok := e.act.Args["visibility"].(string); ok && strings.EqualFold(strings.TrimSpace(v), "public") {
			add(decision.Match{RuleID: "mcp.tool.publish_private", Decision: decision.Block, Severity: decision.Critical,
				Reason: fmt.Sprintf("%s makes something public; publishing private code or data is for people to decide.", subject)})
		} else if b, ok := e.act.Args["private"].(bool); ok && !b && kind == mcptool.Write && !call.Name.Has("create", "new", "fork") {
			add(decision.Match{RuleID: "mcp.tool.publish_private", Decision: decision.Block, Severity: decision.Critical,
				Reason: fmt.Sprintf("%s makes something public; publishing private code or data is for people to decide.", subject)})
		}
	}
	for _, a := range call.Args {
		if a.Role != mcptool.SQL {
			continue
		}
		switch v := classifySQL(a.Value); {
		case v.runs:
			add(decision.Match{RuleID: "mcp.tool.sql.runs_code", Decision: decision.Block, Severity: decision.Critical,
				Reason: fmt.Sprintf("%s runs a statement that runs programs or reads and writes files through the database server (%s).", subject, v.verb)})
		case v.effect == sqlRead:
		case v.effect == sqlDestroy:
			if env, prod := e.mcpNamesProduction(); prod {
				add(decision.Match{RuleID: "mcp.tool.sql.production", Decision: decision.Block, Severity: decision.Critical,
					Reason: fmt.Sprintf("%s runs a statement that destroys data (%s) in production (%s).", subject, v.verb, env)})
			} else if v.irreversible {
				add(decision.Match{RuleID: "mcp.tool.sql.drop", Decision: decision.Block, Severity: decision.Critical,
					Reason: fmt.Sprintf("%s drops a database object (%s) on a server whose database the policy cannot see; a DROP has no undo.", subject, v.verb)})
			} else {
				add(decision.Match{RuleID: "mcp.tool.sql.destroy", Decision: decision.RequireApproval, Severity: decision.High,
					Reason: fmt.Sprintf("%s runs a statement that destroys data (%s); approval required.", subject, v.verb)})
			}
		default:
			add(decision.Match{RuleID: "mcp.tool.sql.write", Decision: decision.RequireApproval, Severity: decision.Medium,
				Reason: fmt.Sprintf("%s runs a statement that changes data or that the policy cannot read (%s); approval required.", subject, v.verb)})
		}
	}
	return out
}

// mcpHint reads an annotation the caller put in the context: "true",
// "false" or "" (not said).
func (e *evaluation) mcpHint(k string) string {
	switch strings.ToLower(strings.TrimSpace(e.act.Context[k])) {
	case "true":
		return "true"
	case "false":
		return "false"
	}
	return ""
}

// mcpKind is the tool's kind: its name's, raised by a destructiveHint, and
// for a name without a known verb, Read when readOnlyHint says so.
func (e *evaluation) mcpKind(n mcptool.Name) (mcptool.Kind, string) {
	k, why := n.Kind, "its name"
	if n.Verb != "" {
		why = fmt.Sprintf("its name (%s)", n.Verb)
	}
	destructive := e.mcpHint(decision.ContextToolDestructive) == "true"
	if k == mcptool.Unknown && e.mcpHint(decision.ContextToolReadOnly) == "true" && !destructive {
		k, why = mcptool.Read, "its readOnlyHint"
	}
	if destructive && (k == mcptool.Read || k == mcptool.Write || k == mcptool.Unknown) {
		k, why = mcptool.Delete, "its destructiveHint"
	}
	return k, why
}

// mcpToolVerdict is the floor the tool's name (and annotations) set for a
// server no registry record or pack list decides.
func (e *evaluation) mcpToolVerdict(call *mcptool.Call) decision.Match {
	subject := decision.MCPName(e.act.Server, e.act.Tool)
	m := decision.Match{Pack: e.set.name, Subject: subject}
	kind, why := e.mcpKind(call.Name)
	if hasRole(call, mcptool.Command) && kind != mcptool.Exec {
		// A command argument is run, whatever the verb (start_process).
		kind, why = mcptool.Exec, "its command argument"
	}
	local := call.Local && hasPathArg(call)
	trusted := e.opts.MCPTrusted
	// Code given to a server that is not a browser runs where the server
	// runs: on the machine (a notebook kernel, a Python or Node REPL).
	browser := call.Name.Has("browser", "page", "playwright", "puppeteer", "chrome", "devtools", "selenium", "tab", "dom") ||
		anyWordOf(mcptool.Words(e.act.Server), "browser", "playwright", "puppeteer", "chrome", "devtools", "selenium", "browserbase")
	machineExec := call.Name.Launch || hasRole(call, mcptool.Code) && !browser || call.Name.Has("shell", "bash", "sh", "zsh", "terminal", "command", "cmd", "powershell", "process", "script") ||
		hasRole(call, mcptool.Command)
	switch {
	case kind == mcptool.Read:
		m.RuleID, m.Decision, m.Severity = "mcp.tool.read.allow", decision.Allow, decision.Low
		m.Reason = fmt.Sprintf("%s reads, by %s; its arguments were judged as the same reads would be.", subject, why)
	case local && (kind == mcptool.Write || kind == mcptool.Delete):
		m.RuleID, m.Decision, m.Severity = "mcp.tool.local.allow", decision.Allow, decision.Low
		m.Reason = fmt.Sprintf("%s works on files on this machine; the paths were judged as the same writes and deletes would be.", subject)
	case kind == mcptool.Write:
		m.RuleID, m.Decision, m.Severity = "mcp.tool.write.require_approval", decision.RequireApproval, decision.Medium
		m.Reason = fmt.Sprintf("%s changes something, by %s; approval required.", subject, why)
	case kind == mcptool.Delete:
		env, prod := e.mcpNamesProduction()
		whole := call.Name.Has("repository", "repositories", "repo", "repos", "organization", "organisation", "org", "orgs", "account", "accounts", "tenant",
			"database", "databases", "bucket", "buckets", "cluster", "clusters", "all", "everything")
		switch {
		case prod:
			m.RuleID, m.Decision, m.Severity = "mcp.tool.delete.production", decision.Block, decision.Critical
			m.Reason = fmt.Sprintf("%s destroys something in production (%s).", subject, env)
		case call.Name.Irreversible:
			m.RuleID, m.Decision, m.Severity = "mcp.tool.delete.irreversible", decision.Block, decision.Critical
			m.Reason = fmt.Sprintf("%s %ss, which has no undo, on a server whose environment the policy cannot see.", subject, call.Name.Verb)
		case whole:
			m.RuleID, m.Decision, m.Severity = "mcp.tool.delete.whole", decision.Block, decision.Critical
			m.Reason = fmt.Sprintf("%s destroys a whole repository, organisation, account, database, bucket or cluster, or everything of a kind, with everyone's work in it.", subject)
		default:
			m.RuleID, m.Decision, m.Severity = "mcp.tool.delete.require_approval", decision.RequireApproval, decision.High
			m.Reason = fmt.Sprintf("%s destroys something, by %s; approval required.", subject, why)
		}
	case kind == mcptool.Exec && machineExec && !trusted:
		m.RuleID, m.Decision, m.Severity = "mcp.tool.exec.unregistered", decision.Block, decision.Critical
		m.Reason = fmt.Sprintf("%s runs commands or programs on a server no one registered; register the server (cavra init records the agent's own servers) to have its commands judged.", subject)
	case kind == mcptool.Exec:
		m.RuleID, m.Decision, m.Severity = "mcp.tool.exec.require_approval", decision.RequireApproval, decision.High
		m.Reason = fmt.Sprintf("%s runs code where the server runs, by %s; approval required.", subject, why)
	default:
		m.RuleID, m.Decision, m.Severity = "mcp.tool.unknown.require_approval", decision.RequireApproval, decision.Medium
		m.Reason = fmt.Sprintf("Nothing in %s's name says what it does; approval required.", subject)
	}
	if m.Decision == decision.RequireApproval {
		m.ApproverGroup = GroupRepositoryOwners
	}
	return m
}

func anyWordOf(words []string, xs ...string) bool { return mcptool.Name{Words: words}.Has(xs...) }

func hasPathArg(c *mcptool.Call) bool {
	return hasRole(c, mcptool.Path) || hasRole(c, mcptool.Source) || hasRole(c, mcptool.Destination)
}

func hasRole(c *mcptool.Call, r mcptool.Role) bool {
	for _, a := range c.Args {
		if a.Role == r {
			return true
		}
	}
	return false
}

// toolVar is the CEL variable tool: the registry's facts about the tool
// plus its kind and verb as its name (and annotations) say.
func (e *evaluation) toolVar() map[string]any {
	out := map[string]any{}
	if t, ok := e.opts.ServerFacts["tool"].(map[string]any); ok {
		for k, v := range t {
			out[k] = v
		}
	} else {
		_, tool := e.mcpNames()
		out["name"], out["class"] = tool, "unknown"
	}
	if e.mcpCall != nil {
		k, _ := e.mcpKind(e.mcpCall.Name)
		out["kind"], out["verb"] = k.String(), e.mcpCall.Name.Verb
	}
	return out
}

// mcpNamesSecretResource: a generic read names a secret as its resource
// (a Kubernetes server's get {kind: Secret}) or asks for decryption
// (get_parameter {with_decryption: true}).
func (e *evaluation) mcpNamesSecretResource() bool {
	for k, v := range e.act.Args {
		switch kw := strings.Join(mcptool.Words(k), "_"); {
		case kw == "kind" || kw == "resource" || kw == "resource_type" || kw == "type":
			if s, ok := v.(string); ok && (strings.EqualFold(s, "secret") || strings.EqualFold(s, "secrets")) {
				return true
			}
		case kw == "with_decryption" || kw == "decrypt" || kw == "reveal" || kw == "show_secrets" || kw == "include_values":
			if b, ok := v.(bool); ok && b {
				return true
			}
		}
	}
	return false
}
