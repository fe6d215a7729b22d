package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/claudecode"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/registry"
)

func (s *Server) agentCheck(p cavra.Peer) (approval.AgentOrigin, bool) {
	if s.opts.AgentCheck != nil {
		return s.opts.AgentCheck(p)
	}
	return p.Agent()
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ Caller) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ Caller) {
	info, err := s.g.Evidence().Info()
	if err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "the evidence log is not available: "+err.Error())
		return
	}
	if err := s.g.Evidence().Rollback(); err != nil {
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "log_id": info.LogID, "size": info.Size, "mode": s.g.Mode()})
}

// action reads the Action of an evaluate or check body.
func action(r *http.Request) (cavra.Action, error) {
	var a cavra.Action
	if err := decode(r, &a); err != nil {
		return a, err
	}
	if a.Type == "" {
		return a, badRequest("the action has no type")
	}
	return a, nil
}

func (s *Server) evaluate(w http.ResponseWriter, r *http.Request, _ Caller) {
	a, err := action(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	d, err := s.g.Evaluate(r.Context(), a)
	s.logDecision(r, "evaluate", d)
	if err != nil {
		// The machinery failed; the decision is still a block.
		writeProblemValue(w, r, &Problem{Type: ProblemType + "evaluation-failed", Title: http.StatusText(http.StatusServiceUnavailable),
			Status: http.StatusServiceUnavailable, Detail: err.Error(), Decision: &d})
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) check(w http.ResponseWriter, r *http.Request, _ Caller) {
	a, err := action(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	d, err := s.g.Check(r.Context(), a)
	s.logDecision(r, "check", d)
	if err != nil {
		writeProblemValue(w, r, &Problem{Type: ProblemType + "evaluation-failed", Title: http.StatusText(http.StatusServiceUnavailable),
			Status: http.StatusServiceUnavailable, Detail: err.Error(), Decision: &d})
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// OutcomeRequest is the body of POST /v1/outcomes.
type OutcomeRequest struct {
	Action  cavra.Action        `json:"action"`
	Outcome cavra.ActionOutcome `json:"outcome"`
}

func (s *Server) outcome(w http.ResponseWriter, r *http.Request, _ Caller) {
	var req OutcomeRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	ref, err := s.g.RecordOutcome(r.Context(), req.Action, req.Outcome)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"evidence_ref": ref.String()})
}

// query reads the evidence list filters of GET /v1/decisions, as `cavra
// evidence list` names them.
func query(r *http.Request) (evidence.Query, error) {
	v := r.URL.Query()
	q := evidence.Query{Session: v.Get("session"), Agent: v.Get("agent"), RuleID: v.Get("rule_id"),
		ActionType: decision.ActionType(v.Get("action_type")), Kind: evidence.Kind(v.Get("kind")), Limit: 100}
	if s := v.Get("decision"); s != "" {
		o, err := decision.ParseOutcome(s)
		if err != nil {
			return q, badRequest("decision: " + err.Error())
		}
		q.Decision = o
	}
	if s := v.Get("severity"); s != "" {
		sv, err := decision.ParseSeverity(s)
		if err != nil {
			return q, badRequest("severity: " + err.Error())
		}
		q.Severity = sv
	}
	for name, t := range map[string]*time.Time{"since": &q.Since, "until": &q.Until} {
		if s := v.Get(name); s != "" {
			tt, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return q, badRequest(name + ": want an RFC 3339 time")
			}
			*t = tt
		}
	}
	for name, n := range map[string]*int64{"from_seq": &q.FromSeq, "to_seq": &q.ToSeq} {
		if s := v.Get(name); s != "" {
			seq, err := strconv.ParseInt(s, 10, 64)
			if err != nil || seq < 1 {
				return q, badRequest(name + ": want a sequence number (1 or more)")
			}
			*n = seq
		}
	}
	q.DecisionIDs = v["decision_id"]
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxListLimit {
			return q, badRequest("limit: want 1 to 10000")
		}
		q.Limit = n
	}
	return q, nil
}

// MaxListLimit is the most records GET /v1/decisions returns at once; a
// client pages back with to_seq.
const MaxListLimit = 10000

func (s *Server) listDecisions(w http.ResponseWriter, r *http.Request, _ Caller) {
	q, err := query(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	recs, err := s.g.Evidence().List(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if recs == nil {
		recs = []evidence.Record{}
	}
	writeJSON(w, http.StatusOK, recs)
}

func (s *Server) getDecision(w http.ResponseWriter, r *http.Request, _ Caller) {
	rec, err := s.g.Evidence().Find(r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request, _ Caller) {
	v := r.URL.Query()
	f := approval.Filter{State: approval.State(v.Get("state")), Group: v.Get("group"), Agent: v.Get("agent")}
	switch f.State {
	case "", approval.Pending, approval.Approved, approval.Denied, approval.Expired, approval.BreakGlass:
	default:
		writeError(w, r, badRequest("state: want pending, approved, denied, expired or break_glass"))
		return
	}
	reqs, err := s.g.Approvals().List(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if reqs == nil {
		reqs = []approval.Request{}
	}
	writeJSON(w, http.StatusOK, reqs)
}

func (s *Server) getApproval(w http.ResponseWriter, r *http.Request, _ Caller) {
	req, err := s.g.Approvals().Get(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

// DecideRequest is the body of approve and deny. It names no approver:
// the credential does.
type DecideRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) decide(verb approval.Verb) func(http.ResponseWriter, *http.Request, Caller) {
	return func(w http.ResponseWriter, r *http.Request, c Caller) {
		var req DecideRequest
		if err := decode(r, &req); err != nil {
			writeError(w, r, err)
			return
		}
		if strings.TrimSpace(req.Reason) == "" {
			writeError(w, r, badRequest(string(verb)+" needs a reason"))
			return
		}
		id := r.PathValue("id")
		cred, err := s.credential(r, c, verb, id, req.Reason)
		if err != nil {
			writeError(w, r, err)
			return
		}
		fn := s.g.Approve
		if verb == approval.VerbDeny {
			fn = s.g.Deny
		}
		out, err := fn(r.Context(), id, cred, req.Reason)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// BreakGlassRequest is the body of POST /v1/break-glass: the pending
// request whose action is granted (scope action), or an agent for a time
// box (scope agent). It names no approver: the credential does.
type BreakGlassRequest struct {
	ApprovalID string         `json:"approval_id,omitempty"`
	Agent      string         `json:"agent,omitempty"`
	Scope      approval.Scope `json:"scope,omitempty"`
	Reason     string         `json:"reason"`
	Duration   string         `json:"duration,omitempty"` // a Go duration: "30m"
}

// BreakGlassSubject is what a local break-glass signature is bound to for
// req: the approval request's action digest, or the agent.
func BreakGlassSubject(req approval.BreakGlassRequest) (string, error) {
	if req.Scope == approval.ScopeAgent {
		return approval.BreakGlassSubject(approval.ScopeAgent, "", req.Action.Agent.ID), nil
	}
	digest, err := req.Action.Digest()
	if err != nil {
		return "", err
	}
	return approval.BreakGlassSubject(approval.ScopeAction, digest, req.Action.Agent.ID), nil
}

func (s *Server) breakGlass(w http.ResponseWriter, r *http.Request, c Caller) {
	var req BreakGlassRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		writeError(w, r, badRequest("break-glass needs a reason"))
		return
	}
	bg := approval.BreakGlassRequest{Reason: req.Reason, Scope: req.Scope}
	if req.Duration != "" {
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d <= 0 {
			writeError(w, r, badRequest("duration: want a positive Go duration such as 30m"))
			return
		}
		bg.Duration = d
	}
	switch {
	case req.ApprovalID != "":
		ar, err := s.g.Approvals().Get(r.Context(), req.ApprovalID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		bg.Action, bg.DecisionID = ar.Action, ar.DecisionID
	case req.Agent != "":
		bg.Action = cavra.Action{Agent: cavra.Agent{ID: req.Agent}}
		if bg.Scope == "" {
			bg.Scope = approval.ScopeAgent
		}
	default:
		writeError(w, r, badRequest("name the approval_id, or an agent with scope agent"))
		return
	}
	subject, err := BreakGlassSubject(bg)
	if err != nil {
		writeError(w, r, err)
		return
	}
	id := subject
	if req.ApprovalID != "" {
		id = req.ApprovalID
	}
	if bg.Credential, err = s.credential(r, c, approval.VerbBreakGlass, id, req.Reason); err != nil {
		writeError(w, r, err)
		return
	}
	out, err := s.g.BreakGlass(r.Context(), bg)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// BundleRequest is the body of POST /v1/evidence/bundles: which records.
type BundleRequest struct {
	Session     string    `json:"session,omitempty"`
	Agent       string    `json:"agent,omitempty"`
	RuleID      string    `json:"rule_id,omitempty"`
	Decision    string    `json:"decision,omitempty"`
	Kind        string    `json:"kind,omitempty"`
	DecisionIDs []string  `json:"decision_ids,omitempty"`
	Since       time.Time `json:"since,omitzero"`
	Until       time.Time `json:"until,omitzero"`
	FromSeq     int64     `json:"from_seq,omitempty"`
	ToSeq       int64     `json:"to_seq,omitempty"`
	Limit       int       `json:"limit,omitempty"`
}

func (s *Server) bundle(w http.ResponseWriter, r *http.Request, _ Caller) {
	var req BundleRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	q := evidence.Query{Session: req.Session, Agent: req.Agent, RuleID: req.RuleID, Kind: evidence.Kind(req.Kind), DecisionIDs: req.DecisionIDs,
		Since: req.Since, Until: req.Until, FromSeq: req.FromSeq, ToSeq: req.ToSeq, Limit: req.Limit}
	if req.Decision != "" {
		o, err := decision.ParseOutcome(req.Decision)
		if err != nil {
			writeError(w, r, badRequest("decision: "+err.Error()))
			return
		}
		q.Decision = o
	}
	b, err := s.g.Attest(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// VerifyRequest is the body of POST /v1/evidence/verify: a bundle to
// verify offline against a trust root (default: this log's keys), or
// nothing, to verify the whole log.
type VerifyRequest struct {
	Bundle    json.RawMessage     `json:"bundle,omitempty"`
	TrustRoot *jose.JSONWebKeySet `json:"trust_root,omitempty"`
	LogID     string              `json:"log_id,omitempty"`
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request, _ Caller) {
	var req VerifyRequest
	if r.ContentLength != 0 {
		if err := decode(r, &req); err != nil {
			writeError(w, r, err)
			return
		}
	}
	if len(bytes.TrimSpace(req.Bundle)) == 0 || string(bytes.TrimSpace(req.Bundle)) == "null" {
		rep, err := s.g.Evidence().Verify(r.Context(), req.TrustRoot)
		if err != nil {
			writeProblem(w, r, http.StatusUnprocessableEntity, "not-verified", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, rep)
		return
	}
	trust := req.TrustRoot
	if trust == nil {
		var err error
		if trust, err = evidence.NewKeyRing(s.g.Home() + "/" + evidence.KeyDir).TrustRoot(); err != nil {
			writeError(w, r, err)
			return
		}
	}
	rep, err := evidence.VerifyBundle(req.Bundle, trust, evidence.VerifyOptions{LogID: req.LogID})
	if err != nil {
		writeProblem(w, r, http.StatusUnprocessableEntity, "not-verified", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// RegistryDocument is GET /v1/registry: the registry's agents and servers.
type RegistryDocument struct {
	Agents  []registry.Agent  `json:"agents"`
	Servers []registry.Server `json:"servers"`
}

func (s *Server) getRegistry(w http.ResponseWriter, r *http.Request, _ Caller) {
	reg := s.g.Registry()
	doc := RegistryDocument{Agents: reg.Agents(), Servers: reg.Servers()}
	if doc.Agents == nil {
		doc.Agents = []registry.Agent{}
	}
	if doc.Servers == nil {
		doc.Servers = []registry.Server{}
	}
	writeJSON(w, http.StatusOK, doc)
}

func (s *Server) putAgent(w http.ResponseWriter, r *http.Request, c Caller) {
	var a registry.Agent
	if err := decode(r, &a); err != nil {
		writeError(w, r, err)
		return
	}
	if a.ID == "" {
		a.ID = r.PathValue("id")
	}
	if a.ID != r.PathValue("id") {
		writeError(w, r, badRequest("the body's agent_id is not the path's"))
		return
	}
	s.changeRegistry(w, r, c, func(by string) (registry.Change, error) { return s.g.RegisterAgent(r.Context(), a, by) })
}

// StatusRequest is the body of POST /v1/registry/agents/{id}/status.
type StatusRequest struct {
	Status registry.Status `json:"status"`
	Reason string          `json:"reason"`
}

func (s *Server) agentStatus(w http.ResponseWriter, r *http.Request, c Caller) {
	var req StatusRequest
	if err := decode(r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if req.Status == "" {
		writeError(w, r, badRequest("status: want active, disabled or retired"))
		return
	}
	s.changeRegistry(w, r, c, func(by string) (registry.Change, error) {
		return s.g.SetAgentStatus(r.Context(), r.PathValue("id"), req.Status, req.Reason, by)
	})
}

func (s *Server) putServer(w http.ResponseWriter, r *http.Request, c Caller) {
	var srv registry.Server
	if err := decode(r, &srv); err != nil {
		writeError(w, r, err)
		return
	}
	if srv.ID == "" {
		srv.ID = r.PathValue("id")
	}
	if srv.ID != r.PathValue("id") {
		writeError(w, r, badRequest("the body's server_id is not the path's"))
		return
	}
	s.changeRegistry(w, r, c, func(by string) (registry.Change, error) { return s.g.RegisterServer(r.Context(), srv, by) })
}

func (s *Server) pinTools(w http.ResponseWriter, r *http.Request, c Caller) {
	var tools []registry.Tool
	if err := decode(r, &tools); err != nil {
		writeError(w, r, err)
		return
	}
	s.changeRegistry(w, r, c, func(by string) (registry.Change, error) {
		return s.g.PinTools(r.Context(), r.PathValue("id"), tools, by)
	})
}

// changeRegistry applies a registry change as c (the "by" of its record is
// the authenticated caller, never the body's).
func (s *Server) changeRegistry(w http.ResponseWriter, r *http.Request, c Caller, fn func(by string) (registry.Change, error)) {
	if err := s.mayChangeRegistry(r, c); err != nil {
		writeError(w, r, err)
		return
	}
	ch, err := fn(c.Name)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ch)
}

// claudeCode is Claude Code's http hook: the body is the command hook's
// stdin, the response the command hook's stdout. Claude Code treats a
// non-2xx answer as a non-blocking error (the call proceeds), so anything
// that keeps CAVRA from deciding is a 200 with a deny. The registry id is
// the query's agent parameter (the URL the install pinned), never the
// payload's.
func (s *Server) claudeCode(w http.ResponseWriter, r *http.Request, _ Caller) {
	env := claudecode.Env{Agent: r.URL.Query().Get("agent"), ProjectDir: r.Header.Get("X-Claude-Project-Dir"),
		ExplicitAllow: r.URL.Query().Get("explicit_allow") == "1"}
	var res claudecode.Result
	p, err := claudecode.Decode(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, r, err)
			return
		}
		res = claudecode.Fail(err.Error())
	} else {
		res = claudecode.Handle(r.Context(), s.g, p, env)
	}
	w.Header().Set("Content-Type", "application/json")
	if res.Exit != 0 {
		out := claudecode.Output{HookSpecificOutput: &claudecode.HookOutput{HookEventName: claudecode.PreToolUse,
			PermissionDecision: "deny", PermissionDecisionReason: strings.TrimSpace(res.Stderr)}}
		json.NewEncoder(w).Encode(out)
		return
	}
	if len(bytes.TrimSpace(res.Stdout)) == 0 {
		w.Write([]byte("{}\n"))
		return
	}
	w.Write(res.Stdout)
}
