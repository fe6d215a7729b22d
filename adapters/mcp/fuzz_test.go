package mcp

import (
	"context"
	"encoding/json"
	"testing"
)

// FuzzCheckAction feeds check_action arbitrary arguments (after the JSON
// decoding the go-sdk does, without its schema check, which only narrows
// them): it never panics, refuses what is not an action with an error, and
// otherwise answers one of the three outcomes as a dry run.
func FuzzCheckAction(f *testing.F) {
	for _, seed := range []string{
		`{"type":"read_file","target":".env"}`,
		`{"type":"execute_command","target":"cd x && terraform apply -auto-approve","context":{"cwd":"/tmp"}}`,
		`{"type":"mcp_tool_call","target":"github:create_issue","args":{"title":"x"}}`,
		`{"type":"mcp_tool_call","server":"s"}`,
		`{"type":"git_operation","target":"+main","operation":"push --force"}`,
		`{"type":"http_request","target":"https://example.com","context":{"":"x"}}`,
		`{"type":"tool_call","target":"\u0000"}`,
		`{"type":"nope","target":"x"}`,
	} {
		f.Add([]byte(seed))
	}
	s, _, err := newServer(&Options{Home: f.TempDir(), Dir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var in ActionInput
		if json.Unmarshal(data, &in) != nil {
			return
		}
		_, v, err := s.checkAction(context.Background(), nil, in)
		if err != nil {
			return
		}
		switch v.Decision {
		case "allow", "block", "require_approval":
		default:
			t.Fatalf("%s: decision %q", data, v.Decision)
		}
		if !v.DryRun || v.RuleID == "" || len(v.Matches) == 0 {
			t.Fatalf("%s: %+v", data, v)
		}
	})
}
