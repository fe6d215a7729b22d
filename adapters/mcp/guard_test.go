package mcp_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/mcp"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/registry"
)

// files is a small filesystem-like MCP server over a root directory, the
// kind an author guards with mcp.Guard. calls counts handler runs.
type files struct {
	root  string
	calls atomic.Int64
}

type pathIn struct {
	Path string `json:"path"`
}

type writeIn struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

type docIn struct {
	Doc string `json:"doc"`
}

type nameIn struct {
	Name string `json:"name"`
}

func (f *files) server() *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "files", Version: "1"}, nil)
	sdk.AddTool(s, &sdk.Tool{Name: "read_file", Description: "Read a file", Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(ctx context.Context, _ *sdk.CallToolRequest, in pathIn) (*sdk.CallToolResult, any, error) {
			f.calls.Add(1)
			b, err := os.ReadFile(filepath.Join(f.root, in.Path))
			if err != nil {
				return nil, nil, err
			}
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(b)}}}, nil, nil
		})
	sdk.AddTool(s, &sdk.Tool{Name: "write_file", Description: "Write a file"},
		func(ctx context.Context, _ *sdk.CallToolRequest, in writeIn) (*sdk.CallToolResult, any, error) {
			f.calls.Add(1)
			p := filepath.Join(f.root, in.Path)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return nil, nil, err
			}
			return nil, nil, os.WriteFile(p, []byte(in.Content), 0o644)
		})
	sdk.AddTool(s, &sdk.Tool{Name: "list", Description: "List a directory", Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(ctx context.Context, _ *sdk.CallToolRequest, in pathIn) (*sdk.CallToolResult, any, error) {
			f.calls.Add(1)
			es, err := os.ReadDir(filepath.Join(f.root, in.Path))
			if err != nil {
				return nil, nil, err
			}
			var names []string
			for _, e := range es {
				names = append(names, e.Name())
			}
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: strings.Join(names, "\n")}}}, nil, nil
		})
	// A tool whose argument's name says nothing: GuardOptions.Tools says
	// doc is read.
	sdk.AddTool(s, &sdk.Tool{Name: "summarize", Description: "Summarize a document", Annotations: &sdk.ToolAnnotations{ReadOnlyHint: true}},
		func(ctx context.Context, _ *sdk.CallToolRequest, in docIn) (*sdk.CallToolResult, any, error) {
			f.calls.Add(1)
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "a summary"}}}, nil, nil
		})
	// A tool whose argument's schema format says it is a path.
	s.AddTool(&sdk.Tool{Name: "preview", Description: "Preview a document",
		InputSchema: map[string]any{"type": "object", "properties": map[string]any{"target": map[string]any{"type": "string", "format": "path"}}}},
		func(ctx context.Context, _ *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
			f.calls.Add(1)
			return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: "a preview"}}}, nil
		})
	// A tool the baseline blocks outright, whatever its arguments.
	sdk.AddTool(s, &sdk.Tool{Name: "delete_repository", Description: "Delete the repository"},
		func(ctx context.Context, _ *sdk.CallToolRequest, in nameIn) (*sdk.CallToolResult, any, error) {
			f.calls.Add(1)
			return nil, nil, nil
		})
	return s
}

// fixture is a guarded files server over in-memory transports.
type fixture struct {
	g     *cavra.Guard
	files *files
	cs    *sdk.ClientSession
}

func openGuard(t testing.TB, root string, packs ...string) *cavra.Guard {
	t.Helper()
	if len(packs) == 0 {
		packs = []string{"cavra-ai-agent-baseline"}
	}
	g, err := cavra.Open(context.Background(), cavra.Options{Home: filepath.Join(t.TempDir(), ".cavra"), Packs: packs, Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	return g
}

func newRoot(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range map[string]string{
		"README.md": "# hello\n",
		".env":      "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
	} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// connectGuarded serves the files server guarded by g with opts (Root and
// ServerID filled in when empty).
func connectGuarded(t testing.TB, g *cavra.Guard, root string, opts mcp.GuardOptions) *fixture {
	t.Helper()
	if opts.ServerID == "" {
		opts.ServerID = "files"
	}
	if opts.Root == "" {
		opts.Root = root
	}
	f := &files{root: root}
	s := f.server()
	s.AddReceivingMiddleware(mcp.Guard(g, opts))
	return &fixture{g: g, files: f, cs: connectServer(t, s)}
}

func connectServer(t testing.TB, s *sdk.Server) *sdk.ClientSession {
	t.Helper()
	ctx := context.Background()
	ct, st := sdk.NewInMemoryTransports()
	ss, err := s.Connect(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test-agent", Version: "1.2"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cs.Close()
		ss.Wait()
	})
	return cs
}

func (f *fixture) call(t *testing.T, tool string, args map[string]any) *sdk.CallToolResult {
	t.Helper()
	res, err := f.cs.CallTool(context.Background(), &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}

func resultText(res *sdk.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// meta is the decision a guarded result carries in _meta.
func meta(t *testing.T, res *sdk.CallToolResult) map[string]any {
	t.Helper()
	m, _ := res.Meta[mcp.MetaDecision].(map[string]any)
	if m == nil {
		t.Fatalf("no %s in _meta: %v", mcp.MetaDecision, res.Meta)
	}
	return m
}

func TestGuardDecides(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	f := connectGuarded(t, openGuard(t, root), root, mcp.GuardOptions{Tools: map[string]map[string]string{"summarize": {"doc": "read"}}})
	tests := []struct {
		name, tool string
		args       map[string]any
		outcome    cavra.Outcome
		rule       string // "" = any
		runs       bool
	}{
		{"allow a read", "read_file", map[string]any{"path": "README.md"}, cavra.Allow, "", true},
		{"list", "list", map[string]any{"path": "."}, cavra.Allow, "", true},
		{"block .env", "read_file", map[string]any{"path": ".env"}, cavra.Block, "filesystem.read.block", false},
		{"block an absolute .env", "read_file", map[string]any{"path": filepath.Join(root, ".env")}, cavra.Block, "filesystem.read.block", false},
		{"block ~/.ssh", "read_file", map[string]any{"path": "~/.ssh/id_rsa"}, cavra.Block, "", false},
		{"a path argument by the mapping is a read", "summarize", map[string]any{"doc": ".env"}, cavra.Block, "filesystem.read.block", false},
		{"the mapping allows what it allows", "summarize", map[string]any{"doc": "README.md"}, cavra.Allow, "", true},
		{"a path argument by the schema's format is a read", "preview", map[string]any{"target": ".env"}, cavra.Block, "filesystem.read.block", false},
		{"write a workflow needs approval", "write_file", map[string]any{"path": ".github/workflows/ci.yml", "content": "on: push\n"}, cavra.RequireApproval, "", false},
		{"write main.tf is blocked", "write_file", map[string]any{"path": "infra/main.tf", "content": "x"}, cavra.Block, "filesystem.write.block", false},
		{"write a doc", "write_file", map[string]any{"path": "docs/notes.md", "content": "hi\n"}, cavra.Allow, "", true},
		{"delete the repository", "delete_repository", map[string]any{"name": "acme/app"}, cavra.Block, "mcp.tool.delete.whole", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.files.calls.Load()
			res := f.call(t, tc.tool, tc.args)
			ran := f.files.calls.Load() > before
			text := resultText(res)
			if tc.outcome == cavra.Allow {
				if res.IsError || !ran {
					t.Fatalf("want the call to run; isError=%v ran=%v: %s", res.IsError, ran, text)
				}
				return
			}
			if !res.IsError {
				t.Fatalf("want a tool error, got %s", text)
			}
			if ran {
				t.Fatalf("the handler ran for a %s", tc.outcome)
			}
			m := meta(t, res)
			if m["decision"] != tc.outcome.String() || (tc.rule != "" && m["rule_id"] != tc.rule) {
				t.Fatalf("want %s %s, got %v: %s", tc.outcome, tc.rule, m, text)
			}
			switch tc.outcome {
			case cavra.Block:
				if !strings.Contains(text, "CAVRA blocked") || !strings.Contains(text, m["reason"].(string)) || !strings.Contains(text, m["rule_id"].(string)) {
					t.Fatalf("the text does not say what was blocked and why: %s", text)
				}
			case cavra.RequireApproval:
				id, _ := m["approval_id"].(string)
				if id == "" || !strings.Contains(text, id) || !strings.Contains(text, "cavra approval approve "+id) {
					t.Fatalf("the text does not carry the approval id %q and how to approve: %s", id, text)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(root, ".github/workflows/ci.yml")); err == nil {
		t.Fatal("a write that needs approval was made")
	}
}

// A repeated call that needs approval finds the same pending request.
func TestGuardApprovalIsStable(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	f := connectGuarded(t, openGuard(t, root), root, mcp.GuardOptions{})
	args := map[string]any{"path": ".github/workflows/ci.yml", "content": "on: push\n"}
	a := meta(t, f.call(t, "write_file", args))["approval_id"]
	b := meta(t, f.call(t, "write_file", args))["approval_id"]
	if a == nil || a != b {
		t.Fatalf("approval ids %v and %v", a, b)
	}
}

func toolNames(t *testing.T, cs *sdk.ClientSession) []string {
	t.Helper()
	var names []string
	for tool, err := range cs.Tools(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
	}
	return names
}

func TestGuardHideBlocked(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	g := openGuard(t, root)
	shown := toolNames(t, connectGuarded(t, g, root, mcp.GuardOptions{}).cs)
	hidden := toolNames(t, connectGuarded(t, g, root, mcp.GuardOptions{HideBlocked: true}).cs)
	if !slices.Contains(shown, "delete_repository") {
		t.Fatalf("without HideBlocked every tool is listed: %v", shown)
	}
	if slices.Contains(hidden, "delete_repository") || !slices.Contains(hidden, "read_file") || !slices.Contains(hidden, "write_file") {
		t.Fatalf("HideBlocked lists %v", hidden)
	}
	// Hidden is not a way round: the call is still decided.
	f := connectGuarded(t, g, root, mcp.GuardOptions{HideBlocked: true})
	if res := f.call(t, "delete_repository", map[string]any{"name": "x"}); !res.IsError || f.files.calls.Load() != 0 {
		t.Fatalf("a hidden tool ran: %s", resultText(res))
	}
}

// The guarded server is the author's own: a pack that blocks unknown
// servers does not block it, unless the options leave it to the registry;
// what a person recorded in the registry still decides.
func TestGuardOwnServerTrust(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	g := openGuard(t, root, "cavra-mcp-enterprise")
	own := connectGuarded(t, g, root, mcp.GuardOptions{})
	if res := own.call(t, "read_file", map[string]any{"path": "README.md"}); res.IsError {
		t.Fatalf("the own server's read is blocked: %s", resultText(res))
	}
	if res := own.call(t, "read_file", map[string]any{"path": ".env"}); !res.IsError || meta(t, res)["rule_id"] != "filesystem.read.block" {
		t.Fatalf("trusted is not a pass: %s", resultText(res))
	}
	other := connectGuarded(t, g, root, mcp.GuardOptions{RegistryDecides: true})
	if res := other.call(t, "read_file", map[string]any{"path": "README.md"}); !res.IsError || meta(t, res)["rule_id"] != "mcp.server.trust.block_unknown" {
		t.Fatalf("with RegistryDecides an unknown server is blocked: %s", resultText(res))
	}
	if _, err := g.RegisterServer(context.Background(), registry.Server{ID: "files", TrustTier: registry.Blocked}, "test"); err != nil {
		t.Fatal(err)
	}
	if res := own.call(t, "read_file", map[string]any{"path": "README.md"}); !res.IsError || meta(t, res)["rule_id"] != "mcp.registry.blocked" {
		t.Fatalf("a server a person blocked runs: %s", resultText(res))
	}
}

func TestGuardMalformedCall(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	f := connectGuarded(t, openGuard(t, root), root, mcp.GuardOptions{})
	for _, p := range []*sdk.CallToolParams{
		{Name: "read_file", Arguments: json.RawMessage(`"README.md"`)},
		{Name: "read_file", Arguments: json.RawMessage(`[1,2]`)},
		{Name: ""},
		{Name: "no_such_tool", Arguments: map[string]any{}},
	} {
		_, err := f.cs.CallTool(context.Background(), p)
		var je *jsonrpc.Error
		if !errors.As(err, &je) || je.Code != jsonrpc.CodeInvalidParams {
			t.Errorf("%s %s: want a -32602 protocol error, got %v", p.Name, p.Arguments, err)
		}
	}
	if f.files.calls.Load() != 0 {
		t.Fatal("a malformed call ran")
	}
	// The session survives.
	if res := f.call(t, "read_file", map[string]any{"path": "README.md"}); res.IsError {
		t.Fatal(resultText(res))
	}
}

// Each call is in the evidence with its decision; each allowed one also
// with its outcome, linked by the action digest.
func TestGuardEvidence(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	g := openGuard(t, root)
	f := connectGuarded(t, g, root, mcp.GuardOptions{})
	f.call(t, "read_file", map[string]any{"path": "README.md"})
	f.call(t, "read_file", map[string]any{"path": ".env"})
	f.call(t, "read_file", map[string]any{"path": "missing.txt"}) // allowed, fails in the handler
	f.call(t, "write_file", map[string]any{"path": ".github/workflows/ci.yml", "content": "x"})
	recs, err := g.Evidence().List(context.Background(), evidence.Query{})
	if err != nil {
		t.Fatal(err)
	}
	decisions := map[string]cavra.Decision{} // by action digest
	var order []string
	outcomes := map[string]cavra.ActionOutcome{}
	for _, r := range slices.Backward(recs) {
		switch {
		case r.Kind == evidence.KindDecision && r.Decision != nil && r.Decision.ActionType == cavra.MCPToolCall:
			decisions[r.Decision.ActionDigest] = *r.Decision
			order = append(order, r.Decision.Target+" "+r.Decision.Decision.String())
		case r.Kind == evidence.KindOutcome:
			var o cavra.ActionOutcome
			if err := json.Unmarshal(r.Data, &o); err != nil {
				t.Fatal(err)
			}
			outcomes[o.ActionDigest] = o
		}
	}
	if len(decisions) != 4 {
		t.Fatalf("want 4 decisions, got %v", order)
	}
	status := map[string]string{}
	for dg, d := range decisions {
		if d.AgentID != "test-agent" || d.SessionID == "" {
			t.Errorf("decision of %s: agent %q session %q", d.Target, d.AgentID, d.SessionID)
		}
		o, ok := outcomes[dg]
		if ok != (d.Decision == cavra.Allow) {
			t.Errorf("%s %s: outcome recorded=%v", d.Target, d.Decision, ok)
		}
		status[d.Decision.String()+" "+o.Status] = d.Target
		if ok && (o.CallID != d.DecisionID || o.ResponseDigest == "" || o.Tool != "mcp__files__read_file") {
			t.Errorf("outcome %+v of %s", o, d.DecisionID)
		}
	}
	for _, want := range []string{"allow completed", "allow failed", "block ", "require_approval "} {
		if _, ok := status[want]; !ok {
			t.Errorf("no %q among %v", want, status)
		}
	}
}

// A decision that cannot be taken is a block: here the Guard is closed.
func TestGuardFailsClosed(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	g := openGuard(t, root)
	f := connectGuarded(t, g, root, mcp.GuardOptions{})
	g.Close()
	res := f.call(t, "read_file", map[string]any{"path": "README.md"})
	if !res.IsError || f.files.calls.Load() != 0 || !strings.Contains(resultText(res), "closed") {
		t.Fatalf("a closed guard let a call run: %s", resultText(res))
	}
	// A nil Guard and a missing server id block too.
	for _, opts := range []mcp.GuardOptions{{ServerID: "files", Root: root}, {ServerID: " ", Root: root}} {
		fs := &files{root: root}
		s := fs.server()
		var gg *cavra.Guard
		if opts.ServerID == " " {
			gg = openGuard(t, root)
			opts.ServerID = ""
		}
		s.AddReceivingMiddleware(mcp.Guard(gg, opts))
		cs := connectServer(t, s)
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "read_file", Arguments: map[string]any{"path": "README.md"}})
		if err != nil || !res.IsError || fs.calls.Load() != 0 {
			t.Fatalf("%+v: err %v, result %v", opts, err, res)
		}
	}
}

// Once a person approves, the same call runs (once); then it asks again.
func TestGuardApprovedCallRuns(t *testing.T) {
	t.Parallel()
	root := newRoot(t)
	g := openGuard(t, root)
	f := connectGuarded(t, g, root, mcp.GuardOptions{})
	args := map[string]any{"path": ".github/workflows/ci.yml", "content": "on: push\n"}
	id, _ := meta(t, f.call(t, "write_file", args))["approval_id"].(string)
	ctx := context.Background()
	sig, err := g.SignLocalApproval(approval.VerbApprove, id, "maintainer")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Approve(ctx, id, sig, "reviewed the workflow"); err != nil {
		t.Fatal(err)
	}
	if res := f.call(t, "write_file", args); res.IsError || f.files.calls.Load() != 1 {
		t.Fatalf("the approved call: %s", resultText(res))
	}
	if b, err := os.ReadFile(filepath.Join(root, ".github/workflows/ci.yml")); err != nil || string(b) != "on: push\n" {
		t.Fatalf("the approved write: %q %v", b, err)
	}
	if res := f.call(t, "write_file", args); !res.IsError || meta(t, res)["decision"] != "require_approval" {
		t.Fatalf("a grant is used once: %s", resultText(res))
	}
}
