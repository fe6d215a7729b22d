package policy

import (
	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"fmt"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// The fields CEL rules see, in one place. Each table below drives three
// things that must agree: the CEL declarations (so the type checker rejects
// `action.comands` or `c.name == 1` when a pack is compiled), the records
// that hand an evaluated action's facts to CEL (celrecord.go), and the
// lookups the fact gates read before a rule runs (prefilter.go). A field
// added here is declared, converted and gateable at once.
//
// args and context stay maps: their keys are free-form.

// field is one field of a CEL object type read from a Go value of type T.
// Exactly one accessor is set; the CEL type follows from it, or is typ for
// val.
type field[T any] struct {
	name string
	doc  string
	str  func(*T) string
	strs func(*T) []string
	flag func(*T) bool
	val  func(*T) ref.Val
	typ  *types.Type // the type of val's values

	// facts is, for the action's fact lists, the same list read from Facts,
	// which is what the fact gates have.
	facts func(*Facts) []string
}

func strField[T any](name, doc string, f func(*T) string) field[T] {
	return field[T]{name: name, doc: doc, str: f}
}

func strsField[T any](name, doc string, f func(*T) []string) field[T] {
	return field[T]{name: name, doc: doc, strs: f}
}

func flagField[T any](name, doc string, f func(*T) bool) field[T] {
	return field[T]{name: name, doc: doc, flag: f}
}

func valField[T any](name, doc string, typ *types.Type, f func(*T) ref.Val) field[T] {
	return field[T]{name: name, doc: doc, typ: typ, val: f}
}

// factsField is an action field that is one of the evaluation's fact lists.
func factsField(name, doc string, f func(*Facts) []string) field[evaluation] {
	return field[evaluation]{name: name, doc: doc, strs: func(e *evaluation) []string { return f(&e.facts) }, facts: f}
}

func (f *field[T]) celType() *types.Type {
	switch {
	case f.str != nil:
		return types.StringType
	case f.strs != nil:
		return types.NewListType(types.StringType)
	case f.flag != nil:
		return types.BoolType
	}
	return f.typ
}

// value converts the field of src to CEL.
func (f *field[T]) value(src *T) ref.Val {
	switch {
	case f.str != nil:
		return types.String(f.str(src))
	case f.strs != nil:
		return celStrings(f.strs(src))
	case f.flag != nil:
		return types.Bool(f.flag(src))
	}
	return f.val(src)
}

// objectType is a CEL object type as the checker and the planner see it.
type objectType struct {
	name   string
	typ    *types.Type
	fields []objectField
	keys   []string // the field names, in order; shared by every record
}

type objectField struct {
	name string
	doc  string
	typ  *types.Type
	zero ref.Val // what a source without the field gives
	ft   *types.FieldType
}

// table is an object type with the accessors of its fields on T.
type table[T any] struct {
	*objectType
	fields []field[T]
}

func newObjectType(name string, fs []objectField) *objectType {
	ot := &objectType{name: name, typ: types.NewObjectType(name), fields: fs}
	for i := range ot.fields {
		f := &ot.fields[i]
		if f.zero == nil {
			f.zero = zeroOf(f.typ)
		}
		ot.keys = append(ot.keys, f.name)
		f.ft = &types.FieldType{Type: f.typ, IsSet: func(any) bool { return true }, GetFrom: ot.getter(i)}
	}
	return ot
}

func newTable[T any](name string, fs ...field[T]) *table[T] {
	ofs := make([]objectField, len(fs))
	for i := range fs {
		ofs[i] = objectField{name: fs[i].name, doc: fs[i].doc, typ: fs[i].celType()}
	}
	return &table[T]{objectType: newObjectType(name, ofs), fields: fs}
}

// zeroOf is the value of a field its source does not carry, so that
// `agent.profile == "x"` is false without a registry rather than a
// "no such key" failure that blocks.
func zeroOf(t *types.Type) ref.Val {
	switch t.Kind() {
	case types.StringKind:
		return types.String("")
	case types.BoolKind:
		return types.False
	case types.IntKind:
		return types.Int(0)
	case types.ListKind:
		return celEmptyList
	case types.MapKind:
		return celAdapter.NativeToValue(map[string]any{})
	case types.StructKind:
		return celAdapter.NativeToValue(map[string]any{})
	}
	return types.NullValue
}

// getter reads field i of a value of the type: a record of this type, or a
// map (the registry's facts), where a missing key is the zero value.
func (ot *objectType) getter(i int) ref.FieldGetter {
	name, zero := ot.fields[i].name, &ot.fields[i].zero
	return func(obj any) (any, error) {
		switch o := obj.(type) {
		case *record:
			if o.t == ot {
				return o.at(i), nil
			}
			if v, ok := o.Find(types.String(name)); ok {
				return v, nil
			}
			return *zero, nil
		case map[string]any:
			if v, ok := o[name]; ok {
				return v, nil
			}
			return *zero, nil
		case traits.Mapper:
			if v, ok := o.Find(types.String(name)); ok {
				return v, nil
			}
			return *zero, nil
		}
		return nil, fmt.Errorf("no such field %q on %T", name, obj)
	}
}

func (ot *objectType) index(name string) int {
	for i, k := range ot.keys {
		if k == name {
			return i
		}
	}
	return -1
}

func (t *table[T]) field(name string) *field[T] {
	if i := t.index(name); i >= 0 {
		return &t.fields[i]
	}
	return nil
}

// strOf, strsOf and flagOf return the accessor of a string, list or bool
// field by its CEL name, or nil: what the fact gates read.
func (t *table[T]) strOf(name string) func(*T) string {
	if f := t.field(name); f != nil {
		return f.str
	}
	return nil
}

func (t *table[T]) strsOf(name string) func(*T) []string {
	if f := t.field(name); f != nil {
		return f.strs
	}
	return nil
}

func (t *table[T]) flagOf(name string) func(*T) bool {
	if f := t.field(name); f != nil {
		return f.flag
	}
	return nil
}

// commandTable: one simple command of a line, an element of action.commands.
var commandTable = newTable("cavra.Command",
	strField("name", "the command's name, after wrappers (sudo, env, xargs…) are seen through", func(c *CommandFacts) string { return c.Name }),
	strsField("args", "its arguments", func(c *CommandFacts) []string { return c.Args }),
	strsField("argv", "name and arguments", func(c *CommandFacts) []string {
		return append(append(make([]string, 0, len(c.Args)+1), c.Name), c.Args...)
	}),
	strsField("flags", "the arguments that start with -", func(c *CommandFacts) []string {
		var flags []string
		for _, a := range c.Args {
			if len(a) > 1 && a[0] == '-' {
				flags = append(flags, a)
			}
		}
		return flags
	}),
	strField("text", "the command's text", func(c *CommandFacts) string { return c.Text }),
	strField("path", "the name as written when it is a path (/bin/rm)", func(c *CommandFacts) string { return c.Path }),
	strField("dir", "the absolute working directory it runs in; \"\" when not known", func(c *CommandFacts) string { return c.Dir }),
	flagField("dynamic", "the name is computed at run time", func(c *CommandFacts) bool { return c.Dynamic }),
	strField("opaque", "why what it runs cannot be known statically; \"\" when it can", func(c *CommandFacts) string { return c.Opaque }),
	strsField("via", "the wrappers it was found through", func(c *CommandFacts) []string { return c.Via }),
	strsField("reads", "paths it reads (resolved)", func(c *CommandFacts) []string { return c.Reads }),
	strsField("writes", "paths it writes (resolved)", func(c *CommandFacts) []string { return c.Writes }),
	strsField("deletes", "paths it deletes (resolved)", func(c *CommandFacts) []string { return c.Deletes }),
	strsField("urls", "URLs it contacts", func(c *CommandFacts) []string { return c.URLs }),
	strsField("hosts", "hosts it contacts", func(c *CommandFacts) []string { return c.Hosts }),
	strField("interpreter_code", "code given to an interpreter inline (python -c …)", func(c *CommandFacts) string { return c.InterpreterCode }),
	strsField("secret_vars", "secret-holding environment variables it is given ($GITHUB_TOKEN in its arguments, printenv NAME) or its inline code reads", secretVars),
	strsField("host_classes", "the classes of the hosts it contacts: metadata, link-local, loopback, private, reserved, local, public", func(c *CommandFacts) []string { return c.HostClasses }),
	strsField("remote_hosts", "the hosts it contacts that are not this machine (not loopback, not the container host); a URL whose host is known only at run time stands for it", func(c *CommandFacts) []string { return c.RemoteHosts }),
	strsField("sent_secrets", "kinds of key-shaped secrets in what it sends (URLs, headers, bodies, credentials, DNS names): github-token, authorization, …", func(c *CommandFacts) []string { return c.SentSecrets }),
	strsField("uploads", "files whose contents it sends to a host (resolved)", func(c *CommandFacts) []string { return c.Uploads }),
	flagField("code_read", "its inline code was tokenized (string literals and comments are data, facts come from its calls)", func(c *CommandFacts) bool { return c.CodeRead }),
	strsField("code_env", "environment variables its inline code reads (\"*\": the whole environment)", func(c *CommandFacts) []string { return c.CodeEnv }),
	strsField("code_obfuscation", "what its inline code hides: eval of computed strings, decoded strings run, names computed for getattr/__import__/require", func(c *CommandFacts) []string { return c.CodeObfuscated }),
	strsField("code_unknown", "what its inline code leaves to run time: a command, address or module in a variable", func(c *CommandFacts) []string { return c.CodeUnknown }),
	// Dataflow within one line (issue 13).
	strsField("runs", "files it runs or loads as code: its script, ./prog, a sourced file, build and test configuration (Makefile, package.json, conftest.py…), files its environment names (BASH_ENV, LD_PRELOAD, NODE_OPTIONS=--require…); a trailing / is a directory (resolved)", func(c *CommandFacts) []string { return c.flowList(flowRuns) }),
	strsField("preloads", "libraries preloaded into it (LD_PRELOAD, LD_AUDIT, DYLD_INSERT_LIBRARIES; resolved)", func(c *CommandFacts) []string { return c.flowList(flowPreloads) }),
	strsField("loads", "the runs a setting or an option makes it load or run as code (BASH_ENV, NODE_OPTIONS=--require, JAVA_TOOL_OPTIONS=-javaagent:, git -c core.hooksPath, the program of GIT_EXTERNAL_DIFF=… or tar --use-compress-program=…); a trailing / is a directory (resolved)", func(c *CommandFacts) []string { return c.flowList(flowLoads) }),
	strsField("downloads", "files it writes with content from the network; a trailing / is a directory (resolved)", func(c *CommandFacts) []string { return c.flowList(flowDownloads) }),
	strsField("runs_downloaded", "the runs that an earlier command of the line downloaded: download-and-execute (resolved)", func(c *CommandFacts) []string { return c.flowList(flowRunsDownloaded) }),
	flagField("dry_run", "its own options tell it only to show what it would do (kubectl --dry-run=client, terraform plan, make -n, rsync -n, ansible --check…)", func(c *CommandFacts) bool { return c.DryRun }),
	strField("env", "the environment it acts on: production, staging, development, local, remote (a named host of no known environment) or \"\" (not known)", func(c *CommandFacts) string { return c.Env }),
	strField("service", "what a remote service's client (aws, gcloud, az, heroku, fly, nomad, packer, oras, flyway, migrate…) does to the service by its verbs: read, change, or \"\" for other commands", func(c *CommandFacts) string { return c.Service }),
	strField("db_effect", "what it does to a database's data: destroy, write, read, unknown or \"\"", func(c *CommandFacts) string { return c.DB }),
	strField("db_scope", "\"database\" when it drops or resets a whole database or schema (DROP DATABASE, dropDatabase(), FLUSHALL, a framework's reset task)", func(c *CommandFacts) string { return c.DBScope }),
	strField("remote", "where it runs when the line runs it on another machine, container or pod: \"kind:place\", kind ssh, gcloud, ansible, docker-host, docker, podman, kubectl, oc, compose, multipass, lxc, incus, lima, vagrant, mosh, tsh, pssh, salt, fab, ssm or azvm (ssh prod-db-1 'rm -rf /' gives rm the remote \"ssh:prod-db-1\"); \"\" on this machine", func(c *CommandFacts) string { return c.Remote }),
	strsField("remote_reads", "paths it reads there, as written, when it runs elsewhere (remote)", func(c *CommandFacts) []string { return c.RemoteReads }),
	strsField("remote_writes", "paths it writes there, as written, when it runs elsewhere (remote)", func(c *CommandFacts) []string { return c.RemoteWrites }),
	strsField("remote_deletes", "paths it deletes there, as written, when it runs elsewhere (remote)", func(c *CommandFacts) []string { return c.RemoteDeletes }),
	flagField("stdin_net", "its standard input comes from the network (curl … |, nc host port |, ssh host cmd |, a descriptor on /dev/tcp)", func(c *CommandFacts) bool { return c.StdinNet }),
	strsField("secret_reads", "secret-store secrets whose values it prints (\"kubernetes secret app\" for kubectl get secret app -o yaml)", func(c *CommandFacts) []string { return c.SecretReads }),
)

// gitTable: one git invocation, an element of action.git.
var gitTable = newTable("cavra.Git",
	strField("subcommand", "push, reset, branch, …", func(g *GitFacts) string { return g.Subcommand }),
	strsField("args", "its arguments", func(g *GitFacts) []string { return g.Args }),
	strField("remote", "the remote of a push", func(g *GitFacts) string { return g.Remote }),
	strsField("refs", "the refs or refspecs named", func(g *GitFacts) []string { return g.Refs }),
	strsField("branches", "destination branches (see GitFacts.Branches)", func(g *GitFacts) []string { return g.Branches }),
	flagField("force", "--force, -f, +refspec", func(g *GitFacts) bool { return g.Force }),
	flagField("delete", "deletes a ref", func(g *GitFacts) bool { return g.Delete }),
	flagField("hard", "reset --hard", func(g *GitFacts) bool { return g.Hard }),
	flagField("clean_force", "clean -f", func(g *GitFacts) bool { return g.CleanForce }),
)

// actionTable: the CEL variable action.
var actionTable = newTable("cavra.Action",
	strField("type", "read_file, write_file, execute_command, git_operation, mcp_tool_call, http_request, tool_call", func(e *evaluation) string { return string(e.act.Type) }),
	strField("target", "the path, command line, server:tool or URL", func(e *evaluation) string { return e.act.Target }),
	strField("operation", "the requested operation (push, a capability…)", func(e *evaluation) string { return e.act.Operation }),
	strField("tool", "the MCP tool of an mcp_tool_call", func(e *evaluation) string { _, tool := e.mcpNames(); return tool }),
	strField("server", "the MCP server of an mcp_tool_call", func(e *evaluation) string { server, _ := e.mcpNames(); return server }),
	valField("args", "the tool's arguments: map(string, dyn)", types.NewMapType(types.StringType, types.DynType), func(e *evaluation) ref.Val {
		if e.act.Args == nil {
			return celAdapter.NativeToValue(map[string]any{})
		}
		return celAdapter.NativeToValue(e.act.Args)
	}),
	strField("line", "the command line as analysed", func(e *evaluation) string { return e.facts.Line }),
	valField("commands", "the simple commands of the line: list(cavra.Command)", types.NewListType(commandTable.typ), func(e *evaluation) ref.Val {
		return celCommands(e.facts.Commands)
	}),
	valField("git", "the git invocations: list(cavra.Git)", types.NewListType(gitTable.typ), func(e *evaluation) ref.Val {
		return celGit(e.facts.Git)
	}),
	factsField("paths", "every path read, written or deleted, each once", func(f *Facts) []string { return f.Paths }),
	factsField("reads", "paths read", func(f *Facts) []string { return f.Reads }),
	factsField("writes", "paths written", func(f *Facts) []string { return f.Writes }),
	factsField("deletes", "paths deleted", func(f *Facts) []string { return f.Deletes }),
	factsField("urls", "URLs contacted", func(f *Facts) []string { return f.URLs }),
	factsField("hosts", "hosts contacted", func(f *Facts) []string { return f.Hosts }),
	factsField("host_classes", "the classes of the hosts contacted (see cavra.Command.host_classes)", func(f *Facts) []string { return f.HostClasses }),
	factsField("remote_hosts", "hosts contacted that are not this machine", func(f *Facts) []string { return f.RemoteHosts }),
	factsField("sent_secrets", "kinds of secrets found in what is sent (an http_request: its URL)", func(f *Facts) []string { return f.SentSecrets }),
	factsField("uploads", "files whose contents are sent", func(f *Facts) []string { return f.Uploads }),
)

// The registry's facts reach CEL as maps (package policy does not import
// package registry); these types say which keys rules may read. A key the
// map lacks reads as its zero value.
var (
	toolType = newObjectType("cavra.Tool", []objectField{
		{name: "name", doc: "the tool's name", typ: types.StringType},
		{name: "class", doc: "read, write, execute, network, … (\"unknown\" without a registry)", typ: types.StringType, zero: types.String("unknown")},
		{name: "pinned", doc: "the registry pins the tool's description", typ: types.BoolType},
		{name: "changed", doc: "the description differs from the pin", typ: types.BoolType},
		{name: "read_only", doc: "the server's readOnlyHint", typ: types.BoolType},
		{name: "destructive", doc: "the server's destructiveHint", typ: types.BoolType},
		{name: "open_world", doc: "the server's openWorldHint", typ: types.BoolType},
		{name: "kind", doc: "what the tool does by its name and annotations: read, write, delete, exec or unknown", typ: types.StringType, zero: types.String("unknown")},
		{name: "verb", doc: "the word of its name that says so (\"\" when none does)", typ: types.StringType},
	})
	serverType = newObjectType("cavra.Server", []objectField{
		{name: "id", doc: "the server's id", typ: types.StringType},
		{name: "name", doc: "its name", typ: types.StringType},
		{name: "registered", doc: "the registry knows it", typ: types.BoolType},
		{name: "trust_tier", doc: "its trust tier (\"unknown\" when unregistered)", typ: types.StringType, zero: types.String("unknown")},
		{name: "approval_state", doc: "its approval state", typ: types.StringType},
		{name: "capabilities", doc: "its capabilities", typ: types.NewListType(types.StringType)},
		{name: "allowed_tools", doc: "tools it may offer", typ: types.NewListType(types.StringType)},
		{name: "owner", doc: "its owner", typ: types.StringType},
		{name: "tool", doc: "the called tool: cavra.Tool (the same as the variable tool)", typ: toolType.typ},
	})
	agentType = newObjectType("cavra.Agent", []objectField{
		{name: "id", doc: "the agent's id", typ: types.StringType},
		{name: "type", doc: "its type (claude-code, …)", typ: types.StringType},
		{name: "session", doc: "the session id", typ: types.StringType},
		{name: "actor", doc: "who acts (ai-agent, a person)", typ: types.StringType},
		{name: "registered", doc: "the registry knows it", typ: types.BoolType},
		{name: "status", doc: "active, disabled, …", typ: types.StringType},
		{name: "profile", doc: "its capability profile", typ: types.StringType},
		{name: "capabilities", doc: "its capabilities", typ: types.NewListType(types.StringType)},
		{name: "scopes", doc: "its scopes", typ: types.NewListType(types.StringType)},
		{name: "risk_tier", doc: "its risk tier", typ: types.StringType},
		{name: "owner", doc: "its owner", typ: types.StringType},
	})
)

// celObjectTypes are the object types the CEL environment declares.
var celObjectTypes = []*objectType{actionTable.objectType, commandTable.objectType, gitTable.objectType, agentType, serverType, toolType}

// celVariable is one variable rules see.
type celVariable struct {
	name string
	typ  *types.Type
	doc  string
}

// celVariables are the variables rules see; celActivation.ResolveName
// resolves each.
var celVariables = []celVariable{
	{"action", actionTable.typ, "the action: cavra.Action"},
	{"agent", agentType.typ, "the acting agent: cavra.Agent"},
	{"server", serverType.typ, "the MCP server of an mcp_tool_call: cavra.Server"},
	{"tool", toolType.typ, "the MCP tool of an mcp_tool_call: cavra.Tool"},
	{"context", types.NewMapType(types.StringType, types.StringType), "the action's context: map(string, string); cwd, project_root, home, repo, branch and environment are always present"},
	{"now", types.TimestampType, "the evaluation's time"},
}

// celTypes is the type provider of the CEL environment: the environment's
// own, plus the object types above.
type celTypes struct {
	types.Provider
	objs map[string]*objectType
}

func newCELTypes(base types.Provider) *celTypes {
	p := &celTypes{Provider: base, objs: map[string]*objectType{}}
	for _, ot := range celObjectTypes {
		p.objs[ot.name] = ot
	}
	return p
}

// FindStructType implements types.Provider.
func (p *celTypes) FindStructType(name string) (*types.Type, bool) {
	if ot, ok := p.objs[name]; ok {
		return types.NewTypeTypeWithParam(ot.typ), true
	}
	return p.Provider.FindStructType(name)
}

// FindStructFieldNames implements types.Provider.
func (p *celTypes) FindStructFieldNames(name string) ([]string, bool) {
	if ot, ok := p.objs[name]; ok {
		return append([]string(nil), ot.keys...), true
	}
	return p.Provider.FindStructFieldNames(name)
}

// FindStructFieldType implements types.Provider.
func (p *celTypes) FindStructFieldType(name, fieldName string) (*types.FieldType, bool) {
	if ot, ok := p.objs[name]; ok {
		if i := ot.index(fieldName); i >= 0 {
			return ot.fields[i].ft, true
		}
		return nil, false
	}
	return p.Provider.FindStructFieldType(name, fieldName)
}

// NewValue implements types.Provider: rules read facts, they do not build them.
func (p *celTypes) NewValue(name string, fields map[string]ref.Val) ref.Val {
	if _, ok := p.objs[name]; ok {
		return types.NewErr("%s values cannot be constructed in a rule", name)
	}
	return p.Provider.NewValue(name, fields)
}

// noObjectLiterals rejects `cavra.Action{…}` in a rule: the types describe
// facts, which rules read and never build.
type noObjectLiterals struct{}

// Name implements cel.ASTValidator.
func (noObjectLiterals) Name() string { return "cavra.no_object_literals" }

// Validate implements cel.ASTValidator.
func (noObjectLiterals) Validate(_ *cel.Env, _ cel.ValidatorConfig, a *ast.AST, iss *cel.Issues) {
	for _, e := range ast.MatchDescendants(ast.NavigateAST(a), ast.KindMatcher(ast.StructKind)) {
		iss.ReportErrorAtID(e.ID(), "%s values cannot be constructed in a rule", e.AsStruct().TypeName())
	}
}
