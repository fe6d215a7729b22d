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

// DigestContextKeys are the context keys an action's digest covers: the ones
// that change what the action does. Other keys (a tool-use id, a prompt id,
// labels) describe one attempt, so a retry of the same action keeps its
// digest — and its approval.
var DigestContextKeys = []string{ContextCwd, ContextProjectRoot, ContextHome, ContextRepo, ContextBranch, ContextEnvironment}

// Digest returns the action's canonical digest, "sha256:<hex>", computed over
// the canonical JSON (sorted keys, no whitespace) of its type, target,
// operation, tool, server, args and the DigestContextKeys of its context.
// Approvals bind to it: changing any argument changes the digest.
func (a Action) Digest() (string, error) {
	// An empty map and no map are the same action: Action's JSON drops both
	// (omitempty), and a stored action must keep its digest.
	args := a.Args
	if len(args) == 0 {
		args = nil
	}
	var ctx map[string]string
	for _, k := range DigestContextKeys {
		if v, ok := a.Context[k]; ok {
			if ctx == nil {
				ctx = make(map[string]string, len(DigestContextKeys))
			}
			ctx[k] = v
		}
	}
	b, err := canonjson.Marshal(digestView{a.Type, a.Target, a.Operation, a.Tool, a.Server, args, ctx})
	if err != nil {
		return "", fmt.Errorf("decision: action digest: %w", err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
