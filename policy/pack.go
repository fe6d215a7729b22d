package policy

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/cavra-dev/cavra/internal/yamljson"
)

// Limits on pack files. A pack is configuration written by people; anything
// beyond these is refused before it reaches the YAML or JSON decoder's deeper
// work, so a hostile file cannot exhaust memory or the stack.
const (
	MaxPackSize  = 2 << 20 // bytes
	MaxPackDepth = 32      // nesting of maps and lists
)

//go:embed schema.json
var schemaJSON []byte

const schemaURL = "https://cavra.dev/schemas/policy-pack.json"

var packSchema = sync.OnceValues(compilePackSchema)

// compilePackSchema compiles the embedded schema; packSchema caches it.
func compilePackSchema() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(schemaURL)
}

// Schema returns the embedded JSON Schema (draft 2020-12) that every pack is
// validated against.
func Schema() []byte { return bytes.Clone(schemaJSON) }

// Pack is one policy pack as written in its file, after schema validation.
// Inheritance is not resolved here; see Library.
type Pack struct {
	Metadata   Metadata   `json:"metadata"`
	Filesystem Filesystem `json:"filesystem"`
	Commands   Commands   `json:"commands"`
	Rules      []Rule     `json:"rules,omitempty"`
	Tests      []Test     `json:"tests,omitempty"`
	Source     string     `json:"-"` // file the pack was read from
	raw        map[string]any
	data       []byte // the file's text, to place errors found later
}

// Metadata is a pack's metadata section.
type Metadata struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Version     string     `json:"version"`
	Inherits    stringList `json:"inherits,omitempty"`
	Mode        string     `json:"mode,omitempty"`
}

// Filesystem is a pack's filesystem section: path globs.
type Filesystem struct {
	BlockRead            []Entry `json:"block_read,omitempty"`
	BlockWrite           []Entry `json:"block_write,omitempty"`
	RequireApprovalWrite []Entry `json:"require_approval_write,omitempty"`
}

// Commands is a pack's commands section: command patterns and the default.
type Commands struct {
	Block           []Entry `json:"block,omitempty"`
	RequireApproval []Entry `json:"require_approval,omitempty"`
	Allow           []Entry `json:"allow,omitempty"`
	Default         string  `json:"default,omitempty"`
	// AllowUnsandboxed are the commands an agent may run outside its own
	// sandbox (Claude Code's dangerouslyDisableSandbox): a request to leave
	// the sandbox is refused unless every command of the line matches one.
	// Empty (the default): never.
	AllowUnsandboxed []Entry `json:"allow_unsandboxed,omitempty"`
}

// Entry is one item of a list section. In a file it is either a plain
// pattern string (the original CAVRA format) or an object that also sets the
// severity, reason or approver group of what it matches.
type Entry struct {
	Pattern       string `json:"pattern"`
	Severity      string `json:"severity,omitempty"`
	Reason        string `json:"reason,omitempty"`
	ApproverGroup string `json:"approver_group,omitempty"`
}

// UnmarshalJSON accepts a string or an object.
func (e *Entry) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &e.Pattern)
	}
	type plain Entry
	return json.Unmarshal(b, (*plain)(e))
}

// Rule is a CEL rule: when the expression holds, the decision applies.
type Rule struct {
	ID            string   `json:"id"`
	Description   string   `json:"description,omitempty"`
	When          string   `json:"when"`
	Decision      string   `json:"decision"`
	Severity      string   `json:"severity,omitempty"`
	Reason        string   `json:"reason,omitempty"`
	ApproverGroup string   `json:"approver_group,omitempty"`
	Controls      []string `json:"controls,omitempty"`
}

// Test is one case of a pack's tests section.
type Test struct {
	Name   string         `json:"name,omitempty"`
	Mode   string         `json:"mode,omitempty"`
	Action map[string]any `json:"action"`
	Expect TestExpect     `json:"expect"`
}

// TestExpect is what a test case expects of the decision.
type TestExpect struct {
	Decision      string `json:"decision"`
	RuleID        string `json:"rule_id,omitempty"`
	Severity      string `json:"severity,omitempty"`
	ApproverGroup string `json:"approver_group,omitempty"`
}

// stringList accepts a string or a list of strings.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(s))
}

// ID returns the pack's id.
func (p *Pack) ID() string { return p.Metadata.ID }

// Raw returns the pack's document as decoded (a deep copy), including
// informational sections such as compliance, approvals and evidence.
func (p *Pack) Raw() map[string]any { return deepCopy(p.raw).(map[string]any) }

// Error is a problem with a pack file. Pointer is the JSON pointer of the
// offending value when the schema rejected it; Rule and Line/Column locate a
// CEL error.
type Error struct {
	File    string
	Pointer string
	Rule    string
	Line    int
	Column  int
	Msg     string
	Err     error
}

// Error renders the problem as "file: at pointer: rule id: line:col: message".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	} else {
		b.WriteString("policy")
	}
	if e.Pointer != "" {
		fmt.Fprintf(&b, ": at %s", e.Pointer)
	}
	if e.Rule != "" {
		fmt.Fprintf(&b, ": rule %s", e.Rule)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ": %d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// Parse decodes and validates one pack. name is used in errors and to pick
// the format: a name ending in .json is JSON, anything else is YAML (a
// superset of JSON).
func Parse(name string, data []byte) (*Pack, error) {
	if len(data) > MaxPackSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("pack is %d bytes, larger than the %d byte limit", len(data), MaxPackSize)}
	}
	doc, err := decode(name, data) // both decoders cap nesting themselves
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error(), Err: err}
	}
	if depth(doc) > MaxPackDepth {
		return nil, &Error{File: name, Msg: fmt.Sprintf("pack nests deeper than %d levels", MaxPackDepth)}
	}
	p, err := fromDocument(name, doc)
	if p != nil {
		p.data = data
	}
	return p, err
}

func fromDocument(name string, doc any) (*Pack, error) {
	if err := validate(name, doc); err != nil {
		return nil, err
	}
	raw := doc.(map[string]any) // the schema requires an object
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, &Error{File: name, Msg: err.Error(), Err: err}
	}
	p := &Pack{Source: name, raw: raw}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, &Error{File: name, Msg: err.Error(), Err: err}
	}
	if err := checkRuleIDs(name, p.Rules); err != nil {
		return nil, err
	}
	if err := checkPatterns(name, p); err != nil {
		return nil, err
	}
	return p, nil
}

// checkPatterns compiles every list pattern once here, where the file and
// the entry's JSON pointer are known; compiling the merged lists later cannot
// say which pack a bad pattern came from.
func checkPatterns(name string, p *Pack) error {
	lists := []struct {
		ptr string
		l   []Entry
		cmd bool
	}{
		{"/filesystem/block_read", p.Filesystem.BlockRead, false},
		{"/filesystem/block_write", p.Filesystem.BlockWrite, false},
		{"/filesystem/require_approval_write", p.Filesystem.RequireApprovalWrite, false},
		{"/commands/block", p.Commands.Block, true},
		{"/commands/require_approval", p.Commands.RequireApproval, true},
		{"/commands/allow", p.Commands.Allow, true},
		{"/commands/allow_unsandboxed", p.Commands.AllowUnsandboxed, true},
	}
	for _, x := range lists {
		for i, e := range x.l {
			var err error
			if x.cmd {
				_, err = compileCmdGlob(e.Pattern)
			} else {
				_, err = compilePathGlob(e.Pattern)
			}
			if err != nil {
				return &Error{File: name, Pointer: fmt.Sprintf("%s/%d", x.ptr, i), Msg: err.Error(), Err: err}
			}
		}
	}
	return nil
}

func checkRuleIDs(name string, rules []Rule) error {
	seen := make(map[string]bool, len(rules))
	for _, r := range rules {
		if seen[r.ID] {
			return &Error{File: name, Rule: r.ID, Msg: "rule id is defined twice"}
		}
		seen[r.ID] = true
	}
	return nil
}

func decode(name string, data []byte) (any, error) {
	if strings.EqualFold(path.Ext(name), ".json") {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		if dec.More() {
			return nil, errors.New("invalid JSON: trailing data after the pack")
		}
		return v, nil
	}
	v, err := yamljson.Decode(data)
	switch {
	case errors.Is(err, yamljson.ErrEmpty):
		return nil, errors.New("empty pack")
	case errors.Is(err, yamljson.ErrAlias):
		return nil, errors.New("YAML anchors and aliases are not allowed in packs")
	}
	return v, err
}

// depth returns how deeply maps and lists nest in a decoded document.
func depth(v any) int {
	d := 0
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			d = max(d, depth(e))
		}
		return d + 1
	case []any:
		for _, e := range t {
			d = max(d, depth(e))
		}
		return d + 1
	}
	return 0
}

var englishPrinter = message.NewPrinter(language.English)

func validate(name string, doc any) error {
	sch, err := packSchema()
	if err != nil {
		return &Error{File: name, Msg: "internal: pack schema does not compile: " + err.Error(), Err: err}
	}
	err = sch.Validate(doc)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &Error{File: name, Msg: err.Error(), Err: err}
	}
	leaf := deepestCause(ve)
	return &Error{File: name, Pointer: pointer(leaf.InstanceLocation), Msg: leaf.ErrorKind.LocalizedString(englishPrinter), Err: err}
}

// deepestCause picks the most specific failure: the one deepest in the
// instance, which is where a person should look. A lone cause at the same
// depth is followed too, so that "$ref failed" becomes what failed ("value
// must be one of …"); alternatives of a oneOf at the same depth are not.
func deepestCause(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	best := ve
	for _, c := range ve.Causes {
		d := deepestCause(c)
		if len(d.InstanceLocation) > len(best.InstanceLocation) ||
			len(ve.Causes) == 1 && len(d.InstanceLocation) == len(best.InstanceLocation) {
			best = d
		}
	}
	return best
}

func pointer(loc []string) string {
	if len(loc) == 0 {
		return "/"
	}
	var b strings.Builder
	for _, s := range loc {
		b.WriteByte('/')
		s = strings.ReplaceAll(s, "~", "~0")
		b.WriteString(strings.ReplaceAll(s, "/", "~1"))
	}
	return b.String()
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = deepCopy(e)
		}
		return l
	default:
		return v
	}
}
