package claudecode

import (
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
)

func TestAction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		payload      string
		typ          cavra.ActionType
		target       string
		server, tool string
	}{
		{"bash", `{"tool_name":"Bash","tool_input":{"command":"ls -la","description":"list"},"cwd":"/p"}`, cavra.ExecuteCommand, "ls -la", "", "Bash"},
		{"read", `{"tool_name":"Read","tool_input":{"file_path":"/p/.env","offset":3}}`, cavra.ReadFile, "/p/.env", "", "Read"},
		{"glob with path", `{"tool_name":"Glob","tool_input":{"pattern":"**/*.go","path":"/p/src"}}`, cavra.ReadFile, "/p/src", "", "Glob"},
		{"glob in cwd", `{"tool_name":"Glob","tool_input":{"pattern":"**/*.go"}}`, cavra.ReadFile, ".", "", "Glob"},
		{"grep", `{"tool_name":"Grep","tool_input":{"pattern":"TODO","path":"secrets.yaml"}}`, cavra.ReadFile, "secrets.yaml", "", "Grep"},
		{"write", `{"tool_name":"Write","tool_input":{"file_path":"/p/a.go","content":"x"}}`, cavra.WriteFile, "/p/a.go", "", "Write"},
		{"edit", `{"tool_name":"Edit","tool_input":{"file_path":"a.go","old_string":"a","new_string":"b","replace_all":false}}`, cavra.WriteFile, "a.go", "", "Edit"},
		{"multiedit", `{"tool_name":"MultiEdit","tool_input":{"file_path":"a.go","edits":[]}}`, cavra.WriteFile, "a.go", "", "MultiEdit"},
		{"notebook", `{"tool_name":"NotebookEdit","tool_input":{"notebook_path":"n.ipynb"}}`, cavra.WriteFile, "n.ipynb", "", "NotebookEdit"},
		{"webfetch", `{"tool_name":"WebFetch","tool_input":{"url":"https://go.dev/doc","prompt":"x"}}`, cavra.HTTPRequest, "https://go.dev/doc", "", "WebFetch"},
		{"websearch", `{"tool_name":"WebSearch","tool_input":{"query":"cel-go has macro"}}`, cavra.HTTPRequest, "cel-go has macro", "", "WebSearch"},
		{"mcp", `{"tool_name":"mcp__github__create_issue","tool_input":{"title":"x"}}`, cavra.MCPToolCall, "github:create_issue", "github", "create_issue"},
		{"mcp tool with underscores", `{"tool_name":"mcp__my-db__run__query","tool_input":{}}`, cavra.MCPToolCall, "my-db:run__query", "my-db", "run__query"},
		{"mcp without tool", `{"tool_name":"mcp__github","tool_input":{}}`, cavra.ToolCall, "mcp__github", "", "mcp__github"},
		{"task", `{"tool_name":"Task","tool_input":{"prompt":"p"}}`, cavra.ToolCall, "Task", "", "Task"},
		{"missing input", `{"tool_name":"Bash"}`, cavra.ExecuteCommand, "", "", "Bash"},
		{"mistyped input", `{"tool_name":"Read","tool_input":{"file_path":42}}`, cavra.ReadFile, "42", "", "Read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := ParseToolCall([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if a.Type != tt.typ || a.Target != tt.target || a.Server != tt.server || a.Tool != tt.tool {
				t.Errorf("got %s %q server %q tool %q, want %s %q %q %q", a.Type, a.Target, a.Server, a.Tool, tt.typ, tt.target, tt.server, tt.tool)
			}
		})
	}
}

func TestActionContext(t *testing.T) {
	t.Parallel()
	a := Action(ToolCall{ToolName: "Bash", ToolInput: map[string]any{"command": "go test ./..."}, Cwd: "/home/dev/proj"})
	if a.Context["cwd"] != "/home/dev/proj" {
		t.Errorf("cwd = %q", a.Context["cwd"])
	}
	if a.Args["command"] != "go test ./..." {
		t.Errorf("args = %v", a.Args)
	}
	if a := Action(ToolCall{ToolName: "Read", ToolInput: map[string]any{"file_path": "x"}}); a.Context != nil {
		t.Errorf("context without cwd = %v", a.Context)
	}
}

func TestParseToolCallError(t *testing.T) {
	t.Parallel()
	if _, err := ParseToolCall([]byte(`{"tool_name":`)); err == nil {
		t.Error("no error for malformed JSON")
	}
}

func TestActionUnsandboxed(t *testing.T) {
	for _, c := range []struct {
		v    any
		want bool
	}{{true, true}, {false, false}, {nil, false}, {"true", true}, {"false", false}, {"", false}, {1.0, true}} {
		in := map[string]any{"command": "ls"}
		if c.v != nil {
			in["dangerouslyDisableSandbox"] = c.v
		}
		a := Action(ToolCall{ToolName: "Bash", ToolInput: in})
		if got := a.Context[decision.ContextSandbox] == decision.SandboxDisabled; got != c.want {
			t.Errorf("dangerouslyDisableSandbox=%v: sandbox disabled %v, want %v", c.v, got, c.want)
		}
	}
}
