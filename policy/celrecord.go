package policy

import (
	"errors"
	"reflect"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/common/types/traits"
)

// record is a CEL map with the fields of one of the object types of
// fields.go, whose values are converted on first access and then kept.
// Rules read a handful of fields of a few commands; converting every field
// of every command up front (or building hashed maps) cost more than all the
// rules that ran. Checked rules read a field by its index (objectType.getter);
// the map methods serve what is not such a read (equality, iteration, and
// rules checked before the fields were typed).
type record struct {
	t    *objectType
	src  fielder
	vals []ref.Val // vals[i] is field i's value once converted
}

// fielder produces the value of field i of a record.
type fielder interface {
	field(i int) ref.Val
}

var _ traits.Mapper = (*record)(nil)

func newRecord(t *objectType, src fielder) *record {
	return &record{t: t, src: src, vals: make([]ref.Val, len(t.keys))}
}

func (r *record) index(key ref.Val) int {
	k, ok := key.(types.String)
	if !ok {
		return -1
	}
	return r.t.index(string(k))
}

// at returns field i's value.
func (r *record) at(i int) ref.Val {
	if r.vals[i] == nil {
		r.vals[i] = r.src.field(i)
	}
	return r.vals[i]
}

// Find implements traits.Mapper.
func (r *record) Find(key ref.Val) (ref.Val, bool) {
	i := r.index(key)
	if i < 0 {
		return nil, false
	}
	return r.at(i), true
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
func (r *record) Size() ref.Val { return types.Int(len(r.t.keys)) }

// Iterator implements traits.Iterable: it iterates over the keys.
func (r *record) Iterator() traits.Iterator {
	return types.NewStringList(celAdapter, r.t.keys).(traits.Iterable).Iterator()
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
	for _, k := range r.t.keys {
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

// The fielders read a table's field i from its source (see fields.go).

type commandFielder struct{ c *CommandFacts }

func (f commandFielder) field(i int) ref.Val { return commandTable.fields[i].value(f.c) }

type gitFielder struct{ g *GitFacts }

func (f gitFielder) field(i int) ref.Val { return gitTable.fields[i].value(f.g) }

type actionFielder struct{ e *evaluation }

func (f actionFielder) field(i int) ref.Val { return actionTable.fields[i].value(f.e) }

// actionKeys is kept for evaluate.go, which builds the action's record.
var actionKeys = actionTable.objectType
