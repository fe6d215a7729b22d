package registry

import (
	"fmt"
	"sort"
	"time"
)

// Status is an agent's lifecycle state.
type Status string

// Agent statuses.
const (
	Active   Status = "active"
	Disabled Status = "disabled"
	Retired  Status = "retired"
)

func (s Status) valid() bool { return s == Active || s == Disabled || s == Retired }

// Agent is a governed agent identity. JSON field names are the original
// CAVRA registry's (cavra.agent.v1). AllowedTools and AllowedRepositories
// are globs (docs/policy.md#globs): "mcp__github__*" is every tool of the
// github server, "acme/*" every repository of acme, "acme/**" those of its
// subgroups too; empty allows any.
type Agent struct {
	ID                  string    `json:"agent_id"`
	Type                string    `json:"type,omitempty"`
	Vendor              string    `json:"vendor,omitempty"`
	Version             string    `json:"version,omitempty"`
	Profile             string    `json:"profile,omitempty"`
	Owner               string    `json:"owner,omitempty"`
	Status              Status    `json:"status,omitempty"`
	StatusReason        string    `json:"status_reason,omitempty"`
	Capabilities        []string  `json:"capabilities,omitempty"`
	Scopes              []string  `json:"scopes,omitempty"`
	AllowedTools        []string  `json:"allowed_tools,omitempty"`
	AllowedRepositories []string  `json:"allowed_repositories,omitempty"`
	RiskTier            string    `json:"risk_tier,omitempty"`
	CreatedAt           time.Time `json:"created_at,omitzero"`
	UpdatedAt           time.Time `json:"updated_at,omitzero"`
	LastSeen            time.Time `json:"last_seen,omitzero"`
	EvidenceRefs        []string  `json:"evidence_refs,omitempty"`
}

// Profile is a predefined capability profile for a known coding agent.
type Profile struct {
	ID                 string   `json:"profile_id"`
	DisplayName        string   `json:"display_name"`
	Vendor             string   `json:"vendor"`
	Type               string   `json:"type"`
	RiskTier           string   `json:"risk_tier"`
	Capabilities       []string `json:"default_capabilities"`
	Scopes             []string `json:"default_scopes"`
	EnterpriseControls []string `json:"enterprise_controls"`
	RecommendedTools   []string `json:"recommended_tools"`
}

var profiles = map[string]Profile{
	"claude-code": {ID: "claude-code", DisplayName: "Claude Code", Vendor: "Anthropic", Type: "coding-agent", RiskTier: "high",
		Capabilities:       []string{"code_edit", "test", "shell", "mcp_tool_call", "pull_request_attestation"},
		Scopes:             []string{"repository", "filesystem", "shell", "mcp"},
		EnterpriseControls: []string{"mcp_trust_registry", "command_policy", "evidence_attestation", "approval_router"},
		RecommendedTools:   []string{"Bash", "Read", "Write", "Edit", "MultiEdit", "Glob", "Grep", "WebFetch", "mcp__*"}},
	"codex": {ID: "codex", DisplayName: "OpenAI Codex", Vendor: "OpenAI", Type: "coding-agent", RiskTier: "high",
		Capabilities:       []string{"code_edit", "test", "shell", "git_operation", "pull_request_attestation"},
		Scopes:             []string{"repository", "filesystem", "shell", "git"},
		EnterpriseControls: []string{"agent_registry", "protected_branch_policy", "evidence_attestation", "approval_router"},
		RecommendedTools:   []string{"shell", "apply_patch"}},
	"github-copilot": {ID: "github-copilot", DisplayName: "GitHub Copilot", Vendor: "GitHub", Type: "coding-agent", RiskTier: "medium",
		Capabilities:       []string{"code_edit", "test", "pull_request", "workflow_assistance"},
		Scopes:             []string{"repository", "git", "ci"},
		EnterpriseControls: []string{"protected_branch_policy", "workflow_change_approval", "pr_attestation"},
		RecommendedTools:   []string{"edit", "terminal", "pull_request"}},
	"cursor": {ID: "cursor", DisplayName: "Cursor", Vendor: "Cursor", Type: "coding-agent", RiskTier: "medium",
		Capabilities:       []string{"code_edit", "test", "shell", "repository_search"},
		Scopes:             []string{"repository", "filesystem", "shell"},
		EnterpriseControls: []string{"filesystem_policy", "command_policy", "evidence_attestation"},
		RecommendedTools:   []string{"edit_file", "run_terminal_cmd", "codebase_search"}},
	"gemini-cli": {ID: "gemini-cli", DisplayName: "Gemini CLI", Vendor: "Google", Type: "coding-agent", RiskTier: "high",
		Capabilities:       []string{"code_edit", "test", "shell", "cloud_assistance"},
		Scopes:             []string{"repository", "filesystem", "shell", "cloud"},
		EnterpriseControls: []string{"cloud_iam_policy", "command_policy", "approval_router", "evidence_attestation"},
		RecommendedTools:   []string{"run_shell_command", "read_file", "write_file", "replace", "web_fetch"}},
	"aws-q-developer": {ID: "aws-q-developer", DisplayName: "Amazon Q Developer", Vendor: "AWS", Type: "coding-agent", RiskTier: "high",
		Capabilities:       []string{"code_edit", "test", "shell", "cloud_assistance", "iam_review"},
		Scopes:             []string{"repository", "filesystem", "shell", "aws"},
		EnterpriseControls: []string{"cloud_iam_policy", "terraform_policy", "approval_router", "evidence_attestation"},
		RecommendedTools:   []string{"fs_read", "fs_write", "execute_bash", "use_aws"}},
}

// Profiles returns the predefined capability profiles, sorted by id.
func Profiles() []Profile {
	out := make([]Profile, 0, len(profiles))
	for _, p := range profiles {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LookupProfile returns the profile with the given id.
func LookupProfile(id string) (Profile, bool) {
	p, ok := profiles[id]
	return p, ok
}

// normalize fills defaults (the original's: type coding-agent, vendor and
// version unknown, risk tier medium, owner unassigned, status active), then
// the profile's values for fields the agent does not set itself, and checks
// the record.
func (a *Agent) normalize() error {
	if a.ID == "" {
		return fmt.Errorf("agent: agent_id is required")
	}
	if a.Profile != "" {
		p, ok := profiles[a.Profile]
		if !ok {
			return fmt.Errorf("agent %s: unknown profile %q", a.ID, a.Profile)
		}
		a.Type = orDefault(a.Type, p.Type)
		a.Vendor = orDefault(a.Vendor, p.Vendor)
		a.RiskTier = orDefault(a.RiskTier, p.RiskTier)
		if a.Capabilities == nil {
			a.Capabilities = append([]string(nil), p.Capabilities...)
		}
		if a.Scopes == nil {
			a.Scopes = append([]string(nil), p.Scopes...)
		}
	}
	a.Type = orDefault(a.Type, "coding-agent")
	a.Vendor = orDefault(a.Vendor, "unknown")
	a.Version = orDefault(a.Version, "unknown")
	a.RiskTier = orDefault(a.RiskTier, "medium")
	a.Owner = orDefault(a.Owner, "unassigned")
	if a.Status == "" {
		a.Status = Active
	}
	if !a.Status.valid() {
		return fmt.Errorf("agent %s: status %q is not active, disabled or retired", a.ID, a.Status)
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
