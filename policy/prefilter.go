package policy

import (
	"strings"

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

// gateOf returns the gate of a rule's condition, or nil when the rule must
// always run.
func gateOf(e ast.Expr) factGate {
	switch e.Kind() {
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.LogicalAnd:
			var gs []factGate
			for _, a := range args {
				if g := gateOf(a); g != nil {
					gs = append(gs, g)
				}
			}
			switch len(gs) {
			case 0:
				return nil
			case 1:
				return gs[0]
			}
			return func(f *Facts) bool {
				for _, g := range gs {
					if !g(f) {
						return false
					}
				}
				return true
			}
		case operators.LogicalOr:
			gs := make([]factGate, 0, len(args))
			for _, a := range args {
				g := gateOf(a)
				if g == nil {
					return nil
				}
				gs = append(gs, g)
			}
			return func(f *Facts) bool {
				for _, g := range gs {
					if g(f) {
						return true
					}
				}
				return false
			}
		}
	case ast.ComprehensionKind:
		rng, v, pred, ok := existsParts(e)
		if !ok {
			return nil
		}
		switch actionField(rng) {
		case "commands":
			cg := cmdGateOf(pred, v)
			if cg == nil {
				return nil // every action has commands to run over or none; the program decides
			}
			return func(f *Facts) bool {
				for i := range f.Commands {
					if cg(&f.Commands[i]) {
						return true
					}
				}
				return false
			}
		case "git":
			gg := gitGateOf(pred, v)
			return func(f *Facts) bool {
				for i := range f.Git {
					if gg == nil || gg(&f.Git[i]) {
						return true
					}
				}
				return false
			}
		case "paths":
			return func(f *Facts) bool { return len(f.Paths) > 0 }
		case "reads":
			return func(f *Facts) bool { return len(f.Reads) > 0 }
		case "writes":
			return func(f *Facts) bool { return len(f.Writes) > 0 }
		case "deletes":
			return func(f *Facts) bool { return len(f.Deletes) > 0 }
		case "urls":
			return func(f *Facts) bool { return len(f.URLs) > 0 }
		case "hosts":
			return func(f *Facts) bool { return len(f.Hosts) > 0 }
		}
	}
	return nil
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

// cmdString and cmdList read a command's field by its CEL name.
func cmdString(c *CommandFacts, field string) (string, bool) {
	switch field {
	case "name":
		return c.Name, true
	case "text":
		return c.Text, true
	case "path":
		return c.Path, true
	case "dir":
		return c.Dir, true
	case "opaque":
		return c.Opaque, true
	case "interpreter_code":
		return c.InterpreterCode, true
	}
	return "", false
}

func cmdList(c *CommandFacts, field string) ([]string, bool) {
	switch field {
	case "args":
		return c.Args, true
	case "via":
		return c.Via, true
	case "reads":
		return c.Reads, true
	case "writes":
		return c.Writes, true
	case "deletes":
		return c.Deletes, true
	case "urls":
		return c.URLs, true
	case "hosts":
		return c.Hosts, true
	}
	return nil, false
}

var cmdStringFields = map[string]bool{"name": true, "text": true, "path": true, "dir": true, "opaque": true, "interpreter_code": true}
var cmdListFields = map[string]bool{"args": true, "via": true, "reads": true, "writes": true, "deletes": true, "urls": true, "hosts": true}

// cmdGateOf returns a gate for a predicate over command v, or nil.
func cmdGateOf(e ast.Expr, v string) cmdGate {
	switch e.Kind() {
	case ast.SelectKind:
		if fieldOf(e, v) == "dynamic" {
			return func(c *CommandFacts) bool { return c.Dynamic }
		}
	case ast.ComprehensionKind:
		rng, _, _, ok := existsParts(e)
		if !ok {
			return nil
		}
		if f := fieldOf(rng, v); cmdListFields[f] {
			return func(c *CommandFacts) bool { l, _ := cmdList(c, f); return len(l) > 0 }
		}
		if rng.Kind() == ast.CallKind && rng.AsCall().FunctionName() == operators.Add {
			a := rng.AsCall().Args()
			f1, f2 := fieldOf(a[0], v), fieldOf(a[1], v)
			if cmdListFields[f1] && cmdListFields[f2] {
				return func(c *CommandFacts) bool {
					l1, _ := cmdList(c, f1)
					l2, _ := cmdList(c, f2)
					return len(l1)+len(l2) > 0
				}
			}
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.LogicalAnd:
			var gs []cmdGate
			for _, a := range args {
				if g := cmdGateOf(a, v); g != nil {
					gs = append(gs, g)
				}
			}
			if len(gs) == 0 {
				return nil
			}
			return func(c *CommandFacts) bool {
				for _, g := range gs {
					if !g(c) {
						return false
					}
				}
				return true
			}
		case operators.LogicalOr:
			gs := make([]cmdGate, 0, len(args))
			for _, a := range args {
				g := cmdGateOf(a, v)
				if g == nil {
					return nil
				}
				gs = append(gs, g)
			}
			return func(c *CommandFacts) bool {
				for _, g := range gs {
					if g(c) {
						return true
					}
				}
				return false
			}
		case operators.Equals, operators.In:
			if len(args) != 2 {
				return nil
			}
			if f := fieldOf(args[0], v); cmdStringFields[f] {
				if lits, ok := stringLits(args[1]); ok && (call.FunctionName() == operators.In) == (args[1].Kind() == ast.ListKind) {
					return func(c *CommandFacts) bool {
						s, _ := cmdString(c, f)
						for _, l := range lits {
							if s == l {
								return true
							}
						}
						return false
					}
				}
			}
			if call.FunctionName() == operators.Equals {
				if f := fieldOf(args[1], v); cmdStringFields[f] {
					if lits, ok := stringLits(args[0]); ok && args[0].Kind() == ast.LiteralKind {
						return func(c *CommandFacts) bool { s, _ := cmdString(c, f); return s == lits[0] }
					}
				}
			}
			if call.FunctionName() == operators.In && args[0].Kind() == ast.LiteralKind {
				if f := fieldOf(args[1], v); cmdListFields[f] {
					if lits, ok := stringLits(args[0]); ok {
						return func(c *CommandFacts) bool {
							l, _ := cmdList(c, f)
							for _, s := range l {
								if s == lits[0] {
									return true
								}
							}
							return false
						}
					}
				}
			}
		case "startsWith":
			// c.name.startsWith("mkfs")
			if call.IsMemberFunction() && len(args) == 1 {
				if f := fieldOf(call.Target(), v); cmdStringFields[f] && args[0].Kind() == ast.LiteralKind {
					if lit, ok := args[0].AsLiteral().(types.String); ok {
						return func(c *CommandFacts) bool { s, _ := cmdString(c, f); return strings.HasPrefix(s, string(lit)) }
					}
				}
			}
		case operators.NotEquals:
			if len(args) == 2 && isEmptyString(args[1]) {
				if f := fieldOf(args[0], v); cmdStringFields[f] {
					return func(c *CommandFacts) bool { s, _ := cmdString(c, f); return s != "" }
				}
			}
		}
	}
	return nil
}

// gitGateOf returns a gate for a predicate over git invocation v, or nil.
func gitGateOf(e ast.Expr, v string) gitGate {
	switch e.Kind() {
	case ast.SelectKind:
		switch fieldOf(e, v) {
		case "force":
			return func(g *GitFacts) bool { return g.Force }
		case "delete":
			return func(g *GitFacts) bool { return g.Delete }
		case "hard":
			return func(g *GitFacts) bool { return g.Hard }
		case "clean_force":
			return func(g *GitFacts) bool { return g.CleanForce }
		}
	case ast.CallKind:
		call := e.AsCall()
		args := call.Args()
		switch call.FunctionName() {
		case operators.LogicalAnd:
			var gs []gitGate
			for _, a := range args {
				if g := gitGateOf(a, v); g != nil {
					gs = append(gs, g)
				}
			}
			if len(gs) == 0 {
				return nil
			}
			return func(g *GitFacts) bool {
				for _, x := range gs {
					if !x(g) {
						return false
					}
				}
				return true
			}
		case operators.LogicalOr:
			gs := make([]gitGate, 0, len(args))
			for _, a := range args {
				x := gitGateOf(a, v)
				if x == nil {
					return nil
				}
				gs = append(gs, x)
			}
			return func(g *GitFacts) bool {
				for _, x := range gs {
					if x(g) {
						return true
					}
				}
				return false
			}
		case operators.Equals, operators.In:
			if len(args) == 2 && fieldOf(args[0], v) == "subcommand" {
				if lits, ok := stringLits(args[1]); ok && (call.FunctionName() == operators.In) == (args[1].Kind() == ast.ListKind) {
					return func(g *GitFacts) bool {
						for _, l := range lits {
							if g.Subcommand == l {
								return true
							}
						}
						return false
					}
				}
			}
		}
	}
	return nil
}
