package claudecode

import (
	"reflect"
	"strings"
	"testing"
)

func names(servers []MCPServer) []string {
	out := []string{}
	for _, s := range servers {
		out = append(out, s.Name)
	}
	return out
}

func TestMCPServers(t *testing.T) {
	t.Parallel()
	got, err := MCPServers([]byte(`{"mcpServers":{"zeta":{"command":"z"},"alpha":{"type":"http","url":"https://x.test/mcp"}},"x":1}`))
	if err != nil || !reflect.DeepEqual(names(got), []string{"zeta", "alpha"}) || string(got[0].Entry) != `{"command":"z"}` {
		t.Fatalf("MCPServers: %v %v", got, err)
	}
	if got, err := MCPServers(nil); err != nil || len(got) != 0 {
		t.Fatalf("no file: %v %v", got, err)
	}
	for _, bad := range []string{`{"mcpServers":[]}`, `{"mcpServers":{`, `[1]`} {
		if _, err := MCPServers([]byte(bad)); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func TestUserMCPServers(t *testing.T) {
	t.Parallel()
	data := []byte(`{"numStartups":3,"mcpServers":{"u":{"command":"u"}},
		"projects":{"/other":{"mcpServers":{"o":{}}},"/real/p":{"allowedTools":[],"mcpServers":{"l":{"command":"l"}}}}}`)
	user, local, err := UserMCPServers(data, "/link/p", "/real/p")
	if err != nil || !reflect.DeepEqual(names(user), []string{"u"}) || !reflect.DeepEqual(names(local), []string{"l"}) {
		t.Fatalf("UserMCPServers: %v %v %v", user, local, err)
	}
	user, local, err = UserMCPServers(data, "/nowhere")
	if err != nil || len(user) != 1 || len(local) != 0 {
		t.Fatalf("another project: %v %v %v", user, local, err)
	}
	if _, _, err := UserMCPServers([]byte(`{"projects":{"/p":{"mcpServers":"x"}}}`), "/p"); err == nil || !strings.Contains(err.Error(), `projects["/p"].mcpServers`) {
		t.Fatalf("a bad project entry: %v", err)
	}
	if _, _, err := UserMCPServers([]byte(`{"mcpServers":`), "/p"); err == nil {
		t.Fatal("truncated file: no error")
	}
}
