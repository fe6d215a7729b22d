package shell

import (
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// SubstOutput returns the static text that a process substitution operand
// (an argument kept as its source, "<(echo 'DROP TABLE t')") gives the
// command reading it: the output of a single echo or printf of static
// words. ok is false for anything else.
func SubstOutput(arg string) (text string, ok bool) {
	if !strings.HasPrefix(arg, "<(") || !strings.HasSuffix(arg, ")") || len(arg) > 1<<16 {
		return "", false
	}
	p := parsers.Get().(*parser)
	defer parsers.Put(p)
	f, err := p.parse(arg)
	if err != nil || len(f.Stmts) != 1 {
		return "", false
	}
	call, isCall := f.Stmts[0].Cmd.(*syntax.CallExpr)
	if !isCall || len(call.Args) != 1 || len(call.Assigns) > 0 || len(call.Args[0].Parts) != 1 {
		return "", false
	}
	ps, isSubst := call.Args[0].Parts[0].(*syntax.ProcSubst)
	if !isSubst || ps.Op != syntax.CmdIn || len(ps.Stmts) != 1 {
		return "", false
	}
	out := pipeOutput(ps.Stmts[0], input{}, arg)
	return out.script, out.static
}
