package approval

import (
	"context"
	"fmt"
	"strings"
)

// Refused returns the evidence event for an attempt to verb request id (or,
// for break-glass without a request, the subject) that the caller refused
// before any credential reached the store: attempted from inside a coding
// agent, a passphrase that did not match, no terminal to type it on.
// claimedActor is the name the attempt gave; it is recorded, not verified.
// Nothing in the store changes.
func (s *Store) Refused(ctx context.Context, verb Verb, id, claimedActor, reason string, cause error) Event {
	r := Request{ID: id}
	switch {
	case strings.HasPrefix(id, "apr_"):
		r = s.requestOrID(ctx, id)
	case strings.HasPrefix(id, "agent:"): // break-glass for an agent
		r = Request{RequestedBy: Requester{Agent: strings.TrimPrefix(id, "agent:")}}
	}
	ev := rejected(&r, verb, nil, strings.TrimSpace(reason), cause, s.now())
	if ev.Agent == "" {
		ev.Agent = r.RequestedBy.Agent
	}
	if a := strings.TrimSpace(claimedActor); a != "" {
		ev.Error += fmt.Sprintf(" (claimed actor %q)", a)
	}
	ev.Critical = verb == VerbBreakGlass
	return ev
}
