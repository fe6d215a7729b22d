package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/cavra-dev/cavra"
)

// Mapper turns an incoming request into the action it would perform. The
// request's body, if any, is already buffered (see MiddlewareOptions.MaxBody):
// the mapper may read it, and the next handler reads it again from the
// start. An error refuses the request with 400; the handler is not called.
type Mapper func(*http.Request) (cavra.Action, error)

// ToolCallMapper is the default Mapper, for JSON tool-call endpoints: a body
// {"tool": "name", "arguments": {...}} is a tool_call action on the tool
// with those arguments. The body names no agent: who acts comes from
// MiddlewareOptions.Identity, never from what the caller says.
func ToolCallMapper(r *http.Request) (cavra.Action, error) {
	if r.Body == nil {
		return cavra.Action{}, errors.New("the request has no body")
	}
	var body struct {
		Tool      string         `json:"tool"`
		Arguments map[string]any `json:"arguments"`
	}
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return cavra.Action{}, fmt.Errorf("the body is not a JSON tool call: %w", err)
	}
	if dec.More() {
		return cavra.Action{}, errors.New("the body holds more than one JSON value")
	}
	if strings.TrimSpace(body.Tool) == "" {
		return cavra.Action{}, errors.New(`the body names no "tool"`)
	}
	return cavra.Action{Type: cavra.ToolCall, Target: body.Tool, Tool: body.Tool, Args: body.Arguments}, nil
}

// DefaultMiddlewareMaxBody bounds the body the middleware buffers.
const DefaultMiddlewareMaxBody = 1 << 20

// MiddlewareOptions configures Middleware. The zero value is usable.
type MiddlewareOptions struct {
	// Identity says who is acting: the agent the action is attributed to
	// (ID, session, actor). It replaces whatever the Mapper set. nil keeps
	// the Mapper's agent (ToolCallMapper sets none: an unregistered agent),
	// or, behind this package's authentication, the caller's name.
	Identity func(*http.Request) cavra.Agent
	// Deny renders a decision that is not allow (block, require_approval).
	// nil writes a problem JSON: 403 with the decision, and for an approval
	// its id (status ApprovalStatus). A panic in Deny is answered 500.
	Deny func(w http.ResponseWriter, r *http.Request, d cavra.Decision)
	// ApprovalStatus is the status of a require_approval; 0 means 403.
	// http.StatusAccepted (202) tells a client to retry once approved.
	ApprovalStatus int
	// MaxBody bounds the request body buffered for the Mapper and the
	// handler; 0 means DefaultMiddlewareMaxBody. Larger bodies are refused
	// with 413 before anything is decided.
	MaxBody int64
	// DryRun decides with Guard.Check instead of Evaluate: nothing is
	// recorded, no approval request is created. For tests and shadow
	// deployments; a production guard records its decisions.
	DryRun bool
}

type decisionKey struct{}

// DecisionFromContext returns the allow decision Middleware took for the request
// being handled.
func DecisionFromContext(ctx context.Context) (cavra.Decision, bool) {
	d, ok := ctx.Value(decisionKey{}).(cavra.Decision)
	return d, ok
}

// Middleware guards a handler that performs agent actions: for each
// request, mapper (nil means ToolCallMapper) names the action, g decides
// it, and only an allow reaches next (with the decision in its context:
// DecisionFromContext). A block is answered 403, a require_approval 403 or
// opts.ApprovalStatus with the approval id, a mapping error 400, an
// oversized body 413, a Guard failure 500 with the blocking decision; a
// panic inside the middleware (the mapper, identity, the Guard) is
// answered 500. In none of these is next called: the middleware fails
// closed.
func Middleware(g *cavra.Guard, mapper Mapper, opts MiddlewareOptions) func(http.Handler) http.Handler {
	if mapper == nil {
		mapper = ToolCallMapper
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMiddlewareMaxBody
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r2, ok := guardRequest(g, mapper, &opts, w, r); ok {
				next.ServeHTTP(w, r2)
			}
		})
	}
}

// guardRequest decides r and answers it unless it is allowed; ok means
// call the next handler with the returned request.
func guardRequest(g *cavra.Guard, mapper Mapper, opts *MiddlewareOptions, w http.ResponseWriter, r *http.Request) (_ *http.Request, ok bool) {
	rw := &wroteWriter{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			ok = false
			if !rw.wrote {
				writeProblem(w, r, http.StatusInternalServerError, "internal", fmt.Sprintf("internal error while deciding the request: %v", v))
			}
		}
	}()
	var body []byte
	if r.Body != nil && r.Body != http.NoBody {
		b, err := io.ReadAll(io.LimitReader(r.Body, opts.MaxBody+1))
		r.Body.Close()
		if err != nil {
			writeProblem(rw, r, http.StatusBadRequest, "bad-request", "the request body could not be read: "+err.Error())
			return nil, false
		}
		if int64(len(b)) > opts.MaxBody {
			writeProblem(rw, r, http.StatusRequestEntityTooLarge, "too-large", fmt.Sprintf("the request body is larger than %d bytes", opts.MaxBody))
			return nil, false
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	a, err := mapper(r)
	if err != nil {
		writeProblem(rw, r, http.StatusBadRequest, "bad-request", "the request does not name an action: "+err.Error())
		return nil, false
	}
	switch {
	case opts.Identity != nil:
		a.Agent = opts.Identity(r)
	case a.Agent.ID == "":
		if c, ok := CallerFromContext(r.Context()); ok && c.Kind != "anonymous" {
			a.Agent.ID = c.Name
		}
	}
	var d cavra.Decision
	if opts.DryRun {
		d, err = g.Check(r.Context(), a)
	} else {
		d, err = g.Evaluate(r.Context(), a)
	}
	if err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, cavra.ErrClosed) {
			status = http.StatusServiceUnavailable
		}
		writeProblemValue(rw, r, &Problem{Type: ProblemType + "guard-error", Title: http.StatusText(status), Status: status,
			Detail: "the action could not be decided, so it is blocked: " + err.Error(), Decision: &d})
		return nil, false
	}
	if d.Decision != cavra.Allow {
		if opts.Deny != nil {
			opts.Deny(rw, r, d)
		} else {
			writeDenied(rw, r, d, opts.ApprovalStatus)
		}
		return nil, false
	}
	if body != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
	}
	return r.WithContext(context.WithValue(r.Context(), decisionKey{}, d)), true
}

// writeDenied is the default rendering of a block or require_approval.
func writeDenied(w http.ResponseWriter, r *http.Request, d cavra.Decision, approvalStatus int) {
	p := &Problem{Type: ProblemType + "blocked", Title: "Blocked by policy", Status: http.StatusForbidden, Detail: d.Reason, Decision: &d}
	if d.Decision == cavra.RequireApproval {
		p.Type, p.Title, p.ApprovalID = ProblemType+"approval-required", "Approval required", d.ApprovalID
		if approvalStatus != 0 {
			p.Status = approvalStatus
		}
	}
	writeProblemValue(w, r, p)
}

// wroteWriter records whether a response was started, so that a panic
// after it is not answered twice.
type wroteWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *wroteWriter) WriteHeader(code int) { w.wrote = true; w.ResponseWriter.WriteHeader(code) }
func (w *wroteWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}
func (w *wroteWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
