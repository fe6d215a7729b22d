package policy

import (
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

// testOpts pins the directories so results do not depend on where tests run.
var testOpts = EvalOptions{Dir: "/project", Home: "/home/user"}

func action(typ, target string) decision.Action {
	return decision.Action{Type: decision.ActionType(typ), Target: target}
}

// compileYAML compiles a pack given as YAML text.
func compileYAML(t testing.TB, src string) *Set {
	t.Helper()
	p, err := Parse(t.Name()+".yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	s, err := CompilePack(p)
	if err != nil {
		t.Fatalf("CompilePack: %v", err)
	}
	return s
}
