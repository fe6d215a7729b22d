package cavra

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/store"
	"github.com/cavra-dev/cavra/policy"
)

// ErrReadOnly is returned by a read-only Guard (Options.ReadOnly) asked to
// record or change something.
var ErrReadOnly = errors.New("cavra: the guard is read-only")

// ErrInvalidAction is wrapped by the errors of actions that cannot be
// decided as given (see Action.Normalize); the Guard blocks them with rule
// action.invalid.
var ErrInvalidAction = decision.ErrInvalidAction

// MCPName returns "mcp__<server>__<tool>", the name the coding agents give
// an MCP server's tool.
func MCPName(server, tool string) string { return decision.MCPName(server, tool) }

// ParseMCPName splits an "mcp__<server>__<tool>" name; ok is false for any
// other string.
func ParseMCPName(name string) (server, tool string, ok bool) { return decision.ParseMCPName(name) }

// Check decides about an action exactly as Evaluate would at this moment —
// the registry, the policy, the mode, the approval store's grants and
// denials — but records nothing, creates no approval request and consumes
// no grant. It is the dry run behind `cavra policy explain`, `cavra evaluate
// --dry-run` and CAVRA's MCP server: for the same state, Evaluate's outcome
// and rule equal Check's. A require_approval names the approval request
// already pending for the action, if there is one, and the group a new one
// would be routed to. The decision has no decision id and no evidence refs.
func (g *Guard) Check(ctx context.Context, a Action) (Decision, error) {
	d, _, err := g.check(ctx, a, false)
	return d, err
}

// Explain is Check that also returns the facts the policy saw in the
// action: the commands of a command line, the paths it reads, writes and
// deletes, its network targets.
func (g *Guard) Explain(ctx context.Context, a Action) (Decision, policy.Facts, error) {
	return g.check(ctx, a, true)
}

func (g *Guard) check(ctx context.Context, a Action, explain bool) (d Decision, facts policy.Facts, err error) {
	start, tel := time.Now(), g.telemetry()
	ctx, span := tel.start(ctx, "cavra.Check")
	defer func() { tel.end(ctx, span, false, &a, &d, err, start) }() // runs last: after the recover below
	defer func() {
		if r := recover(); r != nil {
			d = failed(a, fmt.Sprintf("internal error while deciding: %v", r))
			d.DecisionID = ""
			err = fmt.Errorf("cavra: check: panic: %v", r)
		}
	}()
	if g == nil || g.closed.Load() {
		d = failed(a, "the guard is closed")
		d.DecisionID = ""
		return d, facts, ErrClosed
	}
	if rerr := g.rollback(); rerr != nil { // as Evaluate: nothing is decided on a history that cannot be confirmed
		d = rollbackDetected(a, rerr)
		d.DecisionID = ""
		return d, facts, fmt.Errorf("cavra: check: %w", rerr)
	}
	d, facts, a = g.decide(ctx, a, explain)
	d.DecisionID = ""
	if aerr := g.previewApprovals(ctx, a, &d); aerr != nil {
		d = approvalFailed(a, d, aerr)
		d.DecisionID = ""
		return d, facts, fmt.Errorf("cavra: check: approvals: %w", aerr)
	}
	return d, facts, nil
}

// The filesystem probes of one decision (policy.NewFSProbe): at most
// probeCalls system calls and probeTime of time. A decision whose probes
// ran out of budget is blocked (probeExhausted): what the skipped probes
// would have found — a link to a key, a glob's match — is unknown, and an
// agent can make a probe expensive on purpose. The time bound is generous
// so that a loaded machine does not reach it on ordinary lines.
const (
	probeCalls = 512
	probeTime  = 250 * time.Millisecond
)

// decide is the part of Evaluate and Check before approvals: it normalizes
// the action, asks the registry and the policy, and stamps the decision. It
// returns the normalized action, which approvals and evidence use.
func (g *Guard) decide(ctx context.Context, a Action, explain bool) (d Decision, facts policy.Facts, _ Action) {
	if n, err := a.Normalize(); err == nil {
		a = n
	} // else the policy blocks it as action.invalid
	act := g.active.Load()
	probe := policy.NewFSProbe(probeCalls, probeTime)
	opts := policy.EvalOptions{
		Mode:             act.mode,
		BreakGlassActor:  g.opts.BreakGlassActor,
		BreakGlassReason: g.opts.BreakGlassReason,
		Dir:              g.opts.Dir,
		// Paths are judged as what they reach on disk now: links
		// followed, globs expanded, within a budget per decision.
		Probe: probe,
	}
	g.registryOptions(ctx, a, &opts)
	// Explain costs what Evaluate does; the facts are for refuseSelf.
	x := act.set.Explain(ctx, a, opts)
	d = x.Decision
	if explain {
		facts = x.Facts
	}
	g.refuseSelf(a, x.Facts, &d)
	if probe.Exhausted() && d.Decision != Block {
		probeExhausted(&d, probe.Calls())
	}
	stamp(&d)
	// The digest links the decision to approvals and to the outcome an
	// adapter reports; an adapter's call id (Claude Code's tool_use_id) is
	// the correlation id when there is one.
	if digest, derr := a.Digest(); derr == nil {
		d.ActionDigest = digest
	}
	if id := a.Context["tool_use_id"]; id != "" {
		d.CorrelationID = id
	}
	d.SubagentID, d.SubagentType = a.Context[decision.ContextSubagentID], a.Context[decision.ContextSubagentType]
	if a.Confinement != nil {
		c := *a.Confinement
		d.Confinement = &c
	}
	return d, facts, a
}

// probeExhausted blocks a decision whose filesystem probes were cut short:
// fail closed, since what they would have found is unknown.
func probeExhausted(d *Decision, calls int) {
	reason := fmt.Sprintf("the filesystem probe ran out of budget (%d system calls, %s) before every path of the action was checked for links and glob matches, so the action is blocked; name the files without wildcards or links", calls, probeTime)
	m := Match{RuleID: "probe.exhausted", Decision: Block, Severity: High, Reason: reason}
	d.Decision, d.RuleID, d.Severity, d.Reason = Block, m.RuleID, m.Severity, reason
	d.Matches = append([]Match{m}, d.Matches...)
}

// approvalFailed is the decision when the approval store could not be
// consulted.
func approvalFailed(a Action, d Decision, err error) Decision {
	blocked := failed(a, "the approval store could not be consulted, so the action is blocked: "+err.Error())
	blocked.RuleID, blocked.Matches[0].RuleID = "approval.error", "approval.error"
	blocked.PolicyPack, blocked.PolicyDigest, blocked.ActionDigest = d.PolicyPack, d.PolicyDigest, d.ActionDigest
	return blocked
}

// approvalApplies reports whether the approval store has a say about d: not
// about an allow, not in audit_only, and never over the kill switch.
func (g *Guard) approvalApplies(d *Decision) bool {
	return g.apr != nil && d.Decision != Allow && d.Mode != AuditOnly && !hasRegistryBlock(d)
}

// applyVerdict turns a grant or a denial into the effective decision; it
// reports whether there was one.
func applyVerdict(d *Decision, v approval.Verdict) bool {
	switch v.Kind {
	case approval.VerdictGranted:
		base := d.Decision
		d.BaseDecision = &base
		d.Decision, d.RuleID, d.ApprovalID = Allow, v.RuleID, v.RequestID
		d.Reason = v.Reason
		d.Matches = append(d.Matches, Match{RuleID: v.RuleID, Decision: Allow, Severity: d.Severity, Reason: v.Reason})
		return true
	case approval.VerdictDenied:
		d.Decision, d.RuleID, d.ApprovalID = Block, v.RuleID, v.RequestID
		d.Reason = v.Reason
		d.Matches = append(d.Matches, Match{RuleID: v.RuleID, Decision: Block, Severity: d.Severity, Reason: v.Reason})
		return true
	}
	return false
}

// previewApprovals is applyApprovals without its effects: a grant is
// reported and not consumed, and a require_approval names the pending
// request, if any, instead of creating one.
func (g *Guard) previewApprovals(ctx context.Context, a Action, d *Decision) error {
	if g.apr == nil && g.routing != nil && d.Decision == RequireApproval && d.Mode != AuditOnly && !hasRegistryBlock(d) {
		// No state yet: no grants and no requests, but routing says where
		// the request Evaluate would create goes.
		pendingMatch(d, approval.Request{}, false, g.routing.Resolve(approval.SubjectOf(a, *d)))
		return nil
	}
	if !g.approvalApplies(d) {
		return nil
	}
	v, err := g.apr.Peek(ctx, a, d.Decision)
	if err != nil {
		return err
	}
	if applyVerdict(d, v) || d.Decision != RequireApproval {
		return nil
	}
	req, ok, route, err := g.apr.Pending(ctx, a, *d)
	if err != nil {
		return err
	}
	pendingMatch(d, req, ok, route)
	return nil
}

// pendingMatch says on d which request is pending for it (ok), or where a
// new one would be routed.
func pendingMatch(d *Decision, req approval.Request, ok bool, route approval.Route) {
	group := route.ApproverGroup
	if ok {
		d.ApprovalID, group = req.ID, req.Group
		d.Matches = append(d.Matches, Match{RuleID: "approval.requested", Decision: RequireApproval, Severity: d.Severity, ApproverGroup: group,
			Reason: fmt.Sprintf("Approval %s is pending with %s (%d of %d approvals).", req.ID, group, len(req.Approvals), req.Quorum)})
	} else {
		d.Matches = append(d.Matches, Match{RuleID: "approval.requested", Decision: RequireApproval, Severity: d.Severity, ApproverGroup: group,
			Reason: fmt.Sprintf("An approval request would be sent to %s.", group)})
	}
	if group != "" {
		d.ApproverGroup = group
	}
}

// openReadOnly opens what a read-only Guard reads: the state directory's
// registry and approval store when its database exists (shared lock, no
// writes), and nothing at all when it does not — no directory, no keys.
func (g *Guard) openReadOnly() error {
	opts, err := g.dryRunApprovalOptions()
	if err != nil {
		return err
	}
	if !store.Exists(g.home) {
		if g.routing = opts.Routing; g.routing == nil {
			g.routing = approval.DefaultRouting()
		}
		return g.openRegistry() // a registry file still applies
	}
	st, err := store.Open(g.home, &store.Options{ReadOnly: true, Timeout: g.opts.StoreTimeout})
	if err != nil {
		return fmt.Errorf("cavra: %w", err)
	}
	g.st = st
	if err := g.openRegistry(); err != nil {
		return err
	}
	v, err := st.Shared("approval", func(db *bolt.DB) (io.Closer, error) { return approval.Open(db, opts) })
	if err != nil {
		return fmt.Errorf("cavra: %w", err)
	}
	g.apr = v.(*approval.Store)
	lv, err := st.Shared("evidence", func(db *bolt.DB) (io.Closer, error) {
		return evidence.Open(db, evidence.Options{Keys: evidence.NewKeyRing(filepath.Join(g.home, evidence.KeyDir)), ReadOnly: true})
	})
	if err != nil {
		return fmt.Errorf("cavra: evidence: %w", err)
	}
	g.log = lv.(*evidence.Log)
	return nil
}

// dryRunApprovalOptions are the approval options of config.yaml (or
// Options.Approval) for a Guard that only checks: routing and verifiers,
// without webhooks — a dry run notifies nobody.
func (g *Guard) dryRunApprovalOptions() (*approval.Options, error) {
	cfg := g.config.Approval
	if g.opts.Approval != nil {
		cfg = *g.opts.Approval
	}
	opts, hooks, err := cfg.Options(g.home, nil)
	if err != nil {
		return nil, fmt.Errorf("cavra: approval configuration: %w", err)
	}
	for _, h := range hooks {
		h.Close(context.Background())
	}
	return opts, nil
}

// Mode returns the mode decisions are made in: the configured one, else
// the policy's own.
func (g *Guard) Mode() Mode {
	act := g.active.Load()
	if act.mode != "" {
		return act.mode
	}
	return act.set.Mode()
}

// writable is the error of a Guard that cannot change state: closed, or
// read-only.
func (g *Guard) writable() error {
	switch {
	case g == nil || g.closed.Load():
		return ErrClosed
	case g.opts.ReadOnly:
		return ErrReadOnly
	}
	if err := g.rollback(); err != nil {
		return fmt.Errorf("cavra: %w", err)
	}
	return nil
}

// rollback is the witness check's failure: the log does not extend its
// witness. nil when the history is confirmed or no witness is kept. A
// read-only Guard does not check the witness (its location depends on the
// environment of the process that wrote it; `cavra evidence verify` does).
func (g *Guard) rollback() error {
	if g.log != nil {
		return g.log.Rollback()
	}
	return nil
}
