package registry

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cavra-dev/cavra/internal/canonjson"
)

// TrustTier is how far an MCP server is trusted.
type TrustTier string

// Trust tiers.
const (
	Trusted      TrustTier = "trusted"
	Approved     TrustTier = "approved"
	Experimental TrustTier = "experimental"
	Blocked      TrustTier = "blocked"
	Unknown      TrustTier = "unknown"
)

// ApprovalState is where an MCP server stands in its review.
type ApprovalState string

// Approval states.
const (
	StateApproved    ApprovalState = "approved"
	StatePending     ApprovalState = "pending"
	StateDenied      ApprovalState = "denied"
	StateNotRequired ApprovalState = "not_required"
)

// Server is an MCP server's trust record. JSON field names are the original
// CAVRA registry's (cavra.mcp_server.v1) plus pins.
type Server struct {
	ID            string         `json:"server_id"`
	Name          string         `json:"name,omitempty"`
	TrustTier     TrustTier      `json:"trust_tier,omitempty"`
	ApprovalState ApprovalState  `json:"approval_state,omitempty"`
	Capabilities  []string       `json:"capabilities,omitempty"`
	AllowedTools  []string       `json:"allowed_tools,omitempty"` // globs over the tool name (docs/policy.md#globs)
	Owner         string         `json:"owner,omitempty"`
	Pins          map[string]Pin `json:"pins,omitempty"`
	CreatedAt     time.Time      `json:"created_at,omitzero"`
	UpdatedAt     time.Time      `json:"updated_at,omitzero"`
	LastSeen      time.Time      `json:"last_seen,omitzero"`
	EvidenceRefs  []string       `json:"evidence_refs,omitempty"`
}

// Pin is the approved definition hash of one tool.
type Pin struct {
	Hash     string    `json:"hash"` // "sha256:<hex>" of the tool definition (see ToolHash)
	PinnedAt time.Time `json:"pinned_at,omitzero"`
	PinnedBy string    `json:"pinned_by,omitempty"`
}

// Tool is an MCP tool definition as a server lists it in tools/list.
type Tool struct {
	Name        string          `json:"name"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"inputSchema,omitempty"`
	Annotations *Annotations    `json:"annotations,omitempty"`
}

// Annotations are the MCP tool annotations that classification reads.
type Annotations struct {
	Title           string `json:"title,omitempty"`
	ReadOnlyHint    bool   `json:"readOnlyHint,omitempty"`
	DestructiveHint *bool  `json:"destructiveHint,omitempty"`
	IdempotentHint  bool   `json:"idempotentHint,omitempty"`
	OpenWorldHint   *bool  `json:"openWorldHint,omitempty"`
}

// ToolHash returns "sha256:<hex>" over the canonical JSON of the tool's
// name, description, input schema and annotations: what a pin records. Any
// change to one of them — one character of the description — changes it.
func ToolHash(t Tool) (string, error) {
	var schema any
	if len(t.InputSchema) > 0 {
		if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
			return "", fmt.Errorf("tool %s: inputSchema: %w", t.Name, err)
		}
	}
	b, err := canonjson.Marshal(map[string]any{
		"name": t.Name, "description": t.Description, "inputSchema": schema, "annotations": t.Annotations,
	})
	if err != nil {
		return "", fmt.Errorf("tool %s: %w", t.Name, err)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

func (s *Server) normalize() error {
	if s.ID == "" {
		s.ID = s.Name
	}
	if s.ID == "" {
		return fmt.Errorf("mcp server: server_id is required")
	}
	s.Name = orDefault(s.Name, s.ID)
	if s.TrustTier == "" {
		s.TrustTier = Unknown
	}
	switch s.TrustTier {
	case Trusted, Approved, Experimental, Blocked, Unknown:
	default:
		return fmt.Errorf("mcp server %s: trust_tier %q is not trusted, approved, experimental, blocked or unknown", s.ID, s.TrustTier)
	}
	if s.ApprovalState == "" {
		// The original's default: pending for unknown or experimental servers, else approved.
		s.ApprovalState = StateApproved
		if s.TrustTier == Unknown || s.TrustTier == Experimental {
			s.ApprovalState = StatePending
		}
	}
	switch s.ApprovalState {
	case StateApproved, StatePending, StateDenied, StateNotRequired:
	default:
		return fmt.Errorf("mcp server %s: approval_state %q is not approved, pending, denied or not_required", s.ID, s.ApprovalState)
	}
	for tool, p := range s.Pins {
		if len(p.Hash) != len("sha256:")+64 || p.Hash[:7] != "sha256:" {
			return fmt.Errorf("mcp server %s: pin of tool %s: hash %q is not sha256:<64 hex>", s.ID, tool, p.Hash)
		}
		if _, err := hex.DecodeString(p.Hash[7:]); err != nil {
			return fmt.Errorf("mcp server %s: pin of tool %s: %v", s.ID, tool, err)
		}
	}
	return nil
}
