package cavra

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/store"
	"github.com/cavra-dev/cavra/policy"
	"github.com/cavra-dev/cavra/registry"
)

// Core types, re-exported so that a simple user imports one package.
type (
	Action     = decision.Action
	ActionType = decision.ActionType
	Agent      = decision.Agent
	Decision   = decision.Decision
	Match      = decision.Match
	// Confinement says how an action runs confined (package confine).
	Confinement = decision.Confinement
	Outcome     = decision.Outcome
	Severity    = decision.Severity
	Mode        = decision.Mode
)

// Action types.
const (
	ReadFile       = decision.ReadFile
	WriteFile      = decision.WriteFile
	ExecuteCommand = decision.ExecuteCommand
	GitOperation   = decision.GitOperation
	MCPToolCall    = decision.MCPToolCall
	HTTPRequest    = decision.HTTPRequest
	ToolCall       = decision.ToolCall
)

// Outcomes.
const (
	Allow           = decision.Allow
	RequireApproval = decision.RequireApproval
	Block           = decision.Block
)

// Severities.
const (
	Low      = decision.Low
	Medium   = decision.Medium
	High     = decision.High
	Critical = decision.Critical
)

// Modes.
const (
	Enforce    = decision.Enforce
	AuditOnly  = decision.AuditOnly
	Strict     = decision.Strict
	BreakGlass = decision.BreakGlass
)

// EvidenceMode says when Evaluate's decision record is considered written.
type EvidenceMode = evidence.Mode

// Evidence modes.
const (
	// EvidenceDurable (the default): Evaluate returns only after the
	// decision record is committed and fsynced; concurrent evaluations share
	// commits.
	EvidenceDurable = evidence.Durable
	// EvidenceAsync: Evaluate returns once the record is numbered and
	// queued. Records still queued when the process dies are lost; a write
	// failure blocks later decisions instead of the one whose record failed.
	// Close drains the queue.
	EvidenceAsync = evidence.Async
)

// ErrClosed is returned by a Guard used after Close.
var ErrClosed = errors.New("cavra: guard is closed")

// Options configures Open. The zero value uses the bundled default pack in
// enforce mode with the state directory found from the working directory,
// and records every decision durably before Evaluate returns.
type Options struct {
	// Packs names the policy packs: bundled ids, ids of packs in PolicyDirs,
	// or paths to pack files or directories. Empty means the state
	// directory's config.yaml, else policy.DefaultPack.
	Packs []string
	// PolicyDirs are directories laid out as "<dir>/<id>/policy.yaml"; their
	// packs are added to the bundled ones (and replace a bundled pack of the
	// same id). Added to those named in config.yaml.
	PolicyDirs []string
	// Mode is the policy mode; "" means config.yaml's, else the packs'
	// metadata.mode, else enforce.
	Mode Mode
	// BreakGlassActor and BreakGlassReason attest a break_glass mode; without
	// both, break_glass blocks every action.
	BreakGlassActor  string
	BreakGlassReason string
	// Home is the state directory. "" means StateDir's choice: CAVRA_HOME,
	// else walking up from the working directory the state directory `cavra
	// init` pinned for a project (ProjectStateDir) or a ".cavra" directory,
	// else "./.cavra" (created on first write).
	Home string
	// Dir is the working directory that relative paths in actions are
	// resolved against when an action's context has no "cwd". "" means the
	// process's working directory at Open.
	Dir string
	// Evidence is EvidenceDurable (the zero value) or EvidenceAsync.
	Evidence EvidenceMode
	// StoreTimeout bounds the wait for another process's lock on the state
	// directory's cavra.db; 0 means 2 seconds. Another process holding it
	// makes Open fail with an error that wraps ErrStateInUse.
	StoreTimeout time.Duration
	// CheckpointEvery and CheckpointInterval tune how often the evidence log
	// signs a checkpoint (defaults: 1000 records, one minute; and on Close).
	CheckpointEvery    int
	CheckpointInterval time.Duration
	// ShortLived says the Guard serves a process that decides an action or
	// two and exits (a coding-agent hook): Close then signs an evidence
	// checkpoint only when one is due (CheckpointEvery records or
	// CheckpointInterval since the last one) rather than every time. The
	// records in between stay hash-chained and are signed by the next due
	// checkpoint, from whichever process writes it.
	ShortLived bool
	// Expect names actions the caller is about to decide (a hook knows its
	// one action before it opens the Guard). Open prepares the policy's
	// rules for them while it waits for the state directory, so less of the
	// work happens while other processes wait for it.
	Expect []Action
	// ReadOnly opens a Guard that only checks (Check): it reads the state
	// directory's registry and approvals when its database exists, under a
	// shared lock held until Close, and creates nothing — no directory, no
	// keys, no policy cache entry — when it does not. Evaluate, approvals
	// and every other change fail with ErrReadOnly.
	ReadOnly bool
	// RegistryFile is a registry document (the original CAVRA format) used
	// instead of the state database's registry, without importing it.
	RegistryFile string
	// UnregisteredAgent is what an agent the registry does not know gets:
	// Allow (the default, with a registry.agent.unregistered match as a
	// flag), RequireApproval or Block. 0 means config.yaml's, else Allow.
	UnregisteredAgent Outcome
	// Approval, when set, replaces config.yaml's approval section (OIDC
	// issuer, RBAC, routing, local keys, break-glass, webhooks).
	Approval *approval.Config
	// Witness is the file, outside the state directory, that keeps the
	// evidence log's last signed tree head, so that a database that was
	// emptied, deleted, replaced or rolled back is detected: the Guard then
	// blocks every action with rule evidence.rollback_detected until a person
	// resets the witness (ResetWitness). "" means config.yaml's
	// evidence.witness, else evidence.DefaultWitnessPath(state directory),
	// in the user's state home; with no state home (neither XDG_STATE_HOME
	// nor HOME set) the log keeps no witness. Readers (OpenState, the
	// command line) find it by config.yaml or the default, so prefer
	// config.yaml for a witness they should see. One witness per state
	// directory.
	Witness string
	// Control, when set, makes this Guard the owner of its state directory
	// for other processes: Open listens on the directory's control socket
	// (ControlSocketPath, mode 0600, peers of this user only) and serves
	// Control(g) there — normally httpapi.ControlHandler — until Close, so
	// that `cavra approval approve`, `cavra evidence verify` and hooks work
	// while this Guard holds the database. Peers are served on Linux only
	// for now (elsewhere every connection is refused), and on Windows no
	// socket is opened: there is no named-pipe channel yet.
	Control func(g *Guard) http.Handler
	// TracerProvider and MeterProvider receive the Guard's OpenTelemetry
	// spans (one per Evaluate and Check, with the decision's attributes)
	// and metrics (see docs/observability.md). nil means the global
	// providers (otel.GetTracerProvider, otel.GetMeterProvider): no-ops
	// until the application configures an SDK.
	TracerProvider trace.TracerProvider
	MeterProvider  metric.MeterProvider
}

// ErrStateInUse means another process holds the state directory's database.
var ErrStateInUse = store.ErrInUse

// Guard decides about actions. It is safe for concurrent use; its compiled
// policy is an immutable snapshot swapped atomically by Reload.
type Guard struct {
	opts   Options
	home   string
	config Config
	active atomic.Pointer[active] // the compiled policy and its mode, swapped together
	mu     sync.Mutex             // serializes Reload and Close
	closed atomic.Bool

	st     *store.Store
	log    *evidence.Log
	digest string // policy digest last recorded as active

	reg        *registry.Store    // the state database's registry (nil with a registry file)
	regFile    *registry.Registry // a registry file given instead
	regPolicy  registry.Policy
	apr        *approval.Store
	routing    *approval.Routing // a read-only Guard's routing when there is no approval store
	missingLog error             // a read-only Guard's: no database where a witness says there was a log
	webhooks   []*approval.Webhook

	tel *telemetry // spans and metrics

	control     *control // the control socket server (Options.Control)
	controlStop sync.Once
}

// Open builds a Guard: it finds the state directory, reads its config.yaml
// if there is one, opens the evidence log in its cavra.db (creating the
// directory, the database and the signing key on first use), and compiles
// the policy packs, recording a policy change when the compiled digest is
// new to the log. A pack that does not load or compile is an error: a Guard
// never runs without its policy. Another process holding the database is an
// error wrapping ErrStateInUse. Close releases the database.
func Open(ctx context.Context, opts Options) (*Guard, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	home, err := StateDir(opts.Home)
	if err != nil {
		return nil, err
	}
	cfg, err := LoadConfig(home)
	if err != nil {
		return nil, err
	}
	if opts.Dir == "" {
		if opts.Dir, err = os.Getwd(); err != nil {
			return nil, fmt.Errorf("cavra: working directory: %w", err)
		}
	}
	g := &Guard{opts: opts, home: home, config: cfg, tel: newTelemetry(opts.TracerProvider, opts.MeterProvider)}
	// A cached policy snapshot loads while the state database opens; a
	// policy to compile is compiled first, so that the state directory's
	// lock is not held for it.
	packs, dirs := g.policySources()
	key := policyCacheKey(packs, dirs)
	compiled := make(chan compileResult, 1)
	if g.policyCached(key) {
		go func() {
			r := g.compileResult(ctx, packs, dirs, key)
			if r.err == nil {
				for _, a := range opts.Expect {
					r.set.Evaluate(ctx, a, policy.EvalOptions{Mode: r.mode, Dir: opts.Dir}) // builds the rules a needs
				}
			}
			compiled <- r
		}()
	} else {
		r := g.compileResult(ctx, packs, dirs, key)
		if r.err != nil {
			return nil, r.err
		}
		compiled <- r
	}
	if opts.ReadOnly {
		err := g.openReadOnly()
		r := <-compiled
		if err == nil {
			err = r.err
		}
		if err != nil {
			if g.st != nil {
				g.st.Close()
			}
			return nil, err
		}
		g.active.Store(&active{set: r.set, mode: r.mode})
		return g, nil
	}
	if err := g.openEvidence(); err != nil {
		return nil, err
	}
	if err := g.openRegistry(); err != nil {
		g.st.Close()
		return nil, err
	}
	if err := g.openApprovals(); err != nil {
		g.st.Close()
		return nil, err
	}
	r := <-compiled
	err = r.err
	if err == nil {
		err = g.install(ctx, r.set, r.mode, r.cache)
	}
	if err != nil {
		g.closeWebhooks()
		g.st.Close()
		return nil, err
	}
	if opts.Control != nil {
		if err := g.serveControl(opts.Control(g)); err != nil {
			g.Close()
			return nil, err
		}
	}
	return g, nil
}

// openEvidence opens the state directory's database and its evidence log,
// shared with every other Guard of this process on the same directory.
func (g *Guard) openEvidence() error {
	st, err := store.Open(g.home, &store.Options{Timeout: g.opts.StoreTimeout})
	if err != nil {
		return fmt.Errorf("cavra: %w", err)
	}
	witness, err := witnessFor(g.home, g.config, g.opts.Witness)
	if err != nil {
		st.Close()
		return err
	}
	v, err := st.Shared("evidence", func(db *bolt.DB) (io.Closer, error) {
		return evidence.Open(db, evidence.Options{
			Keys:               evidence.NewKeyRing(filepath.Join(g.home, evidence.KeyDir)),
			Mode:               g.opts.Evidence,
			CheckpointEvery:    g.opts.CheckpointEvery,
			CheckpointInterval: g.opts.CheckpointInterval,
			LazyClose:          g.opts.ShortLived,
			Witness:            witness,
		})
	})
	if err != nil {
		st.Close()
		return fmt.Errorf("cavra: evidence: %w", err)
	}
	log := v.(*evidence.Log)
	if log.Mode() != g.opts.Evidence {
		// Sharing one writer means sharing its durability; refuse rather
		// than give a caller asking for durable records an async log.
		st.Close()
		return fmt.Errorf("cavra: the evidence log of %s is already open in this process in another mode", g.home)
	}
	g.st, g.log = st, log
	return nil
}

// recordPolicy writes a policy-change record when set's digest is not the
// one the log last recorded as active.
func (g *Guard) recordPolicy(ctx context.Context, set *policy.Set, mode Mode) error {
	if g.digest == "" {
		recs, err := g.log.List(ctx, evidence.Query{Kind: evidence.KindPolicyChange, Limit: 1})
		if err != nil {
			return err
		}
		if len(recs) == 1 {
			var prev policyChange
			if json.Unmarshal(recs[0].Data, &prev) == nil {
				g.digest = prev.PolicyDigest
			}
		}
	}
	if set.Digest() == g.digest {
		return nil
	}
	_, err := g.log.Append(context.WithoutCancel(ctx), evidence.Entry{Kind: evidence.KindPolicyChange, Data: policyChange{
		PolicyDigest: set.Digest(), PreviousDigest: g.digest, Policy: set.Name(), Mode: mode, Home: g.home,
	}})
	if err != nil {
		return err
	}
	g.digest = set.Digest()
	return nil
}

// policyChange is the data of a policy-change record.
type policyChange struct {
	PolicyDigest   string `json:"policy_digest"`
	PreviousDigest string `json:"previous_digest,omitempty"`
	Policy         string `json:"policy"`
	Mode           Mode   `json:"mode,omitempty"`
	Home           string `json:"state_dir"`
}

// Reload recompiles the policy from the same sources and swaps it in. On
// error the previous policy stays active.
func (g *Guard) Reload(ctx context.Context) error {
	packs, dirs := g.policySources()
	set, mode, cache, err := g.compile(ctx, packs, dirs, policyCacheKey(packs, dirs))
	if err != nil {
		return err
	}
	return g.install(ctx, set, mode, cache)
}

// compileResult is what compile returns, as one value for a channel.
type compileResult struct {
	set   *policy.Set
	mode  Mode
	cache func()
	err   error
}

func (g *Guard) compileResult(ctx context.Context, packs, dirs []string, key string) compileResult {
	set, mode, cache, err := g.compile(ctx, packs, dirs, key)
	return compileResult{set, mode, cache, err}
}

// policySources returns the packs and policy directories the Guard uses.
func (g *Guard) policySources() (packs, dirs []string) {
	packs = g.opts.Packs
	if len(packs) == 0 {
		packs = g.config.Packs
	}
	return packs, policyDirs(append(append([]string(nil), g.config.PolicyDirs...), g.opts.PolicyDirs...))
}

// policyCached reports whether the state directory's cache holds a
// compiled snapshot under key.
func (g *Guard) policyCached(key string) bool {
	if key == "" {
		return false
	}
	_, err := os.Stat(g.policyCachePath(key))
	return err == nil
}

// compile builds the policy the Guard's options and config.yaml name: from
// the state directory's cache under key (see policyCacheKey), else by
// compiling the packs. It touches no state, so Open runs it before or while
// taking the state directory's lock. The returned cache function, when not
// nil, stores the compiled policy's snapshot; install calls it once the
// state directory exists.
func (g *Guard) compile(ctx context.Context, packs, dirs []string, key string) (*policy.Set, Mode, func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, "", nil, err
	}
	set := g.loadCachedPolicy(key)
	var cache func()
	if set == nil {
		lib, err := libraryOf(dirs)
		if err != nil {
			return nil, "", nil, err
		}
		if set, err = lib.Compile(packs...); err != nil {
			return nil, "", nil, err
		}
		cache = func() { g.storeCachedPolicy(key, set) }
	}
	mode := g.opts.Mode
	if mode == "" {
		mode = g.config.Mode
	}
	if _, err := decision.ParseMode(string(mode)); err != nil {
		return nil, "", nil, fmt.Errorf("cavra: %w", err)
	}
	return set, mode, cache, nil
}

// install records a policy change when the digest is new and swaps the
// compiled policy in.
func (g *Guard) install(ctx context.Context, set *policy.Set, mode Mode, cache func()) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed.Load() {
		return ErrClosed
	}
	// A log that failed its witness records nothing; the Guard opens to
	// block every action with a reason (see Evaluate).
	if g.log.Rollback() == nil {
		if err := g.recordPolicy(ctx, set, mode); err != nil {
			return fmt.Errorf("cavra: record policy change: %w", err)
		}
	}
	g.active.Store(&active{set: set, mode: mode})
	if cache != nil {
		cache() // the state directory exists now
	}
	return nil
}

// active is what Reload swaps in: one immutable snapshot, so an Evaluate
// never sees a new policy with an old mode.
type active struct {
	set  *policy.Set
	mode Mode
}

// CompilePolicy compiles packs (ids or paths) from PolicyLibrary(dirs).
func CompilePolicy(packs, dirs []string) (*policy.Set, error) {
	lib, err := PolicyLibrary(dirs)
	if err != nil {
		return nil, err
	}
	return lib.Compile(packs...)
}

// PolicyLibrary returns the bundled packs plus the packs of the policy
// directories, later directories overriding earlier ones. Directories named
// by CAVRA_POLICY_DIR (a path list) come first.
func PolicyLibrary(dirs []string) (*policy.Library, error) { return libraryOf(policyDirs(dirs)) }

// policyDirs puts CAVRA_POLICY_DIR's directories before dirs.
func policyDirs(dirs []string) []string {
	if env := os.Getenv("CAVRA_POLICY_DIR"); env != "" {
		return append(filepathSplitList(env), dirs...)
	}
	return dirs
}

// libraryOf returns the bundled packs plus the packs of exactly dirs.
func libraryOf(dirs []string) (*policy.Library, error) {
	lib, err := policy.DefaultLibrary()
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if err := lib.AddDir(d); err != nil {
			return nil, err
		}
	}
	return lib, nil
}

// Policy returns the active compiled policy.
func (g *Guard) Policy() *policy.Set { return g.active.Load().set }

// Home returns the state directory.
func (g *Guard) Home() string { return g.home }

// Evaluate decides about one action and records the decision in the
// evidence log before returning it; EvidenceRefs points at the record. The
// decision is data: a block carries its reason and rule. The error is for
// the machinery: after Close, or when something inside failed (a decision
// record that could not be written, say) — and then the decision is still
// returned, as a block that says what failed, so a caller that only reads
// the decision stays safe.
func (g *Guard) Evaluate(ctx context.Context, a Action) (d Decision, err error) {
	start, tel := time.Now(), g.telemetry()
	ctx, span := tel.start(ctx, "cavra.Evaluate")
	defer func() { tel.end(ctx, span, true, &a, &d, err, start) }() // runs last: after the recover below
	defer func() {
		if r := recover(); r != nil {
			d = failed(a, fmt.Sprintf("internal error while deciding: %v", r))
			err = fmt.Errorf("cavra: evaluate: panic: %v", r)
		}
	}()
	if g == nil || g.closed.Load() {
		return failed(a, "the guard is closed"), ErrClosed
	}
	if g.opts.ReadOnly {
		return failed(a, "the guard is read-only: it checks actions but records no decision"), ErrReadOnly
	}
	if rerr := g.rollback(); rerr != nil {
		return rollbackDetected(a, rerr), fmt.Errorf("cavra: evaluate: %w", rerr)
	}
	d, _, a = g.decide(ctx, a, false)
	events, aerr := g.applyApprovals(ctx, a, &d)
	if aerr != nil {
		d, err = approvalFailed(a, d, aerr), fmt.Errorf("cavra: evaluate: approvals: %w", aerr)
	}
	kind := evidence.KindDecision
	if d.Attestation != nil {
		kind = evidence.KindBreakGlass
	}
	// The record is written even when ctx is done: a decision that was
	// taken is recorded.
	commitStart := time.Now()
	ref, werr := g.log.Append(context.WithoutCancel(ctx), evidence.Entry{Kind: kind, Decision: &d})
	tel.commitDone(ctx, commitStart)
	if werr != nil {
		blocked := failed(a, "the decision could not be recorded as evidence, so the action is blocked: "+werr.Error())
		blocked.RuleID, blocked.Matches[0].RuleID = "evidence.write_failed", "evidence.write_failed"
		blocked.PolicyPack, blocked.PolicyDigest, blocked.ActionDigest = d.PolicyPack, d.PolicyDigest, d.ActionDigest
		return blocked, fmt.Errorf("cavra: evaluate: %w", werr)
	}
	d.EvidenceRefs = append(d.EvidenceRefs, ref.String())
	for i := range events {
		events[i].DecisionID = orString(events[i].DecisionID, d.DecisionID)
	}
	if rerr := g.recordApprovalEvents(ctx, events); rerr != nil {
		return d, fmt.Errorf("cavra: evaluate: recording approval events: %w", rerr)
	}
	return d, err
}

// telemetry is g's, or nil for a nil Guard.
func (g *Guard) telemetry() *telemetry {
	if g == nil {
		return nil
	}
	return g.tel
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (g *Guard) closeWebhooks() {
	for _, w := range g.webhooks {
		w.Close(context.Background())
	}
}

// Evidence returns read-only access to the Guard's evidence log, for
// queries, verification and exports. Records are written by the Guard's own
// methods only (Evaluate, RecordOutcome, the approval, registry, retention
// and key methods), so a caller cannot forge a decision.
func (g *Guard) Evidence() *EvidenceReader { return &EvidenceReader{l: g.log} }

// Attest returns a signed, offline-verifiable bundle of the evidence
// records matching q, with an inclusion proof for each.
func (g *Guard) Attest(ctx context.Context, q evidence.Query) (*evidence.Bundle, error) {
	if g == nil || g.closed.Load() {
		return nil, ErrClosed
	}
	if g.log == nil {
		return nil, ErrNoState
	}
	return g.log.Attest(ctx, q)
}

// Close flushes the evidence log, signs a checkpoint and releases the
// Guard. Evaluate after Close blocks with ErrClosed.
func (g *Guard) Close() error {
	// The control socket stops first, letting its requests finish, so that
	// what they decided is recorded before the log closes.
	g.controlStop.Do(g.stopControl)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed.Swap(true) {
		return nil
	}
	g.closeWebhooks()
	if g.opts.ReadOnly {
		if g.st == nil { // no state database
			return nil
		}
		return g.st.Close()
	}
	var cerr error
	if !g.opts.ShortLived && g.log.Rollback() == nil { // a short-lived Guard's log signs when a checkpoint is due
		_, cerr = g.log.Checkpoint(context.Background())
		if errors.Is(cerr, evidence.ErrClosed) {
			cerr = nil
		}
	}
	return errors.Join(cerr, g.st.Close())
}

// failed is the decision for an action that could not be decided.
func failed(a Action, reason string) Decision {
	d := Decision{
		SessionID: a.Agent.Session, AgentID: a.Agent.ID, Actor: a.Agent.Actor,
		ActionType: a.Type, Target: a.Target, RequestedOperation: a.Operation,
		RuleID: "guard.error", Decision: Block, Severity: High, Reason: reason,
		Matches:      []Match{{RuleID: "guard.error", Decision: Block, Severity: High, Reason: reason}},
		EvidenceRefs: []string{}, Mode: Enforce,
		SubagentID: a.Context[decision.ContextSubagentID], SubagentType: a.Context[decision.ContextSubagentType],
	}
	if a.Confinement != nil {
		c := *a.Confinement
		d.Confinement = &c
	}
	stamp(&d)
	return d
}

func stamp(d *Decision) {
	d.DecisionID = newID("dec_")
	d.CorrelationID = newID("corr_")
	d.Timestamp = time.Now().UTC()
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}
