// Package canonjson encodes values as canonical JSON: object keys sorted, no
// insignificant whitespace, no HTML escaping, numbers written as they were
// decoded. Canonical bytes are what CAVRA hashes and signs.
package canonjson

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Marshal returns the canonical JSON encoding of v. v is first encoded with
// encoding/json (so struct tags apply), then re-encoded with sorted keys.
func Marshal(v any) ([]byte, error) {
	raw, err := encode(v)
	if err != nil {
		return nil, err
	}
	return Canonicalize(raw)
}

// Canonicalize rewrites a JSON document into canonical form.
func Canonicalize(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("canonjson: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("canonjson: trailing data after JSON value")
	}
	// encoding/json sorts map keys; json.Number keeps the number's text.
	return encode(doc)
}

func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("canonjson: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
