// Package yamljson decodes YAML configuration (packs, routing and RBAC
// files) into JSON-shaped values: string-keyed maps, []any and scalars —
// what encoding/json and the JSON Schema validator accept. Anchors and
// aliases are refused: they let a small file expand into a huge document,
// and configuration does not need them.
package yamljson

import (
	"encoding/json"
	"errors"
	"fmt"

	"go.yaml.in/yaml/v3"
)

// ErrAlias is returned for a document that uses YAML anchors or aliases.
var ErrAlias = errors.New("YAML anchors and aliases are not allowed")

// ErrEmpty is returned for a document with no content.
var ErrEmpty = errors.New("empty document")

// Decode parses YAML (a superset of JSON) into JSON-shaped values.
func Decode(data []byte) (any, error) {
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	if node.Kind == 0 {
		return nil, ErrEmpty
	}
	if hasAlias(&node) {
		return nil, ErrAlias
	}
	var v any
	if err := node.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid YAML: %w", err)
	}
	return Shape(v)
}

func hasAlias(n *yaml.Node) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAlias(c) {
			return true
		}
	}
	return false
}

// Shape converts YAML-decoded values in place to JSON-shaped ones. A map
// key that is not a string is an error; a scalar with no JSON form (a
// timestamp) becomes its string.
func Shape(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			c, err := Shape(e)
			if err != nil {
				return nil, err
			}
			t[k] = c
		}
		return t, nil
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("map key %v is not a string", k)
			}
			c, err := Shape(e)
			if err != nil {
				return nil, err
			}
			m[ks] = c
		}
		return m, nil
	case []any:
		for i, e := range t {
			c, err := Shape(e)
			if err != nil {
				return nil, err
			}
			t[i] = c
		}
		return t, nil
	case float64, int, int64, uint64, string, bool, nil, json.Number:
		return t, nil
	default:
		return fmt.Sprint(t), nil
	}
}
