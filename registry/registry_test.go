package registry

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/decision"
)

func testRegistry(t *testing.T) *Registry {
	t.Helper()
	r, err := New([]Agent{
		{ID: "claude", Profile: "claude-code"},
		{ID: "off", Status: Disabled, StatusReason: "incident 42"},
		{ID: "old", Status: Retired},
		{ID: "scoped", AllowedTools: []string{"Bash", "Read", "mcp__github__*"}, AllowedRepositories: []string{"acme/*"}},
	}, []Server{
		{ID: "github", TrustTier: Trusted, Capabilities: []string{"repository"}, AllowedTools: []string{"create_issue", "list_branches"}},
		{ID: "blocked-srv", TrustTier: Blocked},
		{ID: "denied-srv", TrustTier: Approved, ApprovalState: StateDenied},
		{ID: "pending-srv", TrustTier: Approved, ApprovalState: StatePending},
		{ID: "exp-srv", TrustTier: Experimental, ApprovalState: StateApproved},
		{ID: "unk-srv", TrustTier: Unknown, ApprovalState: StateApproved},
		{ID: "open-srv", Name: "Open Server", TrustTier: Approved},
		{ID: "nr-srv", TrustTier: Trusted, ApprovalState: StateNotRequired},
		{ID: "pinned", TrustTier: Trusted, Pins: map[string]Pin{"read": {Hash: "sha256:" + strings.Repeat("a", 64)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCheckServerOrder(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	other := "sha256:" + strings.Repeat("b", 64)
	cases := []struct {
		name  string
		call  Call
		pol   Policy
		want  decision.Outcome
		rule  string
		group string
	}{
		{"unknown server blocks", Call{Server: "nope", Tool: "x"}, Policy{}, decision.Block, "mcp.registry.unknown", ""},
		{"unknown server with block_unknown off asks", Call{Server: "nope", Tool: "x"}, Policy{AllowUnknownServers: true}, decision.RequireApproval, "mcp.registry.unknown", GroupAIGovernance},
		{"blocked tier", Call{Server: "blocked-srv", Tool: "x"}, Policy{}, decision.Block, "mcp.registry.blocked", ""},
		{"denied state", Call{Server: "denied-srv", Tool: "x"}, Policy{}, decision.Block, "mcp.registry.blocked", ""},
		{"pending state", Call{Server: "pending-srv", Tool: "x"}, Policy{}, decision.RequireApproval, "mcp.registry.requires_approval", GroupAIGovernance},
		{"experimental tier", Call{Server: "exp-srv", Tool: "x"}, Policy{}, decision.RequireApproval, "mcp.registry.requires_approval", GroupAIGovernance},
		{"unknown tier", Call{Server: "unk-srv", Tool: "x"}, Policy{}, decision.RequireApproval, "mcp.registry.requires_approval", GroupAIGovernance},
		{"tool outside allowed tools", Call{Server: "github", Tool: "delete_repo"}, Policy{}, decision.RequireApproval, "mcp.registry.tool_scope", GroupAIGovernance},
		{"capability outside", Call{Server: "github", Tool: "create_issue", Capability: "shell"}, Policy{}, decision.RequireApproval, "mcp.registry.capability_scope", GroupAIGovernance},
		{"allowed", Call{Server: "github", Tool: "create_issue", Capability: "repository"}, Policy{}, decision.Allow, "mcp.registry.allow", ""},
		{"lookup by name", Call{Server: "Open Server", Tool: "anything"}, Policy{}, decision.Allow, "mcp.registry.allow", ""},
		{"not_required behaves like approved", Call{Server: "nr-srv", Tool: "x"}, Policy{}, decision.Allow, "mcp.registry.allow", ""},
		{"pinned tool unchanged", Call{Server: "pinned", Tool: "read", Hash: "sha256:" + strings.Repeat("a", 64)}, Policy{}, decision.Allow, "mcp.registry.allow", ""},
		{"pinned tool changed", Call{Server: "pinned", Tool: "read", Hash: other}, Policy{}, decision.Block, "mcp.registry.tool_changed", ""},
		{"pinned tool, no hash presented", Call{Server: "pinned", Tool: "read"}, Policy{}, decision.Allow, "mcp.registry.allow", ""},
		{"unpinned tool on a pinned server", Call{Server: "pinned", Tool: "write", Hash: other}, Policy{}, decision.RequireApproval, "mcp.registry.tool_unpinned", GroupAIGovernance},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := r.CheckServer(c.call, c.pol)
			if m.Decision != c.want || m.RuleID != c.rule || m.ApproverGroup != c.group {
				t.Fatalf("got %s %s %q, want %s %s %q", m.Decision, m.RuleID, m.ApproverGroup, c.want, c.rule, c.group)
			}
		})
	}
}

func TestCheckAgent(t *testing.T) {
	t.Parallel()
	r := testRegistry(t)
	act := func(agent, tool, repo string) decision.Action {
		a := decision.Action{Type: decision.ToolCall, Tool: tool, Agent: decision.Agent{ID: agent}}
		if repo != "" {
			a.Context = map[string]string{decision.ContextRepo: repo}
		}
		return a
	}
	cases := []struct {
		name string
		a    decision.Action
		pol  Policy
		want decision.Outcome
		rule string
	}{
		{"registered active", act("claude", "Bash", ""), Policy{}, decision.Allow, "registry.agent.allow"},
		{"disabled is the kill switch", act("off", "Read", ""), Policy{}, decision.Block, "registry.agent.disabled"},
		{"retired", act("old", "Read", ""), Policy{}, decision.Block, "registry.agent.disabled"},
		{"tool outside allowance", act("scoped", "Write", "acme/web"), Policy{}, decision.RequireApproval, "registry.agent.scope"},
		{"tool glob", decision.Action{Type: decision.MCPToolCall, Server: "github", Tool: "create_issue", Agent: decision.Agent{ID: "scoped"}, Context: map[string]string{"repo": "acme/web"}}, Policy{}, decision.Allow, "registry.agent.allow"},
		{"repository outside", act("scoped", "Bash", "evil/repo"), Policy{}, decision.RequireApproval, "registry.agent.scope"},
		{"repository unknown", act("scoped", "Bash", ""), Policy{}, decision.RequireApproval, "registry.agent.scope"},
		{"in scope", act("scoped", "Bash", "acme/web"), Policy{}, decision.Allow, "registry.agent.allow"},
		{"unregistered default allows with a flag", act("ghost", "Bash", ""), Policy{}, decision.Allow, "registry.agent.unregistered"},
		{"unregistered require approval", act("ghost", "Bash", ""), Policy{UnregisteredAgent: decision.RequireApproval}, decision.RequireApproval, "registry.agent.unregistered"},
		{"unregistered block", act("ghost", "Bash", ""), Policy{UnregisteredAgent: decision.Block}, decision.Block, "registry.agent.unregistered"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ms := r.CheckAgent(c.a, c.pol)
			best := ms[0]
			for _, m := range ms[1:] {
				if decision.MoreRestrictive(m, best) {
					best = m
				}
			}
			if best.Decision != c.want || best.RuleID != c.rule {
				t.Fatalf("got %s %s (%s), want %s %s", best.Decision, best.RuleID, best.Reason, c.want, c.rule)
			}
		})
	}
	if ms := r.CheckAgent(act("off", "Read", ""), Policy{}); !strings.Contains(ms[0].Reason, "incident 42") {
		t.Errorf("the disable reason is not in the decision: %q", ms[0].Reason)
	}
}

func TestProfiles(t *testing.T) {
	t.Parallel()
	want := []string{"aws-q-developer", "claude-code", "codex", "cursor", "gemini-cli", "github-copilot"}
	ps := Profiles()
	if len(ps) != len(want) {
		t.Fatalf("%d profiles", len(ps))
	}
	for i, p := range ps {
		if p.ID != want[i] {
			t.Errorf("profile %d = %s, want %s", i, p.ID, want[i])
		}
	}
	r, err := New([]Agent{{ID: "c", Profile: "claude-code", RiskTier: "low"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.Agent("c")
	if a.Vendor != "Anthropic" || a.RiskTier != "low" || len(a.Capabilities) == 0 || a.Status != Active {
		t.Errorf("profile not applied or override lost: %+v", a)
	}
	if _, err := New([]Agent{{ID: "c", Profile: "nope"}}, nil); err == nil {
		t.Error("unknown profile accepted")
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"run_command": "shell", "shell_exec": "shell", "apply_terraform": "cloud", "update_iam_policy": "cloud",
		"execute_sql": "database", "query": "database", "inspect_schema": "database", "create_pull_request": "repository",
		"list_branches": "repository", "create_issue": "saas", "post_message": "saas", "fetch_url": "network",
		"read_file": "filesystem", "list_directory": "filesystem", "frobnicate": "unknown",
	}
	for tool, want := range cases {
		if got := Classify(nil, tool); got != want {
			t.Errorf("Classify(%q) = %s, want %s", tool, got, want)
		}
	}
	if got := Classify(&Server{Capabilities: []string{"database"}}, "frobnicate"); got != "database" {
		t.Errorf("server capability fallback: %s", got)
	}
	if c, ok := ClassifyCapability("  Shell "); !ok || c.RiskTier != "critical" {
		t.Errorf("ClassifyCapability: %+v %v", c, ok)
	}
}

func TestToolHash(t *testing.T) {
	t.Parallel()
	base := Tool{Name: "read", Description: "Read a file", InputSchema: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}}}`)}
	h1, err := ToolHash(base)
	if err != nil {
		t.Fatal(err)
	}
	reordered := base
	reordered.InputSchema = json.RawMessage(`{ "properties": {"path": {"type": "string"}}, "type": "object" }`)
	if h2, _ := ToolHash(reordered); h2 != h1 {
		t.Error("key order or whitespace changed the hash")
	}
	for _, mod := range []func(*Tool){
		func(t *Tool) { t.Description = "Read a file." },
		func(t *Tool) { t.Name = "read2" },
		func(t *Tool) { t.InputSchema = json.RawMessage(`{"type":"object"}`) },
		func(t *Tool) { yes := true; t.Annotations = &Annotations{DestructiveHint: &yes} },
	} {
		x := base
		mod(&x)
		if h, _ := ToolHash(x); h == h1 {
			t.Errorf("change not detected: %+v", x)
		}
	}
}

func openDB(t *testing.T) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "cavra.db"), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStoreKillSwitchReachesOtherGoroutine(t *testing.T) {
	t.Parallel()
	s, err := OpenStore(openDB(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterAgent(Agent{ID: "bot"}, "admin"); err != nil {
		t.Fatal(err)
	}
	a := decision.Action{Type: decision.ReadFile, Target: "x", Agent: decision.Agent{ID: "bot"}}
	disabled := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		<-disabled
		if ms := s.Registry().CheckAgent(a, Policy{}); ms[0].RuleID != "registry.agent.disabled" {
			t.Errorf("next action after disabling: %s", ms[0].RuleID)
		}
	})
	ch, err := s.SetAgentStatus("bot", Disabled, "compromised", "admin")
	if err != nil {
		t.Fatal(err)
	}
	close(disabled)
	wg.Wait()
	if ch.Before.(Agent).Status != Active || ch.After.(Agent).Status != Disabled || ch.By != "admin" {
		t.Errorf("change record: %+v", ch)
	}
	if _, err := s.SetAgentStatus("ghost", Disabled, "", "admin"); err == nil {
		t.Error("disabling an unknown agent succeeded")
	}
}

func TestStorePinsPersistAndDetectChange(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	s, err := OpenStore(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterServer(Server{ID: "fs", TrustTier: Trusted}, "admin"); err != nil {
		t.Fatal(err)
	}
	tool := Tool{Name: "read_file", Description: "Read a file", InputSchema: json.RawMessage(`{"type":"object"}`)}
	if _, err := s.Pin("fs", []Tool{tool}, "admin"); err != nil {
		t.Fatal(err)
	}
	// Reopen: pins survive.
	s2, err := OpenStore(db)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := ToolHash(tool)
	if m := s2.Registry().CheckServer(Call{Server: "fs", Tool: "read_file", Hash: h}, Policy{}); m.Decision != decision.Allow {
		t.Fatalf("unchanged tool: %s %s", m.Decision, m.RuleID)
	}
	changed := tool
	changed.Description = "Read a file!"
	hc, _ := ToolHash(changed)
	if m := s2.Registry().CheckServer(Call{Server: "fs", Tool: "read_file", Hash: hc}, Policy{}); m.RuleID != "mcp.registry.tool_changed" {
		t.Fatalf("one-character change: %s %s", m.Decision, m.RuleID)
	}
	if _, err := s2.Pin("fs", []Tool{changed}, "admin"); err != nil {
		t.Fatal(err)
	}
	if m := s2.Registry().CheckServer(Call{Server: "fs", Tool: "read_file", Hash: hc}, Policy{}); m.Decision != decision.Allow {
		t.Fatalf("re-pinned tool: %s %s", m.Decision, m.RuleID)
	}
	if _, err := s2.Pin("nope", []Tool{tool}, "admin"); err == nil {
		t.Error("pinning an unknown server succeeded")
	}
}

// PinNew adds pins for tools without one and never replaces a pin: a
// changed tool stays blocked.
func TestStorePinNew(t *testing.T) {
	t.Parallel()
	s, err := OpenStore(openDB(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterServer(Server{ID: "fs", TrustTier: Approved, ApprovalState: StateApproved}, "admin"); err != nil {
		t.Fatal(err)
	}
	read := Tool{Name: "read_file", Description: "Read a file"}
	ch, err := s.PinNew("fs", []Tool{read}, "proxy")
	if err != nil || len(ch.After.(map[string]Pin)) != 1 {
		t.Fatalf("first use: %+v %v", ch, err)
	}
	changed := read
	changed.Description = "Read a file, and more"
	write := Tool{Name: "write_file"}
	ch, err = s.PinNew("fs", []Tool{changed, write}, "proxy")
	if err != nil {
		t.Fatal(err)
	}
	if added := ch.After.(map[string]Pin); len(added) != 1 || added["write_file"].Hash == "" {
		t.Fatalf("second use added %v", ch.After)
	}
	hc, _ := ToolHash(changed)
	if m := s.Registry().CheckServer(Call{Server: "fs", Tool: "read_file", Hash: hc}, Policy{}); m.RuleID != "mcp.registry.tool_changed" {
		t.Fatalf("PinNew re-pinned a changed tool: %s", m.RuleID)
	}
	if ch, err := s.PinNew("fs", []Tool{read, write}, "proxy"); err != nil || ch.After != nil {
		t.Fatalf("nothing new: %+v %v", ch, err)
	}
	if _, err := s.PinNew("nope", []Tool{read}, "proxy"); err == nil {
		t.Error("pinning an unknown server succeeded")
	}
}

func TestParseFile(t *testing.T) {
	t.Parallel()
	original := `{"agents":[{"schema_version":"cavra.agent.v1","agent_id":"claude-code-prod","type":"coding-agent","vendor":"Anthropic",
  "capabilities":["code_edit"],"allowed_repositories":["acme/*"],"risk_tier":"high","owner":"platform","status":"active"},
  {"id":"alias-agent"}],
 "mcp_servers":[{"schema_version":"cavra.mcp_server.v1","server_id":"github-enterprise","name":"GitHub","trust_tier":"trusted",
  "capabilities":["repository"],"approval_state":"approved","allowed_tools":["create_issue"]},{"name":"only-name","trust_tier":"experimental"}]}`
	r, err := ParseFile([]byte(original))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.Agent("alias-agent"); !ok {
		t.Error("agent id alias not accepted")
	}
	if s, ok := r.Server("only-name"); !ok || s.ApprovalState != StatePending {
		t.Errorf("server name alias / default approval state: %+v %v", s, ok)
	}
	bad := []struct{ doc, want string }{
		{`{"agents":[{"agent_id":"a","colour":"red"}]}`, `agents[0] (a): unknown field(s) colour`},
		{`{"agents":[{"agent_id":"a","capabilities":"shell"}]}`, `agents[0] (a)`},
		{`{"agents":[{"agent_id":"a"},{"agent_id":"a"}]}`, `duplicate agent_id "a"`},
		{`{"mcp_servers":[{"server_id":"s","trust_tier":"sketchy"}]}`, `trust_tier "sketchy"`},
		{`{"mcp_servers":[{"server_id":"s"},{"id":"s"}]}`, `duplicate server_id "s"`},
		{`{"agents":[{"status":"active"}]}`, `agent_id is required`},
		{`{"servers":[]}`, `unknown top-level field "servers"`},
		{`not json`, `registry:`},
	}
	for _, b := range bad {
		if _, err := ParseFile([]byte(b.doc)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: got %v, want an error containing %q", b.doc, err, b.want)
		}
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	t.Parallel()
	s, err := OpenStore(openDB(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RegisterAgent(Agent{ID: "keep"}, "admin"); err != nil {
		t.Fatal(err)
	}
	f := File{Agents: []Agent{{ID: "new1"}, {ID: "new2"}, {ID: "new1"}}}
	if _, err := s.Import(f, false, "admin"); err == nil {
		t.Fatal("import with a duplicate succeeded")
	}
	if got := len(s.Registry().Agents()); got != 1 {
		t.Fatalf("a failed import left %d agents", got)
	}
	f = File{Agents: []Agent{{ID: "new1"}}, Servers: []Server{{ID: "srv", TrustTier: "bad"}}}
	if _, err := s.Import(f, false, "admin"); err == nil || len(s.Registry().Agents()) != 1 {
		t.Fatalf("import with a bad server: %v, %d agents", err, len(s.Registry().Agents()))
	}
	f = File{Agents: []Agent{{ID: "new1"}}, Servers: []Server{{ID: "srv", TrustTier: Trusted}}}
	if _, err := s.Import(f, false, "admin"); err != nil {
		t.Fatal(err)
	}
	if len(s.Registry().Agents()) != 2 || len(s.Registry().Servers()) != 1 {
		t.Fatalf("after import: %d agents, %d servers", len(s.Registry().Agents()), len(s.Registry().Servers()))
	}
	out, err := s.Registry().Export()
	if err != nil {
		t.Fatal(err)
	}
	r2, err := ParseFile(out)
	if err != nil || len(r2.Agents()) != 2 {
		t.Fatalf("export does not re-import: %v", err)
	}
}

func FuzzParseFile(f *testing.F) {
	f.Add([]byte(`{"agents":[{"agent_id":"a","status":"disabled"}],"mcp_servers":[{"server_id":"s","pins":{"t":{"hash":"sha256:00"}}}]}`))
	f.Add([]byte(`{"agents":[{"id":"a","profile":"codex"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseFile(data)
		if err != nil {
			return
		}
		for _, a := range r.Agents() {
			r.CheckAgent(decision.Action{Agent: decision.Agent{ID: a.ID}}, Policy{})
		}
		for _, s := range r.Servers() {
			r.CheckServer(Call{Server: s.ID, Tool: "x", Hash: "sha256:1"}, Policy{})
			r.ServerFacts(Call{Server: s.ID, Tool: "x"})
		}
	})
}
