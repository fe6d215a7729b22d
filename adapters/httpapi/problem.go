package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/evidence"
)

// Problem is an RFC 9457 problem details object, the body of every error
// response (Content-Type application/problem+json).
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Decision is the block a failed evaluation still returns (fail closed).
	Decision *cavra.Decision `json:"decision,omitempty"`
	// ApprovalID is the approval request a require_approval waits for
	// (Middleware).
	ApprovalID string `json:"approval_id,omitempty"`
}

// ProblemType is the base of the problem type URIs.
const ProblemType = "https://cavra.dev/problems/"

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

func writeProblem(w http.ResponseWriter, r *http.Request, status int, kind, detail string) {
	writeProblemValue(w, r, &Problem{Type: ProblemType + kind, Title: http.StatusText(status), Status: status, Detail: detail})
}

func writeProblemValue(w http.ResponseWriter, r *http.Request, p *Problem) {
	if r != nil {
		p.Instance = r.URL.Path
	}
	if p.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cavra"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// writeError maps an error of the Guard to a problem.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", err.Error())
	case errors.Is(err, approval.ErrNotFound), errors.Is(err, evidence.ErrNotFound):
		writeProblem(w, r, http.StatusNotFound, "not-found", err.Error())
	case errors.Is(err, approval.ErrUnauthenticated):
		writeProblem(w, r, http.StatusUnauthorized, "unauthenticated", err.Error())
	case errors.Is(err, approval.ErrForbidden), errors.Is(err, cavra.ErrRegistryFile):
		writeProblem(w, r, http.StatusForbidden, "forbidden", err.Error())
	case errors.Is(err, cavra.ErrClosed), errors.Is(err, cavra.ErrReadOnly):
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", err.Error())
	default:
		var p *Problem
		if errors.As(err, &p) {
			writeProblemValue(w, r, p)
			return
		}
		writeProblem(w, r, http.StatusUnprocessableEntity, "refused", err.Error())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
