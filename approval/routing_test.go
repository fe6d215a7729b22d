package approval_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/decision"
)

func TestDefaultRouting(t *testing.T) {
	t.Parallel()
	r := approval.DefaultRouting()
	for _, tc := range []struct {
		s    approval.Subject
		want string
	}{
		{approval.Subject{RuleID: "filesystem.write.require_approval", Target: "iam/admin-role.tf"}, "IAM"},
		{approval.Subject{RuleID: "filesystem.write.require_approval", Target: ".github/workflows/ci.yml"}, "Platform Security"},
		{approval.Subject{RuleID: "commands.default.require_approval", Severity: decision.Medium, Target: "make"}, "Repository Owners"},
		{approval.Subject{RuleID: "commands.default.require_approval", Severity: decision.High, Target: "make"}, "Platform Security"},
		{approval.Subject{RuleID: "commands.block", Target: "terraform destroy"}, "Cloud Security"},
		{approval.Subject{RuleID: "mcp.registry.tool_scope"}, "AI Governance"},
		{approval.Subject{RuleID: "secrets.x", Group: "Data Protection"}, "Data Protection"}, // the policy's group
		{approval.Subject{RuleID: "secrets.x"}, approval.DefaultGroup},
	} {
		if got := r.Resolve(tc.s); got.ApproverGroup != tc.want || got.Quorum != 1 || time.Duration(got.TTL) != approval.DefaultTTL {
			t.Errorf("%+v -> %+v, want %s", tc.s, got, tc.want)
		}
	}
}

func TestSubjectOf(t *testing.T) {
	t.Parallel()
	a := iamWrite()
	a.Context["environment"] = "prod"
	s := approval.SubjectOf(a, requireApproval(a))
	if s.Pack != "cavra-banking-baseline" || s.Repo != "acme/infra" || s.Environment != "prod" || s.Group != "Platform Security" ||
		s.Severity != decision.High || s.ActionType != decision.WriteFile {
		t.Fatalf("%+v", s)
	}
}

const routingYAML = `
default_group: Security Desk
routes:
  - name: prod-k8s
    action_type: execute_command
    target: "kubectl * --context prod*"
    environment: prod*
    approver_group: Platform Security
    quorum: 2
    ttl: 4h
    grant_ttl: 15m
    allow_local: false
  - name: payments
    repo: "acme/payments*"
    min_severity: high
    approver_group: PCI Compliance
    deny_ttl: 2h
  - name: secrets
    rule_id: secrets.exfiltration.network
    pack: cavra-secrets
    approver_group: Data Protection
  - name: workflows
    target: "**/.github/workflows/*.yml"
    approver_group: AppSec
`

func TestParseRouting(t *testing.T) {
	t.Parallel()
	r, err := approval.ParseRouting("routing.yaml", []byte(routingYAML))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s     approval.Subject
		want  string
		check func(approval.Route) bool
	}{
		{approval.Subject{ActionType: decision.ExecuteCommand, Target: "kubectl apply --context prod-eu", Environment: "prod"}, "Platform Security",
			func(r approval.Route) bool {
				return r.Quorum == 2 && !*r.AllowLocal && time.Duration(r.TTL) == 4*time.Hour && time.Duration(r.GrantTTL) == 15*time.Minute
			}},
		{approval.Subject{ActionType: decision.ExecuteCommand, Target: "kubectl apply --context prod-eu", Environment: "staging"}, "Security Desk", nil},
		{approval.Subject{Repo: "acme/payments-api", Severity: decision.Critical}, "PCI Compliance",
			func(r approval.Route) bool { return time.Duration(r.DenyTTL) == 2*time.Hour && *r.AllowLocal }},
		{approval.Subject{Repo: "acme/payments-api", Severity: decision.Medium}, "Security Desk", nil},
		{approval.Subject{RuleID: "secrets.exfiltration.network", Pack: "cavra-secrets"}, "Data Protection", nil},
		{approval.Subject{RuleID: "secrets.exfiltration.network", Pack: "other"}, "Security Desk", nil},
		{approval.Subject{Target: "svc/a/.github/workflows/ci.yml"}, "AppSec", nil},
		{approval.Subject{Target: "svc/a/.github/workflows/sub/ci.yml"}, "Security Desk", nil},
	} {
		got := r.Resolve(tc.s)
		if got.ApproverGroup != tc.want || (tc.check != nil && !tc.check(got)) {
			t.Errorf("%+v -> %+v, want %s", tc.s, got, tc.want)
		}
	}
}

// A routing file written for the routing matcher before the shared glob
// dialect routes as it did, and its "**" segments now also match zero
// segments, as they do in packs.
func TestParseRoutingOldGlobs(t *testing.T) {
	t.Parallel()
	const doc = `
routes:
  - {name: terraform, target: "**.tf", approver_group: Cloud Security}
  - {name: windows, target: 'C:\secrets\*', approver_group: Desktop}
  - {name: dotenv, target: "**/.env", approver_group: Data Protection}
  - {name: iam, target: "iam/**", approver_group: IAM}
  - {name: teams, repo: "acme/**", environment: "*prod**", approver_group: Prod Owners}
`
	r, err := approval.ParseRouting("routing.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		s    approval.Subject
		want string
	}{
		{approval.Subject{Target: "infra/prod/main.tf"}, "Cloud Security"}, // ** inside a segment crosses "/", as before
		{approval.Subject{Target: "main.tf"}, "Cloud Security"},
		{approval.Subject{Target: `C:\secrets\db.yaml`}, "Desktop"}, // "\" is literal, as before
		{approval.Subject{Target: "config/.env"}, "Data Protection"},
		{approval.Subject{Target: ".env"}, "Data Protection"}, // new: zero segments
		{approval.Subject{Target: "iam/admin.json"}, "IAM"},
		{approval.Subject{Target: "iam"}, "IAM"}, // new: zero segments
		{approval.Subject{Target: "iamx"}, approval.DefaultGroup},
		{approval.Subject{Repo: "acme/platform/api", Environment: "eu-prod/blue"}, "Prod Owners"},
		{approval.Subject{Repo: "other/api", Environment: "prod"}, approval.DefaultGroup},
	} {
		if got := r.Resolve(tc.s).ApproverGroup; got != tc.want {
			t.Errorf("%+v -> %s, want %s", tc.s, got, tc.want)
		}
	}
}

func TestParseRoutingForms(t *testing.T) {
	t.Parallel()
	for name, doc := range map[string]string{
		"list.json":     `[{"rule_id_prefix": "mcp.", "approver_group": "AI Governance"}]`,
		"object.json":   `{"routes": [{"rule_id_prefix": "mcp.", "approver_group": "AI Governance"}]}`,
		"original.json": `{"approval_routing": [{"rule_id_prefix": "mcp.", "approver_group": "AI Governance", "severity": "medium"}]}`,
		"rules.yml":     "routing_rules:\n  - {rule_id_prefix: mcp., approver_group: AI Governance}\n",
		"noext":         "- rule_id_prefix: mcp.\n  approver_group: AI Governance\n",
	} {
		r, err := approval.ParseRouting(name, []byte(doc))
		if err != nil || len(r.Routes) != 1 || r.Routes[0].ApproverGroup != "AI Governance" {
			t.Errorf("%s: %+v %v", name, r, err)
		}
	}
}

func TestParseRoutingErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ doc, want string }{
		{`[{"approver_group": "A", "groupp": "x"}]`, `routes[0]: json: unknown field "groupp"`},
		{`[{"approver_group": "A"}, {"rule_id": "x"}]`, "routes[1]: approver_group is required"},
		{`[{"approver_group": "A", "min_severity": "huge"}]`, `unknown severity "huge"`},
		{`[{"approver_group": "A", "severity": "low", "min_severity": "high"}]`, "not both"},
		{`[{"approver_group": "A", "action_type": "launch_rocket"}]`, "unknown action_type"},
		{`[{"approver_group": "A", "target": "[abc"}]`, "unclosed ["},
		{`[{"approver_group": "A", "ttl": "forever"}]`, "invalid duration"},
		{`[{"approver_group": "A", "ttl": "-1h"}]`, "must be positive"},
		{`[{"approver_group": "A", "quorum": 100}]`, "quorum 100 out of range"},
		{`[{"approver_group": "A", "grant_uses": -1}]`, "grant_uses"},
		{`{"routes": [], "extra": 1}`, `unknown field "extra"`},
		{`{"routes": []}`, "no routes"},
		{`{"routes": [{"approver_group": "A"}], "routing_rules": [{"approver_group": "B"}]}`, "give the routes once"},
		{"a: &x [1]\nb: *x\n", "anchors and aliases"},
		{"", "empty document"},
		{"routes: [", "invalid YAML"},
		{"- approver_group: A\n  ttl: 2024-01-01\n", "invalid duration"},
	} {
		_, err := approval.ParseRouting("routing.yaml", []byte(tc.doc))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "routing.yaml") {
			t.Errorf("%q: err = %v, want %q", tc.doc, err, tc.want)
		}
	}
	if _, err := approval.ParseRouting("routing.json", []byte(`[{"approver_group": "A"}] [1]`)); err == nil || !strings.Contains(err.Error(), "trailing") {
		t.Errorf("trailing JSON: %v", err)
	}
}

func TestLoadRouting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "routing.yaml")
	if err := os.WriteFile(p, []byte(routingYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	if r, err := approval.LoadRouting(p); err != nil || len(r.Routes) != 4 {
		t.Fatalf("%v", err)
	}
	if _, err := approval.LoadRouting(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("missing file accepted")
	}
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, make([]byte, approval.MaxRoutingSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := approval.LoadRouting(big); err == nil {
		t.Fatal("oversized file accepted")
	}
}

// TestRoutingRoundTrip: the effective routing, printed as JSON (what
// `cavra approval routes` shows), loads back unchanged.
func TestRoutingRoundTrip(t *testing.T) {
	t.Parallel()
	for _, r := range []*approval.Routing{approval.DefaultRouting(), mustRouting(t, routingYAML)} {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := approval.ParseRouting("routes.json", b)
		if err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		b2, _ := json.Marshal(back)
		if string(b) != string(b2) {
			t.Fatalf("round trip changed:\n%s\n%s", b, b2)
		}
	}
}

func mustRouting(t *testing.T, doc string) *approval.Routing {
	t.Helper()
	r, err := approval.ParseRouting("routing.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
