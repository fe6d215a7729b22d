package approval

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/internal/store"

	"github.com/cavra-dev/cavra/decision"
)

// Buckets of the approval store in the state database.
var (
	requestsBucket = []byte("approval.requests")  // id -> Request
	pendingBucket  = []byte("approval.pending")   // digest|agent|session -> id of the pending request
	grantsBucket   = []byte("approval.grants")    // id -> Grant
	grantIdxBucket = []byte("approval.grant_idx") // digest|agent|grant id -> "" (digest "*": agent-wide)
	denialsBucket  = []byte("approval.denials")   // digest|agent -> id of the denied request
)

// Break-glass defaults.
const (
	DefaultBreakGlassGroup = "Change Advisory Board"
	DefaultBreakGlassTTL   = time.Hour
	DefaultBreakGlassMax   = 4 * time.Hour
)

// Options configures a Store. A nil *Options means the defaults: the
// original CAVRA's routing, no OIDC verifier (ID tokens are refused), no
// local key (local approvals are refused), no notifier.
type Options struct {
	Routing *Routing // nil: DefaultRouting()
	// OIDC verifies ID tokens; nil refuses them with ErrNoVerifier.
	OIDC *Verifier
	// RBAC maps token groups to approver groups; nil uses the token's
	// groups as they are.
	RBAC *RBAC
	// LocalKeys are the public keys whose local signatures are accepted;
	// nil refuses local approvals with ErrNoVerifier.
	LocalKeys   *jose.JSONWebKeySet
	LocalMaxAge time.Duration // 0: DefaultLocalMaxAge

	BreakGlassGroup string        // "": DefaultBreakGlassGroup
	BreakGlassTTL   time.Duration // default time box; 0: DefaultBreakGlassTTL
	BreakGlassMax   time.Duration // longest time box; 0: DefaultBreakGlassMax
	// LocalBreakGlass lets a local signature break glass. Off by default:
	// break-glass normally needs a verified person in the break-glass group.
	LocalBreakGlass bool

	// Notifier is told about new requests, decisions and break-glass. It
	// must not block; its errors come back as EventNotifyFailed events.
	Notifier Notifier

	Now func() time.Time // nil: time.Now
}

// Store keeps approval requests and grants in the state database, in its
// own buckets. Every state change happens in one bbolt transaction, so a
// grant's last use is consumed exactly once however many goroutines (in
// this process) race for it. The routing is an immutable snapshot swapped
// atomically by SetRouting. A Store is safe for concurrent use.
type Store struct {
	db      *bolt.DB
	opts    Options
	routing atomic.Pointer[Routing]
	mu      sync.Mutex // serializes state changes, so their events come out in commit order
}

// Open returns the approval store kept in db, creating its buckets.
func Open(db *bolt.DB, opts *Options) (*Store, error) {
	s := &Store{db: db}
	if opts != nil {
		s.opts = *opts
	}
	o := &s.opts
	if o.Routing == nil {
		o.Routing = DefaultRouting()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.LocalMaxAge <= 0 {
		o.LocalMaxAge = DefaultLocalMaxAge
	}
	if o.BreakGlassGroup == "" {
		o.BreakGlassGroup = DefaultBreakGlassGroup
	}
	if o.BreakGlassTTL <= 0 {
		o.BreakGlassTTL = DefaultBreakGlassTTL
	}
	if o.BreakGlassMax <= 0 {
		o.BreakGlassMax = DefaultBreakGlassMax
	}
	if o.BreakGlassTTL > o.BreakGlassMax {
		return nil, fmt.Errorf("approval: break-glass default %s exceeds the maximum %s", o.BreakGlassTTL, o.BreakGlassMax)
	}
	s.routing.Store(o.Routing)
	err := store.EnsureBuckets(db, requestsBucket, pendingBucket, grantsBucket, grantIdxBucket, denialsBucket)
	if err != nil {
		return nil, fmt.Errorf("approval: %w", err)
	}
	return s, nil
}

// Close implements io.Closer so a Store can be shared per database file
// (internal/store's Shared); the database belongs to whoever opened it.
func (s *Store) Close() error { return nil }

// Routing returns the routing in use.
func (s *Store) Routing() *Routing { return s.routing.Load() }

// SetRouting swaps in new routing (nil: the defaults). Existing requests
// keep the route they were created with.
func (s *Store) SetRouting(r *Routing) {
	if r == nil {
		r = DefaultRouting()
	}
	s.routing.Store(r)
}

// update runs fn in a write transaction under s.mu, so the events of
// concurrent changes come out in commit order. Notifiers are called after
// it returns, never under the lock.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.Update(fn)
}

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// key encodes index key parts, each prefixed by its length, so no agent
// or session id (whatever bytes it holds) can make two keys collide, and
// key(a, b) is a prefix of key(a, b, c) only for the same a and b.
func key(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = binary.AppendUvarint(b, uint64(len(p)))
		b = append(b, p...)
	}
	return b
}

// lastPart decodes the one part that follows a prefix made by key.
func lastPart(rest []byte) (string, bool) {
	n, w := binary.Uvarint(rest)
	if w <= 0 || uint64(len(rest)-w) != n {
		return "", false
	}
	return string(rest[w:]), true
}

func pendingKey(r *Request) []byte {
	return key(r.ActionDigest, r.RequestedBy.Agent, r.RequestedBy.Session)
}

// Submit records that a require_approval decision is waiting for people.
// It creates a request routed to an approver group — or, when a live
// pending request exists for the same action digest, agent and session,
// returns that one and no events, so a retrying agent does not flood
// approvers. The caller puts Request.ID on the decision (approval_id).
func (s *Store) Submit(ctx context.Context, a decision.Action, d decision.Decision) (Request, []Event, error) {
	if err := ctx.Err(); err != nil {
		return Request{}, nil, err
	}
	if d.Decision != decision.RequireApproval {
		return Request{}, nil, fmt.Errorf("%w (it is %s)", ErrNotRequired, d.Decision)
	}
	digest, err := a.Digest()
	if err != nil {
		return Request{}, nil, fmt.Errorf("approval: %w", err)
	}
	if d.ActionDigest != "" && d.ActionDigest != digest {
		return Request{}, nil, fmt.Errorf("approval: the decision's action digest %s is not the action's %s", d.ActionDigest, digest)
	}
	route := s.Routing().Resolve(SubjectOf(a, d))
	now := s.now()

	var req Request
	var events []Event
	created := false
	pk := key(digest, a.Agent.ID, a.Agent.Session)
	// A retrying agent is the common case: find its live request without a
	// write transaction (and its fsync).
	found := false
	err = s.db.View(func(tx *bolt.Tx) error {
		var err error
		req, found, err = pendingRequest(tx, pk, now)
		return err
	})
	if err != nil {
		return Request{}, nil, fmt.Errorf("approval: submit: %w", err)
	}
	if found {
		return req, nil, nil
	}
	err = s.update(func(tx *bolt.Tx) error {
		events = events[:0]
		if id := tx.Bucket(pendingBucket).Get(pk); id != nil {
			old, err := getRequest(tx, string(id))
			if err != nil {
				return err
			}
			if old.live(now) {
				req = old
				return nil
			}
			if old.State == Pending { // passed its expiry: expire it, then create a fresh one
				ev := s.expire(&old, now)
				if err := putRequest(tx, &old); err != nil {
					return err
				}
				events = append(events, ev)
			}
			if err := tx.Bucket(pendingBucket).Delete(pk); err != nil {
				return err
			}
		}
		req = newRequest(a, d, digest, route, now)
		ev := req.event(EventRequested, now)
		ev.Reason = d.Reason
		req.History = append(req.History, ev)
		if err := putRequest(tx, &req); err != nil {
			return err
		}
		created = true
		events = append(events, ev)
		return tx.Bucket(pendingBucket).Put(pk, []byte(req.ID))
	})
	if err != nil {
		return Request{}, nil, fmt.Errorf("approval: submit: %w", err)
	}
	if created {
		events = append(events, s.notify(ctx, events[len(events)-1], req)...)
	}
	return req, events, nil
}

func newRequest(a decision.Action, d decision.Decision, digest string, route Route, now time.Time) Request {
	rules := []string{}
	seen := map[string]bool{}
	for _, id := range append([]string{d.RuleID}, matchIDs(d.Matches)...) {
		if id != "" && !seen[id] {
			seen[id] = true
			rules = append(rules, id)
		}
	}
	return Request{
		ID: newID("apr_"), DecisionID: d.DecisionID, ActionDigest: digest, Summary: Summarize(a), Action: a,
		RuleIDs: rules, Severity: d.Severity, Pack: d.PolicyPack, Route: route.Name, Group: route.ApproverGroup,
		Quorum: route.Quorum, AllowLocal: *route.AllowLocal, Repo: a.Context[decision.ContextRepo],
		RequestedBy: Requester{Agent: a.Agent.ID, Session: a.Agent.Session, Actor: a.Agent.Actor},
		Created:     now, Expires: now.Add(time.Duration(route.TTL)), State: Pending,
		GrantPolicy: GrantPolicy{Uses: route.GrantUses, TTL: route.GrantTTL, BindSession: route.BindSession, DenyTTL: route.DenyTTL},
	}
}

func matchIDs(ms []decision.Match) []string {
	var out []string
	for _, m := range ms {
		if m.Decision == decision.RequireApproval {
			out = append(out, m.RuleID)
		}
	}
	return out
}

// event returns an event about r with the request's identifying fields.
func (r *Request) event(t EventType, now time.Time) Event {
	return Event{
		Type: t, Time: now, RequestID: r.ID, DecisionID: r.DecisionID, GrantID: r.GrantID, ActionDigest: r.ActionDigest,
		Agent: r.RequestedBy.Agent, Group: r.Group, Severity: r.Severity, Votes: len(r.Approvals), Quorum: r.Quorum,
	}
}

func (s *Store) expire(r *Request, now time.Time) Event {
	r.State = Expired
	r.Decided = now
	ev := r.event(EventExpired, now)
	ev.Reason = "approval request expired"
	r.History = append(r.History, ev)
	return ev
}

func getRequest(tx *bolt.Tx, id string) (Request, error) {
	var r Request
	v := tx.Bucket(requestsBucket).Get([]byte(id))
	if v == nil {
		return r, fmt.Errorf("%w: %q", ErrNotFound, id)
	}
	if err := json.Unmarshal(v, &r); err != nil {
		return r, fmt.Errorf("stored request %q: %w", id, err)
	}
	return r, nil
}

func putRequest(tx *bolt.Tx, r *Request) error {
	v, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return tx.Bucket(requestsBucket).Put([]byte(r.ID), v)
}

func getGrant(tx *bolt.Tx, id string) (Grant, bool, error) {
	var g Grant
	v := tx.Bucket(grantsBucket).Get([]byte(id))
	if v == nil {
		return g, false, nil
	}
	if err := json.Unmarshal(v, &g); err != nil {
		return g, false, fmt.Errorf("stored grant %q: %w", id, err)
	}
	return g, true, nil
}

func grantIndexKey(g *Grant) []byte {
	d := g.ActionDigest
	if d == "" {
		d = "*"
	}
	return key(d, g.Agent, g.ID)
}

func putGrant(tx *bolt.Tx, g *Grant) error {
	v, err := json.Marshal(g)
	if err != nil {
		return err
	}
	if err := tx.Bucket(grantsBucket).Put([]byte(g.ID), v); err != nil {
		return err
	}
	return tx.Bucket(grantIdxBucket).Put(grantIndexKey(g), nil)
}

func deleteGrant(tx *bolt.Tx, g *Grant) error {
	if err := tx.Bucket(grantIdxBucket).Delete(grantIndexKey(g)); err != nil {
		return err
	}
	return tx.Bucket(grantsBucket).Delete([]byte(g.ID))
}

// Get returns the request with id.
func (s *Store) Get(ctx context.Context, id string) (Request, error) {
	if err := ctx.Err(); err != nil {
		return Request{}, err
	}
	var r Request
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		r, err = getRequest(tx, id)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("approval: %w", err)
	}
	return r, err
}

// Grant returns the grant with id.
func (s *Store) Grant(ctx context.Context, id string) (Grant, bool, error) {
	if err := ctx.Err(); err != nil {
		return Grant{}, false, err
	}
	var g Grant
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		g, ok, err = getGrant(tx, id)
		return err
	})
	return g, ok, err
}

// Filter selects requests for List. Zero fields select everything.
type Filter struct {
	State State
	Group string
	Agent string
	Limit int // 0: no limit
}

// List returns the requests that pass f, newest first. A pending request
// past its expiry is listed as expired even before Sweep records it.
func (s *Store) List(ctx context.Context, f Filter) ([]Request, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now()
	var out []Request
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(requestsBucket).ForEach(func(k, v []byte) error {
			var r Request
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("stored request %q: %w", k, err)
			}
			if r.State == Pending && !r.live(now) {
				r.State = Expired
			}
			if (f.State == "" || r.State == f.State) && (f.Group == "" || r.Group == f.Group) && (f.Agent == "" || r.RequestedBy.Agent == f.Agent) {
				out = append(out, r)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("approval: list: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

// pendingRequest returns the request pending under key pk, and whether it
// is still live at now.
func pendingRequest(tx *bolt.Tx, pk []byte, now time.Time) (Request, bool, error) {
	id := tx.Bucket(pendingBucket).Get(pk)
	if id == nil {
		return Request{}, false, nil
	}
	r, err := getRequest(tx, string(id))
	if err != nil {
		return Request{}, false, err
	}
	return r, r.live(now), nil
}
