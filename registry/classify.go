package registry

import (
	"sort"
	"strings"
)

// Classification describes one MCP capability class (the original CAVRA's
// table, informational plus what classification of tools returns).
type Classification struct {
	Capability          string   `json:"capability"`
	Category            string   `json:"category"`
	RiskTier            string   `json:"risk_tier"`
	DefaultDecision     string   `json:"default_decision"`
	ApprovalRequiredFor []string `json:"approval_required_for"`
	ExampleTools        []string `json:"example_tools"`
	ControlObjective    string   `json:"control_objective"`
}

var classifications = []Classification{
	{"cloud", "infrastructure", "critical", "require_approval", []string{"iam_change", "production_deploy", "resource_delete"},
		[]string{"apply_terraform", "update_iam_policy", "delete_resource"}, "Cloud changes by an agent are reviewed before they reach infrastructure."},
	{"database", "data_access", "high", "require_approval", []string{"write_query", "schema_change", "export_table"},
		[]string{"query", "execute_sql", "inspect_schema"}, "Agents do not change or export data without review."},
	{"filesystem", "local_resource", "high", "block_unknown", []string{"write_file", "delete_file", "read_secret"},
		[]string{"read_file", "write_file", "list_directory"}, "Only registered servers touch local files; secrets stay unread."},
	{"network", "egress", "medium", "require_approval", []string{"external_post", "download_binary", "webhook_call"},
		[]string{"fetch_url", "http_request"}, "Data leaves the machine only through reviewed egress."},
	{"repository", "source_control", "medium", "approved_server_scope", []string{"delete_repository", "change_branch_protection", "workflow_write"},
		[]string{"create_pull_request", "create_issue", "list_branches"}, "Repository settings and workflows change only with review."},
	{"saas", "enterprise_workflow", "medium", "approved_server_scope", []string{"ticket_transition", "user_permission_change", "bulk_export"},
		[]string{"create_issue", "update_ticket", "post_message"}, "Enterprise workflows act only within the server's approved scope."},
	{"shell", "execution", "critical", "require_approval", []string{"execute_command", "install_package", "spawn_process"},
		[]string{"run_command", "shell_exec"}, "Commands run through MCP are reviewed like commands run directly."},
}

// Classifications returns the capability classes, sorted by capability.
func Classifications() []Classification {
	out := append([]Classification(nil), classifications...)
	sort.Slice(out, func(i, j int) bool { return out[i].Capability < out[j].Capability })
	return out
}

// ClassifyCapability returns the class of a capability name (case and
// surrounding space ignored).
func ClassifyCapability(c string) (Classification, bool) {
	c = strings.ToLower(strings.TrimSpace(c))
	for _, k := range classifications {
		if k.Capability == c {
			return k, true
		}
	}
	return Classification{}, false
}

// keywords map words in a tool's name to a class. Order matters: the first
// class with a matching word wins, most dangerous first.
var keywords = []struct {
	class string
	words []string
}{
	{"shell", []string{"shell", "exec", "command", "bash", "terminal", "run_script", "spawn", "process"}},
	{"cloud", []string{"terraform", "iam", "deploy", "aws", "gcp", "azure", "kubernetes", "k8s", "kubectl", "cluster", "lambda", "ec2", "s3", "resource"}},
	{"database", []string{"sql", "query", "database", "db", "table", "schema", "collection", "mongo", "postgres", "mysql", "redis"}},
	{"repository", []string{"pull_request", "pr", "branch", "commit", "repo", "repository", "merge", "workflow", "release"}},
	{"saas", []string{"issue", "ticket", "jira", "slack", "message", "channel", "page", "confluence", "email", "calendar"}},
	{"network", []string{"fetch", "http", "url", "browse", "download", "upload", "webhook", "request", "navigate", "search"}},
	{"filesystem", []string{"file", "directory", "dir", "path", "read", "write", "edit", "move", "list", "delete", "fs"}},
}

// Classify returns the capability class of a tool: from the words of its
// name first, else the server's single declared capability, else "unknown".
func Classify(s *Server, toolName string) string {
	words := strings.FieldsFunc(strings.ToLower(toolName), func(r rune) bool {
		return r == '_' || r == '-' || r == '.' || r == '/' || r == ' ' || r == ':'
	})
	joined := strings.Join(words, "_")
	for _, k := range keywords {
		for _, w := range k.words {
			if strings.Contains(w, "_") {
				if strings.Contains(joined, w) {
					return k.class
				}
				continue
			}
			for _, tw := range words {
				if tw == w || tw == w+"s" || tw == w+"es" {
					return k.class
				}
			}
		}
	}
	if s != nil && len(s.Capabilities) == 1 {
		if c, ok := ClassifyCapability(s.Capabilities[0]); ok {
			return c.Capability
		}
	}
	return "unknown"
}
