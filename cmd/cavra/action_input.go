package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
)

// maxActionInput bounds what -i reads: an action is a few hundred bytes; a
// megabyte leaves room for large tool arguments.
const maxActionInput = 1 << 20

// maxActionDepth bounds the nesting of an action's JSON (tool arguments).
const maxActionDepth = 64

// Field names, exactly as decision.Action and decision.Agent spell them in
// JSON. encoding/json would match "Type" or "TYPE" to "type"; -i does not.
var (
	actionFields = jsonFields(reflect.TypeFor[decision.Action]())
	agentFields  = jsonFields(reflect.TypeFor[decision.Agent]())
)

func jsonFields(t reflect.Type) map[string]bool {
	m := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = true
		}
	}
	return m
}

// decodeAction reads one Action in its JSON form from r. Anything else —
// malformed JSON, not an object, an unknown, repeated or misspelled field,
// a value of the wrong type, trailing data, an unknown action type, an
// action with nothing to decide about — is an error that names the
// problem; nothing is guessed.
func decodeAction(r io.Reader) (cavra.Action, error) {
	var a cavra.Action
	data, err := io.ReadAll(io.LimitReader(r, maxActionInput+1))
	if err != nil {
		return a, err
	}
	if len(data) > maxActionInput {
		return a, fmt.Errorf("more than %d bytes: an action is one JSON object", maxActionInput)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return a, errors.New("empty: want one JSON object, such as {\"type\": \"read_file\", \"target\": \".env\"}")
	}
	if err := checkActionShape(data); err != nil {
		return a, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber() // tool arguments keep their numbers as written (the action digest does)
	if err := dec.Decode(&a); err != nil {
		return cavra.Action{}, jsonProblem(data, err)
	}
	if err := validInputAction(a); err != nil {
		return cavra.Action{}, err
	}
	return a, nil
}

// checkActionShape walks the JSON tokens of data: exactly one object, no
// key twice in any object (two parsers could disagree about which one
// counts), the action's and the agent's keys spelled exactly as their
// fields, no deeper nesting than maxActionDepth.
func checkActionShape(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return jsonProblem(data, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("want one JSON object, found %s", tokenKind(tok))
	}
	if err := walkObject(dec, data, "", actionFields, 1); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("more than one JSON value: want exactly one action object")
	}
	return nil
}

// walkObject reads the rest of an object whose '{' was read. fields, when
// not nil, are the keys it may have; path names it in errors.
func walkObject(dec *json.Decoder, data []byte, path string, fields map[string]bool, depth int) error {
	if depth > maxActionDepth {
		return fmt.Errorf("nested more than %d levels deep", maxActionDepth)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonProblem(data, err)
		}
		key := tok.(string) // the decoder only yields strings as object keys
		where := path + "." + key
		if path == "" {
			where = key
		}
		if seen[key] {
			return fmt.Errorf("field %q appears twice", where)
		}
		seen[key] = true
		if fields != nil && !fields[key] {
			return fmt.Errorf("unknown field %q%s", where, suggestField(key, fields))
		}
		var sub map[string]bool
		if path == "" && key == "agent" {
			sub = agentFields
		}
		// null would quietly become an empty value; only tool
		// arguments (free JSON) may hold it.
		strict := fields != nil || path == "context"
		if err := walkValue(dec, data, where, sub, strict, depth); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	if err != nil {
		return jsonProblem(data, err)
	}
	return nil
}

func walkValue(dec *json.Decoder, data []byte, path string, fields map[string]bool, noNull bool, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonProblem(data, err)
	}
	if tok == nil && noNull {
		return fmt.Errorf("field %q is null: leave it out or give it a value", path)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if d == '{' {
		return walkObject(dec, data, path, fields, depth+1)
	}
	if depth+1 > maxActionDepth {
		return fmt.Errorf("nested more than %d levels deep", maxActionDepth)
	}
	for dec.More() {
		if err := walkValue(dec, data, path+"[]", nil, false, depth+1); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		return jsonProblem(data, err)
	}
	return nil
}

func tokenKind(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		if v == '[' {
			return "an array"
		}
		return fmt.Sprintf("%q", v.String())
	case string:
		return "a string"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// suggestField is "; did you mean "x"?" for the known field closest to key.
func suggestField(key string, fields map[string]bool) string {
	best, bestD := "", 3
	for f := range fields {
		if d := editDistance(strings.ToLower(key), f); d < bestD || (d == bestD && f < best) {
			best, bestD = f, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// jsonProblem turns a decoding error into one that says where in data.
func jsonProblem(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := lineCol(data, se.Offset)
		return fmt.Errorf("malformed JSON at line %d, column %d: %v", line, col, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "the action"
		}
		return fmt.Errorf("field %q: want %s, found a JSON %s", field, te.Type, te.Value)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("malformed JSON: it ends before the object does")
	}
	return fmt.Errorf("malformed action: %v", err)
}

func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	line, col = 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// validInputAction checks what the JSON cannot: a known type, and
// something to decide about.
func validInputAction(a cavra.Action) error {
	if !a.Type.Valid() {
		if a.Type == "" {
			return fmt.Errorf("field \"type\" is missing (want one of %s)", actionTypeNames())
		}
		return fmt.Errorf("unknown action type %q (want one of %s)", a.Type, actionTypeNames())
	}
	if strings.TrimSpace(a.Target) != "" {
		return nil
	}
	switch a.Type {
	case cavra.MCPToolCall:
		if a.Server != "" && a.Tool != "" {
			return nil
		}
		return errors.New("an mcp_tool_call needs \"target\" as SERVER:TOOL, or \"server\" and \"tool\"")
	case cavra.ToolCall:
		if a.Tool != "" {
			return nil
		}
		return errors.New("a tool_call needs \"target\" or \"tool\"")
	}
	return fmt.Errorf("field \"target\" is missing or empty: a %s needs one", a.Type)
}

func actionTypeNames() string {
	names := make([]string, len(decision.ActionTypes))
	for i, t := range decision.ActionTypes {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}
