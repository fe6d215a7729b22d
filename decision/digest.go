package decision

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/cavra-dev/cavra/internal/canonjson"
)

// digestView is the part of an Action that its digest covers: everything
// that says what will happen, not who asks. The agent is left out so that a
// grant can bind the agent (and optionally the session) separately.
type digestView struct {
	Type      ActionType        `json:"type"`
	Target    string            `json:"target"`
	Operation string            `json:"operation"`
	Tool      string            `json:"tool"`
	Server    string            `json:"server"`
	Args      map[string]any    `json:"args"`
	Context   map[string]string `json:"context"`
}

// Digest returns the action's canonical digest, "sha256:<hex>", computed over
// the canonical JSON (sorted keys, no whitespace) of its type, target,
// operation, tool, server, args and context. Approvals bind to it: changing
// any argument changes the digest.
func (a Action) Digest() (string, error) {
	// An empty map and no map are the same action: Action's JSON drops both
	// (omitempty), and a stored action must keep its digest.
	args, ctx := a.Args, a.Context
	if len(args) == 0 {
		args = nil
	}
	if len(ctx) == 0 {
		ctx = nil
	}
	b, err := canonjson.Marshal(digestView{a.Type, a.Target, a.Operation, a.Tool, a.Server, args, ctx})
	if err != nil {
		return "", fmt.Errorf("decision: action digest: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
