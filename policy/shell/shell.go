package shell

import (
	"encoding/base32"
	"encoding/base64"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// MaxInput is the longest line Analyze accepts, in bytes.
const MaxInput = 256 << 10

// MaxNesting is the deepest bracket nesting Analyze accepts: every (, [
// and { counts, quoted or not.
const MaxNesting = 1000

// DefaultMaxDepth is the nesting limit used when Options.MaxDepth is zero.
const DefaultMaxDepth = 8

// ErrTooLarge is returned, wrapped, for input longer than MaxInput.
var ErrTooLarge = errors.New("shell: input too large")

// ErrTooDeep is returned, wrapped, when `sh -c`, eval, heredoc scripts,
// substitutions, find -exec, time or coproc nest deeper than
// Options.MaxDepth, or brackets deeper than MaxNesting.
var ErrTooDeep = errors.New("shell: nesting too deep")

// Reasons in Command.Opaque. Callers may compare against them; the set may grow.
const (
	// OpaqueEval marks eval: its argument is code, parsed only when static.
	OpaqueEval = "eval"
	// OpaqueSource marks source and ".": they run a file in the current shell.
	OpaqueSource = "source"
	// OpaqueStdin marks a shell or interpreter reading its script from a
	// pipe, a file, a heredoc or a here-string.
	OpaqueStdin = "script from stdin"
	// OpaqueDynamicName marks a command whose name is only known at run time.
	OpaqueDynamicName = "dynamic command name"
	// OpaqueDynamicScript marks `sh -c` with a script only known at run time.
	OpaqueDynamicScript = "dynamic shell script"
	// OpaqueInvalidScript marks `sh -c` (or watch) with a script that does
	// not parse; the shell would fail on it, but it is not read either.
	OpaqueInvalidScript = "invalid shell script"
	// OpaqueInlineCode marks interpreter code given on the command line,
	// such as python -c or perl -e.
	OpaqueInlineCode = "inline script"
	// OpaqueSubstScript marks a shell or interpreter running the output of
	// a command as its script: bash <(curl …).
	OpaqueSubstScript = "script from a command"
)

// Options tunes Analyze. The zero value is usable.
type Options struct {
	Dir      string // working directory the line starts in ("" = unknown); used to resolve `cd`
	Home     string // home directory, for `cd ~`; "" = unknown
	Root     string // the repository's top level (git rev-parse --show-toplevel) when Dir is inside it; "" = unknown
	MaxDepth int    // nesting limit for sh -c / substitutions; 0 = default 8. Exceeding it is an error.
}

// Analysis is what a command line runs.
type Analysis struct {
	// Line is the normalized whole line: the top-level simple commands joined
	// by the operators between them (" | ", " && ", " || ", " ; ", " & ";
	// newlines count as " ; "). Each simple command appears as written,
	// wrappers and leading assignments included, its words unquoted and
	// single-spaced, without redirections. Compound commands other than
	// ( ) and { } appear as their source text; a statement made of
	// redirections alone appears as them.
	Line string
	// Commands lists every simple command that may run, in source order; a
	// command comes before the commands nested in its words.
	Commands []Command
}

// Command is one simple command the line may run.
type Command struct {
	// Name is the command name without directory; "" when not statically
	// known (then Dynamic is set), or for a statement made of redirections
	// alone (`> file`), reported so that its Redirects are seen.
	Name    string
	Args    []string // arguments after Name, unquoted; dynamic parts keep their source text
	Text    string   // Name followed by Args, joined by single spaces; a dynamic name contributes its source text
	Path    string   // the command word as written when it contained a '/', else ""
	Dynamic bool     // what runs is not statically known (name or shell script from a variable, $(…), a glob…)
	Opaque  string   // non-empty reason when the command runs code the analysis cannot see
	// Via lists the wrappers and carriers seen through to reach this
	// command, outermost first: a wrapper's name ("sudo", "env", "xargs",
	// "timeout", "time"…), "bash -c" (the shell's name), "eval", "heredoc",
	// "watch", "find -exec" (also -execdir, -ok), "coproc", and "$()" for
	// command and process substitution. Shared between commands: do not modify.
	Via       []string
	Redirects []Redirect // file redirections that apply to this command, its own and inherited from enclosing groups
	// Dir is the directory the command runs in as far as the line shows:
	// Options.Dir adjusted by static `cd`/`pushd` commands before it; "" when unknown.
	Dir string
	// AltDir is where the command runs if a cd before it failed and the
	// line went on (cd build; rm -rf *): its relative paths may be there
	// too. "" when the cd surely succeeded (cd x && …, cd x || exit, set -e).
	AltDir string

	// Facts: what the command touches, as far as the analysis knows the
	// tool (see facts.go). Paths are as written, unquoted, relative to Dir
	// (a dynamic one keeps its source text, such as $HOME/.bashrc); file
	// redirections count. A tool the analysis does not know contributes
	// only the operands that look like paths, as reads.
	Reads   []string
	Writes  []string
	Deletes []string
	URLs    []string // URLs and remote addresses the command contacts
	Hosts   []string // their hosts, lower case, without port or user
	// Code is the program text handed to an interpreter on the line
	// (python -c, node -e, perl -e, ruby -e, or a static heredoc or
	// here-string fed to one); "" otherwise. The analysis scans it for
	// obvious deletes, reads, writes, URLs and shell commands (see code.go).
	Code string
	// CodeRead is true when Code was tokenized by package inline, so that
	// its string literals and comments are data and its facts come from
	// its calls; false when it could not be (the command then stays Opaque).
	CodeRead bool
	// CodeEnv lists the environment variables the code reads ("*": all of them).
	CodeEnv []string
	// CodeObfuscated says what the code hides: eval of a computed string,
	// a decoded string run or used as a name, getattr/__import__/require of
	// a computed name. The command stays Opaque.
	CodeObfuscated []string
	// CodeUnknown says what the code does that only run time knows (a
	// command or address in a variable). The command stays Opaque.
	CodeUnknown []string
	Git         *Git // what a git command does; nil for other commands

	// Dataflow (see dataflow.go). Runs are the files the command runs or
	// loads as code: its own path (./x), the script a shell or interpreter
	// runs, a sourced file, the build or test configuration a tool reads
	// as code (Makefile, package.json, setup.py, conftest.py…), files and
	// directories its environment makes it load (BASH_ENV, LD_PRELOAD,
	// NODE_OPTIONS=--require, PYTHONPATH…) and git -c core.hooksPath. Paths
	// as written, relative to Dir; a trailing "/" is a directory whose
	// contents run; a glob in the last segment (after "/**/" at any depth)
	// is what a tool looks for there.
	Runs []string
	// Preloads are the entries of Runs that are libraries preloaded into
	// the program (LD_PRELOAD, LD_AUDIT, DYLD_INSERT_LIBRARIES).
	Preloads []string
	// Loads are the entries of Runs that a setting or an option makes the
	// program load or run as code rather than the program itself choosing
	// them: files and directories its environment names (BASH_ENV,
	// NODE_OPTIONS=--require, JAVA_TOOL_OPTIONS=-javaagent:, ZDOTDIR,
	// PYTHONPATH, LD_LIBRARY_PATH; PATH is not one), git -c
	// core.hooksPath, and the program and script of a command run from a
	// setting or an option (GIT_EXTERNAL_DIFF=/tmp/x, tar
	// --use-compress-program=/tmp/c). Code nobody reviewed when they lie
	// outside the project.
	Loads []string
	// Downloads are the files (and, with a trailing "/", directories) the
	// command writes with content from the network.
	Downloads []string
	// RunsDownloaded are the entries of Runs that an earlier command on
	// the line downloaded: download-and-execute.
	RunsDownloaded []string
	// Stdin is what the command reads on standard input as far as the
	// line shows (a heredoc, a here-string, a pipe, a file).
	Stdin Input
	// SecretReads names the secrets of a secret store whose values the
	// command prints ("kubernetes secret db-creds"); see kube.go.
	SecretReads []string
	// Remote is where the command runs when the line runs it on another
	// machine, container or pod (remote.go): "kind:place", kind one of
	// ssh, gcloud, ansible, docker-host (a remote Docker daemon), docker,
	// podman, kubectl, oc, compose, multipass, lxc, incus, lima, vagrant
	// (local containers and VMs), mosh, tsh, pssh, salt, fab, ssm (aws ssm
	// send-command), azvm (az vm run-command); place the host, container or pod with the
	// options that name its context ("kubectl:-n prod pg-0"). "" for a
	// command of this machine. Its Reads, Writes, Deletes and Runs are
	// paths there, as written, and its Dir is "".
	Remote string
	// StdinNet: what it reads on standard input comes from the network
	// (curl … |, nc host port |, ssh host cmd |, a descriptor opened on
	// /dev/tcp): a shell or interpreter reading it runs fetched code.
	StdinNet bool
}

// Input is what a command's standard input carries.
type Input struct {
	Fed    bool   // something is fed: a pipe, a file, a heredoc or a here-string
	Text   string // the static text (heredoc, here-string, piped echo/printf, <(echo …)); valid when Static
	Static bool
	File   string // the file redirected (< file) or catted (cat file |) into it, as written; "" otherwise
}

// Redirect is one redirection.
type Redirect struct {
	Op      string // ">", ">>", "<", "&>", ">|", "<>", ">&", "<&", "<<", "<<-", "<<<", "&>>"
	Fd      string // explicit descriptor before the operator ("2" in 2>&1), "" when absent
	Path    string // target word unquoted; heredoc delimiter for "<<"; source text when Dynamic
	Dynamic bool   // the target is not statically known
}

// parser is a reusable bash parser with its input reader.
type parser struct {
	*syntax.Parser
	r strings.Reader
}

func (p *parser) parse(src string) (*syntax.File, error) {
	p.r.Reset(src)
	return p.Parse(&p.r, "")
}

var parsers = sync.Pool{New: func() any {
	return &parser{Parser: syntax.NewParser(syntax.Variant(syntax.LangBash))}
}}

// Analyze parses line and reports every simple command it may run.
// A syntax error returns a non-nil error that includes line:col from the parser.
// Input longer than MaxInput, or nested deeper than Options.MaxDepth, returns
// an error. Analyze never panics; an internal fault is reported as an error.
func Analyze(line string, opts Options) (an *Analysis, err error) {
	if len(line) > MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(line), MaxInput)
	}
	if n := nesting(line); n > MaxNesting {
		// The parser recurses once per level and would overflow the stack,
		// which no recover can catch.
		return nil, fmt.Errorf("%w: brackets nest %d levels, limit %d", ErrTooDeep, n, MaxNesting)
	}
	p := parsers.Get().(*parser)
	defer func() {
		if r := recover(); r != nil {
			// Not returned to the pool: it may be in a broken state.
			an, err = nil, fmt.Errorf("shell: internal error: %v", r)
			return
		}
		parsers.Put(p)
	}()
	f, err := p.parse(line)
	if err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	a := analyzer{parser: p, maxDepth: opts.MaxDepth, dir: opts.Dir, home: cleanDir(opts.Home), root: cleanDir(opts.Root), line: lineWriter{src: line},
		cdpath: strings.Contains(line, "CDPATH")}
	if a.maxDepth <= 0 {
		a.maxDepth = DefaultMaxDepth
	}
	a.dir = cleanDir(a.dir)
	a.stmts(f.Stmts, scope{src: line, top: true})
	if a.err != nil {
		return nil, a.err
	}
	return &Analysis{Line: a.line.String(), Commands: a.cmds}, nil
}

// nesting returns how deep brackets nest in s, ignoring quotes.
func nesting(s string) int {
	depth, deepest := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[', '{':
			depth++
			deepest = max(deepest, depth)
		case ')', ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return deepest
}

// lineWriter builds Analysis.Line. As long as the output matches the input
// it only counts bytes, so a line already in normal form costs nothing.
type lineWriter struct {
	src      string
	n        int // bytes of src matched so far
	b        strings.Builder
	diverged bool
}

func (w *lineWriter) WriteString(s string) {
	if !w.diverged {
		if len(s) <= len(w.src)-w.n && w.src[w.n:w.n+len(s)] == s {
			w.n += len(s)
			return
		}
		w.diverged = true
		w.b.Grow(len(w.src) + 16)
		w.b.WriteString(w.src[:w.n])
	}
	w.b.WriteString(s)
}

func (w *lineWriter) String() string {
	if !w.diverged {
		return w.src[:w.n]
	}
	return w.b.String()
}

type analyzer struct {
	// walkSc and walkFn serve substs without a closure per call: walkFn is
	// built once, walkSc is the scope of the walk in progress.
	walkSc scope
	walkFn func(syntax.Node) bool

	parser    *parser
	maxDepth  int
	cmds      []Command
	strs      []string // see analyzer.strings
	line      lineWriter
	err       error
	dir       string
	home      string
	root      string                 // Options.Root
	failed    cdFail                 // where the shell is if the last cd failed (see Command.AltDir)
	netFDs    map[string]bool        // descriptors opened on /dev/tcp or /dev/udp (exec 3<>/dev/tcp/h/p)
	written   map[string]writtenText // static text written to files on the line (stored.go noteWritten)
	errexit   bool                   // set -e: a failed cd ends the line
	braces    string                 // what "{}" stands for in find -exec facts
	cdpath    bool                   // the line sets CDPATH: a relative cd may go anywhere
	vars      map[string]string      // static values of variables assigned on the line (see expandVar)
	known     map[string]string      // the values every later command surely sees (see expandWord)
	homeValue bool                   // expanding an assignment's value: $HOME is the home directory
	arrays    map[string][]word      // arrays assigned static words (a=(rm -rf x)) that surely hold, for "${a[@]}"
	touched   map[string]bool        // variables the line assigns, reads into or unsets anywhere

	downloads []download // paths written with network content so far (dataflow.go)
	envRuns   []envRun   // runs the line's own assignments and exports put in every later command's environment
	cmdEnv    []envRun   // runs the environment of the command being resolved adds
}

// scope is the context a statement runs in.
type scope struct {
	src    string     // text the current syntax positions refer to
	via    []string   // carriers seen so far
	depth  int        // nesting level of re-parsed scripts and substitutions
	top    bool       // write to Analysis.Line
	stdin  input      // what feeds standard input
	redirs []Redirect // redirections inherited from enclosing compound commands
	cond   bool       // may not run, or runs in a subshell: its assignments are not sure to hold afterwards
	remote string     // where the commands run when not on this machine (Command.Remote)
}

// input describes standard input of a statement.
type input struct {
	fed    bool   // a pipe, file, heredoc or here-string
	pipe   bool   // the script comes from a pipe (echo '…' | sh)
	script string // the static heredoc, here-string or piped text
	static bool   // script is valid
	read   *bool  // set once a shell has read script: later readers find it consumed
	net    bool   // the stream carries content from the network (curl … | tar x)
	file   string // the static file it comes from (< file, cat file |), "" otherwise
	// decoded: script is the output of a decoder (base64 -d, base32 -d):
	// code run from it was hidden from a reader of the line.
	decoded bool
}

func (a *analyzer) write(s string) {
	a.line.WriteString(s)
}

func (a *analyzer) stmts(list []*syntax.Stmt, sc scope) {
	for i, st := range list {
		if a.err != nil {
			return
		}
		if sc.top && i > 0 {
			if list[i-1].Background {
				a.write(" & ")
			} else {
				a.write(" ; ")
			}
		}
		if st.Background {
			// A background job runs in a subshell: its cd does not stick.
			dir, failed := a.dir, a.failed
			bg := sc
			bg.cond = true
			a.stmt(st, bg)
			a.dir, a.failed = dir, failed
		} else {
			a.stmt(st, sc)
		}
	}
	if sc.top && len(list) > 0 && list[len(list)-1].Background {
		a.write(" &")
	}
}

func (a *analyzer) stmt(st *syntax.Stmt, sc scope) {
	if a.err != nil {
		return
	}
	if sc.top && st.Negated {
		a.write("! ")
	}
	var own []Redirect
	if len(st.Redirs) > 0 {
		own = make([]Redirect, 0, len(st.Redirs))
		for _, r := range st.Redirs {
			own = append(own, a.redirect(r, sc.src))
			sc.stdin = stdinFrom(r, sc.stdin, sc.src)
			a.netRedirect(own[len(own)-1], &sc)
		}
	}
	switch cmd := st.Cmd.(type) {
	case nil:
		if sc.top {
			a.write(a.redirectsText(own))
		}
		if len(own) > 0 {
			a.bare(join(sc.redirs, own), sc)
		}
	case *syntax.CallExpr:
		a.call(cmd, join(sc.redirs, own), sc)
	default:
		inner := sc
		if len(own) > 0 {
			inner.redirs = join(sc.redirs, own)
		}
		n := len(a.cmds)
		a.compound(cmd, inner)
		if len(own) > 0 && len(a.cmds) == n {
			a.bare(inner.redirs, sc)
		}
	}
	for _, r := range st.Redirs {
		a.substs(r.Word, sc)
		if r.Hdoc != nil {
			a.substs(r.Hdoc, sc)
		}
	}
}

// bare reports a statement made of redirections only (`> file`), which
// still creates or truncates files.
func (a *analyzer) bare(redirs []Redirect, sc scope) {
	c := Command{Via: sc.via, Redirects: redirs, Dir: a.dir}
	a.facts(&c, nil)
	a.cmds = append(a.cmds, c)
}

func (a *analyzer) redirectsText(rs []Redirect) string {
	var b strings.Builder
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.Fd)
		b.WriteString(r.Op)
		b.WriteByte(' ')
		b.WriteString(r.Path)
	}
	return b.String()
}

func (a *analyzer) compound(cmd syntax.Command, sc scope) {
	top := sc.top
	switch cmd := cmd.(type) {
	case *syntax.BinaryCmd:
		a.binary(cmd, sc)
		return
	case *syntax.Subshell:
		if top {
			a.write("( ")
		}
		dir, failed := a.dir, a.failed
		inner := sc
		inner.cond = true
		a.stmts(cmd.Stmts, inner)
		a.dir, a.failed = dir, failed
		if top {
			a.write(" )")
		}
		return
	case *syntax.Block:
		if top {
			a.write("{ ")
		}
		a.stmts(cmd.Stmts, sc)
		if top {
			a.write(" ; }")
		}
		return
	}
	if top {
		a.write(source(sc.src, cmd))
		sc.top = false
	}
	before := a.dir
	if _, ok := cmd.(*syntax.DeclClause); !ok {
		sc.cond = true // branches, loops, function bodies
	}
	switch cmd := cmd.(type) {
	case *syntax.IfClause:
		for c := cmd; c != nil && a.err == nil; c = c.Else {
			a.stmts(c.Cond, sc)
			a.stmts(c.Then, sc)
		}
	case *syntax.WhileClause:
		a.stmts(cmd.Cond, sc)
		a.stmts(cmd.Do, sc)
	case *syntax.ForClause:
		wi, ok := cmd.Loop.(*syntax.WordIter)
		if ok {
			delete(a.known, wi.Name.Value)
			a.touch(wi.Name.Value)
		}
		a.substs(cmd.Loop, sc)
		if vals, ok := a.loopValues(wi, sc.src); ok {
			// The variable takes each word in turn: the body is read once
			// per value, as it runs.
			name := wi.Name.Value
			for _, v := range vals {
				if a.known == nil {
					a.known = map[string]string{}
				}
				a.known[name] = v
				a.stmts(cmd.Do, sc)
			}
			delete(a.known, name)
			break
		}
		a.stmts(cmd.Do, sc)
	case *syntax.CaseClause:
		a.substs(cmd.Word, sc)
		for _, it := range cmd.Items {
			for _, p := range it.Patterns {
				a.substs(p, sc)
			}
			a.stmts(it.Stmts, sc)
		}
	case *syntax.FuncDecl:
		// The body runs when the function is called, from wherever.
		a.stmt(cmd.Body, sc)
		a.dir = before
	case *syntax.ArithmCmd:
		a.substs(cmd.X, sc)
	case *syntax.TestClause:
		a.substs(cmd.X, sc)
	case *syntax.LetClause:
		args := make([]word, 0, len(cmd.Exprs)+1)
		args = append(args, word{val: "let", static: true})
		for _, e := range cmd.Exprs {
			args = append(args, word{val: source(sc.src, e), static: true})
		}
		a.emit(args, sc.via, sc.redirs, sc, "", false)
		for _, e := range cmd.Exprs {
			a.substs(e, sc)
		}
	case *syntax.DeclClause:
		args := make([]word, 0, len(cmd.Args)+1)
		name := "declare"
		if cmd.Variant != nil {
			name = cmd.Variant.Value
		}
		args = append(args, word{val: name, static: true})
		for _, as := range cmd.Args {
			args = append(args, a.assign(as, sc.src))
			if as.Naked {
				if name != "export" && name != "readonly" && as.Name != nil {
					delete(a.known, as.Name.Value) // declare X, local X: a new, empty variable
					a.touch(as.Name.Value)
				}
			} else {
				a.track([]*syntax.Assign{as}, sc)
			}
		}
		n := len(a.cmds)
		a.emit(args, sc.via, sc.redirs, sc, "", false)
		before := len(a.envRuns)
		a.envRuns = a.envFiles(cmd.Args, sc.src, a.envRuns)
		a.addRuns(n, a.envRuns[before:])
		a.addRuns(n, a.settingCode(cmd.Args, sc.via, sc.redirs, sc))
		for _, as := range cmd.Args {
			a.substs(as, sc)
		}
	case *syntax.TimeClause:
		if cmd.Stmt == nil {
			a.emit([]word{{val: "time", static: true}}, sc.via, sc.redirs, sc, "", false)
			break
		}
		if a.deeper(sc) {
			sc.via, sc.depth = appendVia(sc.via, "time"), sc.depth+1
			a.stmt(cmd.Stmt, sc)
		}
	case *syntax.CoprocClause:
		if a.deeper(sc) {
			sc.via, sc.depth = appendVia(sc.via, "coproc"), sc.depth+1
			first := len(a.cmds)
			a.stmt(cmd.Stmt, sc)
			for i := first; i < len(a.cmds); i++ {
				// coproc sh; echo 'rm -rf ~' >&"${COPROC[1]}": a shell or
				// interpreter as a coprocess runs what the line writes to
				// it afterwards, out of sight of a reader of its words.
				if c := &a.cmds[i]; (isShell(c.Name) || interpreter(c.Name) != nil) && c.Code == "" &&
					!slices.ContainsFunc(c.Args, func(a string) bool { return !strings.HasPrefix(a, "-") }) {
					c.CodeObfuscated = append(c.CodeObfuscated, "a shell run as a coprocess, fed the commands the line writes to it")
				}
			}
		}
		a.dir = before
	case *syntax.TestDecl:
		a.stmt(cmd.Body, sc)
	}
	if a.dir != before {
		// Conditional or repeated bodies: the directory afterwards depends
		// on runtime results.
		a.dir = ""
	}
}

// maxLoopValues bounds how many values of a for loop are followed; a
// longer list leaves the variable unknown.
const maxLoopValues = 16

// loopValues returns the words a for loop's variable takes when the list
// is static (literal words, brace expansions, globs kept as the pattern,
// which stands for the files it matches); false for `for x; do` (the
// positional parameters) and lists only run time knows.
func (a *analyzer) loopValues(wi *syntax.WordIter, src string) ([]string, bool) {
	if wi == nil || wi.Name == nil || !wi.InPos.IsValid() || len(wi.Items) == 0 || len(wi.Items) > maxLoopValues {
		return nil, false
	}
	var vals []string
	for _, w := range wi.Items {
		ew := a.expandWord(w, src)
		ws := []word{ew}
		if ew.brace && braceExpands(w) {
			ws = expandBraces(w, ew, src)
		}
		for _, x := range ws {
			if !x.static || len(vals) >= maxLoopValues {
				return nil, false
			}
			v := x.val
			if tildeLead(w) {
				v = a.tilde(v)
			}
			vals = append(vals, v)
		}
	}
	return vals, true
}

// binary handles a chain of &&, || and pipes. The parser nests them to the
// left, so long chains are walked in a loop rather than by recursion.
func (a *analyzer) binary(cmd *syntax.BinaryCmd, sc scope) {
	var buf [8]*syntax.BinaryCmd
	spine := append(buf[:0], cmd)
	for {
		x := spine[len(spine)-1].X
		b, ok := x.Cmd.(*syntax.BinaryCmd)
		if !ok || len(x.Redirs) > 0 || x.Negated || x.Background || x.Coprocess || x.Disown {
			break
		}
		spine = append(spine, b)
	}
	start, startFailed := a.dir, a.failed
	first := spine[len(spine)-1].X
	n0 := len(a.cmds)
	fsc := sc
	fsc.cond = sc.cond || isPipe(spine[len(spine)-1].Op)
	a.stmt(first, fsc)
	sc.cond = true // the rest may not run, or runs in a subshell
	var out input  // what the last stage writes to a pipe
	if isPipe(spine[len(spine)-1].Op) {
		out = pipeOutput(first, input{}, sc.src)
		out.net = sc.stdin.net || a.networked(n0)
	}
	for i := len(spine) - 1; i >= 0 && a.err == nil; i-- {
		b := spine[i]
		if sc.top {
			a.write(" ")
			a.write(b.Op.String())
			a.write(" ")
		}
		switch b.Op {
		case syntax.Pipe, syntax.PipeAll:
			// Every pipeline element runs in a subshell.
			right := sc
			right.stdin = out
			a.dir, a.failed = start, startFailed
			n := len(a.cmds)
			a.stmt(b.Y, right)
			a.dir, a.failed = start, startFailed
			if i > 0 && isPipe(spine[i-1].Op) {
				out = pipeOutput(b.Y, right.stdin, sc.src)
				out.net = right.stdin.net || a.networked(n)
			}
			continue
		case syntax.OrStmt:
			afterX := a.dir
			if terminates(b.Y) {
				// cd x || exit: the line goes on only where X succeeded.
				a.dir = merge(start, afterX)
				a.stmt(b.Y, sc)
				a.dir, a.failed = afterX, startFailed
				break
			}
			// Y runs only when X failed, so where X left us is uncertain.
			a.dir = merge(start, afterX)
			a.stmt(b.Y, sc)
			a.dir = merge(afterX, a.dir)
		default:
			// Y runs only when X succeeded, its cd included; after the
			// chain, a cd in X may have failed and skipped Y.
			leftFailed := a.failed
			a.failed = startFailed
			n := len(a.cmds)
			a.stmt(b.Y, sc)
			if leftFailed != startFailed && leftFailed.at != "" {
				a.failed = cdFail{at: a.dir, alt: leftFailed.alt}
			}
			if i > 0 && isPipe(spine[i-1].Op) {
				out = pipeOutput(b.Y, input{}, sc.src)
				out.net = a.networked(n)
			}
			continue
		}
		if i > 0 && isPipe(spine[i-1].Op) {
			out = pipeOutput(b.Y, input{}, sc.src)
		}
	}
}

// echoOption reports whether echo takes w as options (-n, -e, -E, -ne…).
func echoOption(w string) bool {
	if len(w) < 2 || w[0] != '-' {
		return false
	}
	for _, c := range w[1:] {
		if c != 'n' && c != 'e' && c != 'E' {
			return false
		}
	}
	return true
}

func isPipe(op syntax.BinCmdOperator) bool { return op == syntax.Pipe || op == syntax.PipeAll }

// pipeOutput returns what a pipeline stage writes to the next one: a
// static text for `echo '…'`, `printf '…'`, `cat` of a static input and
// `base64 -d` of a static input (so `echo cm0gLXJmIC8K | base64 -d | sh`
// is read), else an unknown stream.
func pipeOutput(st *syntax.Stmt, in input, src string) input {
	unknown := input{fed: true, pipe: true}
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || len(call.Args) == 0 || len(call.Args) > 64 {
		return unknown
	}
	// A heredoc or here-string is the command's input (cat <<'EOF' | bash):
	// it is what cat passes on. Any other redirection leaves it unknown.
	for _, r := range st.Redirs {
		switch r.Op {
		case syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc:
			if r.N == nil || r.N.Value == "0" {
				in = stdinFrom(r, in, src)
				continue
			}
		case syntax.RdrOut, syntax.AppOut, syntax.ClbOut:
			if r.N != nil && r.N.Value == "2" {
				continue // stderr: what is piped stays the same
			}
		}
		return unknown
	}
	ws := make([]word, len(call.Args))
	for i, w := range call.Args {
		ws[i] = evalWord(w, src)
		if !ws[i].static {
			return unknown
		}
	}
	// Wrappers change nothing of what is written: nohup echo …, env X=1 printf ….
	var plain analyzer
	for len(ws) > 0 && isWrapper(base(ws[0].val)) && base(ws[0].val) != "xargs" {
		start, split := plain.wrapper(base(ws[0].val), ws)
		if split != nil || start <= 0 || start >= len(ws) {
			return unknown
		}
		ws = ws[start:]
	}
	switch base(ws[0].val) {
	case "echo", "printf", "cat", "base64", "base32":
	case "tr", "rev":
		// A static text rearranged (tr a-y b-z <<< 'ql -qe ~', rev <<<
		// '~ fr- mr'): the output is computed here, and code run from it
		// was hidden from a reader of the line.
		if !in.static {
			return unknown
		}
		if t, ok := transformStatic(ws, in.script); ok {
			return input{fed: true, pipe: true, script: t, static: true, read: new(bool), decoded: true}
		}
		return input{fed: true, pipe: true, decoded: true}
	case "sed", "gsed", "awk", "gawk", "mawk", "perl", "cut", "xxd", "openssl", "iconv", "gunzip", "zcat", "gzip", "xz", "bzip2", "uudecode", "basenc", "recode", "caesar", "rot13":
		// Any other transformation of a static text that the line feeds
		// to a shell or interpreter hides what runs.
		if in.static {
			return input{fed: true, pipe: true, decoded: true}
		}
		return unknown
	case "find":
		// find prints the paths it selects: what a later xargs or read
		// loop is given (`find ~/.aws -type f | xargs cat`).
		return findOutput(ws)
	case "ls":
		// ls -d prints the paths it is given, as the shell expanded them
		// (`ls -d ~/.??* | xargs rm -rf`).
		return lsOutput(ws)
	default:
		return unknown
	}
	text := ""
	switch base(ws[0].val) {
	case "echo":
		args := ws[1:]
		nl := "\n"
		// Only words made of echo's option letters are options; echo
		// prints any other word, dashes and all (`echo -rf ~ | xargs rm`).
		for len(args) > 0 && echoOption(args[0].val) {
			if strings.Contains(args[0].val, "e") {
				return unknown // escapes: left unread
			}
			if strings.Contains(args[0].val, "n") {
				nl = ""
			}
			args = args[1:]
		}
		var b strings.Builder
		for i, w := range args {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(w.val)
		}
		text = b.String() + strings.ReplaceAll(nl, "\\n", "\n")
	case "printf":
		args := make([]string, 0, len(ws)-1)
		for _, w := range ws[1:] {
			args = append(args, w.val)
		}
		t, ok := printfStatic(args)
		if !ok {
			return unknown
		}
		text = t
	case "cat":
		if len(ws) == 2 && !strings.HasPrefix(ws[1].val, "-") {
			return input{fed: true, pipe: true, file: ws[1].val}
		}
		if len(ws) != 1 || !in.static {
			return unknown
		}
		text = in.script
	case "base64", "base32":
		if !in.static || len(ws) != 2 || (ws[1].val != "-d" && ws[1].val != "--decode" && ws[1].val != "-D") {
			return unknown
		}
		clean := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
				return -1
			}
			return r
		}, in.script)
		var dec []byte
		var err error
		if base(ws[0].val) == "base64" {
			dec, err = base64.StdEncoding.DecodeString(clean)
			if err != nil {
				dec, err = base64.RawStdEncoding.DecodeString(clean)
			}
		} else {
			dec, err = base32.StdEncoding.DecodeString(clean)
		}
		if err != nil {
			return unknown
		}
		return input{fed: true, pipe: true, script: string(dec), static: true, read: new(bool), decoded: true}
	default:
		return unknown
	}
	return input{fed: true, pipe: true, script: text, static: true, read: new(bool)}
}

// call handles a simple command.
// trackArray records an array assigned only static words without globs
// (a=(rm -rf /home/dev)), so that "${a[@]}" is those words.
func (a *analyzer) trackArray(name string, arr *syntax.ArrayExpr, src string) {
	if len(arr.Elems) == 0 || len(arr.Elems) > 64 || len(a.arrays) >= 64 {
		return
	}
	ws := make([]word, 0, len(arr.Elems))
	for _, el := range arr.Elems {
		if el.Index != nil || el.Value == nil {
			return
		}
		w := a.expandWord(el.Value, src)
		if !w.static || w.glob || w.brace && braceExpands(el.Value) {
			return
		}
		if tildeLead(el.Value) {
			w.val = a.tilde(w.val)
		}
		ws = append(ws, w)
	}
	if a.arrays == nil {
		a.arrays = map[string][]word{}
	}
	a.arrays[name] = ws
}

// arrayWords returns the words of "${a[@]}" (or ${a[@]}, "${a[*]}" as one
// word is not taken) for an array trackArray recorded.
func (a *analyzer) arrayWords(w *syntax.Word) ([]word, bool) {
	if len(a.arrays) == 0 || len(w.Parts) != 1 {
		return nil, false
	}
	part := w.Parts[0]
	if dq, ok := part.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
		part = dq.Parts[0]
	}
	p, ok := part.(*syntax.ParamExp)
	if !ok || p.Param == nil || p.Exp != nil || p.Excl || p.Length || p.Slice != nil || p.Repl != nil || p.Index == nil {
		return nil, false
	}
	iw, ok := p.Index.(*syntax.Word)
	if !ok || iw.Lit() != "@" {
		return nil, false
	}
	ws, ok := a.arrays[p.Param.Value]
	return ws, ok
}

func (a *analyzer) call(cmd *syntax.CallExpr, redirs []Redirect, sc scope) {
	var buf [8]word
	ws := buf[:0]
	for i, w := range cmd.Args {
		if aw, ok := a.arrayWords(w); ok {
			ws = append(ws, aw...)
			continue
		}
		var ew word
		if i == 0 || len(a.known) == 0 && literal(w) {
			// A command name from a variable is seen through by expandVar.
			ew = evalWord(w, sc.src)
		} else {
			ew = a.expandWord(w, sc.src)
		}
		if ew.brace && braceExpands(w) {
			ws = append(ws, expandBraces(w, ew, sc.src)...)
			continue
		}
		ws = append(ws, ew)
	}
	if sc.top {
		n := 0
		for _, as := range cmd.Assigns {
			if n > 0 {
				a.write(" ")
			}
			a.write(a.assign(as, sc.src).val)
			n++
		}
		for _, w := range ws {
			if n > 0 {
				a.write(" ")
			}
			a.write(w.val)
			n++
		}
	}
	if len(ws) == 0 {
		if len(redirs) > 0 {
			a.bare(redirs, sc)
		}
		a.track(cmd.Assigns, sc)
		// On its own, an assignment sets the variable for the rest of the
		// line (and for every program once exported).
		a.envRuns = a.envFiles(cmd.Assigns, sc.src, a.envRuns)
		a.settingCode(cmd.Assigns, sc.via, redirs, sc)
	} else {
		saved := a.cmdEnv
		a.cmdEnv = a.envFiles(cmd.Assigns, sc.src, saved)
		n := len(a.cmds)
		a.resolve(ws, sc.via, redirs, sc)
		a.dockerHosts(n, cmd.Assigns, sc.src)
		a.cmdEnv = saved
		a.forget(ws)
		a.addRuns(n, a.settingCode(cmd.Assigns, sc.via, redirs, sc))
	}
	for _, as := range cmd.Assigns {
		a.substs(as, sc)
	}
	for _, w := range cmd.Args {
		a.substs(w, sc)
	}
}

// maxBraceWords bounds what one word's brace expansion may add; a word
// that expands to more is kept as written (a dynamic word).
const maxBraceWords = 256

// expandBraces returns the words a brace expansion of w gives ({a,b},
// {1..3}), the way bash expands braces before anything else; ew, w
// unquoted, when the expansion would be larger than maxBraceWords.
func expandBraces(w *syntax.Word, ew word, src string) []word {
	cp := &syntax.Word{Parts: append([]syntax.WordPart(nil), w.Parts...)}
	syntax.SplitBraces(cp)
	var out []word
	for x, err := range expand.BracesSeq(nil, cp) {
		if err != nil || len(out) >= maxBraceWords {
			return []word{ew}
		}
		out = append(out, evalWord(x, src))
	}
	return out
}

// track records the static values of a statement made of assignments
// (`cmd=rm`); a variable assigned a value only known at run time is
// forgotten. Where the assignment sits (a branch, a subshell) is not
// considered: the values only add commands to report, never remove any.
//
// Values sure to hold afterwards (assigned outside branches, subshells and
// the later parts of && and || chains) also go to known, which expandWord
// substitutes into later words.
func (a *analyzer) track(assigns []*syntax.Assign, sc scope) {
	for _, as := range assigns {
		if as.Name == nil {
			continue
		}
		name := as.Name.Value
		a.touch(name)
		if as.Index != nil || as.Array != nil || as.Append {
			delete(a.known, name)
			if as.Array != nil && as.Index == nil && !as.Append && !sc.cond {
				a.trackArray(name, as.Array, sc.src)
			}
			continue
		}
		if a.vars == nil {
			a.vars = map[string]string{}
		}
		val, static := "", true
		if as.Value != nil {
			// In a value, $HOME is the home directory (D=$HOME; rm -rf
			// "$D" deletes it), not a word the policy reads as written.
			a.homeValue = true
			w := a.expandWord(as.Value, sc.src)
			a.homeValue = false
			val, static = w.val, w.static
			if static && tildeLead(as.Value) {
				val = a.tilde(val)
			}
		}
		if static && len(a.vars) < 256 {
			a.vars[name] = val
		} else {
			delete(a.vars, name)
		}
		if static && !sc.cond && len(a.known) < 256 {
			if a.known == nil {
				a.known = map[string]string{}
			}
			a.known[name] = val
		} else {
			delete(a.known, name)
		}
	}
}

// forget drops the known values of the variables a builtin sets from
// input or unsets (read X, mapfile X, getopts o X, printf -v X, unset X).
func (a *analyzer) forget(ws []word) {
	switch ws[0].val {
	case "read", "mapfile", "readarray", "getopts", "unset", "printf", "export", "declare", "typeset", "local", "readonly":
		for _, w := range ws[1:] {
			name, _, _ := strings.Cut(w.val, "=")
			delete(a.known, name)
			a.touch(name)
		}
	}
}

// touch records that the line sets or unsets name, so that its value from
// the environment (HOME, PWD) no longer holds.
func (a *analyzer) touch(name string) {
	if a.touched == nil {
		a.touched = map[string]bool{}
	}
	if len(a.touched) >= 256 {
		name = "" // full: every name counts as touched
	}
	a.touched[name] = true
	delete(a.arrays, name)
}

// tildeLead reports whether w starts with an unquoted ~ that bash expands
// in an assignment value (~ or ~/…).
func tildeLead(w *syntax.Word) bool {
	if len(w.Parts) == 0 {
		return false
	}
	l, ok := w.Parts[0].(*syntax.Lit)
	return ok && (l.Value == "~" || strings.HasPrefix(l.Value, "~/"))
}

// tilde expands a leading ~ to the home directory when it is known; else
// the value keeps it, which the policy reads as the home directory too.
func (a *analyzer) tilde(v string) string {
	if a.home == "" {
		return v
	}
	if v == "~" {
		return a.home
	}
	if rest, ok := strings.CutPrefix(v, "~/"); ok {
		return path.Join(a.home, rest)
	}
	return v
}

// expandWord is evalWord with what the line itself determines filled in: a
// parameter ($X, ${X}) an earlier assignment surely set to a static value,
// and a command substitution whose output is static ($(echo …),
// $(printf …)). An unquoted value holding blanks is left as written: it
// would be split into several words.
func (a *analyzer) expandWord(w *syntax.Word, src string) word {
	if literal(w) {
		return evalWord(w, src)
	}
	return evalWordWith(w, src, func(p syntax.WordPart, quoted bool) (string, bool) {
		v, ok := a.partValue(p, src)
		if !ok || !quoted && strings.ContainsAny(v, " \t\n") {
			return "", false
		}
		return v, true
	})
}

// partValue returns the value of a parameter or command substitution the
// line determines.
func (a *analyzer) partValue(p syntax.WordPart, src string) (string, bool) {
	switch p := p.(type) {
	case *syntax.ParamExp:
		if p.Param == nil || p.Excl || p.Length || p.Width || p.Index != nil || p.Slice != nil || p.Repl != nil || p.Names != 0 {
			return "", false
		}
		if p.Exp == nil {
			if p.Param.Value == "HOME" && !a.homeValue {
				// Plain $HOME stays as written: the policy reads it as the home directory.
				v, ok := a.known["HOME"]
				return v, ok
			}
			return a.paramValue(p.Param.Value)
		}
		return a.expansionValue(p, src)
	case *syntax.CmdSubst:
		if len(p.Stmts) != 1 {
			return "", false
		}
		out, ok := a.substOutput(p.Stmts[0], src)
		if !ok {
			return "", false
		}
		// The shell drops the trailing newlines of the output.
		return strings.TrimRight(out, "\n"), true
	}
	return "", false
}

// paramValue returns the value of variable name as the line determines
// it: an assignment that surely holds, else, for a variable the line
// never assigns, HOME (Options.Home) and PWD (the directory the command
// runs in, which cd keeps up to date).
func (a *analyzer) paramValue(name string) (string, bool) {
	if v, ok := a.known[name]; ok {
		return v, true
	}
	if a.touched[name] || a.touched[""] {
		return "", false
	}
	switch name {
	case "HOME":
		return a.home, a.home != ""
	case "PWD":
		return a.dir, a.dir != ""
	}
	return "", false
}

// expansionValue returns the value of ${X-d}, ${X:-d}, ${X=d}, ${X:=d},
// ${X?m}, ${X:?m}, ${X+a} and ${X:+a} of a variable whose value the line
// determines (a known variable is set). ${X:?} of an empty X stops the
// command, which then has no value.
func (a *analyzer) expansionValue(p *syntax.ParamExp, src string) (string, bool) {
	v, ok := a.paramValue(p.Param.Value)
	if !ok {
		return "", false
	}
	alt := func() (string, bool) {
		if p.Exp.Word == nil {
			return "", true
		}
		w := a.expandWord(p.Exp.Word, src)
		return w.val, w.static
	}
	switch p.Exp.Op {
	case syntax.DefaultUnset, syntax.AssignUnset, syntax.ErrorUnset:
		return v, true
	case syntax.DefaultUnsetOrNull, syntax.AssignUnsetOrNull:
		if v != "" {
			return v, true
		}
		return alt()
	case syntax.ErrorUnsetOrNull:
		return v, v != ""
	case syntax.AlternateUnset:
		return alt()
	case syntax.AlternateUnsetOrNull:
		if v == "" {
			return "", true
		}
		return alt()
	case syntax.RemSmallSuffix, syntax.RemLargeSuffix, syntax.RemSmallPrefix, syntax.RemLargePrefix:
		// ${HOME%/}, ${HOME#}: a pattern without glob characters removes
		// itself, if present, whichever the length.
		pat := ""
		if p.Exp.Word != nil {
			w := a.expandWord(p.Exp.Word, src)
			if !w.static || w.glob || strings.ContainsAny(w.val, "*?[\\") {
				return "", false
			}
			pat = w.val
		}
		if p.Exp.Op == syntax.RemSmallSuffix || p.Exp.Op == syntax.RemLargeSuffix {
			return strings.TrimSuffix(v, pat), true
		}
		return strings.TrimPrefix(v, pat), true
	}
	return "", false
}

// substOutput returns the static output of a command substitution's
// statement: what pipeOutput reads, along a pipeline ($(echo … | base64
// -d)), and dirname and basename of static operands ($(dirname "$PWD")).
// canonicalOutput is the output of `readlink -f|-e|-m X` or `realpath
// [-e|-m|-s|-q|-L|-P] X`: X itself, to be resolved as a path.
func (a *analyzer) canonicalOutput(name string, args []*syntax.Word, src string) (string, bool) {
	canon := name == "realpath"
	var operand string
	n := 0
	for _, w := range args {
		ew := a.expandWord(w, src)
		if !ew.static || ew.glob {
			return "", false
		}
		switch v := ew.val; {
		case v == "-f" || v == "-e" || v == "-m" || v == "--canonicalize" || v == "--canonicalize-existing" || v == "--canonicalize-missing":
			canon = true
		case name == "realpath" && (v == "-s" || v == "-q" || v == "-L" || v == "-P" || v == "--no-symlinks" || v == "--quiet"):
		case v == "-n" || v == "-z" || v == "-q" || v == "-s" || v == "--":
		case strings.HasPrefix(v, "-"):
			return "", false
		default:
			operand = v
			if tildeLead(w) {
				operand = a.tilde(v) // the path the shell gave it, which it prints absolute
			}
			n++
		}
	}
	if !canon || n != 1 || operand == "" {
		return "", false
	}
	return operand + "\n", true
}

func (a *analyzer) substOutput(st *syntax.Stmt, src string) (string, bool) {
	if b, ok := st.Cmd.(*syntax.BinaryCmd); ok && b.Op == syntax.Pipe && len(st.Redirs) == 0 {
		var stages []*syntax.Stmt
		for {
			stages = append(stages, b.Y)
			x, ok := b.X.Cmd.(*syntax.BinaryCmd)
			if !ok || x.Op != syntax.Pipe || len(b.X.Redirs) > 0 {
				stages = append(stages, b.X)
				break
			}
			b = x
		}
		in := input{}
		for i := len(stages) - 1; i >= 0; i-- {
			in = pipeOutput(stages[i], in, src)
			if !in.static {
				return "", false
			}
		}
		return in.script, true
	}
	if call, ok := st.Cmd.(*syntax.CallExpr); ok && len(st.Redirs) == 0 && len(call.Assigns) == 0 && len(call.Args) >= 2 && len(call.Args) <= 32 && call.Args[0].Lit() == "find" {
		// $(find ~/.aws -name credentials): the paths find selects.
		ws := make([]word, len(call.Args))
		for i, w := range call.Args {
			if ws[i] = a.expandWord(w, src); !ws[i].static {
				return "", false
			}
			if tildeLead(w) {
				ws[i].val = a.tilde(ws[i].val) // find prints the path the shell gave it
			}
		}
		if out := findOutput(ws); out.static {
			return out.script, true
		}
		return "", false
	}
	if b, ok := st.Cmd.(*syntax.BinaryCmd); ok && b.Op == syntax.AndStmt && len(st.Redirs) == 0 {
		// $(cd DIR && pwd): the directory DIR names.
		if y, ok := b.Y.Cmd.(*syntax.CallExpr); ok && len(y.Args) == 1 && y.Args[0].Lit() == "pwd" && len(b.Y.Redirs) == 0 {
			if x, ok := b.X.Cmd.(*syntax.CallExpr); ok && len(x.Args) <= 2 && len(x.Args) >= 1 && x.Args[0].Lit() == "cd" && len(b.X.Redirs) == 0 {
				if d, ok := a.cdTarget(x.Args[1:], src); ok {
					return d + "\n", true
				}
			}
		}
	}
	if call, ok := st.Cmd.(*syntax.CallExpr); ok && len(st.Redirs) == 0 && len(call.Assigns) == 0 && len(call.Args) == 3 &&
		call.Args[0].Lit() == "git" && call.Args[1].Lit() == "rev-parse" && a.root != "" && a.dir != "" && (a.dir == a.root || under(a.dir, a.root)) {
		// The repository the line runs in: the project's, when the
		// working directory is inside it.
		switch call.Args[2].Lit() {
		case "--show-toplevel":
			return a.root + "\n", true
		case "--git-dir", "--absolute-git-dir", "--git-common-dir":
			return a.root + "/.git\n", true
		}
	}
	if call, ok := st.Cmd.(*syntax.CallExpr); ok && len(st.Redirs) == 0 && len(call.Assigns) == 0 && len(call.Args) >= 2 && len(call.Args) <= 4 {
		switch name := call.Args[0].Lit(); name {
		case "readlink", "realpath":
			// $(readlink -f X), $(realpath X): the path X names, with its
			// links resolved, which the policy does itself (a plain
			// readlink prints a link's target: not read).
			return a.canonicalOutput(name, call.Args[1:], src)
		case "dirname", "basename":
			args := make([]string, 0, len(call.Args)-1)
			for i, w := range call.Args[1:] {
				ew := a.expandWord(w, src)
				if !ew.static || ew.glob {
					return "", false
				}
				if i == 0 && ew.val == "--" {
					continue
				}
				if strings.HasPrefix(ew.val, "-") && len(args) == 0 {
					return "", false // options: not read
				}
				args = append(args, ew.val)
			}
			if name == "dirname" && len(args) == 1 {
				return dirname(args[0]) + "\n", true
			}
			if name == "basename" && (len(args) == 1 || len(args) == 2) {
				suffix := ""
				if len(args) == 2 {
					suffix = args[1]
				}
				return basename(args[0], suffix) + "\n", true
			}
			return "", false
		}
	}
	if call, ok := st.Cmd.(*syntax.CallExpr); ok && len(st.Redirs) == 0 && len(call.Assigns) == 0 && len(call.Args) >= 2 && len(call.Args) <= 32 && call.Args[0].Lit() == "echo" {
		// $(echo ~), `echo ~/x`: the shell expands the tilde before echo
		// prints it.
		tilde := false
		vals := make([]string, 0, len(call.Args)-1)
		for _, w := range call.Args[1:] {
			ew := a.expandWord(w, src)
			if !ew.static || ew.glob || strings.HasPrefix(ew.val, "-") || strings.Contains(ew.val, "\\") {
				tilde = false
				break
			}
			if tildeLead(w) {
				ew.val, tilde = a.tilde(ew.val), true
			}
			vals = append(vals, ew.val)
		}
		if tilde {
			return strings.Join(vals, " ") + "\n", true
		}
	}
	out := pipeOutput(st, input{}, src)
	return out.script, out.static
}

// dirname is POSIX dirname(1) of s.
func dirname(s string) string {
	t := strings.TrimRight(s, "/")
	if t == "" {
		if s == "" {
			return "."
		}
		return "/"
	}
	i := strings.LastIndexByte(t, '/')
	if i < 0 {
		return "."
	}
	d := strings.TrimRight(t[:i], "/")
	if d == "" {
		return "/"
	}
	return d
}

// basename is POSIX basename(1) of s with suffix removed.
func basename(s, suffix string) string {
	t := strings.TrimRight(s, "/")
	if t == "" {
		if s == "" {
			return ""
		}
		return "/"
	}
	t = t[strings.LastIndexByte(t, '/')+1:]
	if suffix != "" && suffix != t {
		t = strings.TrimSuffix(t, suffix)
	}
	return t
}

// assign renders NAME=value as a word.
func (a *analyzer) assign(as *syntax.Assign, src string) word {
	if as.Name == nil || as.Index != nil || as.Array != nil {
		return word{val: source(src, as), static: true}
	}
	if as.Naked {
		return word{val: as.Name.Value, static: true}
	}
	op := "="
	if as.Append {
		op = "+="
	}
	if as.Value == nil {
		return word{val: as.Name.Value + op, static: true}
	}
	v := evalWord(as.Value, src)
	v.val = as.Name.Value + op + v.val
	return v
}

func (a *analyzer) redirect(r *syntax.Redirect, src string) Redirect {
	out := Redirect{Op: r.Op.String()}
	if r.N != nil {
		out.Fd = r.N.Value
	}
	if r.Word != nil && len(r.Word.Parts) > 0 {
		w := a.expandWord(r.Word, src)
		out.Path, out.Dynamic = w.val, !w.static
	}
	return out
}

// stdinFrom updates in for redirection r.
func stdinFrom(r *syntax.Redirect, in input, src string) input {
	if r.N != nil && r.N.Value != "0" {
		return in
	}
	switch r.Op {
	case syntax.RdrIn:
		if r.Word != nil && len(r.Word.Parts) == 1 {
			if ps, ok := r.Word.Parts[0].(*syntax.ProcSubst); ok && ps.Op == syntax.CmdIn && len(ps.Stmts) == 1 {
				// < <(echo '…'): the substitution's static output.
				if out := pipeOutput(ps.Stmts[0], input{}, src); out.static {
					out.pipe = false
					return out
				}
				return input{fed: true}
			}
		}
		if r.Word != nil && len(r.Word.Parts) > 0 {
			if w := evalWord(r.Word, src); w.static {
				return input{fed: true, file: w.val}
			}
		}
		return input{fed: true}
	case syntax.RdrInOut, syntax.DplIn:
		return input{fed: true}
	case syntax.Hdoc, syntax.DashHdoc:
		body, ok := heredocBody(r)
		return input{fed: true, script: body, static: ok, read: new(bool)}
	case syntax.WordHdoc:
		if r.Word == nil || len(r.Word.Parts) == 0 {
			return input{fed: true}
		}
		w := evalWord(r.Word, src)
		return input{fed: true, script: w.val + "\n", static: w.static, read: new(bool)}
	}
	return in
}

// substs reports the commands inside $(…), `…`, <(…) and >(…) anywhere
// under node, which must not be a statement list.
func (a *analyzer) substs(node syntax.Node, sc scope) {
	if node == nil || a.err != nil {
		return
	}
	if w, ok := node.(*syntax.Word); ok && literal(w) {
		return // the common case: nothing to walk
	}
	if a.walkFn == nil {
		a.walkFn = a.walkSubst
	}
	outer := a.walkSc
	a.walkSc = sc
	syntax.Walk(node, a.walkFn)
	a.walkSc = outer
}

// walkSubst is substs' visitor; a.walkSc is the scope it walks in, kept
// across the nested walks a substitution's statements make.
func (a *analyzer) walkSubst(n syntax.Node) bool {
	if a.err != nil {
		return false
	}
	sc := a.walkSc
	switch n := n.(type) {
	case *syntax.CmdSubst:
		a.subst(n.Stmts, sc)
		a.walkSc = sc
		return false
	case *syntax.ProcSubst:
		a.subst(n.Stmts, sc)
		a.walkSc = sc
		return false
	}
	return true
}

func (a *analyzer) subst(list []*syntax.Stmt, sc scope) {
	if !a.deeper(sc) {
		return
	}
	inner := scope{src: sc.src, via: appendVia(sc.via, "$()"), depth: sc.depth + 1, stdin: sc.stdin, cond: true, remote: sc.remote}
	dir, failed := a.dir, a.failed
	a.stmts(list, inner)
	a.dir, a.failed = dir, failed
}

// deeper reports whether one more nesting level is allowed, recording
// ErrTooDeep otherwise.
func (a *analyzer) deeper(sc scope) bool {
	if sc.depth+1 > a.maxDepth {
		if a.err == nil {
			a.err = fmt.Errorf("%w: more than %d levels", ErrTooDeep, a.maxDepth)
		}
		return false
	}
	return true
}

// nested parses script and reports its commands. It returns false when
// script is not valid shell.
func (a *analyzer) nested(script string, via []string, redirs []Redirect, sc scope, stdin input, keepDir bool) bool {
	if !a.deeper(sc) {
		return true
	}
	if n := nesting(script); n > MaxNesting {
		// Escapes ($'\x28') can build deeper brackets than the line shows.
		if a.err == nil {
			a.err = fmt.Errorf("%w: brackets nest %d levels, limit %d", ErrTooDeep, n, MaxNesting)
		}
		return true
	}
	f, err := a.parser.parse(script)
	if err != nil {
		return false
	}
	inner := scope{src: script, via: via, depth: sc.depth + 1, stdin: stdin, redirs: redirs, cond: true, remote: sc.remote}
	dir, failed := a.dir, a.failed
	a.stmts(f.Stmts, inner)
	if !keepDir {
		a.dir, a.failed = dir, failed
	}
	return true
}

// emit records a command made of ws, ws[0] being its name.
func (a *analyzer) emit(ws []word, via []string, redirs []Redirect, sc scope, opaque string, dynamic bool) {
	c := Command{Via: via, Redirects: redirs, Opaque: opaque, Dir: a.dir, AltDir: a.altDir(),
		Stdin:  Input{Fed: sc.stdin.fed, Text: sc.stdin.script, Static: sc.stdin.static, File: sc.stdin.file},
		Remote: sc.remote, StdinNet: sc.stdin.fed && sc.stdin.net}
	if sc.remote != "" {
		c.Dir, c.AltDir = "", ""
	}
	name := ws[0]
	c.Dynamic = dynamic || !name.static
	head := name.val
	if name.static {
		c.Name = base(name.val)
		head = c.Name
		if strings.IndexByte(name.val, '/') >= 0 {
			c.Path = name.val
		}
	}
	c.Text = head
	if len(ws) > 1 {
		c.Args = a.strings(len(ws) - 1)
		n := len(head) + len(ws) - 1
		for i, w := range ws[1:] {
			c.Args[i] = w.val
			n += len(w.val)
		}
		if t, ok := plainText(ws, sc.src); ok && c.Path == "" {
			c.Text = t
		} else {
			var b strings.Builder
			b.Grow(n)
			b.WriteString(head)
			for _, arg := range c.Args {
				b.WriteByte(' ')
				b.WriteString(arg)
			}
			c.Text = b.String()
		}
	}
	a.facts(&c, ws)
	a.flow(&c, ws, sc)
	if a.cmds == nil {
		a.cmds = make([]Command, 0, 4)
	}
	a.cmds = append(a.cmds, c)
	switch c.Name {
	case "cd", "pushd", "popd":
		before := a.dir
		a.chdir(c, ws[1:], len(sc.via))
		if before != "" && a.dir != "" && a.dir != before && !a.errexit {
			a.failed = cdFail{at: a.dir, alt: before}
		}
	case "set":
		if len(sc.via) == 0 && errexit(c.Args) {
			a.errexit = true
		}
	}
}

// strings returns a slice of n strings carved from a shared block, saving
// an allocation per command. Its capacity is n, so appending to it copies.
func (a *analyzer) strings(n int) []string {
	if n > 16 {
		return make([]string, n)
	}
	if len(a.strs) < n {
		a.strs = make([]string, 16)
	}
	s := a.strs[:n:n]
	a.strs = a.strs[n:]
	return s
}

// plainText returns the source text of ws when it is exactly the words
// separated by single spaces, which saves building Text.
func plainText(ws []word, src string) (string, bool) {
	start, end := -1, -1
	for _, w := range ws {
		if !w.plain || w.node == nil {
			return "", false
		}
		p, e := w.node.Pos(), w.node.End()
		if !p.IsValid() || !e.IsValid() {
			return "", false
		}
		s, t := int(p.Offset()), int(e.Offset())
		if s > t || t > len(src) || src[s:t] != w.val {
			return "", false
		}
		if start < 0 {
			start = s
		} else if s != end+1 || src[end] != ' ' {
			return "", false
		}
		end = t
	}
	return src[start:end], true
}

// chdir follows a cd in the current shell.
func (a *analyzer) chdir(c Command, args []word, inherited int) {
	for _, v := range c.Via[min(inherited, len(c.Via)):] {
		if v != "builtin" && v != "command" {
			return // not the current shell
		}
	}
	if c.Name == "popd" {
		a.dir = ""
		return
	}
	a.dir = a.cdDest(args)
}

// cdDest returns the directory `cd ARGS` goes to from the current one, ""
// when only run time knows it (a variable, -, a glob, CDPATH).
func (a *analyzer) cdDest(args []word) string {
	for len(args) > 0 && args[0].static && len(args[0].val) > 1 && args[0].val[0] == '-' {
		if args[0].val == "--" {
			args = args[1:]
			break
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return a.home // a bare cd goes home
	}
	if !args[0].static && !isHomeVar(args[0].val) {
		return ""
	}
	d := args[0].val
	switch {
	case (d == "~" || strings.HasPrefix(d, "~/")) && a.home != "":
		return path.Join(a.home, d[1:])
	case (d == "$HOME" || strings.HasPrefix(d, "$HOME/")) && a.home != "":
		return path.Join(a.home, d[5:])
	case d == "" || d == "-" || d[0] == '~' || d[0] == '+' || !args[0].static || strings.ContainsAny(d, "*?["):
		return ""
	case d[0] == '/':
		return path.Clean(d)
	case a.cdpath && d != "." && d != ".." && !strings.HasPrefix(d, "./") && !strings.HasPrefix(d, "../"):
		return "" // CDPATH decides where it goes
	case a.dir != "":
		return path.Join(a.dir, d)
	}
	return ""
}

// cdFail is the directory the shell stays in if a cd fails (alt), valid
// while the line is where the cd would have gone (at).
type cdFail struct{ at, alt string }

// altDir returns the directory a command runs in if the last cd failed,
// when that is not where the line is; "" otherwise.
func (a *analyzer) altDir() string {
	if f := a.failed; f.at != "" && f.at == a.dir && f.alt != a.dir {
		return f.alt
	}
	return ""
}

// terminates reports whether st surely ends the shell: exit, or a group
// ending with exit (cd x || { echo no; exit 1; }).
func terminates(st *syntax.Stmt) bool {
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		return len(c.Args) > 0 && c.Args[0].Lit() == "exit"
	case *syntax.Block:
		return len(c.Stmts) > 0 && terminates(c.Stmts[len(c.Stmts)-1])
	}
	return false
}

// errexit reports whether set's arguments turn on -e.
func errexit(args []string) bool {
	for i, v := range args {
		switch {
		case v == "-o" && i+1 < len(args) && args[i+1] == "errexit":
			return true
		case len(v) > 1 && v[0] == '-' && v[1] != '-' && v != "-o" && strings.IndexByte(v, 'e') > 0:
			return true
		}
	}
	return false
}

// isHomeVar reports whether a dynamic cd operand is only $HOME, optionally
// followed by a static path.
func isHomeVar(s string) bool {
	rest, ok := strings.CutPrefix(s, "$HOME")
	return ok && (rest == "" || rest[0] == '/') && !strings.ContainsAny(rest, "$`")
}

func cleanDir(d string) string {
	if d == "" {
		return ""
	}
	return path.Clean(d)
}

func merge(x, y string) string {
	if x == y {
		return x
	}
	return ""
}

// base strips the directory from a command word.
func base(s string) string {
	i := strings.LastIndexByte(s, '/')
	if i < 0 || i == len(s)-1 {
		return s
	}
	return s[i+1:]
}

// join returns x followed by y, reusing either when the other is empty.
func join(x, y []Redirect) []Redirect {
	if len(x) == 0 {
		return y
	}
	if len(y) == 0 {
		return x
	}
	out := make([]Redirect, 0, len(x)+len(y))
	return append(append(out, x...), y...)
}

// appendVia returns via plus s in a new array, so slices shared between
// commands never alias.
func appendVia(via []string, s string) []string {
	out := make([]string, len(via)+1)
	copy(out, via)
	out[len(via)] = s
	return out
}

// source returns the text of n in src, or "" when positions are unusable.
func source(src string, n syntax.Node) string {
	if n == nil {
		return ""
	}
	start, end := n.Pos(), n.End()
	if !start.IsValid() || !end.IsValid() {
		return ""
	}
	s, e := start.Offset(), end.Offset()
	if s > e || e > uint(len(src)) {
		return ""
	}
	return src[s:e]
}

// transformStatic computes what tr (with plain sets: characters, ranges,
// -d) or rev writes for text; ok is false for what it does not model.
func transformStatic(ws []word, text string) (string, bool) {
	if len(text) > 1<<16 || !utf8.ValidString(text) {
		return "", false // tr and rev work on bytes; a text that is not UTF-8 is left unread (still obfuscation)
	}
	switch base(ws[0].val) {
	case "rev":
		if len(ws) != 1 {
			return "", false
		}
		lines := strings.Split(text, "\n")
		for i, l := range lines {
			r := []rune(l)
			for a, b := 0, len(r)-1; a < b; a, b = a+1, b-1 {
				r[a], r[b] = r[b], r[a]
			}
			lines[i] = string(r)
		}
		return strings.Join(lines, "\n"), true
	case "tr":
		args := ws[1:]
		del := false
		if len(args) > 0 && args[0].val == "-d" {
			del, args = true, args[1:]
		}
		if del && len(args) == 1 {
			set, ok := trSet(args[0].val)
			if !ok {
				return "", false
			}
			return strings.Map(func(r rune) rune {
				if strings.ContainsRune(set, r) {
					return -1
				}
				return r
			}, text), true
		}
		if del || len(args) != 2 {
			return "", false
		}
		from, ok1 := trSet(args[0].val)
		to, ok2 := trSet(args[1].val)
		if !ok1 || !ok2 || to == "" {
			return "", false
		}
		fr, tr := []rune(from), []rune(to)
		m := make(map[rune]rune, len(fr))
		for i, r := range fr {
			j := min(i, len(tr)-1)
			m[r] = tr[j]
		}
		return strings.Map(func(r rune) rune {
			if t, ok := m[r]; ok {
				return t
			}
			return r
		}, text), true
	}
	return "", false
}

// trSet expands a tr set of characters and ranges (a-z); classes
// ([:alpha:]), escapes and repeats are not modelled.
func trSet(s string) (string, bool) {
	if strings.ContainsAny(s, "[\\") || len(s) > 256 || strings.HasPrefix(s, "-") {
		return "", false
	}
	r := []rune(s)
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		if i+2 < len(r) && r[i+1] == '-' {
			if r[i+2] < r[i] || r[i+2]-r[i] > 256 {
				return "", false
			}
			for c := r[i]; c <= r[i+2]; c++ {
				b.WriteRune(c)
			}
			i += 2
			continue
		}
		b.WriteRune(r[i])
	}
	return b.String(), true
}

// cdTarget returns the directory `cd ARGS` goes to, as chdir follows it.
func (a *analyzer) cdTarget(args []*syntax.Word, src string) (string, bool) {
	ws := make([]word, len(args))
	for i, w := range args {
		ws[i] = a.expandWord(w, src)
	}
	d := a.cdDest(ws)
	return d, d != ""
}

// lsOutput is what `ls -d PATHS` prints: the paths; any other ls prints
// names only run time knows.
func lsOutput(ws []word) input {
	dirs := false
	var paths []string
	for _, w := range ws[1:] {
		switch v := w.val; {
		case v == "--directory" || strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--") && strings.Trim(v[1:], "d1aAFp") == "" && len(v) > 1:
			dirs = dirs || strings.ContainsRune(v, 'd') || v == "--directory"
		case strings.HasPrefix(v, "-"):
			return input{fed: true, pipe: true}
		default:
			paths = append(paths, v)
		}
	}
	if !dirs || len(paths) == 0 || len(paths) > 64 {
		return input{fed: true, pipe: true}
	}
	return input{fed: true, pipe: true, script: strings.Join(paths, "\n") + "\n", static: true, read: new(bool)}
}

// dockerHosts marks the docker and podman commands from n on that talk to
// a daemon on another machine (-H/--host, DOCKER_HOST or CONTAINER_HOST
// in front of the command or known for the line) as run there: what they
// remove or prune is the remote's.
func (a *analyzer) dockerHosts(n int, assigns []*syntax.Assign, src string) {
	for i := n; i < len(a.cmds); i++ {
		c := &a.cmds[i]
		if c.Remote != "" || c.Name != "docker" && c.Name != "podman" {
			continue
		}
		host := a.known["DOCKER_HOST"]
		if c.Name == "podman" {
			host = a.known["CONTAINER_HOST"]
		}
		for _, as := range assigns {
			if as.Name != nil && as.Value != nil && (as.Name.Value == "DOCKER_HOST" || as.Name.Value == "CONTAINER_HOST") {
				host = evalWord(as.Value, src).val
			}
		}
		for j, x := range c.Args {
			if k, v, ok := strings.Cut(x, "="); ok && (k == "-H" || k == "--host") {
				host = v
			} else if (x == "-H" || x == "--host") && j+1 < len(c.Args) {
				host = c.Args[j+1]
			} else if !strings.HasPrefix(x, "-") {
				break
			}
		}
		if host != "" && strings.Contains(host, "://") && !localDockerHost(host) {
			c.Remote = "docker-host:" + host
		}
	}
}
