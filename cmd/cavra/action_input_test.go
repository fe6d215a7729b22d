package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
)

// cliIn runs the command line with stdin.
func cliIn(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestEvaluateInput(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "action.json")
	if err := os.WriteFile(file, []byte(`{"type": "execute_command", "target": "cd infra && terraform apply -auto-approve",
  "agent": {"id": "claude-code", "session": "s-42"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"file", "", []string{"evaluate", "-i", file}, exitBlock, "commands.block"},
		{"stdin", `{"type":"read_file","target":".env"}`, []string{"evaluate", "-i", "-"}, exitBlock, "filesystem.read.block"},
		{"stdin allow", `{"type":"read_file","target":"README.md"}`, []string{"evaluate", "-i", "-"}, exitAllow, "allow"},
		{"long flag", `{"type":"read_file","target":".env"}`, []string{"evaluate", "--input", "-"}, exitBlock, "filesystem.read.block"},
		{"mcp fields", `{"type":"mcp_tool_call","server":"unknown-filesystem","tool":"read_file","args":{"path":".env"}}`, []string{"evaluate", "-i", "-"}, exitBlock, "filesystem.read.block"},
		{"mcp fields allow", `{"type":"mcp_tool_call","server":"unknown-filesystem","tool":"read_file","args":{"path":"README.md"}}`, []string{"evaluate", "-i", "-"}, exitAllow, "mcp.tool.read.allow"},
		{"agent in JSON", `{"type":"read_file","target":".env","agent":{"id":"claude-code","session":"s-9"}}`, []string{"evaluate", "-i", "-", "-o", "json"}, exitBlock, `"session_id": "s-9"`},
		{"unknown field", `{"type":"read_file","target":".env","extra":1}`, []string{"evaluate", "-i", "-"}, exitUsage, `unknown field "extra"`},
		{"misspelled agent field", `{"type":"read_file","target":".env","agent":{"sesion":"s"}}`, []string{"evaluate", "-i", "-"}, exitUsage, `did you mean "session"`},
		{"case-folded field", `{"Type":"read_file","target":".env"}`, []string{"evaluate", "-i", "-"}, exitUsage, `unknown field "Type"`},
		{"repeated field", `{"type":"read_file","target":"README.md","target":".env"}`, []string{"evaluate", "-i", "-"}, exitUsage, "appears twice"},
		{"malformed", "{\"type\":\n \"read_file\" \"target\"}", []string{"evaluate", "-i", "-"}, exitUsage, "line 2"},
		{"truncated", `{"type":"read_file"`, []string{"evaluate", "-i", "-"}, exitUsage, "malformed JSON"},
		{"empty", "", []string{"evaluate", "-i", "-"}, exitUsage, "empty"},
		{"array", `[{"type":"read_file","target":".env"}]`, []string{"evaluate", "-i", "-"}, exitUsage, "found an array"},
		{"two values", `{"type":"read_file","target":"a"}{"type":"read_file","target":"b"}`, []string{"evaluate", "-i", "-"}, exitUsage, "more than one JSON value"},
		{"wrong type", `{"type":"read_file","target":["a"]}`, []string{"evaluate", "-i", "-"}, exitUsage, `field "target"`},
		{"null context value", `{"type":"read_file","target":"a","context":{"cwd":null}}`, []string{"evaluate", "-i", "-"}, exitUsage, "null"},
		{"unknown type", `{"type":"delete_everything","target":"/"}`, []string{"evaluate", "-i", "-"}, exitUsage, "unknown action type"},
		{"no type", `{"target":"/"}`, []string{"evaluate", "-i", "-"}, exitUsage, `"type" is missing`},
		{"no target", `{"type":"execute_command"}`, []string{"evaluate", "-i", "-"}, exitUsage, `"target" is missing`},
		{"both forms", `{"type":"read_file","target":".env"}`, []string{"evaluate", "read_file", "README.md", "-i", "-"}, exitUsage, "not both"},
		{"action flag with -i", `{"type":"read_file","target":".env"}`, []string{"evaluate", "-i", "-", "--agent", "x"}, exitUsage, "--agent"},
		{"missing file", "", []string{"evaluate", "-i", filepath.Join(dir, "nope.json")}, exitUsage, "nope.json"},
		{"positional still works", "", []string{"evaluate", "read_file", ".env"}, exitBlock, "filesystem.read.block"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cliIn(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errs)
			}
			if !strings.Contains(out+errs, tc.want) {
				t.Fatalf("output lacks %q\nstdout: %s\nstderr: %s", tc.want, out, errs)
			}
			if tc.code == exitUsage && out != "" {
				t.Fatalf("a rejected action printed a decision: %s", out)
			}
		})
	}
}

// The JSON -i reads is decision.Action's own: what a program marshals, -i
// decodes to the same action, and it is decided as the positional form is.
func TestEvaluateInputMatchesPositional(t *testing.T) {
	a := cavra.Action{Type: cavra.GitOperation, Target: "origin/main", Operation: "push",
		Agent: cavra.Agent{ID: "claude-code", Session: "s-1"}, Context: map[string]string{"cwd": "/p"}}
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeAction(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decodeAction(%s): %v", b, err)
	}
	if !reflect.DeepEqual(got, a) {
		t.Fatalf("decoded %+v, want %+v", got, a)
	}
	code, in, _ := cliIn(t, string(b), "evaluate", "-i", "-", "-o", "json")
	code2, pos, _ := cli(t, "evaluate", "git_operation", "origin/main", "--operation", "push", "--agent", "claude-code", "--session", "s-1", "--context", "cwd=/p", "-o", "json")
	var d1, d2 map[string]any
	if err := json.Unmarshal([]byte(in), &d1); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(pos), &d2); err != nil {
		t.Fatal(err)
	}
	if code != code2 || code != exitBlock {
		t.Fatalf("exit %d (-i) and %d (positional), want %d", code, code2, exitBlock)
	}
	for _, k := range []string{"decision", "rule_id", "action_digest", "agent_id", "session_id"} {
		if d1[k] != d2[k] {
			t.Errorf("%s: %v (-i) != %v (positional)", k, d1[k], d2[k])
		}
	}
}

// FuzzDecodeAction: any input either decodes to a valid action that
// round-trips through its JSON form, whose fields are exactly those the
// input spells (checked independently of the decoder), or is rejected as a
// usage error. It never panics.
func FuzzDecodeAction(f *testing.F) {
	for _, s := range []string{
		`{"type":"read_file","target":".env"}`,
		`{"type":"execute_command","target":"make deploy","agent":{"id":"a","session":"s","actor":"p","type":"t"},"context":{"cwd":"/p"}}`,
		`{"type":"mcp_tool_call","server":"github","tool":"create_issue","args":{"n":1e400,"x":[null,{"y":true}]}}`,
		`{"type":"tool_call","tool":"t","operation":"o"}`,
		`{"type":"read_file","target":".env","type":"read_file"}`,
		`{"Type":"read_file","target":".env"}`,
		`{"type":"read_file","target":".env"} x`,
		`null`, `[]`, `"read_file"`, `{"type":"read_file","target":"\ud800"}`,
		`{"type":"read_file","target":".env","agent":null}`,
		`{"type":"read_file","target":"a","args":{"a":1,"a":2}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := decodeAction(bytes.NewReader(data))
		if err != nil {
			// What the command does with it: a usage error, no decision.
			uerr := usageErr("%s: %v", "standard input", err)
			var ee *exitError
			if !errors.As(uerr, &ee) || ee.code != exitUsage {
				t.Fatalf("rejection is not a usage error: %v", uerr)
			}
			return
		}
		if !a.Type.Valid() {
			t.Fatalf("accepted an action of unknown type %q from %q", a.Type, data)
		}
		// An independent reading: valid JSON, one object, known keys only,
		// and the same type and target as the decoder saw.
		if !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q", data)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatalf("accepted %q, which is not an object: %v", data, err)
		}
		for k := range raw {
			if !actionFields[k] {
				t.Fatalf("accepted unknown field %q in %q", k, data)
			}
		}
		var typ string
		if err := json.Unmarshal(raw["type"], &typ); err != nil || typ != string(a.Type) {
			t.Fatalf("type %q decoded as %q", raw["type"], a.Type)
		}
		if tr, ok := raw["target"]; ok {
			var target string
			if err := json.Unmarshal(tr, &target); err != nil || target != a.Target {
				t.Fatalf("target %s decoded as %q", tr, a.Target)
			}
		}
		if ar, ok := raw["agent"]; ok {
			var agent map[string]json.RawMessage
			if err := json.Unmarshal(ar, &agent); err != nil {
				t.Fatalf("agent %s accepted: %v", ar, err)
			}
			for k := range agent {
				if !agentFields[k] {
					t.Fatalf("accepted unknown agent field %q in %q", k, data)
				}
			}
		}
		// Round trip: the action's JSON form decodes to the same action.
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatalf("accepted action does not marshal: %v", err)
		}
		back, err := decodeAction(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("re-encoded action %s rejected: %v", b, err)
		}
		if !reflect.DeepEqual(normalizeArgs(back), normalizeArgs(a)) {
			t.Fatalf("round trip changed the action:\n%+v\n%+v", a, back)
		}
		da, erra := a.Digest()
		db, errb := back.Digest()
		if da != db || (erra == nil) != (errb == nil) {
			t.Fatalf("round trip changed the digest: %s (%v) != %s (%v)", da, erra, db, errb)
		}
	})
}

// normalizeArgs makes an empty args map and a missing one compare equal
// (omitempty drops the empty one).
func normalizeArgs(a cavra.Action) cavra.Action {
	if len(a.Args) == 0 {
		a.Args = nil
	}
	if len(a.Context) == 0 {
		a.Context = nil
	}
	return a
}
