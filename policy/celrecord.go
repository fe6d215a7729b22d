package policy

import (
	"errors"
	"reflect"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// record is a CEL map with a fixed set of string keys whose values are
// converted on first access and then kept. Rules read a handful of fields
// of a few commands; converting every field of every command up front (or
// building hashed maps) cost more than all the rules that ran.
type record struct {
	keys []string // shared, never modified
	src  fielder
	vals []ref.Val // vals[i] is keys[i]'s value once converted
}

// fielder produces the value of field i of a record.
type fielder interface {
	field(i int) ref.Val
}

var _ traits.Mapper = (*record)(nil)

func newRecord(keys []string, src fielder) *record {
	return &record{keys: keys, src: src, vals: make([]ref.Val, len(keys))}
}

func (r *record) index(key ref.Val) int {
	k, ok := key.(types.String)
	if !ok {
		return -1
	}
	for i, x := range r.keys {
		if x == string(k) {
			return i
		}
	}
	return -1
}

// Find implements traits.Mapper.
func (r *record) Find(key ref.Val) (ref.Val, bool) {
	i := r.index(key)
	if i < 0 {
		return nil, false
	}
	if r.vals[i] == nil {
		r.vals[i] = r.src.field(i)
	}
	return r.vals[i], true
}

// Get implements traits.Indexer.
func (r *record) Get(key ref.Val) ref.Val {
	v, ok := r.Find(key)
	if !ok {
		return types.ValOrErr(v, "no such key: %v", key)
	}
	return v
}

// Contains implements traits.Container.
func (r *record) Contains(key ref.Val) ref.Val { return types.Bool(r.index(key) >= 0) }

// Size implements traits.Sizer.
func (r *record) Size() ref.Val { return types.Int(len(r.keys)) }

// Iterator implements traits.Iterable: it iterates over the keys.
func (r *record) Iterator() traits.Iterator {
	return types.NewStringList(celAdapter, r.keys).(traits.Iterable).Iterator()
}

// ConvertToNative implements ref.Val; rules never need it.
func (r *record) ConvertToNative(reflect.Type) (any, error) {
	return nil, errors.New("policy: a fact record has no native form")
}

// ConvertToType implements ref.Val.
func (r *record) ConvertToType(t ref.Type) ref.Val {
	switch t {
	case types.MapType:
		return r
	case types.TypeType:
		return types.MapType
	}
	return types.NewErr("type conversion error from map to '%s'", t)
}

// Equal implements ref.Val with map equality.
func (r *record) Equal(other ref.Val) ref.Val {
	o, ok := other.(traits.Mapper)
	if !ok || o.Size() != r.Size() {
		return types.False
	}
	for _, k := range r.keys {
		mine, _ := r.Find(types.String(k))
		theirs, found := o.Find(types.String(k))
		if !found || types.Equal(mine, theirs) != types.True {
			return types.False
		}
	}
	return types.True
}

// Type implements ref.Val.
func (r *record) Type() ref.Type { return types.MapType }

// Value implements ref.Val.
func (r *record) Value() any { return r }

var commandKeys = []string{"name", "args", "argv", "flags", "text", "path", "dir", "dynamic", "opaque", "via",
	"reads", "writes", "deletes", "urls", "hosts", "interpreter_code"}

type commandFielder struct{ c *CommandFacts }

func (f commandFielder) field(i int) ref.Val {
	c := f.c
	switch commandKeys[i] {
	case "name":
		return types.String(c.Name)
	case "args":
		return celStrings(c.Args)
	case "argv":
		argv := make([]string, 0, len(c.Args)+1)
		return celStrings(append(append(argv, c.Name), c.Args...))
	case "flags":
		var flags []string
		for _, a := range c.Args {
			if len(a) > 1 && a[0] == '-' {
				flags = append(flags, a)
			}
		}
		return celStrings(flags)
	case "text":
		return types.String(c.Text)
	case "path":
		return types.String(c.Path)
	case "dir":
		return types.String(c.Dir)
	case "dynamic":
		return types.Bool(c.Dynamic)
	case "opaque":
		return types.String(c.Opaque)
	case "via":
		return celStrings(c.Via)
	case "reads":
		return celStrings(c.Reads)
	case "writes":
		return celStrings(c.Writes)
	case "deletes":
		return celStrings(c.Deletes)
	case "urls":
		return celStrings(c.URLs)
	case "hosts":
		return celStrings(c.Hosts)
	case "interpreter_code":
		return types.String(c.InterpreterCode)
	}
	return types.NullValue
}

var gitKeys = []string{"subcommand", "args", "remote", "refs", "branches", "force", "delete", "hard", "clean_force"}

type gitFielder struct{ g *GitFacts }

func (f gitFielder) field(i int) ref.Val {
	g := f.g
	switch gitKeys[i] {
	case "subcommand":
		return types.String(g.Subcommand)
	case "args":
		return celStrings(g.Args)
	case "remote":
		return types.String(g.Remote)
	case "refs":
		return celStrings(g.Refs)
	case "branches":
		return celStrings(g.Branches)
	case "force":
		return types.Bool(g.Force)
	case "delete":
		return types.Bool(g.Delete)
	case "hard":
		return types.Bool(g.Hard)
	case "clean_force":
		return types.Bool(g.CleanForce)
	}
	return types.NullValue
}

var actionKeys = []string{"type", "target", "operation", "tool", "server", "args", "line", "commands", "git",
	"paths", "reads", "writes", "deletes", "urls", "hosts"}

type actionFielder struct{ e *evaluation }

func (f actionFielder) field(i int) ref.Val {
	e := f.e
	a, fs := e.act, &e.facts
	switch actionKeys[i] {
	case "type":
		return types.String(a.Type)
	case "target":
		return types.String(a.Target)
	case "operation":
		return types.String(a.Operation)
	case "tool":
		_, tool := e.mcpNames()
		return types.String(tool)
	case "server":
		server, _ := e.mcpNames()
		return types.String(server)
	case "args":
		if a.Args == nil {
			return celAdapter.NativeToValue(map[string]any{})
		}
		return celAdapter.NativeToValue(a.Args)
	case "line":
		return types.String(fs.Line)
	case "commands":
		return celCommands(fs.Commands)
	case "git":
		return celGit(fs.Git)
	case "paths":
		return celStrings(fs.Paths)
	case "reads":
		return celStrings(fs.Reads)
	case "writes":
		return celStrings(fs.Writes)
	case "deletes":
		return celStrings(fs.Deletes)
	case "urls":
		return celStrings(fs.URLs)
	case "hosts":
		return celStrings(fs.Hosts)
	}
	return types.NullValue
}
