package policy

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/registry"
)

// The tests below fail when a field is added to one of the places that must
// agree and not to the others: the Go facts, the CEL declarations, the
// records rules read, the registry's facts and the fact gates.

// jsonFields are the JSON names of a struct's fields.
func jsonFields(v any) []string {
	var out []string
	t := reflect.TypeOf(v)
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	return out
}

func TestFieldTablesCoverTheFacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		facts   []string
		table   []string
		derived []string // table fields that are not a field of the facts
		hidden  []string // facts fields rules do not see, and why
	}{
		{"command", jsonFields(CommandFacts{}), commandTable.keys, []string{"argv", "flags", "secret_vars"},
			[]string{"git"}}, // a command's git facts are action.git
		{"git", jsonFields(GitFacts{}), gitTable.keys, nil, nil},
		{"action", jsonFields(Facts{}), actionTable.keys, []string{"type", "target", "operation", "tool", "server", "args"}, nil},
	}
	for _, tt := range tests {
		for _, f := range tt.facts {
			if !slices.Contains(tt.table, f) && !slices.Contains(tt.hidden, f) {
				t.Errorf("%s: fact %q has no CEL field in fields.go", tt.name, f)
			}
		}
		for _, f := range tt.table {
			if !slices.Contains(tt.facts, f) && !slices.Contains(tt.derived, f) {
				t.Errorf("%s: CEL field %q is not a fact; list it as derived if it is meant to be", tt.name, f)
			}
		}
	}
}

// TestDeclaredFieldsEvaluate reads every declared field of every variable
// through a checked expression on a real evaluation, and checks that the
// value has the declared type: a declaration without a record field (or a
// variable celActivation does not resolve) fails here.
func TestDeclaredFieldsEvaluate(t *testing.T) {
	t.Parallel()
	set := compileYAML(t, "metadata: {id: cavra-fields, title: t, description: d, version: \"1\"}\n")
	env, err := celEnv()
	if err != nil {
		t.Fatal(err)
	}
	actions := []decision.Action{
		{Type: decision.ExecuteCommand, Target: "cd /tmp && git push --force origin HEAD:main && curl -o x https://example.com/a && rm -rf b"},
		{Type: decision.MCPToolCall, Target: "github:create_issue", Args: map[string]any{"title": "x"}},
		{Type: decision.ReadFile, Target: ".env"},
	}
	facts := []struct {
		name  string
		agent map[string]any
		srv   map[string]any
	}{{name: "without a registry"}}
	reg, err := registry.New([]registry.Agent{{ID: "claude-code", Status: "active", Capabilities: []string{"read"}}},
		[]registry.Server{{ID: "github", TrustTier: "trusted"}})
	if err != nil {
		t.Fatal(err)
	}
	facts = append(facts, struct {
		name  string
		agent map[string]any
		srv   map[string]any
	}{"with a registry", reg.AgentFacts(decision.Action{Agent: decision.Agent{ID: "claude-code"}}),
		reg.ServerFacts(registry.Call{Server: "github", Tool: "create_issue"})})
	for _, a := range actions {
		for _, fc := range facts {
			opts := EvalOptions{Dir: "/project", Home: "/home/u", AgentFacts: fc.agent, ServerFacts: fc.srv}
			a.Agent = decision.Agent{ID: "claude-code"}
			e := evaluation{set: set, ctx: context.Background(), act: &a, opts: &opts}
			e.run()
			vars := e.celVars()
			check := func(expr string, want *types.Type) {
				t.Helper()
				checked, iss := env.Compile(expr)
				if iss.Err() != nil {
					t.Errorf("%s: %v", expr, iss.Err())
					return
				}
				prg, err := env.Program(checked)
				if err != nil {
					t.Fatal(err)
				}
				out, _, err := prg.Eval(vars)
				if err != nil {
					t.Errorf("%s %q %s: %v", a.Type, a.Target, fc.name, err)
					return
				}
				if !hasType(out, want) {
					t.Errorf("%s %q %s: %s = %v (%s), want a %s", a.Type, a.Target, fc.name, expr, out, out.Type().TypeName(), want)
				}
			}
			for _, v := range celVariables {
				check(v.name, v.typ)
				ot := objectOf(v.typ)
				if ot == nil {
					continue
				}
				for _, f := range ot.fields {
					check(v.name+"."+f.name, f.typ)
					if inner := objectOf(f.typ); inner != nil {
						for _, g := range inner.fields {
							check(v.name+"."+f.name+"."+g.name, g.typ)
						}
					}
				}
			}
			for _, el := range []struct {
				list string
				ot   *objectType
			}{{"action.commands", commandTable.objectType}, {"action.git", gitTable.objectType}} {
				for _, f := range el.ot.fields {
					check(el.list+".all(x, "+celIs("x."+f.name, f.typ)+")", types.BoolType)
				}
			}
		}
	}
}

// celIs is a CEL test that expr has type t (for the element checks).
func celIs(expr string, t *types.Type) string {
	switch t.Kind() {
	case types.ListKind:
		return "type(" + expr + ") == list && " + expr + ".all(y, type(y) == " + t.Parameters()[0].String() + ")"
	}
	return "type(" + expr + ") == " + t.String()
}

func objectOf(t *types.Type) *objectType {
	for _, ot := range celObjectTypes {
		if t.Kind() == types.StructKind && t.TypeName() == ot.name {
			return ot
		}
	}
	return nil
}

// hasType reports whether v is a value of t; objects are records or maps.
func hasType(v ref.Val, t *types.Type) bool {
	switch t.Kind() {
	case types.StructKind, types.MapKind:
		_, ok := v.(traits.Mapper)
		return ok
	case types.ListKind:
		l, ok := v.(traits.Lister)
		if !ok {
			return false
		}
		for it := l.Iterator(); it.HasNext() == types.True; {
			if !hasType(it.Next(), t.Parameters()[0]) {
				return false
			}
		}
		return true
	case types.DynKind:
		return true
	}
	return v.Type().TypeName() == t.TypeName()
}

// TestRegistryFactsAreDeclared: every key the registry hands to CEL is a
// declared field, and every declared field of agent, server and tool is one
// the registry fills.
func TestRegistryFactsAreDeclared(t *testing.T) {
	t.Parallel()
	reg, err := registry.New([]registry.Agent{{ID: "a"}}, []registry.Server{{ID: "s"}})
	if err != nil {
		t.Fatal(err)
	}
	sf := reg.ServerFacts(registry.Call{Server: "s", Tool: "t"})
	tf, _ := sf["tool"].(map[string]any)
	for _, tt := range []struct {
		ot    *objectType
		facts map[string]any
	}{
		{agentType, reg.AgentFacts(decision.Action{Agent: decision.Agent{ID: "a"}})},
		{serverType, sf},
		{toolType, tf},
	} {
		for k := range tt.facts {
			if tt.ot.index(k) < 0 {
				t.Errorf("%s: the registry's %q is not declared in fields.go", tt.ot.name, k)
			}
		}
		for _, k := range tt.ot.keys {
			if _, ok := tt.facts[k]; !ok {
				t.Errorf("%s: field %q is declared but the registry does not fill it", tt.ot.name, k)
			}
		}
	}
}

// TestGatesReadTheTables: every string, list and bool field of a command or
// a git invocation can be screened by a fact gate, so a field added to the
// table is gateable without a second list to update.
func TestGatesReadTheTables(t *testing.T) {
	t.Parallel()
	env, err := celEnv()
	if err != nil {
		t.Fatal(err)
	}
	gate := func(when string) *gateSpec {
		t.Helper()
		checked, iss := env.Compile(when)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", when, iss.Err())
		}
		g := factSpecOf(checked.NativeRep().Expr())
		if _, err := g.fact(); err != nil {
			t.Fatalf("%s: the gate does not build: %v", when, err)
		}
		return g
	}
	for _, f := range commandTable.fields {
		var when string
		switch {
		case f.str != nil:
			when = `action.commands.exists(c, c.` + f.name + ` == "x")`
		case f.strs != nil:
			when = `action.commands.exists(c, "x" in c.` + f.name + `)`
		case f.flag != nil:
			if f.name != "dynamic" {
				continue // the only flag a gate knows is dynamic
			}
			when = `action.commands.exists(c, c.` + f.name + `)`
		default:
			continue
		}
		if gate(when) == nil {
			t.Errorf("command field %s: %s has no gate", f.name, when)
		}
	}
	for _, f := range gitTable.fields {
		var when string
		switch {
		case f.str != nil:
			when = `action.git.exists(g, g.` + f.name + ` == "x")`
		case f.flag != nil:
			when = `action.git.exists(g, g.` + f.name + `)`
		default:
			continue
		}
		if g := gate(when); g == nil || len(g.Of) == 0 {
			t.Errorf("git field %s: %s has no gate on the field", f.name, when)
		}
	}
	for _, f := range actionTable.fields {
		if f.facts == nil {
			continue
		}
		if g := gate(`action.` + f.name + `.exists(p, p == "x")`); g == nil || g.Op != "equal" {
			t.Errorf("action field %s: no equality gate (%+v)", f.name, g)
		}
	}
}

// TestObjectTypesRejectWhatTheyCannotDo: unknown fields, wrong types, map
// syntax and object literals are compile errors, not run-time blocks.
func TestObjectTypesRejectWhatTheyCannotDo(t *testing.T) {
	t.Parallel()
	env, err := celEnv()
	if err != nil {
		t.Fatal(err)
	}
	for when, want := range map[string]string{
		`action.comands.exists(c, c.name == "rm")`:               "undefined field 'comands'",
		`action.nosuch == 1`:                                     "undefined field 'nosuch'",
		`action.commands.exists(c, c.nmae == "rm")`:              "undefined field 'nmae'",
		`action.git.exists(g, g.force == "yes")`:                 "no matching overload",
		`agent.profil == "x"`:                                    "undefined field 'profil'",
		`server.tool.destructiv`:                                 "undefined field 'destructiv'",
		`tool.pinned == 1`:                                       "no matching overload",
		`context.environment == 1`:                               "no matching overload",
		`action["type"] == "read_file"`:                          "no matching overload",
		`cavra.Action{type: "read_file"}.type == action.type`:    "cannot be constructed",
		`action.paths.exists(p, p.glob(1))`:                      "found no matching overload for 'glob'",
		`action.commands.exists(c, c.args.exists(a, a == 1))`:    "no matching overload",
		`now > timestamp("2026-01-01T00:00:00Z") && action.tool`: "expected type 'bool'",
	} {
		_, iss := env.Compile(when)
		if iss.Err() == nil || !strings.Contains(iss.Err().Error(), want) {
			t.Errorf("%s: err = %v, want %q", when, iss.Err(), want)
		}
	}
	for _, ok := range []string{
		`action.type == "read_file" && action.paths.exists(p, p.glob("**/.env"))`,
		`has(action.args.path) && action.args.path.startsWith("/")`,
		`agent.capabilities.exists(c, c == "write") && server.tool.destructive && tool.class == "write"`,
		`action.git.exists(g, g.force && "main" in g.branches)`,
		`context.environment == "prod" && now.getFullYear() > 2000`,
	} {
		if _, iss := env.Compile(ok); iss.Err() != nil {
			t.Errorf("%s: %v", ok, iss.Err())
		}
	}
}
