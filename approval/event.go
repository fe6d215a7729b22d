package approval

import (
	"time"

	"github.com/cavra-dev/cavra/decision"
)

// EventType names a state change (or a refused attempt at one).
type EventType string

// The event types. Every state change of the store returns one or more
// events; the caller writes them to evidence.
const (
	EventRequested       EventType = "approval.requested"     // a request was created
	EventApproved        EventType = "approval.approved"      // one approver approved (quorum may not be met yet)
	EventGranted         EventType = "approval.granted"       // quorum met: a grant was created
	EventDenied          EventType = "approval.denied"        // a request was denied; the denial sticks until denied_until
	EventExpired         EventType = "approval.expired"       // a pending request passed its expiry
	EventBreakGlass      EventType = "approval.break_glass"   // break-glass: a grant without the usual approval (critical)
	EventConsumed        EventType = "approval.consumed"      // a grant use was spent on an action
	EventGrantExpired    EventType = "approval.grant_expired" // a grant ran out (time or uses) and was removed
	EventRejected        EventType = "approval.rejected"      // an approve/deny/break-glass attempt was refused
	EventNotifyFailed    EventType = "approval.notification_failed"
	EventNotifyDelivered EventType = "approval.notification_delivered"
)

// Event is one entry of a request's history and one evidence record for the
// caller to write. Actor is the verified identity behind it, when there is
// one.
type Event struct {
	Type         EventType         `json:"event"`
	Time         time.Time         `json:"timestamp"`
	RequestID    string            `json:"approval_id,omitempty"`
	DecisionID   string            `json:"decision_id,omitempty"`
	GrantID      string            `json:"grant_id,omitempty"`
	ActionDigest string            `json:"action_digest,omitempty"`
	Agent        string            `json:"agent,omitempty"`
	Group        string            `json:"approver_group,omitempty"`
	Actor        *Identity         `json:"actor,omitempty"`
	Reason       string            `json:"reason,omitempty"`
	Severity     decision.Severity `json:"severity,omitempty"`
	Critical     bool              `json:"critical,omitempty"`
	Error        string            `json:"error,omitempty"` // why an attempt was rejected or a notification failed
	Votes        int               `json:"votes,omitempty"`
	Quorum       int               `json:"quorum,omitempty"`
}

// Identity is a verified approver. For an OIDC token it is the issuer and
// subject (the key for quorum and separation of duties) plus what the token
// says about the person; for a local approval it is the local key.
type Identity struct {
	Issuer  string   `json:"issuer"`
	Subject string   `json:"subject"`
	Email   string   `json:"email,omitempty"`
	Name    string   `json:"name,omitempty"`
	Groups  []string `json:"groups,omitempty"` // external groups from the token's groups claim
	// Roles are the approver groups the identity holds for the request
	// it acted on, after RBAC mapping.
	Roles   []string  `json:"approver_groups,omitempty"`
	TokenID string    `json:"token_id,omitempty"`
	Local   bool      `json:"local,omitempty"`
	KeyID   string    `json:"key_id,omitempty"`
	Time    time.Time `json:"verified_at"`
}

// Key identifies the person for quorum counting: issuer and subject.
func (i Identity) Key() string { return i.Issuer + "\x00" + i.Subject }

// LocalIssuer is the Identity.Issuer of a local approval.
const LocalIssuer = "cavra:local"
