package approval

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/cavra-dev/cavra/decision"
)

// State is where a request stands.
type State string

// The request states. Only Pending changes; the others are final.
const (
	Pending    State = "pending"
	Approved   State = "approved"
	Denied     State = "denied"
	Expired    State = "expired"
	BreakGlass State = "break_glass"
)

// Rule ids the Guard puts on a decision answered by the approval store.
const (
	RuleGranted    = "approval.granted"
	RuleDenied     = "approval.denied"
	RuleBreakGlass = "approval.break_glass"
)

// Requester says who asked: the agent, its session, and the person or
// service on whose behalf it acts.
type Requester struct {
	Agent   string `json:"agent"`
	Session string `json:"session,omitempty"`
	Actor   string `json:"actor,omitempty"`
}

// Request is one action waiting for (or answered by) people. It binds to the
// action's canonical digest; Action is kept so a person can see exactly what
// they approve.
type Request struct {
	ID           string            `json:"approval_id"`
	DecisionID   string            `json:"decision_id"`
	ActionDigest string            `json:"action_digest"`
	Summary      string            `json:"summary"`
	Action       decision.Action   `json:"action"`
	RuleIDs      []string          `json:"rule_ids"`
	Severity     decision.Severity `json:"severity,omitempty"`
	Pack         string            `json:"policy_pack,omitempty"`
	Route        string            `json:"route,omitempty"` // the routing rule that chose the group
	Group        string            `json:"approver_group"`
	Quorum       int               `json:"quorum"`
	AllowLocal   bool              `json:"allow_local"`
	Repo         string            `json:"repo,omitempty"`
	RequestedBy  Requester         `json:"requested_by"`
	Created      time.Time         `json:"created_at"`
	Expires      time.Time         `json:"expires_at"`
	State        State             `json:"state"`
	Approvals    []Identity        `json:"approvals,omitempty"` // distinct approvers so far
	DecidedBy    *Identity         `json:"decided_by,omitempty"`
	Decided      time.Time         `json:"decided_at,omitzero"`
	GrantID      string            `json:"grant_id,omitempty"`
	DeniedUntil  time.Time         `json:"denied_until,omitzero"`
	History      []Event           `json:"history"`
	// GrantPolicy is what approving creates: uses, lifetime, session
	// binding, and how long a denial sticks.
	GrantPolicy GrantPolicy `json:"grant_policy"`
}

// GrantPolicy is copied from the route when a request is created, so a
// later routing change does not alter what an approval of it grants.
type GrantPolicy struct {
	Uses        int      `json:"uses"` // 0: unlimited until expiry (agent-scoped break-glass)
	TTL         Duration `json:"ttl"`
	BindSession bool     `json:"bind_session,omitempty"`
	DenyTTL     Duration `json:"deny_ttl,omitempty"`
}

// live reports whether a pending request is still answerable at now.
func (r *Request) live(now time.Time) bool { return r.State == Pending && now.Before(r.Expires) }

// Grant is permission for an agent to perform one exact action (or, for an
// agent-scoped break-glass, any action) a limited number of times before it
// expires.
type Grant struct {
	ID           string    `json:"grant_id"`
	RequestID    string    `json:"approval_id"`
	ActionDigest string    `json:"action_digest,omitempty"` // "" only for an agent-scoped break-glass
	Agent        string    `json:"agent"`
	Session      string    `json:"session,omitempty"` // "" means any session of the agent
	Created      time.Time `json:"created_at"`
	Expires      time.Time `json:"expires_at"`
	Uses         int       `json:"uses"` // 0 means unlimited until Expires (agent-scoped break-glass only)
	Used         int       `json:"used"`
	BreakGlass   bool      `json:"break_glass,omitempty"`
}

// live reports whether the grant can still be used at now.
func (g *Grant) live(now time.Time) bool {
	return now.Before(g.Expires) && (g.Uses == 0 || g.Used < g.Uses)
}

// Remaining returns the uses left, or -1 for an unlimited grant.
func (g Grant) Remaining() int {
	if g.Uses == 0 {
		return -1
	}
	return g.Uses - g.Used
}

// VerdictKind says how the approval store answers an action.
type VerdictKind uint8

// The verdicts of Store.Check.
const (
	VerdictNone    VerdictKind = iota // nothing applies: the policy's decision stands
	VerdictGranted                    // a live grant was consumed: allow with RuleGranted (or RuleBreakGlass)
	VerdictDenied                     // a live denial: block with RuleDenied
)

// String returns "none", "granted" or "denied".
func (k VerdictKind) String() string {
	switch k {
	case VerdictNone:
		return "none"
	case VerdictGranted:
		return "granted"
	case VerdictDenied:
		return "denied"
	}
	return fmt.Sprintf("VerdictKind(%d)", uint8(k))
}

// Verdict is the approval store's answer about one action.
type Verdict struct {
	Kind       VerdictKind
	RuleID     string // RuleGranted, RuleBreakGlass or RuleDenied; "" for VerdictNone
	Reason     string
	RequestID  string
	GrantID    string
	Remaining  int  // uses left on the grant after this one; -1 when unlimited
	BreakGlass bool // the grant came from a break-glass
	Until      time.Time
}

func newID(prefix string) string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("approval: crypto/rand: %v", err)) // never happens on supported platforms
	}
	return prefix + hex.EncodeToString(b[:])
}

// Summarize returns a one-line, human-readable description of an action:
// what a person reads before approving it.
func Summarize(a decision.Action) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", a.Type, oneLine(a.Target, 200))
	if a.Operation != "" {
		fmt.Fprintf(&b, " (%s)", a.Operation)
	}
	if a.Server != "" || a.Tool != "" {
		fmt.Fprintf(&b, " via %s/%s", a.Server, a.Tool)
	}
	if a.Agent.ID != "" {
		fmt.Fprintf(&b, " by agent %s", a.Agent.ID)
	}
	if a.Agent.Actor != "" {
		fmt.Fprintf(&b, " for %s", a.Agent.Actor)
	}
	if repo := a.Context[decision.ContextRepo]; repo != "" {
		fmt.Fprintf(&b, " in %s", repo)
	}
	if env := a.Context[decision.ContextEnvironment]; env != "" {
		fmt.Fprintf(&b, " [%s]", env)
	}
	if len(a.Args) > 0 {
		fmt.Fprintf(&b, " with %d argument(s)", len(a.Args))
	}
	return b.String()
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
