package cavra

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/go-jose/go-jose/v4"
	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/keys"
)

// LocalApprovalKeyID is the key id of the state directory's local approval
// key, which `cavra approval approve --local` signs with.
const LocalApprovalKeyID = "local-approval"

// localKeyDir holds the local approval key in the state directory.
const localKeyDir = "keys/approval"

// openApprovals opens the approval store in the state database, configured
// from config.yaml's approval section. Local approvals are accepted with the
// state directory's local approval key unless the configuration names other
// local keys.
func (g *Guard) openApprovals() error {
	cfg := g.config.Approval
	if g.opts.Approval != nil {
		cfg = *g.opts.Approval
	}
	opts, hooks, err := cfg.Options(g.home, func(ev approval.Event) { g.recordApprovalEvents(context.Background(), []approval.Event{ev}) })
	if err != nil {
		return fmt.Errorf("cavra: approval configuration: %w", err)
	}
	g.webhooks = hooks
	if opts.LocalKeys == nil {
		// The state directory's own key: created on first use, so that a
		// developer without an identity provider can approve with --local.
		// Its public half is read when it is there: deriving it from the
		// private key costs a hook process more than its decision.
		dir := filepath.Join(g.home, localKeyDir)
		set, err := keys.ReadPublic(filepath.Join(dir, LocalApprovalKeyID+".public.jwk"))
		if err != nil {
			priv, perr := g.localApprovalKey()
			if perr != nil {
				return fmt.Errorf("cavra: local approval key: %w", perr)
			}
			set = &jose.JSONWebKeySet{Keys: []jose.JSONWebKey{priv.Public()}}
		}
		opts.LocalKeys = set
	}
	v, err := g.st.Shared("approval", func(db *bolt.DB) (io.Closer, error) { return approval.Open(db, opts) })
	if err != nil {
		return fmt.Errorf("cavra: %w", err)
	}
	g.apr = v.(*approval.Store)
	return nil
}

// localApprovalKey returns the state directory's local approval key,
// creating it (mode 0600) on first use, as the evidence key is, with the
// state directory. It is unexported: the private key never leaves the Guard
// (SignLocalApproval signs with it).
func (g *Guard) localApprovalKey() (jose.JSONWebKey, error) {
	dir := filepath.Join(g.home, localKeyDir)
	priv, err := keys.ReadPrivate(filepath.Join(dir, LocalApprovalKeyID+".private.jwk"))
	if err == nil {
		return priv, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return jose.JSONWebKey{}, err
	}
	priv, err = keys.Generate(jose.EdDSA, LocalApprovalKeyID)
	if err != nil {
		return jose.JSONWebKey{}, err
	}
	if _, _, err := keys.WritePair(dir, priv, false); err != nil {
		return jose.JSONWebKey{}, err
	}
	return priv, nil
}

// Approvals returns read-only access to the approval requests and grants.
func (g *Guard) Approvals() ApprovalReader { return ApprovalReader{s: g.apr} }

// applyApprovals turns the policy's decision into the effective one once
// approvals are taken into account: a live grant for this exact action
// allows it (approval.granted, consuming a use), a live denial blocks it
// (approval.denied), and a require_approval with neither creates — or finds
// the pending — request, whose id the decision carries. Registry blocks (a
// disabled agent) are never passed here: no grant overrides the kill switch.
func (g *Guard) applyApprovals(ctx context.Context, a Action, d *Decision) ([]approval.Event, error) {
	if !g.approvalApplies(d) {
		return nil, nil
	}
	v, evs, err := g.apr.Check(ctx, a, d.Decision)
	if err != nil || applyVerdict(d, v) || d.Decision != RequireApproval {
		return evs, err
	}
	req, more, err := g.apr.Submit(ctx, a, *d)
	evs = append(evs, more...)
	if err != nil {
		return evs, err
	}
	// The decision names the group the request was routed to, which is who
	// must act on it; the policy's own group stays in its rule's match.
	pendingMatch(d, req, true, approval.Route{})
	return evs, nil
}

// hasRegistryBlock reports whether d holds a block that no approval lifts:
// the kill switch, or the refusal of CAVRA's own control plane.
func hasRegistryBlock(d *Decision) bool {
	for _, m := range d.Matches {
		if m.Decision == Block && (m.RuleID == "registry.agent.disabled" || m.RuleID == "registry.agent.unregistered") || isSelfBlock(m) {
			return true
		}
	}
	return false
}

// recordApprovalEvents writes approval events to evidence: grant uses as
// grant_use records, everything else as approval events.
func (g *Guard) recordApprovalEvents(ctx context.Context, evs []approval.Event) error {
	var errs []error
	for _, ev := range evs {
		kind := evidence.KindApproval
		if ev.Type == approval.EventConsumed {
			kind = evidence.KindGrantUse
		}
		if _, err := g.log.Append(context.WithoutCancel(ctx), evidence.Entry{Kind: kind, Data: ev, AgentID: ev.Agent}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Approve records an approval of request id by the person the credential
// proves (an OIDC ID token, or a local signature), with a reason. When the
// request's quorum is met, a grant for the exact action is created. Every
// event — including a refusal — is written to evidence.
func (g *Guard) Approve(ctx context.Context, id string, cred approval.Credential, reason string) (approval.Request, error) {
	return g.decideApproval(ctx, id, cred, reason, g.apr.Approve)
}

// Deny records a denial of request id; the same action is then blocked
// (approval.denied) until the denial expires.
func (g *Guard) Deny(ctx context.Context, id string, cred approval.Credential, reason string) (approval.Request, error) {
	return g.decideApproval(ctx, id, cred, reason, g.apr.Deny)
}

func (g *Guard) decideApproval(ctx context.Context, id string, cred approval.Credential, reason string,
	fn func(context.Context, string, approval.Credential, string) (approval.Request, []approval.Event, error)) (approval.Request, error) {
	if err := g.writable(); err != nil {
		return approval.Request{}, err
	}
	req, evs, err := fn(ctx, id, cred, reason)
	if rerr := g.recordApprovalEvents(ctx, evs); rerr != nil {
		return req, errors.Join(err, fmt.Errorf("%w: approval events of %s: %w", ErrNotRecorded, id, rerr))
	}
	return req, err
}

// BreakGlass grants an action (or an agent, for a time box) without the
// usual approval, for a verified person holding the break-glass group, with
// a reason; it is recorded as a critical evidence record.
func (g *Guard) BreakGlass(ctx context.Context, bg approval.BreakGlassRequest) (approval.Request, error) {
	if err := g.writable(); err != nil {
		return approval.Request{}, err
	}
	req, evs, err := g.apr.BreakGlass(ctx, bg)
	if rerr := g.recordApprovalEvents(ctx, evs); rerr != nil {
		return req, errors.Join(err, fmt.Errorf("%w: break-glass events: %w", ErrNotRecorded, rerr))
	}
	return req, err
}

// SweepApprovals expires requests and grants that ran out and records it.
func (g *Guard) SweepApprovals(ctx context.Context) error {
	if err := g.writable(); err != nil {
		return err
	}
	evs, err := g.apr.Sweep(ctx)
	if rerr := g.recordApprovalEvents(ctx, evs); rerr != nil {
		return errors.Join(err, fmt.Errorf("%w: expiries: %w", ErrNotRecorded, rerr))
	}
	return err
}

// PassphrasePath is where state directory home keeps the hash of its
// enrolled approver passphrase (`cavra approval enroll`), beside the local
// approval key. The CLI requires that passphrase, typed on a terminal,
// before it signs a local approval.
func PassphrasePath(home string) string {
	return filepath.Join(home, localKeyDir, approval.PassphraseFile)
}

// RefuseApproval records in evidence, as an approval.rejected event, an
// attempt to approve, deny or break glass on request id that the caller
// refused before presenting a credential (attempted from inside a coding
// agent, a wrong approver passphrase, no terminal), and returns cause —
// joined with ErrNotRecorded if the record could not be written.
func (g *Guard) RefuseApproval(ctx context.Context, verb approval.Verb, id, claimedActor, reason string, cause error) error {
	if err := g.writable(); err != nil {
		return errors.Join(cause, err)
	}
	ev := g.apr.Refused(ctx, verb, id, claimedActor, reason, cause)
	if rerr := g.recordApprovalEvents(ctx, []approval.Event{ev}); rerr != nil {
		return errors.Join(cause, fmt.Errorf("%w: refused %s of %s: %w", ErrNotRecorded, verb, id, rerr))
	}
	return cause
}

// SignLocalApproval signs a local approval (or denial) of request id by
// actor with the state directory's local approval key. It checks no
// passphrase: a program that embeds the Guard is its user's own tooling.
// The CLI asks for the enrolled passphrase first (PassphrasePath).
func (g *Guard) SignLocalApproval(verb approval.Verb, id, actor string) (approval.LocalSignature, error) {
	if err := g.writable(); err != nil {
		return approval.LocalSignature{}, err
	}
	priv, err := g.localApprovalKey()
	if err != nil {
		return approval.LocalSignature{}, err
	}
	return approval.SignLocal(priv, verb, id, actor, time.Now())
}

// SignLocalApprovalAt signs a local approval (or denial) of subject by
// actor with the local approval key of state directory home, without
// opening its database: for a command whose state directory is owned by a
// running Guard (it sends the signature over the control socket). The key
// must exist (the owner created it); like SignLocalApproval it checks no
// passphrase, which the CLI asks for first.
func SignLocalApprovalAt(home string, verb approval.Verb, subject, actor string) (approval.LocalSignature, error) {
	home, err := StateDir(home)
	if err != nil {
		return approval.LocalSignature{}, err
	}
	priv, err := keys.ReadPrivate(filepath.Join(home, localKeyDir, LocalApprovalKeyID+".private.jwk"))
	if err != nil {
		return approval.LocalSignature{}, fmt.Errorf("cavra: local approval key: %w", err)
	}
	return approval.SignLocal(priv, verb, subject, actor, time.Now())
}
