package policy

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Change is one semantic difference between two compiled policies.
//
// For a key present on one side only, Kind is "added" (the value in To) or
// "removed" (the value in From). For a list of scalars, each element added or
// removed is one Change with Entry set. For a list of objects keyed by "id",
// an element added or removed is one Change with ID set (and the element in
// To or From); an element on both sides gives one Change per differing field,
// with ID and Field set. Any other difference is Kind "changed" with From and
// To.
type Change struct {
	Kind  string `json:"kind"`            // "added" | "removed" | "changed"
	Path  string `json:"path"`            // dotted path of the section: "commands.block", "rules", "git.block_force_push"
	ID    string `json:"id,omitempty"`    // for keyed lists: the element id
	Entry any    `json:"entry,omitempty"` // for lists of scalars: the element added or removed
	From  any    `json:"from,omitempty"`  // the value before (changed or removed)
	To    any    `json:"to,omitempty"`    // the value after (changed or added)
	Field string `json:"field,omitempty"` // for a keyed element: the field that differs
}

// Diff compares two compiled policy documents (JSON objects) and returns the
// changes, sorted by Path, then ID or Entry, then Kind, then Field.
//
// The comparison is generic over the JSON, not tied to section names:
// objects recurse key by key; lists of scalars are compared as sets (order
// and duplicates do not matter); lists of objects that all carry a distinct,
// non-empty string "id" are keyed by it; other lists, and values whose JSON
// type differs, are compared whole. Numbers compare by value (1 equals 1.0).
//
// Paths join object keys with "."; a key that is empty or contains '.', '[',
// ']' or '"' is written as ["key"]. Values in a Change are decoded JSON
// (map[string]any, []any, string, bool, json.Number, nil); a null element of
// a scalar list therefore has a nil Entry. An empty list counts as both a
// scalar list and a keyed list, so going from [] to [...] reports the
// individual elements.
func Diff(left, right []byte) ([]Change, error) {
	l, err := diffDecode(left)
	if err != nil {
		return nil, fmt.Errorf("policy: diff: left: %w", err)
	}
	r, err := diffDecode(right)
	if err != nil {
		return nil, fmt.Errorf("policy: diff: right: %w", err)
	}
	var out []Change
	diffObjects("", l, r, &out)
	slices.SortFunc(out, func(a, b Change) int {
		return cmp.Or(
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(diffEntryKey(a), diffEntryKey(b)),
			cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Field, b.Field),
		)
	})
	return out, nil
}

// diffDecode decodes one JSON object, keeping numbers exact.
func diffDecode(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty document")
		}
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("invalid JSON: data after the document")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy document is a JSON %s, not an object", diffTypeName(v))
	}
	return obj, nil
}

func diffValues(path string, a, b any, out *[]Change) {
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			diffObjects(path, av, bv, out)
			return
		}
	case []any:
		if bv, ok := b.([]any); ok {
			diffLists(path, av, bv, out)
			return
		}
	}
	if !diffEqual(a, b) {
		*out = append(*out, Change{Kind: "changed", Path: path, From: a, To: b})
	}
}

func diffObjects(path string, a, b map[string]any, out *[]Change) {
	for _, k := range diffKeys(a, b) {
		av, inA := a[k]
		bv, inB := b[k]
		p := diffJoin(path, k)
		switch {
		case inA && inB:
			diffValues(p, av, bv, out)
		case inA:
			*out = append(*out, Change{Kind: "removed", Path: p, From: av})
		default:
			*out = append(*out, Change{Kind: "added", Path: p, To: bv})
		}
	}
}

// List shapes. An empty list is compatible with both scalars and keyed.
const (
	diffListEmpty = iota
	diffListScalars
	diffListKeyed
	diffListOther
)

func diffListKind(l []any) int {
	if len(l) == 0 {
		return diffListEmpty
	}
	if _, ok := diffIndex(l); ok {
		return diffListKeyed
	}
	for _, v := range l {
		if !diffIsScalar(v) {
			return diffListOther
		}
	}
	return diffListScalars
}

func diffLists(path string, a, b []any, out *[]Change) {
	ka, kb := diffListKind(a), diffListKind(b)
	switch {
	case ka == diffListEmpty && kb == diffListEmpty:
	case ka != diffListKeyed && kb != diffListKeyed && ka != diffListOther && kb != diffListOther:
		diffScalarSets(path, a, b, out)
	case ka != diffListScalars && kb != diffListScalars && ka != diffListOther && kb != diffListOther:
		diffKeyedLists(path, a, b, out)
	default:
		if !diffOrderedEqual(a, b) {
			*out = append(*out, Change{Kind: "changed", Path: path, From: a, To: b})
		}
	}
}

// diffOrderedEqual compares lists that are neither sets nor keyed: element
// by element, in order.
func diffOrderedEqual(a, b []any) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !diffEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

func diffScalarSets(path string, a, b []any, out *[]Change) {
	as, bs := diffSet(a), diffSet(b)
	for _, k := range diffKeys(as, bs) {
		av, inA := as[k]
		bv, inB := bs[k]
		switch {
		case inA && !inB:
			*out = append(*out, Change{Kind: "removed", Path: path, Entry: av})
		case inB && !inA:
			*out = append(*out, Change{Kind: "added", Path: path, Entry: bv})
		}
	}
}

func diffKeyedLists(path string, a, b []any, out *[]Change) {
	ai, _ := diffIndex(a)
	bi, _ := diffIndex(b)
	for _, id := range diffKeys(ai, bi) {
		ae, inA := ai[id]
		be, inB := bi[id]
		switch {
		case inA && !inB:
			*out = append(*out, Change{Kind: "removed", Path: path, ID: id, From: ae})
		case inB && !inA:
			*out = append(*out, Change{Kind: "added", Path: path, ID: id, To: be})
		default:
			for _, f := range diffKeys(ae, be) {
				av, fa := ae[f]
				bv, fb := be[f]
				switch {
				case fa && !fb:
					*out = append(*out, Change{Kind: "removed", Path: path, ID: id, Field: f, From: av})
				case fb && !fa:
					*out = append(*out, Change{Kind: "added", Path: path, ID: id, Field: f, To: bv})
				case !diffEqual(av, bv):
					*out = append(*out, Change{Kind: "changed", Path: path, ID: id, Field: f, From: av, To: bv})
				}
			}
		}
	}
}

// diffIndex maps a list of objects by their "id". It reports false unless
// every element is an object with a distinct, non-empty string id.
func diffIndex(l []any) (map[string]map[string]any, bool) {
	if len(l) == 0 {
		return nil, true
	}
	idx := make(map[string]map[string]any, len(l))
	for _, v := range l {
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		id, ok := obj["id"].(string)
		if !ok || id == "" {
			return nil, false
		}
		if _, dup := idx[id]; dup {
			return nil, false
		}
		idx[id] = obj
	}
	return idx, true
}

// diffSet maps scalars by their canonical key; the first spelling wins.
func diffSet(l []any) map[string]any {
	s := make(map[string]any, len(l))
	for _, v := range l {
		k := diffScalarKey(v)
		if _, ok := s[k]; !ok {
			s[k] = v
		}
	}
	return s
}

// diffEqual reports semantic equality: the same rules as Diff, so that a
// whole-value comparison never reports what Diff would not.
func diffEqual(a, b any) bool {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !diffEqual(x, y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok {
			return false
		}
		var changes []Change
		diffLists("", av, bv, &changes)
		return len(changes) == 0
	default:
		if !diffIsScalar(b) {
			return false
		}
		return diffScalarKey(a) == diffScalarKey(b)
	}
}

func diffIsScalar(v any) bool {
	switch v.(type) {
	case nil, bool, string, json.Number, float64:
		return true
	}
	return false
}

// diffScalarKey is a canonical, type-tagged key for a scalar. Strings sort
// by their value among themselves.
func diffScalarKey(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "b:" + strconv.FormatBool(x)
	case string:
		return "s:" + x
	case json.Number:
		return "n:" + diffNumberKey(string(x))
	case float64:
		return "n:" + diffNumberKey(strconv.FormatFloat(x, 'g', -1, 64))
	}
	return fmt.Sprintf("?:%v", v)
}

// diffNumberKey spells a JSON number canonically: integers exactly, other
// numbers through float64 (so 1, 1.0 and 1e0 agree).
func diffNumberKey(s string) string {
	if !strings.ContainsAny(s, ".eE") {
		if n, ok := new(big.Int).SetString(s, 10); ok {
			return n.String()
		}
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	if f == math.Trunc(f) {
		n, _ := big.NewFloat(f).Int(nil)
		return n.String()
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func diffEntryKey(c Change) string {
	if c.Entry == nil {
		return ""
	}
	return diffScalarKey(c.Entry)
}

func diffKeys[V any](a, b map[string]V) []string {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func diffJoin(path, key string) string {
	if key == "" || strings.ContainsAny(key, `.[]"`) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func diffTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		return "number"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}
