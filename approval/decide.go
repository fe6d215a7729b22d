package approval

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/decision"
)

// authenticate verifies cred for verb on subject.
func (s *Store) authenticate(ctx context.Context, cred Credential, verb Verb, subject string) (Identity, error) {
	switch c := cred.(type) {
	case IDToken:
		if s.opts.OIDC == nil {
			return Identity{}, authErr(ErrNoVerifier, errors.New("no OIDC issuer is configured"))
		}
		return s.opts.OIDC.Verify(ctx, string(c))
	case LocalSignature:
		return verifyLocal(c, s.opts.LocalKeys, verb, subject, s.now(), s.opts.LocalMaxAge)
	case *LocalSignature:
		if c != nil {
			return verifyLocal(*c, s.opts.LocalKeys, verb, subject, s.now(), s.opts.LocalMaxAge)
		}
	}
	return Identity{}, authErr(ErrNoVerifier, fmt.Errorf("unsupported credential %T", cred))
}

// roles returns the approver groups id holds for a request in repo with
// group; a local key holder holds the request's own group (routes decide
// whether local approvals count at all).
func (s *Store) roles(id Identity, repo, group string) []string {
	if id.Local {
		return []string{group}
	}
	return s.opts.RBAC.Roles(id.Groups, repo)
}

// rejected builds the event for a refused attempt.
func rejected(r *Request, verb Verb, id *Identity, reason string, err error, now time.Time) Event {
	var ev Event
	if r != nil && r.ID != "" {
		ev = r.event(EventRejected, now)
	} else {
		ev = Event{Type: EventRejected, Time: now}
	}
	ev.Actor, ev.Reason, ev.Error = id, reason, fmt.Sprintf("%s refused: %v", verb, err)
	return ev
}

// Approve records an approval of request id by the holder of cred. The
// approver must hold the request's approver group, must not be the
// requesting actor (separation of duties) and counts once toward the
// quorum; when the quorum is met the request becomes approved and a grant
// for the exact action is created.
//
// The events returned describe what changed, or — with an error — the
// refused attempt; write them to evidence in both cases.
func (s *Store) Approve(ctx context.Context, id string, cred Credential, reason string) (Request, []Event, error) {
	return s.decide(ctx, id, cred, reason, VerbApprove)
}

// Deny denies request id. Any holder of the request's approver group may
// deny (the requester too: refusing one's own request is harmless). The
// denial sticks: the same action by the same agent is blocked with
// RuleDenied until Request.DeniedUntil.
func (s *Store) Deny(ctx context.Context, id string, cred Credential, reason string) (Request, []Event, error) {
	return s.decide(ctx, id, cred, reason, VerbDeny)
}

func (s *Store) decide(ctx context.Context, id string, cred Credential, reason string, verb Verb) (Request, []Event, error) {
	if err := ctx.Err(); err != nil {
		return Request{}, nil, err
	}
	reason = strings.TrimSpace(reason)
	ident, err := s.authenticate(ctx, cred, verb, id)
	if err != nil {
		r := s.requestOrID(ctx, id)
		return r, []Event{rejected(&r, verb, nil, reason, err, s.now())}, err
	}
	if reason == "" {
		err := forbidden(ErrReasonRequired, "")
		r := s.requestOrID(ctx, id)
		return r, []Event{rejected(&r, verb, &ident, reason, err, s.now())}, err
	}

	now := s.now()
	var req Request
	var events []Event
	var refusal error
	err = s.update(func(tx *bolt.Tx) error {
		events, refusal = nil, nil
		var err error
		if req, err = getRequest(tx, id); err != nil {
			return err
		}
		if req.State != Pending {
			refusal = fmt.Errorf("%w (it is %s)", ErrNotPending, req.State)
			return nil
		}
		if !req.live(now) {
			events = append(events, s.expire(&req, now))
			refusal = ErrRequestExpired
			if err := deletePending(tx, &req); err != nil {
				return err
			}
			return putRequest(tx, &req)
		}
		ident.Roles = s.roles(ident, req.Repo, req.Group)
		switch {
		case ident.Local && !req.AllowLocal:
			refusal = forbidden(ErrLocalRefused, "route %q", req.Route)
		case !holds(ident.Roles, req.Group):
			refusal = forbidden(ErrNotInGroup, "%q is not in %q", ident.Subject, req.Group)
		case verb == VerbApprove && !ident.Local && sameActor(ident, req.RequestedBy.Actor):
			refusal = forbidden(ErrSelfApproval, "%q requested it", req.RequestedBy.Actor)
		case verb == VerbApprove && hasVoted(req.Approvals, ident):
			refusal = forbidden(ErrDuplicateVote, "%d of %d distinct approvals so far", len(req.Approvals), req.Quorum)
		}
		if refusal != nil {
			return nil
		}
		if verb == VerbDeny {
			req.State, req.Decided, req.DecidedBy = Denied, now, &ident
			req.DeniedUntil = now.Add(time.Duration(req.GrantPolicy.DenyTTL))
			ev := req.event(EventDenied, now)
			ev.Actor, ev.Reason = &ident, reason
			req.History = append(req.History, ev)
			events = append(events, ev)
			if err := deletePending(tx, &req); err != nil {
				return err
			}
			if err := tx.Bucket(denialsBucket).Put(key(req.ActionDigest, req.RequestedBy.Agent), []byte(req.ID)); err != nil {
				return err
			}
			return putRequest(tx, &req)
		}
		req.Approvals = append(req.Approvals, ident)
		ev := req.event(EventApproved, now)
		ev.Actor, ev.Reason = &ident, reason
		req.History = append(req.History, ev)
		events = append(events, ev)
		if len(req.Approvals) >= req.Quorum {
			g := Grant{
				ID: newID("grt_"), RequestID: req.ID, ActionDigest: req.ActionDigest, Agent: req.RequestedBy.Agent,
				Created: now, Expires: now.Add(time.Duration(req.GrantPolicy.TTL)), Uses: req.GrantPolicy.Uses,
			}
			if req.GrantPolicy.BindSession {
				g.Session = req.RequestedBy.Session
			}
			if err := putGrant(tx, &g); err != nil {
				return err
			}
			req.State, req.Decided, req.DecidedBy, req.GrantID = Approved, now, &ident, g.ID
			gev := req.event(EventGranted, now)
			gev.Reason = fmt.Sprintf("quorum of %d met; grant for %d use(s) until %s", req.Quorum, g.Uses, g.Expires.Format(time.RFC3339))
			req.History = append(req.History, gev)
			events = append(events, gev)
			if err := deletePending(tx, &req); err != nil {
				return err
			}
		}
		return putRequest(tx, &req)
	})
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Request{}, []Event{rejected(&Request{ID: id}, verb, &ident, reason, err, now)}, err
		}
		return req, nil, fmt.Errorf("approval: %s: %w", verb, err)
	}
	if refusal != nil {
		events = append(events, rejected(&req, verb, &ident, reason, refusal, now))
		return req, events, refusal
	}
	if last := events[len(events)-1]; last.Type != EventApproved { // decided: tell people
		events = append(events, s.notify(ctx, last, req)...)
	}
	return req, events, nil
}

// maxHistory bounds how many grant uses a request's history records.
const maxHistory = 64

// deletePending removes r's pending-index entry if it still points at r.
func deletePending(tx *bolt.Tx, r *Request) error {
	b := tx.Bucket(pendingBucket)
	k := pendingKey(r)
	if string(b.Get(k)) != r.ID {
		return nil
	}
	return b.Delete(k)
}

// requestOrID returns the request for an event about a refused attempt,
// or a stand-in carrying only the id the caller named.
func (s *Store) requestOrID(ctx context.Context, id string) Request {
	r, err := s.Get(ctx, id)
	if err != nil {
		return Request{ID: id}
	}
	return r
}

func hasVoted(votes []Identity, id Identity) bool {
	for _, v := range votes {
		if v.Key() == id.Key() {
			return true
		}
	}
	return false
}

// Scope is what a break-glass grant covers.
type Scope string

// The break-glass scopes.
const (
	ScopeAction Scope = "action" // this exact action (digest) by this agent
	ScopeAgent  Scope = "agent"  // any action by this agent, for the time box
)

// BreakGlassRequest asks to let an action (or an agent) through without
// the usual approval.
type BreakGlassRequest struct {
	Action     decision.Action // the action (ScopeAction) or any action of the agent (ScopeAgent)
	DecisionID string          // the decision being overridden, if any
	Credential Credential      // a verified identity in the break-glass group
	Reason     string          // required
	Scope      Scope           // "": ScopeAction
	Duration   time.Duration   // 0: Options.BreakGlassTTL; more than Options.BreakGlassMax is refused
	Uses       int             // ScopeAction only; 0: one use. ScopeAgent grants are unlimited within the time box.
}

// BreakGlass creates a break_glass request and its grant at once. It needs a
// reason and a verified identity holding the break-glass group; the event
// is critical. Unlike an approval, a break-glass grant also answers an
// action the policy blocks (see Check).
func (s *Store) BreakGlass(ctx context.Context, bg BreakGlassRequest) (Request, []Event, error) {
	if err := ctx.Err(); err != nil {
		return Request{}, nil, err
	}
	now := s.now()
	a := bg.Action
	scope := bg.Scope
	if scope == "" {
		scope = ScopeAction
	}
	digest, err := a.Digest()
	if err != nil {
		return Request{}, nil, fmt.Errorf("approval: %w", err)
	}
	base := Request{ActionDigest: digest, DecisionID: bg.DecisionID, Group: s.opts.BreakGlassGroup, Severity: decision.Critical,
		RequestedBy: Requester{Agent: a.Agent.ID, Session: a.Agent.Session, Actor: a.Agent.Actor}}
	fail := func(id *Identity, err error) (Request, []Event, error) {
		ev := rejected(&base, VerbBreakGlass, id, bg.Reason, err, now)
		ev.Critical = true
		return Request{}, []Event{ev}, err
	}
	switch {
	case scope != ScopeAction && scope != ScopeAgent:
		return fail(nil, fmt.Errorf("approval: unknown break-glass scope %q", scope))
	case a.Agent.ID == "":
		return fail(nil, errors.New("approval: break-glass needs the agent's id"))
	}
	dur := bg.Duration
	if dur == 0 {
		dur = s.opts.BreakGlassTTL
	}
	if dur < 0 || dur > s.opts.BreakGlassMax {
		return fail(nil, fmt.Errorf("%w: %s > %s", ErrBreakGlassWindow, dur, s.opts.BreakGlassMax))
	}
	ident, err := s.authenticate(ctx, bg.Credential, VerbBreakGlass, BreakGlassSubject(scope, digest, a.Agent.ID))
	if err != nil {
		return fail(nil, err)
	}
	reason := strings.TrimSpace(bg.Reason)
	if reason == "" {
		return fail(&ident, forbidden(ErrReasonRequired, "break-glass needs a reason"))
	}
	if ident.Local && !s.opts.LocalBreakGlass {
		return fail(&ident, forbidden(ErrLocalRefused, "break-glass needs a verified identity"))
	}
	ident.Roles = s.roles(ident, a.Context[decision.ContextRepo], s.opts.BreakGlassGroup)
	if !holds(ident.Roles, s.opts.BreakGlassGroup) {
		return fail(&ident, forbidden(ErrNotBreakGlass, "%q is not in %q", ident.Subject, s.opts.BreakGlassGroup))
	}

	uses := bg.Uses
	g := Grant{ID: newID("grt_"), Agent: a.Agent.ID, Created: now, Expires: now.Add(dur), BreakGlass: true}
	if scope == ScopeAction {
		g.ActionDigest = digest
		if uses <= 0 {
			uses = 1
		}
		g.Uses = uses
	}
	req := base
	req.ID, req.Summary, req.Action = newID("apr_"), Summarize(a), a
	if scope == ScopeAgent {
		req.Summary = fmt.Sprintf("any action by agent %s until %s (break-glass)", a.Agent.ID, g.Expires.Format(time.RFC3339))
	}
	req.RuleIDs = []string{RuleBreakGlass}
	req.Route, req.Quorum, req.Repo = "break-glass", 1, a.Context[decision.ContextRepo]
	req.Created, req.Expires, req.State = now, g.Expires, BreakGlass
	req.Approvals, req.DecidedBy, req.Decided, req.GrantID = []Identity{ident}, &ident, now, g.ID
	req.GrantPolicy = GrantPolicy{Uses: g.Uses, TTL: Duration(dur)}
	g.RequestID = req.ID
	ev := req.event(EventBreakGlass, now)
	ev.Actor, ev.Reason, ev.Critical, ev.Severity = &ident, reason, true, decision.Critical
	req.History = []Event{ev}

	err = s.update(func(tx *bolt.Tx) error {
		if err := putGrant(tx, &g); err != nil {
			return err
		}
		return putRequest(tx, &req)
	})
	if err != nil {
		return Request{}, nil, fmt.Errorf("approval: break-glass: %w", err)
	}
	events := []Event{ev}
	events = append(events, s.notify(ctx, ev, req)...)
	return req, events, nil
}

// Check answers an action from the approval store, given the policy's
// outcome for it:
//
//   - Allow: nothing to do (VerdictNone); no grant is consumed.
//   - RequireApproval: a live break-glass grant, else a live denial
//     (VerdictDenied, block with RuleDenied), else a live grant for the
//     exact action digest and agent (and session, when bound) is consumed
//     atomically (VerdictGranted, allow with RuleGranted).
//   - Block: only a live break-glass grant applies.
//
// A VerdictGranted verdict comes with an EventConsumed event to record.
func (s *Store) Check(ctx context.Context, a decision.Action, policy decision.Outcome) (Verdict, []Event, error) {
	if err := ctx.Err(); err != nil {
		return Verdict{}, nil, err
	}
	if policy != decision.RequireApproval && policy != decision.Block {
		return Verdict{}, nil, nil
	}
	digest, err := a.Digest()
	if err != nil {
		return Verdict{}, nil, fmt.Errorf("approval: %w", err)
	}
	now := s.now()
	var v Verdict
	var candidate bool
	// A read transaction first: the common case (nothing granted) costs no
	// write and no fsync.
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		v, candidate, err = s.find(tx, a, digest, policy, now)
		return err
	})
	if err != nil {
		return Verdict{}, nil, fmt.Errorf("approval: check: %w", err)
	}
	if !candidate {
		return v, nil, nil
	}
	var events []Event
	err = s.update(func(tx *bolt.Tx) error {
		events = nil
		var err error
		// Search again under the write lock: another goroutine may have
		// spent the use we saw.
		if v, candidate, err = s.find(tx, a, digest, policy, now); err != nil || !candidate {
			return err
		}
		g, ok, err := getGrant(tx, v.GrantID)
		if err != nil || !ok {
			return err
		}
		g.Used++
		if err := putGrant(tx, &g); err != nil {
			return err
		}
		if !g.live(now) { // spent: drop it from the index at once
			if err := tx.Bucket(grantIdxBucket).Delete(grantIndexKey(&g)); err != nil {
				return err
			}
		}
		v.Remaining = g.Remaining()
		ev := Event{Type: EventConsumed, Time: now, RequestID: g.RequestID, GrantID: g.ID, ActionDigest: digest, Agent: a.Agent.ID,
			Reason: fmt.Sprintf("grant used (%d of %s)", g.Used, usesText(g.Uses)), Critical: g.BreakGlass}
		if r, err := getRequest(tx, g.RequestID); err == nil {
			ev.DecisionID, ev.Group = r.DecisionID, r.Group
			// Uses are recorded in the history while it is short; an
			// agent-wide break-glass could otherwise grow one record
			// without bound. The events go to evidence either way.
			if len(r.History) < maxHistory {
				r.History = append(r.History, ev)
				if err := putRequest(tx, &r); err != nil {
					return err
				}
			}
		}
		events = append(events, ev)
		return nil
	})
	if err != nil {
		return Verdict{}, nil, fmt.Errorf("approval: check: %w", err)
	}
	if !candidate {
		return v, nil, nil
	}
	return v, events, nil
}

func usesText(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return fmt.Sprint(n)
}

// find looks for what answers the action. candidate is true when v names
// a grant to consume; a denial verdict needs no write.
func (s *Store) find(tx *bolt.Tx, a decision.Action, digest string, policy decision.Outcome, now time.Time) (v Verdict, candidate bool, err error) {
	var normal, breakGlass *Grant
	for _, d := range []string{digest, "*"} {
		prefix := key(d, a.Agent.ID)
		c := tx.Bucket(grantIdxBucket).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			id, ok := lastPart(k[len(prefix):])
			if !ok {
				continue
			}
			g, ok, err := getGrant(tx, id)
			if err != nil {
				return v, false, err
			}
			if !ok || !g.live(now) || (g.Session != "" && g.Session != a.Agent.Session) ||
				g.Agent != a.Agent.ID || (g.ActionDigest != "" && g.ActionDigest != digest) {
				continue
			}
			if g.BreakGlass && breakGlass == nil {
				breakGlass = &g
			} else if !g.BreakGlass && normal == nil {
				normal = &g
			}
		}
	}
	if breakGlass != nil {
		return Verdict{Kind: VerdictGranted, RuleID: RuleBreakGlass, RequestID: breakGlass.RequestID, GrantID: breakGlass.ID,
			BreakGlass: true, Until: breakGlass.Expires, Reason: "allowed by a break-glass grant"}, true, nil
	}
	if policy != decision.RequireApproval {
		return Verdict{}, false, nil
	}
	if id := tx.Bucket(denialsBucket).Get(key(digest, a.Agent.ID)); id != nil {
		r, err := getRequest(tx, string(id))
		if err != nil {
			return v, false, err
		}
		if r.State == Denied && now.Before(r.DeniedUntil) {
			reason := "this action was denied"
			if r.DecidedBy != nil {
				reason = fmt.Sprintf("this action was denied by %s", displayName(*r.DecidedBy))
			}
			return Verdict{Kind: VerdictDenied, RuleID: RuleDenied, RequestID: r.ID, Until: r.DeniedUntil,
				Reason: reason + " until " + r.DeniedUntil.Format(time.RFC3339)}, false, nil
		}
	}
	if normal != nil {
		return Verdict{Kind: VerdictGranted, RuleID: RuleGranted, RequestID: normal.RequestID, GrantID: normal.ID,
			Until: normal.Expires, Reason: "allowed by an approval of this exact action"}, true, nil
	}
	return Verdict{}, false, nil
}

func displayName(id Identity) string {
	switch {
	case id.Email != "":
		return id.Email
	case id.Name != "":
		return id.Name
	}
	return id.Subject
}

// Sweep records what expired: pending requests past their expiry become
// expired, denials past their time stop blocking, and grants out of time
// or uses are removed. Expiry is also checked on every read, so Sweep only
// tidies and produces the events; run it now and then.
func (s *Store) Sweep(ctx context.Context) ([]Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var events []Event
	err := s.update(func(tx *bolt.Tx) error {
		events = nil
		type kv struct{ k, v []byte }
		collect := func(b []byte) []kv {
			var out []kv
			_ = tx.Bucket(b).ForEach(func(k, v []byte) error {
				out = append(out, kv{bytes.Clone(k), bytes.Clone(v)})
				return nil
			})
			return out
		}
		for _, e := range collect(pendingBucket) {
			r, err := getRequest(tx, string(e.v))
			if err != nil {
				return err
			}
			if r.State == Pending && r.live(now) {
				continue
			}
			if r.State == Pending {
				events = append(events, s.expire(&r, now))
				if err := putRequest(tx, &r); err != nil {
					return err
				}
			}
			if err := tx.Bucket(pendingBucket).Delete(e.k); err != nil {
				return err
			}
		}
		for _, e := range collect(denialsBucket) {
			r, err := getRequest(tx, string(e.v))
			if err != nil {
				return err
			}
			if r.State == Denied && now.Before(r.DeniedUntil) {
				continue
			}
			if err := tx.Bucket(denialsBucket).Delete(e.k); err != nil {
				return err
			}
		}
		for _, e := range collect(grantsBucket) {
			g, _, err := getGrant(tx, string(e.k))
			if err != nil {
				return err
			}
			if g.live(now) {
				continue
			}
			if err := deleteGrant(tx, &g); err != nil {
				return err
			}
			events = append(events, Event{Type: EventGrantExpired, Time: now, RequestID: g.RequestID, GrantID: g.ID,
				ActionDigest: g.ActionDigest, Agent: g.Agent, Reason: fmt.Sprintf("grant ended (%d of %s uses, expiry %s)", g.Used, usesText(g.Uses), g.Expires.Format(time.RFC3339))})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("approval: sweep: %w", err)
	}
	return events, nil
}

// Prune deletes requests that reached a final state before the given time,
// with their grants, keeping any whose grant or denial is still live. The
// evidence log keeps their events; this only bounds the approval buckets.
// It returns how many requests were deleted.
func (s *Store) Prune(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	n := 0
	err := s.update(func(tx *bolt.Tx) error {
		n = 0
		var victims []Request
		err := tx.Bucket(requestsBucket).ForEach(func(k, v []byte) error {
			var r Request
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("stored request %q: %w", k, err)
			}
			ended := r.Decided
			if ended.IsZero() {
				ended = r.Expires
			}
			if r.State == Pending || !ended.Before(before) || (r.State == Denied && now.Before(r.DeniedUntil)) {
				return nil
			}
			victims = append(victims, r)
			return nil
		})
		if err != nil {
			return err
		}
		for i := range victims {
			r := &victims[i]
			if r.GrantID != "" {
				g, ok, err := getGrant(tx, r.GrantID)
				if err != nil {
					return err
				}
				if ok && g.live(now) {
					continue
				}
				if ok {
					if err := deleteGrant(tx, &g); err != nil {
						return err
					}
				}
			}
			if r.State == Denied {
				dk := key(r.ActionDigest, r.RequestedBy.Agent)
				if id := tx.Bucket(denialsBucket).Get(dk); string(id) == r.ID {
					if err := tx.Bucket(denialsBucket).Delete(dk); err != nil {
						return err
					}
				}
			}
			if err := tx.Bucket(requestsBucket).Delete([]byte(r.ID)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("approval: prune: %w", err)
	}
	return n, nil
}

// Peek answers an action like Check but changes nothing: a grant it finds
// is reported, not consumed. It is for dry runs (cavra.Guard.Check), whose
// answer must be the one Check would give now.
func (s *Store) Peek(ctx context.Context, a decision.Action, policy decision.Outcome) (Verdict, error) {
	if err := ctx.Err(); err != nil {
		return Verdict{}, err
	}
	if policy != decision.RequireApproval && policy != decision.Block {
		return Verdict{}, nil
	}
	digest, err := a.Digest()
	if err != nil {
		return Verdict{}, fmt.Errorf("approval: %w", err)
	}
	var v Verdict
	err = s.db.View(func(tx *bolt.Tx) error {
		if !hasBuckets(tx) {
			return nil // a read-only database without approvals
		}
		var err error
		v, _, err = s.find(tx, a, digest, policy, s.now())
		return err
	})
	if err != nil {
		return Verdict{}, fmt.Errorf("approval: peek: %w", err)
	}
	if v.Kind == VerdictGranted {
		if g, ok, err := s.Grant(ctx, v.GrantID); err == nil && ok {
			v.Remaining = g.Remaining()
		}
	}
	return v, nil
}

// Pending returns the live pending request Submit would return for the
// same require_approval decision, without creating one; ok is false when
// Submit would create a request. route is where a new request would go.
func (s *Store) Pending(ctx context.Context, a decision.Action, d decision.Decision) (req Request, ok bool, route Route, err error) {
	if err := ctx.Err(); err != nil {
		return Request{}, false, Route{}, err
	}
	digest, err := a.Digest()
	if err != nil {
		return Request{}, false, Route{}, fmt.Errorf("approval: %w", err)
	}
	route = s.Routing().Resolve(SubjectOf(a, d))
	now := s.now()
	err = s.db.View(func(tx *bolt.Tx) error {
		if !hasBuckets(tx) {
			return nil
		}
		var err error
		req, ok, err = pendingRequest(tx, key(digest, a.Agent.ID, a.Agent.Session), now)
		return err
	})
	if err != nil {
		return Request{}, false, route, fmt.Errorf("approval: pending: %w", err)
	}
	if !ok {
		req = Request{}
	}
	return req, ok, route, nil
}

// hasBuckets reports whether tx's database holds the approval buckets (a
// database opened read-only before any approval was stored does not).
func hasBuckets(tx *bolt.Tx) bool {
	for _, b := range [][]byte{requestsBucket, pendingBucket, grantsBucket, grantIdxBucket, denialsBucket} {
		if tx.Bucket(b) == nil {
			return false
		}
	}
	return true
}
