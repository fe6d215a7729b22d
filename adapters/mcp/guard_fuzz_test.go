package mcp

import (
	"context"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/internal/mcpguard"
)

// credentials are paths the baseline protects, as an argument may give
// them, with how their fact ends.
var credentials = []struct{ arg, fact string }{
	{".env", "/.env"},
	{"~/.ssh/id_rsa", "/.ssh/id_rsa"},
	{"~/.aws/credentials", "/.aws/credentials"},
	{"config/../.env", "/.env"},
	{"./.env", "/.env"},
}

// FuzzArgumentFacts fuzzes the mapping from a guarded tool's arguments to
// the facts the policy judges (callAction, mcptool.ReadCallWith and the
// policy's MCP facts): a tool name, one argument of any name and value with
// any role mapping, and a second argument "p" that the mapping makes a
// path, read or write and that holds a credential path. Oracle: no panic
// and no error; the credential path is among the call's read, write or
// delete facts (among its reads when the mapping says read); and a call
// that reads it is never allowed.
func FuzzArgumentFacts(f *testing.F) {
	for _, s := range []struct {
		tool, key, value, role string
		cred, p                uint8
	}{
		{"read_file", "path", "README.md", "", 0, 0},
		{"write_file", "content", "hello", "write", 1, 2},
		{"summarize", "doc", "notes.md", "read", 2, 1},
		{"move_file", "destination", "/tmp/x", "", 3, 0},
		{"run", "command", "cat .env", "command", 4, 1},
		{"fetch", "url", "file:///etc/passwd", "url", 0, 2},
		{"delete_thing", "repo", "acme/app", "", 1, 0},
		{"get", "p", "x", "sql", 2, 0},
	} {
		f.Add(s.tool, s.key, s.value, s.role, s.cred, s.p)
	}
	root := f.TempDir()
	g, err := cavra.Open(context.Background(), cavra.Options{Home: filepath.Join(f.TempDir(), ".cavra"), Dir: root, ReadOnly: true,
		Packs: []string{"cavra-ai-agent-baseline"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { g.Close() })
	pRoles := []string{"path", "read", "write"}
	f.Fuzz(func(t *testing.T, tool, key, value, role string, cred, p uint8) {
		if tool == "" || strings.ContainsFunc(tool, func(r rune) bool { return r <= ' ' || r == 0x7f }) || strings.HasPrefix(tool, "mcp__") {
			return // not a tool name the policy decides by name: action.invalid blocks it
		}
		c := credentials[int(cred)%len(credentials)]
		mapping := map[string]string{"p": pRoles[int(p)%len(pRoles)]}
		args := map[string]any{"p": c.arg}
		if key != "p" {
			args[key] = value
			if role != "" {
				mapping[key] = role
			}
		}
		roles, err := mcpguard.ArgRoles(nil, mapping)
		if err != nil {
			// An unknown role is refused up front (the tool is not run).
			if _, perr := mcpguard.ParseRoleWord(role); perr == nil {
				t.Fatalf("mapping %v refused: %v", mapping, err)
			}
			return
		}
		a := mcpguard.Action(mcpguard.Input{Server: "files", Tool: tool, Args: args, Root: root, Roles: roles})
		d, facts, err := g.Explain(cavra.WithOwnMCPServer(context.Background(), "files"), a)
		if err != nil {
			t.Fatalf("explain: %v", err)
		}
		is := func(s string) bool { return strings.HasSuffix(path.Clean("/"+s), c.fact) }
		if !slices.ContainsFunc(slices.Concat(facts.Reads, facts.Writes, facts.Deletes), is) {
			t.Fatalf("%s %v (roles %v): no fact of %s among reads %v writes %v deletes %v", tool, args, roles, c.arg, facts.Reads, facts.Writes, facts.Deletes)
		}
		read := slices.ContainsFunc(facts.Reads, is)
		if mapping["p"] == "read" && !read {
			t.Fatalf("%s %v (roles %v): p is read, but the reads are %v", tool, args, roles, facts.Reads)
		}
		// Reading a credential is never allowed (writing .env may be:
		// the baseline lets a project's .env be written).
		if read && d.Decision == cavra.Allow {
			t.Fatalf("%s %v (roles %v) reads %s and is allowed: %s %s", tool, args, roles, c.arg, d.RuleID, d.Reason)
		}
	})
}
