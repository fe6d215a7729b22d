package approval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cavra-dev/cavra/internal/yamljson"

	"github.com/cavra-dev/cavra/decision"
)

// Routing defaults.
const (
	DefaultGroup    = "Platform Security" // when no route matches and the decision names no group
	DefaultTTL      = 24 * time.Hour      // how long a request waits for people
	DefaultGrantTTL = time.Hour           // how long a grant stays usable
	DefaultDenyTTL  = time.Hour           // how long a denial blocks the same action
	MaxRoutingSize  = 1 << 20             // routing file size limit
	maxQuorum       = 16
)

// Route sends matching requests to an approver group. Every condition that
// is set must hold; an empty route matches everything. Routes are tried in
// order and the first match wins.
type Route struct {
	Name string `json:"name,omitempty"`

	// Conditions.
	RuleID         string              `json:"rule_id,omitempty"`         // exact
	RuleIDPrefix   string              `json:"rule_id_prefix,omitempty"`  // prefix, e.g. "mcp."
	ActionType     decision.ActionType `json:"action_type,omitempty"`     // exact
	Severity       decision.Severity   `json:"severity,omitempty"`        // exact (the original's meaning)
	MinSeverity    decision.Severity   `json:"min_severity,omitempty"`    // at least
	Pack           string              `json:"pack,omitempty"`            // policy pack id, exact
	Target         string              `json:"target,omitempty"`          // glob over the target
	TargetContains string              `json:"target_contains,omitempty"` // substring of the target
	Repo           string              `json:"repo,omitempty"`            // glob over context repo
	Environment    string              `json:"environment,omitempty"`     // glob over context environment
	// The globs are CAVRA's glob dialect (docs/policy.md#globs) over the
	// whole value, with the spellings of the routing matcher before it kept
	// ("**.tf" crosses "/", "\" is literal); see routeGlob.

	// What a match means.
	ApproverGroup string   `json:"approver_group"`
	Quorum        int      `json:"quorum,omitempty"`       // distinct approvers; default 1
	TTL           Duration `json:"ttl,omitempty"`          // request lifetime; default DefaultTTL
	GrantTTL      Duration `json:"grant_ttl,omitempty"`    // default DefaultGrantTTL
	GrantUses     int      `json:"grant_uses,omitempty"`   // default 1
	BindSession   bool     `json:"bind_session,omitempty"` // the grant is for the requesting session only
	DenyTTL       Duration `json:"deny_ttl,omitempty"`     // default DefaultDenyTTL
	AllowLocal    *bool    `json:"allow_local,omitempty"`  // local-key approvals; default true
}

// Duration is a time.Duration written as a Go duration string ("4h",
// "90m") in routing files.
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("invalid duration %q (want e.g. \"4h\" or \"30m\")", b)
	}
	if v <= 0 {
		return fmt.Errorf("duration %q must be positive", b)
	}
	*d = Duration(v)
	return nil
}

// Routing is an ordered list of routes plus the group used when none
// matches. It is immutable once built; share it freely.
type Routing struct {
	Routes []Route `json:"routes"`
	// DefaultGroup is used when no route matches and the decision names no
	// approver group; "" means DefaultGroup.
	DefaultGroup string `json:"default_group,omitempty"`

	compiled []compiledRoute
}

type compiledRoute struct {
	Route
	target, repo, env routeGlob
}

func boolPtr(b bool) *bool { return &b }

// DefaultRouting returns the original CAVRA's default routes, in its
// order: IAM writes to IAM, CI workflow writes to Platform Security,
// default-medium commands to Repository Owners, blocked terraform commands
// to Cloud Security, anything from an MCP rule to AI Governance.
func DefaultRouting() *Routing {
	r, err := NewRouting([]Route{
		{Name: "iam-writes", RuleIDPrefix: "filesystem.write", TargetContains: "iam/", ApproverGroup: "IAM"},
		{Name: "ci-workflows", RuleIDPrefix: "filesystem.write", TargetContains: ".github/workflows", ApproverGroup: "Platform Security"},
		{Name: "default-commands", RuleIDPrefix: "commands.default", Severity: decision.Medium, ApproverGroup: "Repository Owners"},
		{Name: "terraform", RuleIDPrefix: "commands.block", TargetContains: "terraform", ApproverGroup: "Cloud Security"},
		{Name: "mcp", RuleIDPrefix: "mcp.", ApproverGroup: "AI Governance"},
	}, "")
	if err != nil {
		panic(err) // the defaults are constant
	}
	return r
}

// NewRouting validates routes and fills their defaults.
func NewRouting(routes []Route, defaultGroup string) (*Routing, error) {
	r := &Routing{DefaultGroup: defaultGroup}
	if r.DefaultGroup == "" {
		r.DefaultGroup = DefaultGroup
	}
	for i, rt := range routes {
		c, err := compileRoute(rt)
		if err != nil {
			name := fmt.Sprintf("routes[%d]", i)
			if rt.Name != "" {
				name += fmt.Sprintf(" (%s)", rt.Name)
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		r.Routes = append(r.Routes, c.Route)
		r.compiled = append(r.compiled, c)
	}
	return r, nil
}

func compileRoute(rt Route) (compiledRoute, error) {
	c := compiledRoute{Route: rt}
	if strings.TrimSpace(rt.ApproverGroup) == "" {
		return c, errors.New("approver_group is required")
	}
	if rt.ActionType != "" && !rt.ActionType.Valid() {
		return c, fmt.Errorf("unknown action_type %q", rt.ActionType)
	}
	if rt.Severity != 0 && !rt.Severity.Valid() || rt.MinSeverity != 0 && !rt.MinSeverity.Valid() {
		return c, errors.New("invalid severity")
	}
	if rt.Severity != 0 && rt.MinSeverity != 0 {
		return c, errors.New("set severity or min_severity, not both")
	}
	switch {
	case rt.Quorum == 0:
		c.Quorum = 1
	case rt.Quorum < 0 || rt.Quorum > maxQuorum:
		return c, fmt.Errorf("quorum %d out of range 1..%d", rt.Quorum, maxQuorum)
	}
	switch {
	case rt.GrantUses == 0:
		c.GrantUses = 1
	case rt.GrantUses < 0:
		return c, fmt.Errorf("grant_uses %d must be positive", rt.GrantUses)
	}
	for _, d := range []*Duration{&c.TTL, &c.GrantTTL, &c.DenyTTL} {
		if *d < 0 {
			return c, errors.New("durations must be positive")
		}
	}
	if c.TTL == 0 {
		c.TTL = Duration(DefaultTTL)
	}
	if c.GrantTTL == 0 {
		c.GrantTTL = Duration(DefaultGrantTTL)
	}
	if c.DenyTTL == 0 {
		c.DenyTTL = Duration(DefaultDenyTTL)
	}
	if c.AllowLocal == nil {
		c.AllowLocal = boolPtr(true)
	} else {
		c.AllowLocal = boolPtr(*c.AllowLocal) // do not share the caller's pointer
	}
	var err error
	if c.target, err = compileGlob(rt.Target); err != nil {
		return c, fmt.Errorf("target: %w", err)
	}
	if c.repo, err = compileGlob(rt.Repo); err != nil {
		return c, fmt.Errorf("repo: %w", err)
	}
	if c.env, err = compileGlob(rt.Environment); err != nil {
		return c, fmt.Errorf("environment: %w", err)
	}
	return c, nil
}

// Subject is what routing looks at: the action and the policy's decision
// about it.
type Subject struct {
	RuleID      string
	ActionType  decision.ActionType
	Severity    decision.Severity
	Pack        string
	Target      string
	Repo        string
	Environment string
	Group       string // the approver group the policy named, if any
}

// SubjectOf builds the routing subject for an action and its decision.
func SubjectOf(a decision.Action, d decision.Decision) Subject {
	s := Subject{
		RuleID: d.RuleID, ActionType: a.Type, Severity: d.Severity, Pack: d.PolicyPack, Target: a.Target,
		Repo: a.Context[decision.ContextRepo], Environment: a.Context[decision.ContextEnvironment], Group: d.ApproverGroup,
	}
	for _, m := range d.Matches { // the deciding match knows its own pack and group
		if m.RuleID == d.RuleID && m.Decision == d.Decision {
			if m.Pack != "" {
				s.Pack = m.Pack
			}
			if s.Group == "" {
				s.Group = m.ApproverGroup
			}
			break
		}
	}
	if s.ActionType == "" {
		s.ActionType = d.ActionType
	}
	if s.Target == "" {
		s.Target = d.Target
	}
	return s
}

// Resolve returns the route for s: the first matching route, else a
// synthetic route to the policy's group (or the default group) with
// default settings.
func (r *Routing) Resolve(s Subject) Route {
	if r == nil {
		r = DefaultRouting()
	}
	for _, c := range r.compiled {
		if c.matches(s) {
			return c.Route
		}
	}
	group := s.Group
	if group == "" {
		group = r.DefaultGroup
	}
	c, _ := compileRoute(Route{Name: "default", ApproverGroup: group})
	return c.Route
}

func (c *compiledRoute) matches(s Subject) bool {
	switch {
	case c.RuleID != "" && c.RuleID != s.RuleID,
		c.RuleIDPrefix != "" && !strings.HasPrefix(s.RuleID, c.RuleIDPrefix),
		c.ActionType != "" && c.ActionType != s.ActionType,
		c.Severity != 0 && c.Severity != s.Severity,
		c.MinSeverity != 0 && s.Severity < c.MinSeverity,
		c.Pack != "" && c.Pack != s.Pack,
		c.TargetContains != "" && !strings.Contains(s.Target, c.TargetContains),
		!c.target.match(s.Target),
		!c.repo.match(s.Repo),
		!c.env.match(s.Environment):
		return false
	}
	return true
}

// routingFile is the strict document form. The original CAVRA's keys for
// the list (approval_routing, routing_rules) are accepted too.
type routingFile struct {
	Routes          []json.RawMessage `json:"routes"`
	ApprovalRouting []json.RawMessage `json:"approval_routing"`
	RoutingRules    []json.RawMessage `json:"routing_rules"`
	DefaultGroup    string            `json:"default_group"`
}

// ParseRouting parses a routing document: JSON, or YAML when name ends in
// .yaml or .yml (or the data does not start with '{' or '['). The document
// is a list of routes or an object {routes: [...], default_group: ...}.
// Parsing is strict: unknown fields, wrong types, bad globs and routes
// without approver_group are errors naming the route. The routes replace
// the defaults; they are not merged with them.
func ParseRouting(name string, data []byte) (*Routing, error) {
	r, err := parseRouting(name, data)
	if err != nil {
		return nil, fmt.Errorf("approval: routing %s: %w", name, err)
	}
	return r, nil
}

func parseRouting(name string, data []byte) (*Routing, error) {
	if len(data) > MaxRoutingSize {
		return nil, fmt.Errorf("file is larger than %d bytes", MaxRoutingSize)
	}
	js, err := toJSON(name, data)
	if err != nil {
		return nil, err
	}
	js = bytes.TrimSpace(js)
	var f routingFile
	if len(js) > 0 && js[0] == '[' {
		err = strictJSON(js, &f.Routes)
	} else {
		err = strictJSON(js, &f)
	}
	if err != nil {
		return nil, err
	}
	raws := f.Routes
	for _, alt := range [][]json.RawMessage{f.ApprovalRouting, f.RoutingRules} {
		if alt != nil {
			if raws != nil {
				return nil, errors.New("give the routes once (routes, approval_routing or routing_rules)")
			}
			raws = alt
		}
	}
	if len(raws) == 0 {
		return nil, errors.New("no routes (want a list, or an object with routes)")
	}
	routes := make([]Route, len(raws))
	for i, raw := range raws {
		if err := strictJSON(raw, &routes[i]); err != nil {
			return nil, fmt.Errorf("routes[%d]: %w", i, err)
		}
	}
	return NewRouting(routes, f.DefaultGroup)
}

// LoadRouting reads and parses a routing file.
func LoadRouting(path string) (*Routing, error) {
	data, err := readLimited(path, MaxRoutingSize)
	if err != nil {
		return nil, fmt.Errorf("approval: routing: %w", err)
	}
	return ParseRouting(filepath.Base(path), data)
}

var errTooLarge = errors.New("larger than the size limit")

func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if int64(buf.Len()) > limit {
		return nil, fmt.Errorf("%s: %w (%d bytes)", path, errTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// toJSON turns a YAML or JSON document into JSON bytes. YAML anchors and
// aliases are refused: a small file must not expand into a huge one.
func toJSON(name string, data []byte) ([]byte, error) {
	ext := strings.ToLower(filepath.Ext(name))
	trimmed := bytes.TrimSpace(data)
	if ext == ".json" || (ext != ".yaml" && ext != ".yml" && len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')) {
		return data, nil
	}
	v, err := yamljson.Decode(data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// strictJSON decodes one JSON value, refusing unknown fields and trailing
// data.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the document")
	}
	return nil
}
