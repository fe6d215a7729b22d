package policy

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"

	"github.com/cavra-dev/cavra/decision"
)

// Limits on CEL rules.
const (
	// RuleCostLimit caps the CEL cost of evaluating one rule; a rule that
	// exceeds it fails, and a failing rule blocks.
	RuleCostLimit = 1_000_000
	ruleInterrupt = 64 // comprehension iterations between context checks
)

// celEnv is the one CEL environment every rule compiles in. Building it costs
// about half a millisecond, so it is built once per process.
var celEnv = sync.OnceValues(newCELEnv)

func newCELEnv() (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.OptionalTypes(),
		ext.Strings(),
		ext.Lists(),
		ext.Sets(),
		ext.Regex(),
		cel.ParserExpressionSizeLimit(65536),
		cel.ParserRecursionLimit(200),
		cel.ASTValidators(cel.ValidateRegexLiterals(), cel.ValidateComprehensionNestingLimit(3)),
		cel.Function("glob",
			cel.MemberOverload("string_glob_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(celGlob))),
		cel.Function("under",
			cel.MemberOverload("string_under_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(celUnder))),
		cel.Function("wildcard",
			cel.MemberOverload("string_wildcard_string", []*cel.Type{cel.StringType, cel.StringType}, cel.BoolType,
				cel.BinaryBinding(celWildcard))),
		// The object types of fields.go, over the environment's own types;
		// last, so that the options above register theirs first.
		func(e *cel.Env) (*cel.Env, error) { return cel.CustomTypeProvider(newCELTypes(e.CELTypeProvider()))(e) },
		cel.ASTValidators(noObjectLiterals{}),
	}
	for _, v := range celVariables {
		opts = append(opts, cel.Variable(v.name, v.typ))
	}
	return cel.NewEnv(opts...)
}

// globCache keeps compiled patterns used from CEL; patterns come from packs,
// so the set is small and bounded by the policy.
var globCache sync.Map // string -> *pathGlob or error

func cachedPathGlob(p string) (*pathGlob, error) {
	if v, ok := globCache.Load(p); ok {
		if g, ok := v.(*pathGlob); ok {
			return g, nil
		}
		return nil, v.(error)
	}
	g, err := compilePathGlob(p)
	if err != nil {
		globCache.Store(p, err)
		return nil, err
	}
	globCache.Store(p, &g)
	return &g, nil
}

// celGlob: path.glob(pattern) with CAVRA's segment-aware glob semantics.
func celGlob(lhs, rhs ref.Val) ref.Val {
	s, ok1 := lhs.(types.String)
	p, ok2 := rhs.(types.String)
	if !ok1 || !ok2 {
		return types.MaybeNoSuchOverloadErr(lhs)
	}
	g, err := cachedPathGlob(string(p))
	if err != nil {
		return types.WrapErr(err)
	}
	rp := strings.TrimPrefix(cleanDir(string(s)), "/")
	return types.Bool(g.match(rp))
}

// celUnder: path.under(dir) is true when path is dir or inside it.
func celUnder(lhs, rhs ref.Val) ref.Val {
	s, ok1 := lhs.(types.String)
	d, ok2 := rhs.(types.String)
	if !ok1 || !ok2 {
		return types.MaybeNoSuchOverloadErr(lhs)
	}
	p, dir := cleanDir(string(s)), cleanDir(string(d))
	if dir == "." || dir == "" {
		return types.Bool(!strings.HasPrefix(p, "/") && p != ".." && !strings.HasPrefix(p, "../"))
	}
	if strings.HasPrefix(p, "/") != strings.HasPrefix(dir, "/") {
		return types.False // a relative path is never under an absolute directory, nor the reverse
	}
	_, ok := within(dir, p)
	return types.Bool(ok)
}

// celWildcard: text.wildcard(pattern) with the command pattern semantics of
// the commands lists (`*` matches any run of characters).
func celWildcard(lhs, rhs ref.Val) ref.Val {
	s, ok1 := lhs.(types.String)
	p, ok2 := rhs.(types.String)
	if !ok1 || !ok2 {
		return types.MaybeNoSuchOverloadErr(lhs)
	}
	g, err := compileCmdGlob(string(p))
	if err != nil {
		return types.WrapErr(err)
	}
	return types.Bool(g.match(strings.Join(strings.Fields(string(s)), " ")))
}

// compiledRule is a CEL rule ready to run.
type compiledRule struct {
	Rule
	pack     string
	decision decision.Outcome
	severity decision.Severity
	prg      cel.Program
	types    []decision.ActionType // the rule can only fire for these; nil = any
	gate     factGate              // facts the rule cannot fire without; nil = none known
	gateSpec *gateSpec             // the gate as data, kept for snapshots
	ast      *cel.Ast              // the checked expression, kept for snapshots
	file     string                // where the rule was defined

	// A rule loaded from a snapshot is built on first use: a process that
	// decides one action builds only the rules of that action's type.
	lazy     []byte       // the checked expression (protobuf) not yet built
	once     *sync.Once   // decodes the expression
	prgOnce  *sync.Once   // builds the program, only once the gate passed
	planned  *atomic.Bool // prgOnce has run
	buildErr error
	prgErr   error
}

// ready decodes a snapshot-loaded rule's expression on first use. The
// rule's fact gate came with the snapshot, so only rules whose gate lets an
// action through are decoded (see evaluation.rules).
func (r *compiledRule) ready() error {
	if r.lazy == nil {
		return nil
	}
	r.once.Do(func() {
		r.ast, r.buildErr = checkedFromBytes(r.lazy)
	})
	return r.buildErr
}

// program builds a snapshot-loaded rule's program on first use.
func (r *compiledRule) program() error {
	if r.lazy == nil {
		return nil
	}
	if err := r.ready(); err != nil {
		return err
	}
	r.prgOnce.Do(func() {
		env, err := celEnv()
		if err == nil {
			celCompileMu.Lock()
			r.prg, err = newProgram(env, r.ast)
			celCompileMu.Unlock()
		}
		if err != nil {
			err = &Error{File: r.file, Rule: r.ID, Msg: err.Error(), Err: err}
		}
		r.prgErr = err
		r.planned.Store(true)
	})
	return r.prgErr
}

// unplanned reports whether r is a snapshot-loaded rule whose program is
// not built yet.
func (r *compiledRule) unplanned() bool { return r.lazy != nil && !r.planned.Load() }

// newProgram plans a rule's program: optimized, with a cost limit and
// context interruption.
func newProgram(env *cel.Env, checked *cel.Ast) (cel.Program, error) {
	return env.Program(checked,
		cel.EvalOptions(cel.OptOptimize),
		cel.CostLimit(RuleCostLimit),
		cel.InterruptCheckFrequency(ruleInterrupt),
	)
}

func compileRule(file string, pack string, r Rule) (*compiledRule, error) {
	return compileRuleAST(file, pack, r, nil)
}

var celCompileMu sync.Mutex

// compileRuleAST compiles a rule; a non-nil checked AST (from a compiled
// policy snapshot) skips parsing and type-checking.
func compileRuleAST(file string, pack string, r Rule, cached *cel.Ast) (*compiledRule, error) {
	env, err := celEnv()
	if err != nil {
		return nil, fmt.Errorf("policy: internal: CEL environment: %w", err)
	}
	cr := &compiledRule{Rule: r, pack: pack, file: file}
	if cr.decision, err = decision.ParseOutcome(r.Decision); err != nil {
		return nil, &Error{File: file, Rule: r.ID, Msg: err.Error()}
	}
	cr.severity = defaultSeverity(cr.decision)
	if r.Severity != "" {
		if cr.severity, err = decision.ParseSeverity(r.Severity); err != nil {
			return nil, &Error{File: file, Rule: r.ID, Msg: err.Error()}
		}
	}
	// Compiling shares the one Env; serialize it (a data race inside the
	// type checker was seen under -race with concurrent compiles). Programs
	// evaluate concurrently without locks.
	celCompileMu.Lock()
	defer celCompileMu.Unlock()
	checked, iss := cached, (*cel.Issues)(nil)
	if checked == nil {
		checked, iss = env.Compile(r.When)
	}
	if iss.Err() != nil {
		e := &Error{File: file, Rule: r.ID, Msg: iss.Err().Error(), Err: iss.Err()}
		if errs := iss.Errors(); len(errs) > 0 {
			loc := errs[0].Location
			e.Line, e.Column = loc.Line(), loc.Column()+1
			e.Msg = errs[0].Message + "\n" + exprCaret(r.When, e.Line, e.Column)
		}
		return nil, e
	}
	if checked.OutputType() != cel.BoolType && checked.OutputType() != cel.DynType {
		return nil, &Error{File: file, Rule: r.ID, Line: 1, Column: 1, Msg: fmt.Sprintf("when must be a bool expression, got %s", checked.OutputType())}
	}
	if err := cr.buildLocked(env, checked); err != nil {
		return nil, err
	}
	return cr, nil
}

// buildLocked makes the rule's program, action types and fact gate from
// its checked expression; the caller holds celCompileMu.
func (cr *compiledRule) buildLocked(env *cel.Env, checked *cel.Ast) error {
	prg, err := newProgram(env, checked)
	if err != nil {
		return &Error{File: cr.file, Rule: cr.ID, Msg: err.Error(), Err: err}
	}
	cr.prg, cr.ast = prg, checked
	cr.types = actionTypesOf(checked.NativeRep().Expr())
	cr.setGate(factSpecOf(checked.NativeRep().Expr()))
	return nil
}

// setGate installs a rule's fact gate. A gate that does not build (a
// snapshot naming an op this version does not know) leaves the rule
// unscreened, which only costs time.
func (cr *compiledRule) setGate(spec *gateSpec) {
	g, err := spec.fact()
	if err != nil {
		g, spec = nil, nil
	}
	cr.gate, cr.gateSpec = g, spec
}

// lazyRule is a snapshot-loaded rule: its header now, its program on first
// use (see ready). types must be what actionTypesOf gave when it was built.
func lazyRule(file, pack string, r Rule, checked []byte, types []decision.ActionType, gate *gateSpec) (*compiledRule, error) {
	cr := &compiledRule{Rule: r, pack: pack, file: file, lazy: checked, types: types, once: new(sync.Once), prgOnce: new(sync.Once), planned: new(atomic.Bool)}
	cr.setGate(gate)
	var err error
	if cr.decision, err = decision.ParseOutcome(r.Decision); err != nil {
		return nil, &Error{File: file, Rule: r.ID, Msg: err.Error()}
	}
	cr.severity = defaultSeverity(cr.decision)
	if r.Severity != "" {
		if cr.severity, err = decision.ParseSeverity(r.Severity); err != nil {
			return nil, &Error{File: file, Rule: r.ID, Msg: err.Error()}
		}
	}
	return cr, nil
}

// appliesTo reports whether the rule can fire for t.
func (r *compiledRule) appliesTo(t decision.ActionType) bool {
	if r.types == nil {
		return true
	}
	for _, k := range r.types {
		if k == t {
			return true
		}
	}
	return false
}

// actionTypesOf finds, in a conjunction at the top of a rule, a test of
// action.type against a literal or a list of literals, so that rules are
// only run for the action types they can match. nil means "any type".
func actionTypesOf(e ast.Expr) []decision.ActionType {
	if e.Kind() != ast.CallKind {
		return nil
	}
	call := e.AsCall()
	args := call.Args()
	switch call.FunctionName() {
	case operators.LogicalAnd:
		for _, a := range args {
			if t := actionTypesOf(a); t != nil {
				return t
			}
		}
	case operators.Equals:
		if len(args) == 2 {
			if isActionType(args[0]) {
				return literalTypes(args[1])
			}
			if isActionType(args[1]) {
				return literalTypes(args[0])
			}
		}
	case operators.In:
		if len(args) == 2 && isActionType(args[0]) && args[1].Kind() == ast.ListKind {
			var out []decision.ActionType
			for _, el := range args[1].AsList().Elements() {
				t := literalTypes(el)
				if t == nil {
					return nil
				}
				out = append(out, t...)
			}
			return out
		}
	}
	return nil
}

func isActionType(e ast.Expr) bool {
	return actionField(e) == "type"
}

func literalTypes(e ast.Expr) []decision.ActionType {
	if e.Kind() != ast.LiteralKind {
		return nil
	}
	s, ok := e.AsLiteral().(types.String)
	if !ok {
		return nil
	}
	return []decision.ActionType{decision.ActionType(s)}
}

func defaultSeverity(o decision.Outcome) decision.Severity {
	switch o {
	case decision.Block:
		return decision.High
	case decision.RequireApproval:
		return decision.Medium
	}
	return decision.Low
}
