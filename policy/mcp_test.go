package policy

import (
	"io/fs"
	"strings"
	"sync"
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

// effectBaseline is the bundled coding-agent baseline with its blanket
// block of unknown MCP servers turned off: MCP tools decided by effect.
var effectBaseline = sync.OnceValues(func() ([]byte, error) {
	b, err := fs.ReadFile(Bundled(), "cavra-ai-agent-baseline/policy.yaml")
	if err != nil {
		return nil, err
	}
	return []byte(strings.Replace(string(b), "block_unknown_servers: true", "block_unknown_servers: false", 1)), nil
})

func TestMCPByEffect(t *testing.T) {
	t.Parallel()
	src, err := effectBaseline()
	if err != nil {
		t.Fatal(err)
	}
	s := compileYAML(t, string(src))
	opts := EvalOptions{Dir: "/home/dev/proj", Home: "/home/dev"}
	call := func(name string, args map[string]any, ctx map[string]string) decision.Action {
		server, tool, _ := decision.ParseMCPName(name)
		return decision.Action{Type: decision.MCPToolCall, Server: server, Tool: tool, Args: args, Context: ctx}
	}
	for _, tt := range []struct {
		name string
		args map[string]any
		ctx  map[string]string
		want decision.Outcome
		rule string
	}{
		{"mcp__linear__list_issues", nil, nil, decision.Allow, "mcp.tool.read.allow"},
		{"mcp__linear__listIssues", nil, nil, decision.Allow, "mcp.tool.read.allow"},
		{"mcp__linear__create_issue", map[string]any{"title": "x"}, nil, decision.RequireApproval, "mcp.tool.write.require_approval"},
		{"mcp__linear__delete_issue", map[string]any{"id": "1"}, nil, decision.RequireApproval, "mcp.tool.delete.require_approval"},
		{"mcp__neon__delete_project", map[string]any{"project_id": "acme-prod"}, nil, decision.Block, "mcp.tool.delete.production"},
		{"mcp__linear__delete_issue", map[string]any{"id": "1"}, map[string]string{"environment": "production"}, decision.Block, "mcp.tool.delete.production"},
		{"mcp__github__delete_repository", map[string]any{"repo": "a/b"}, nil, decision.Block, "mcp.tool.delete.whole"},
		{"mcp__x__frobnicate", nil, nil, decision.RequireApproval, "mcp.tool.unknown.require_approval"},
		// Annotations raise, never lower.
		{"mcp__x__frobnicate", nil, map[string]string{decision.ContextToolReadOnly: "true"}, decision.Allow, "mcp.tool.read.allow"},
		{"mcp__x__get_thing", nil, map[string]string{decision.ContextToolDestructive: "true"}, decision.RequireApproval, "mcp.tool.delete.require_approval"},
		{"mcp__x__delete_thing", nil, map[string]string{decision.ContextToolReadOnly: "true"}, decision.RequireApproval, "mcp.tool.delete.require_approval"},
		// Arguments are facts.
		{"mcp__filesystem__read_file", map[string]any{"path": ".env"}, nil, decision.Block, "filesystem.read.block"},
		{"mcp__filesystem__read_file", map[string]any{"path": "src/main.go"}, nil, decision.Allow, "mcp.tool.read.allow"},
		{"mcp__filesystem__write_file", map[string]any{"path": "src/a.go", "content": "x"}, nil, decision.Allow, "mcp.tool.local.allow"},
		{"mcp__filesystem__write_file", map[string]any{"path": "~/.bashrc", "content": "x"}, nil, decision.Block, "filesystem.write.block"},
		{"mcp__filesystem__move_file", map[string]any{"source": "~/.ssh/id_rsa", "destination": "k.txt"}, nil, decision.Block, ""},
		{"mcp__fs__readTextFile", map[string]any{"filePath": "~/.ssh/id_ed25519"}, nil, decision.Block, "filesystem.read.block"},
		// A tool whose name says nothing of files still reads the relative
		// path it is given from this machine.
		{"mcp__unknown__read", map[string]any{"path": ".env"}, nil, decision.Block, "filesystem.read.block"},
		{"mcp__notes__get", map[string]any{"path": "config/.env"}, nil, decision.Block, "filesystem.read.block"},
		{"mcp__unknown__read", map[string]any{"path": "README.md"}, nil, decision.Allow, "mcp.tool.read.allow"},
		{"mcp__shell__execute", map[string]any{"command": "rm -rf /"}, nil, decision.Block, ""},
		{"mcp__desktop__start_process", map[string]any{"command": "ls"}, nil, decision.Block, "mcp.tool.exec.unregistered"},
		{"mcp__fetch__fetch", map[string]any{"url": "http://169.254.169.254/latest/"}, nil, decision.Block, "network.metadata_endpoint"},
		{"mcp__fetch__fetch", map[string]any{"url": "https://go.dev/doc"}, nil, decision.Allow, "mcp.tool.read.allow"},
		{"mcp__browser__navigate", map[string]any{"url": "file:///etc/passwd"}, nil, decision.Block, "network.non_http_url"},
		{"mcp__postgres__query", map[string]any{"sql": "SELECT 1"}, nil, decision.Allow, "mcp.tool.read.allow"},
		{"mcp__postgres__query", map[string]any{"sql": "select 1; drop table users"}, nil, decision.Block, "mcp.tool.sql.drop"},
		{"mcp__postgres__query", map[string]any{"sql": "DELETE FROM users"}, nil, decision.RequireApproval, "mcp.tool.sql.destroy"},
		{"mcp__postgres__query", map[string]any{"sql": "UPDATE t SET a=1 WHERE id=2"}, nil, decision.RequireApproval, "mcp.tool.sql.write"},
		{"mcp__postgres__query", map[string]any{"sql": "COPY (SELECT 1) TO PROGRAM 'curl x'"}, nil, decision.Block, "mcp.tool.sql.runs_code"},
		{"mcp__slack__post_message", map[string]any{"text": "key AKIAIOSFODNN7ABCDEFG"}, nil, decision.Block, "mcp.tool.secret_in_arguments"},
		{"mcp__github__push_files", map[string]any{"repo": "a/b", "branch": "main", "files": []any{map[string]any{"path": "a"}}}, nil, decision.Block, "mcp.tool.protected_branch"},
		{"mcp__github__push_files", map[string]any{"repo": "a/b", "branch": "feature/x", "files": []any{map[string]any{"path": "a"}}}, nil, decision.RequireApproval, "mcp.tool.write.require_approval"},
		{"mcp__github__update_branch_protection", map[string]any{"repo": "a/b"}, nil, decision.Block, "mcp.tool.security_control"},
		{"mcp__aws__get_secret_value", map[string]any{"secret_id": "db"}, nil, decision.Block, "mcp.tool.secret_store.read"},
		{"mcp__k8s__get", map[string]any{"kind": "Secret", "name": "db"}, nil, decision.Block, "mcp.tool.secret_store.read"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := s.Evaluate(t.Context(), call(tt.name, tt.args, tt.ctx), opts)
			if d.Decision != tt.want || (tt.rule != "" && d.RuleID != tt.rule) {
				t.Errorf("%v: got %s / %s (%s), want %s / %s", tt.args, d.Decision, d.RuleID, d.Reason, tt.want, tt.rule)
			}
		})
	}
}

func TestClassifySQL(t *testing.T) {
	t.Parallel()
	for stmt, want := range map[string]sqlEffect{
		"SELECT id FROM users LIMIT 10": sqlRead, "select 'drop table x'": sqlWrite, "/* c */ DROP TABLE t": sqlDestroy,
		"TRUNCATE jobs": sqlDestroy, "DELETE FROM t": sqlDestroy, "DELETE FROM t WHERE id=1": sqlWrite, "SELECT pg_read_file('/etc/passwd')": sqlWrite,
		"WITH x AS (SELECT 1) SELECT * FROM x": sqlRead, "": sqlWrite, "SELECT 1; INSERT INTO t VALUES (1)": sqlWrite,
	} {
		if got := classifySQL(stmt).effect; got != want {
			t.Errorf("%q: %d, want %d", stmt, got, want)
		}
	}
}
