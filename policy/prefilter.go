package policy

import (
	"errors"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// A pack may hold dozens of command rules, and running a CEL program costs
// microseconds, so rules are screened first. At compile time each rule's
// condition is read for facts it cannot do without — `action.git.exists(g,
// …)` needs a git command, `action.commands.exists(c, c.name in ["kubectl",
// "helm"] && …)` needs one of those commands, `c.deletes.exists(…)` needs a
// delete — and a rule whose needs the action does not meet is not run. The
// screen is conservative: it only skips a rule when the condition is false
// whatever its other parts do (a conjunct that is an `exists` over an empty
// list, or over elements none of which can satisfy a conjunct), so an error
// a skipped rule would have raised could not have made it fire either:
// in CEL, false && error is false.

// factGate reports whether a rule may fire given an action's facts.
type factGate func(f *Facts) bool

// elemGate reports whether an element may satisfy a comprehension's predicate.
type cmdGate func(c *CommandFacts) bool
type gitGate func(g *GitFacts) bool

// A gate is found as data (gateSpec) and then built into a function: the
// data is what a snapshot stores, so a rule loaded from one is screened
// without decoding its expression — a hook process that decides one command
// decodes only the few rules that may fire.
//
// Ops on an action's facts: "and", "or" (Of); "commands" (some command
// passes Of[0]); "git" (some git invocation passes Of[0], or any when Of is
// empty); "nonempty" (the action's Field list has an element); "match" (an
// element of the action's Field list matches the regular expression Lits[0]);
// "equal" (an element of the action's Field list is one of Lits or the value
// of one of the context keys Ctx; a key the context lacks lets it through).
// Ops on a command: "and", "or"; "dynamic"; "list" (Field non-empty); "lists"
// (Field or Field2 non-empty); "listmatch" (an element of Field, or of Field
// or Field2, matches the regular expression Lits[0]); "in" (string Field is one of Lits); "has"
// (list Field holds Lits[0]); "prefix" (Field starts with Lits[0]); "set"
// (Field is not ""). Ops on a git invocation: "and", "or"; "flag" (boolean
// Field); "in" (string Field is one of Lits). Field names are those of the tables in fields.go.
type gateSpec struct {
	Op     string      `json:"op"`
	Of     []*gateSpec `json:"of,omitempty"`
	Field  string      `json:"field,omitempty"`
	Field2 string      `json:"field2,omitempty"`
	Lits   []string    `json:"lits,omitempty"`
	Ctx    []string    `json:"ctx,omitempty"` // context keys whose values count as Lits
}

// factSpecOf finds the facts a condition cannot fire without; nil = none.
func factSpecOf(e ast.Expr) *gateSpec {
	switch e.Kind() {
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.LogicalAnd, operators.LogicalOr:
			return logicalSpec(call.FunctionName(), args, func(a ast.Expr) *gateSpec { return factSpecOf(a) })
		case "matches":
			// action.line.matches(RE)
			if call.IsMemberFunction() && len(args) == 1 && actionField(call.Target()) == "line" {
				if _, ok := literalRegexp(args[0]); ok {
					return &gateSpec{Op: "linematch", Lits: []string{string(args[0].AsLiteral().(types.String))}}
				}
			}
		case operators.Greater:
			if x, ok := sizeAboveZero(call); ok {
				if f := actionField(x); f != "commands" && f != "git" && factList(f) != nil {
					return &gateSpec{Op: "nonempty", Field: f}
				}
			}
		}
	case ast.ComprehensionKind:
		rng, v, pred, ok := existsParts(e)
		if !ok {
			return nil
		}
		switch f := actionField(rng); f {
		case "commands":
			cg := cmdSpecOf(pred, v)
			if cg == nil {
				return nil // every action has commands to run over or none; the program decides
			}
			return &gateSpec{Op: "commands", Of: []*gateSpec{cg}}
		case "git":
			if gg := gitSpecOf(pred, v); gg != nil {
				return &gateSpec{Op: "git", Of: []*gateSpec{gg}}
			}
			return &gateSpec{Op: "git"}
		default:
			if factList(f) == nil {
				return nil
			}
			if re, ok := matchLit(pred, v); ok {
				return &gateSpec{Op: "match", Field: f, Lits: []string{re}}
			}
			if lits, ctx, ok := equalLits(pred, v); ok {
				return &gateSpec{Op: "equal", Field: f, Lits: lits, Ctx: ctx}
			}
			return &gateSpec{Op: "nonempty", Field: f}
		}
	}
	return nil
}

// sizeAboveZero returns x of `size(x) > n` (or `x.size() > n`) for a
// literal n ≥ 0: a list with an element, which is what an exists over it
// needs too.
func sizeAboveZero(gt ast.CallExpr) (ast.Expr, bool) {
	args := gt.Args()
	if len(args) != 2 || args[0].Kind() != ast.CallKind || args[1].Kind() != ast.LiteralKind {
		return nil, false
	}
	if n, ok := args[1].AsLiteral().(types.Int); !ok || n < 0 {
		return nil, false
	}
	sz := args[0].AsCall()
	if sz.FunctionName() != "size" {
		return nil, false
	}
	if sz.IsMemberFunction() && len(sz.Args()) == 0 {
		return sz.Target(), true
	}
	if !sz.IsMemberFunction() && len(sz.Args()) == 1 {
		return sz.Args()[0], true
	}
	return nil, false
}

// combine builds g's "and" or "or" of the gates its parts build.
func combine[T any, G ~func(T) bool](g *gateSpec, build func(*gateSpec) (G, error)) (G, error) {
	if len(g.Of) == 0 {
		return nil, errGate // an "or" of nothing would skip the rule always
	}
	gs := make([]G, len(g.Of))
	for i, x := range g.Of {
		f, err := build(x)
		if err != nil || f == nil {
			return nil, errGate
		}
		gs[i] = f
	}
	want := g.Op == "or" // the answer that settles it
	return func(v T) bool {
		for _, x := range gs {
			if x(v) == want {
				return want
			}
		}
		return !want
	}, nil
}

// logicalSpec is the gate of a conjunction or disjunction, from the gates
// of its parts: a conjunction needs what any part needs; a disjunction
// needs one of its parts' needs, and nothing known when a part has none.
func logicalSpec(fn string, args []ast.Expr, of func(ast.Expr) *gateSpec) *gateSpec {
	gs := make([]*gateSpec, 0, len(args))
	for _, a := range args {
		g := of(a)
		if g == nil {
			if fn == operators.LogicalOr {
				return nil
			}
			continue
		}
		gs = append(gs, g)
	}
	if fn == operators.LogicalOr {
		return joinSpecs("or", gs)
	}
	return joinSpecs("and", gs)
}

// joinSpecs combines gates under op; nil when there are none.
func joinSpecs(op string, gs []*gateSpec) *gateSpec {
	switch len(gs) {
	case 0:
		return nil
	case 1:
		return gs[0]
	}
	return &gateSpec{Op: op, Of: gs}
}

// errGate reports a gate that names an op or field it does not know: a
// snapshot from another version. The rule then runs unscreened.
var errGate = errors.New("policy: unknown fact gate")

// fact builds an action gate; nil spec, nil gate.
func (g *gateSpec) fact() (factGate, error) {
	if g == nil {
		return nil, nil
	}
	switch g.Op {
	case "and", "or":
		return combine(g, (*gateSpec).fact)
	case "commands":
		if len(g.Of) != 1 {
			return nil, errGate
		}
		cg, err := g.Of[0].cmd()
		if err != nil {
			return nil, err
		}
		return func(f *Facts) bool {
			for i := range f.Commands {
				if cg(&f.Commands[i]) {
					return true
				}
			}
			return false
		}, nil
	case "git":
		var gg gitGate
		if len(g.Of) == 1 {
			var err error
			if gg, err = g.Of[0].git(); err != nil {
				return nil, err
			}
		}
		return func(f *Facts) bool {
			for i := range f.Git {
				if gg == nil || gg(&f.Git[i]) {
					return true
				}
			}
			return false
		}, nil
	case "match":
		list := factList(g.Field)
		if list == nil || len(g.Lits) != 1 {
			return nil, errGate
		}
		re := lazyRegexp(g.Lits[0])
		return func(f *Facts) bool { return anyMatch(re(), list(f)) }, nil
	case "equal":
		list := factList(g.Field)
		if list == nil || len(g.Lits)+len(g.Ctx) == 0 {
			return nil, errGate
		}
		lits, keys := g.Lits, g.Ctx
		return func(f *Facts) bool {
			l := list(f)
			if len(l) == 0 {
				return false
			}
			vals := lits
			if len(keys) > 0 {
				if f.ctx == nil {
					return true
				}
				vals = append(make([]string, 0, len(lits)+len(keys)), lits...)
				for _, k := range keys {
					v, ok := f.ctx.contextValue(k)
					if !ok {
						return true // CEL would fail on the missing key: let the rule say so
					}
					vals = append(vals, v)
				}
			}
			for _, x := range l {
				if slices.Contains(vals, x) {
					return true
				}
			}
			return false
		}, nil
	case "linematch":
		if len(g.Lits) != 1 {
			return nil, errGate
		}
		re := lazyRegexp(g.Lits[0])
		return func(f *Facts) bool { return re().MatchString(f.Line) }, nil
	case "nonempty":
		if list := factList(g.Field); list != nil {
			return func(f *Facts) bool { return len(list(f)) > 0 }, nil
		}
	}
	return nil, errGate
}

// existsParts recognizes the expansion of the exists macro:
// accumulator false, step `accu || pred`.
func existsParts(e ast.Expr) (rng ast.Expr, iterVar string, pred ast.Expr, ok bool) {
	c := e.AsComprehension()
	if c.HasIterVar2() {
		return nil, "", nil, false
	}
	init := c.AccuInit()
	if init.Kind() != ast.LiteralKind || init.AsLiteral() != types.False {
		return nil, "", nil, false
	}
	step := c.LoopStep()
	if step.Kind() != ast.CallKind || step.AsCall().FunctionName() != operators.LogicalOr {
		return nil, "", nil, false
	}
	sargs := step.AsCall().Args()
	if len(sargs) != 2 || sargs[0].Kind() != ast.IdentKind || sargs[0].AsIdent() != c.AccuVar() {
		return nil, "", nil, false
	}
	return c.IterRange(), c.IterVar(), sargs[1], true
}

// actionField returns f for the expression action.f, else "".
func actionField(e ast.Expr) string {
	return fieldOf(e, "action")
}

// fieldOf returns f for the expression v.f, else "".
func fieldOf(e ast.Expr, v string) string {
	if e.Kind() != ast.SelectKind {
		return ""
	}
	s := e.AsSelect()
	if s.IsTestOnly() || s.Operand().Kind() != ast.IdentKind || s.Operand().AsIdent() != v {
		return ""
	}
	return s.FieldName()
}

// stringLits returns the string literals of a literal or a list of them.
func stringLits(e ast.Expr) ([]string, bool) {
	switch e.Kind() {
	case ast.LiteralKind:
		s, ok := e.AsLiteral().(types.String)
		return []string{string(s)}, ok
	case ast.ListKind:
		var out []string
		for _, el := range e.AsList().Elements() {
			if el.Kind() != ast.LiteralKind {
				return nil, false
			}
			s, ok := el.AsLiteral().(types.String)
			if !ok {
				return nil, false
			}
			out = append(out, string(s))
		}
		return out, true
	}
	return nil, false
}

func isEmptyString(e ast.Expr) bool {
	if e.Kind() != ast.LiteralKind {
		return false
	}
	s, ok := e.AsLiteral().(types.String)
	return ok && s == ""
}

// isCmdString and isCmdList tell a command's string and list fields by
// their CEL names (fields.go).
func isCmdString(f string) bool { return commandTable.strOf(f) != nil }
func isCmdList(f string) bool   { return commandTable.strsOf(f) != nil }

// cmdSpecOf returns a gate for a predicate over command v, or nil.
func cmdSpecOf(e ast.Expr, v string) *gateSpec {
	switch e.Kind() {
	case ast.SelectKind:
		if fieldOf(e, v) == "dynamic" {
			return &gateSpec{Op: "dynamic"}
		}
	case ast.ComprehensionKind:
		rng, iv, pred, ok := existsParts(e)
		if !ok {
			return nil
		}
		re, matches := matchLit(pred, iv)
		if f := fieldOf(rng, v); isCmdList(f) {
			if matches {
				return &gateSpec{Op: "listmatch", Field: f, Lits: []string{re}}
			}
			if lits, ctx, ok := equalLits(pred, iv); ok && len(ctx) == 0 {
				return &gateSpec{Op: "listin", Field: f, Lits: lits}
			}
			return &gateSpec{Op: "list", Field: f}
		}
		if rng.Kind() == ast.CallKind && rng.AsCall().FunctionName() == operators.Add {
			a := rng.AsCall().Args()
			f1, f2 := fieldOf(a[0], v), fieldOf(a[1], v)
			if isCmdList(f1) && isCmdList(f2) {
				if matches {
					return &gateSpec{Op: "listmatch", Field: f1, Field2: f2, Lits: []string{re}}
				}
				return &gateSpec{Op: "lists", Field: f1, Field2: f2}
			}
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.LogicalAnd, operators.LogicalOr:
			return logicalSpec(call.FunctionName(), args, func(a ast.Expr) *gateSpec { return cmdSpecOf(a, v) })
		case operators.Greater:
			if x, ok := sizeAboveZero(call); ok {
				if f := fieldOf(x, v); isCmdList(f) {
					return &gateSpec{Op: "list", Field: f}
				}
			}
		case operators.Equals, operators.In:
			if len(args) != 2 {
				return nil
			}
			if f := fieldOf(args[0], v); isCmdString(f) {
				if lits, ok := stringLits(args[1]); ok && (call.FunctionName() == operators.In) == (args[1].Kind() == ast.ListKind) {
					return &gateSpec{Op: "in", Field: f, Lits: lits}
				}
			}
			// c.args[0] == "release": the list holds "release"
			if call.FunctionName() == operators.Equals && args[0].Kind() == ast.CallKind && args[1].Kind() == ast.LiteralKind {
				if ix := args[0].AsCall(); ix.FunctionName() == operators.Index && len(ix.Args()) == 2 {
					if f := fieldOf(ix.Args()[0], v); isCmdList(f) {
						if lits, ok := stringLits(args[1]); ok {
							return &gateSpec{Op: "has", Field: f, Lits: lits}
						}
					}
				}
			}
			if call.FunctionName() == operators.Equals {
				if f := fieldOf(args[1], v); isCmdString(f) {
					if lits, ok := stringLits(args[0]); ok && args[0].Kind() == ast.LiteralKind {
						return &gateSpec{Op: "in", Field: f, Lits: lits}
					}
				}
			}
			if call.FunctionName() == operators.In && args[0].Kind() == ast.LiteralKind {
				if f := fieldOf(args[1], v); isCmdList(f) {
					if lits, ok := stringLits(args[0]); ok {
						return &gateSpec{Op: "has", Field: f, Lits: lits[:1]}
					}
				}
			}
		case "matches":
			// c.remote.matches(RE): a RE that does not match "" needs
			// the field set.
			if call.IsMemberFunction() && len(args) == 1 {
				if f := fieldOf(call.Target(), v); isCmdString(f) {
					if re, ok := literalRegexp(args[0]); ok && !re.MatchString("") {
						return &gateSpec{Op: "set", Field: f}
					}
				}
			}
			// c.via.join("\n").matches(RE): the join of an empty list is
			// "", so a RE that does not match "" needs an element.
			if call.IsMemberFunction() && len(args) == 1 && call.Target().Kind() == ast.CallKind {
				j := call.Target().AsCall()
				if j.FunctionName() == "join" && j.IsMemberFunction() && len(j.Args()) <= 1 {
					if f := fieldOf(j.Target(), v); isCmdList(f) {
						if re, ok := literalRegexp(args[0]); ok && !re.MatchString("") {
							return &gateSpec{Op: "list", Field: f}
						}
					}
				}
			}
		case "startsWith":
			// c.name.startsWith("mkfs")
			if call.IsMemberFunction() && len(args) == 1 {
				if f := fieldOf(call.Target(), v); isCmdString(f) && args[0].Kind() == ast.LiteralKind {
					if lit, ok := args[0].AsLiteral().(types.String); ok {
						return &gateSpec{Op: "prefix", Field: f, Lits: []string{string(lit)}}
					}
				}
			}
		case operators.NotEquals:
			if len(args) == 2 && isEmptyString(args[1]) {
				if f := fieldOf(args[0], v); isCmdString(f) {
					return &gateSpec{Op: "set", Field: f}
				}
			}
		}
	}
	return nil
}

// cmd builds a command gate.
func (g *gateSpec) cmd() (cmdGate, error) {
	switch g.Op {
	case "and", "or":
		return combine(g, (*gateSpec).cmd)
	case "dynamic":
		return func(c *CommandFacts) bool { return c.Dynamic }, nil
	case "list":
		if l := commandTable.strsOf(g.Field); l != nil {
			return func(c *CommandFacts) bool { return len(l(c)) > 0 }, nil
		}
	case "lists":
		if l1, l2 := commandTable.strsOf(g.Field), commandTable.strsOf(g.Field2); l1 != nil && l2 != nil {
			return func(c *CommandFacts) bool { return len(l1(c))+len(l2(c)) > 0 }, nil
		}
	case "listmatch":
		f1, f2 := g.Field, g.Field2
		if !isCmdList(f1) || f2 != "" && !isCmdList(f2) || len(g.Lits) != 1 {
			break
		}
		re := lazyRegexp(g.Lits[0])
		l1, l2 := commandTable.strsOf(f1), commandTable.strsOf(f2)
		return func(c *CommandFacts) bool {
			return anyMatch(re(), l1(c)) || l2 != nil && anyMatch(re(), l2(c))
		}, nil
	case "in":
		if str, lits := commandTable.strOf(g.Field), g.Lits; str != nil && len(lits) > 0 {
			return func(c *CommandFacts) bool {
				s := str(c)
				for _, l := range lits {
					if s == l {
						return true
					}
				}
				return false
			}, nil
		}
	case "listin":
		if list, lits := commandTable.strsOf(g.Field), g.Lits; list != nil && len(lits) > 0 {
			return func(c *CommandFacts) bool {
				for _, s := range list(c) {
					if slices.Contains(lits, s) {
						return true
					}
				}
				return false
			}, nil
		}
	case "has":
		if list := commandTable.strsOf(g.Field); list != nil && len(g.Lits) == 1 {
			lit := g.Lits[0]
			return func(c *CommandFacts) bool {
				for _, s := range list(c) {
					if s == lit {
						return true
					}
				}
				return false
			}, nil
		}
	case "prefix":
		if str := commandTable.strOf(g.Field); str != nil && len(g.Lits) == 1 {
			lit := g.Lits[0]
			return func(c *CommandFacts) bool { return strings.HasPrefix(str(c), lit) }, nil
		}
	case "set":
		if str := commandTable.strOf(g.Field); str != nil {
			return func(c *CommandFacts) bool { return str(c) != "" }, nil
		}
	}
	return nil, errGate
}

// gitSpecOf returns a gate for a predicate over git invocation v, or nil.
func gitSpecOf(e ast.Expr, v string) *gateSpec {
	switch e.Kind() {
	case ast.SelectKind:
		if f := fieldOf(e, v); gitTable.flagOf(f) != nil {
			return &gateSpec{Op: "flag", Field: f}
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.LogicalAnd, operators.LogicalOr:
			return logicalSpec(call.FunctionName(), args, func(a ast.Expr) *gateSpec { return gitSpecOf(a, v) })
		case operators.Equals, operators.In:
			if len(args) != 2 {
				return nil
			}
			if f := fieldOf(args[0], v); gitTable.strOf(f) != nil {
				if lits, ok := stringLits(args[1]); ok && (call.FunctionName() == operators.In) == (args[1].Kind() == ast.ListKind) {
					return &gateSpec{Op: "in", Field: f, Lits: lits}
				}
			}
		}
	}
	return nil
}

// git builds a git invocation gate.
func (g *gateSpec) git() (gitGate, error) {
	switch g.Op {
	case "and", "or":
		return combine(g, (*gateSpec).git)
	case "flag":
		if flag := gitTable.flagOf(g.Field); flag != nil {
			return flag, nil
		}
	case "in":
		if str := gitTable.strOf(g.Field); str != nil && len(g.Lits) > 0 {
			lits := g.Lits
			return func(g *GitFacts) bool {
				s := str(g)
				for _, l := range lits {
					if s == l {
						return true
					}
				}
				return false
			}, nil
		}
	}
	return nil, errGate
}

// matchLit finds, in a predicate over v, a test v.matches(LITERAL) that the
// predicate cannot hold without: the predicate itself or a conjunct of it.
func matchLit(pred ast.Expr, v string) (string, bool) {
	if pred.Kind() != ast.CallKind {
		return "", false
	}
	call := pred.AsCall()
	args := call.Args()
	switch call.FunctionName() {
	case operators.LogicalAnd:
		for _, a := range args {
			if re, ok := matchLit(a, v); ok {
				return re, true
			}
		}
	case "matches":
		if call.IsMemberFunction() && len(args) == 1 && call.Target().Kind() == ast.IdentKind &&
			call.Target().AsIdent() == v && args[0].Kind() == ast.LiteralKind {
			if lit, ok := args[0].AsLiteral().(types.String); ok {
				return string(lit), true
			}
		}
	}
	return "", false
}

// gateRegexp is a gate's regular expression with a literal every match
// contains: most elements a gate sees lack it, and strings.Contains costs
// far less than running the expression.
type gateRegexp struct {
	re  *regexp.Regexp
	lit string // "" when the expression has no such literal
}

// MatchString reports whether s matches; a nil expression matches anything.
func (g *gateRegexp) MatchString(s string) bool {
	if g == nil {
		return true
	}
	if g.lit != "" && !strings.Contains(s, g.lit) {
		return false
	}
	return g.re.MatchString(s)
}

// lazyRegexp compiles a gate's regular expression when the gate first runs;
// one that does not compile (CEL would have refused it) gives nil, which lets
// every element through.
func lazyRegexp(expr string) func() *gateRegexp {
	return sync.OnceValue(func() *gateRegexp {
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil
		}
		g := &gateRegexp{re: re}
		if t, err := syntax.Parse(expr, syntax.Perl); err == nil {
			g.lit = requiredLiteral(t.Simplify())
		}
		return g
	})
}

// requiredLiteral returns a case-sensitive literal that every match of re
// contains, the longest it finds, or "".
func requiredLiteral(re *syntax.Regexp) string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			return string(re.Rune)
		}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiteral(re.Sub[0])
		}
	case syntax.OpConcat:
		best := ""
		for _, sub := range re.Sub {
			if l := requiredLiteral(sub); len(l) > len(best) {
				best = l
			}
		}
		return best
	}
	return ""
}

// anyMatch reports whether an element of l matches re; a nil re matches
// whatever l holds.
func anyMatch(re *gateRegexp, l []string) bool {
	if re == nil {
		return len(l) > 0
	}
	for _, s := range l {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// factList returns the accessor of an action's list of facts by CEL name
// (fields.go), or nil.
func factList(field string) func(f *Facts) []string {
	if f := actionTable.field(field); f != nil {
		return f.facts
	}
	return nil
}

// equalLits finds, in a predicate over v, the values v must equal for it to
// hold: v == "x" or v == context.k, a disjunction of only such tests, or a
// conjunct that is one.
func equalLits(pred ast.Expr, v string) (lits, ctx []string, ok bool) {
	if pred.Kind() != ast.CallKind {
		return nil, nil, false
	}
	call := pred.AsCall()
	args := call.Args()
	switch call.FunctionName() {
	case operators.LogicalAnd:
		for _, a := range args {
			if lits, ctx, ok := equalLits(a, v); ok {
				return lits, ctx, true
			}
		}
	case operators.LogicalOr:
		for _, a := range args {
			l, c, ok := equalLits(a, v)
			if !ok {
				return nil, nil, false
			}
			lits, ctx = append(lits, l...), append(ctx, c...)
		}
		return lits, ctx, true
	case operators.In:
		// v in ["a", "b"]
		if len(args) == 2 && args[0].Kind() == ast.IdentKind && args[0].AsIdent() == v && args[1].Kind() == ast.ListKind {
			if lits, ok := stringLits(args[1]); ok && len(lits) > 0 {
				return lits, nil, true
			}
		}
	case operators.Equals:
		if len(args) != 2 {
			return nil, nil, false
		}
		other := args[1]
		if args[1].Kind() == ast.IdentKind && args[1].AsIdent() == v {
			other = args[0]
		} else if args[0].Kind() != ast.IdentKind || args[0].AsIdent() != v {
			return nil, nil, false
		}
		if other.Kind() == ast.LiteralKind {
			if s, isStr := other.AsLiteral().(types.String); isStr {
				return []string{string(s)}, nil, true
			}
		}
		if k := fieldOf(other, "context"); k != "" {
			return nil, []string{k}, true
		}
	}
	return nil, nil, false
}

// literalRegexp compiles a string literal used as a regular expression at
// compile time; false when e is not one or it does not compile.
func literalRegexp(e ast.Expr) (*regexp.Regexp, bool) {
	if e.Kind() != ast.LiteralKind {
		return nil, false
	}
	lit, ok := e.AsLiteral().(types.String)
	if !ok {
		return nil, false
	}
	re, err := regexp.Compile(string(lit))
	return re, err == nil
}
