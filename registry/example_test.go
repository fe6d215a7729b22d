package registry_test

import (
	"fmt"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/registry"
)

func ExampleRegistry_CheckServer() {
	r, err := registry.ParseFile([]byte(`{
	  "agents": [{"agent_id": "claude", "profile": "claude-code"}],
	  "mcp_servers": [
	    {"server_id": "github", "trust_tier": "trusted", "allowed_tools": ["create_issue"]},
	    {"server_id": "scratch", "trust_tier": "experimental"}
	  ]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range []registry.Call{
		{Server: "github", Tool: "create_issue"},
		{Server: "github", Tool: "delete_repository"},
		{Server: "scratch", Tool: "anything"},
		{Server: "unheard-of", Tool: "read_file"},
	} {
		m := r.CheckServer(c, registry.Policy{})
		fmt.Printf("%s:%s -> %s (%s)\n", c.Server, c.Tool, m.Decision, m.RuleID)
	}
	a := decision.Action{Type: decision.ExecuteCommand, Target: "ls", Agent: decision.Agent{ID: "claude"}}
	fmt.Println(r.CheckAgent(a, registry.Policy{})[0].RuleID)
	// Output:
	// github:create_issue -> allow (mcp.registry.allow)
	// github:delete_repository -> require_approval (mcp.registry.tool_scope)
	// scratch:anything -> require_approval (mcp.registry.requires_approval)
	// unheard-of:read_file -> block (mcp.registry.unknown)
	// registry.agent.allow
}
