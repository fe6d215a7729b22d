package decision

import (
	"encoding/json"
	"strings"
	"testing"
)

func digest(t *testing.T, a Action) string {
	t.Helper()
	d, err := a.Digest()
	if err != nil {
		t.Fatalf("Digest: %v", err)
	}
	if !strings.HasPrefix(d, "sha256:") || len(d) != len("sha256:")+64 {
		t.Fatalf("Digest = %q, want sha256:<64 hex>", d)
	}
	return d
}

func baseAction() Action {
	return Action{
		Type: MCPToolCall, Target: "github:create_issue", Operation: "write", Tool: "create_issue", Server: "github",
		Args: map[string]any{
			"repo":   "acme/api",
			"title":  "Fix login",
			"labels": []any{"bug", "p1"},
			"meta":   map[string]any{"z": 1, "a": true, "m": map[string]any{"y": "1", "b": nil}},
		},
		Agent:   Agent{ID: "claude-code", Session: "s1", Actor: "dev"},
		Context: map[string]string{"cwd": "/work/proj", "branch": "feature/x", "repo": "acme/api"},
	}
}

func TestDigestStableUnderMapOrder(t *testing.T) {
	t.Parallel()
	want := digest(t, baseAction())
	// Build the same maps with keys inserted in the opposite order; Go also
	// randomizes map iteration, so repeating catches order-dependent encoders.
	for i := range 50 {
		a := baseAction()
		a.Args = map[string]any{}
		a.Args["meta"] = map[string]any{"m": map[string]any{"b": nil, "y": "1"}, "a": true, "z": 1}
		a.Args["labels"] = []any{"bug", "p1"}
		a.Args["title"] = "Fix login"
		a.Args["repo"] = "acme/api"
		a.Context = map[string]string{"repo": "acme/api", "branch": "feature/x", "cwd": "/work/proj"}
		if got := digest(t, a); got != want {
			t.Fatalf("iteration %d: digest %s, want %s", i, got, want)
		}
	}
}

func TestDigestIgnoresAgent(t *testing.T) {
	t.Parallel()
	a := baseAction()
	want := digest(t, a)
	a.Agent = Agent{ID: "other", Type: "codex", Session: "s2", Actor: "someone-else"}
	if got := digest(t, a); got != want {
		t.Errorf("changing the agent changed the digest: %s != %s", got, want)
	}
}

func TestDigestChangesWithContent(t *testing.T) {
	t.Parallel()
	base := digest(t, baseAction())
	tests := []struct {
		name   string
		change func(a *Action)
	}{
		{"type", func(a *Action) { a.Type = ToolCall }},
		{"target", func(a *Action) { a.Target = "github:create_issue " }},
		{"operation", func(a *Action) { a.Operation = "read" }},
		{"tool", func(a *Action) { a.Tool = "create_issues" }},
		{"server", func(a *Action) { a.Server = "gitlab" }},
		{"arg value", func(a *Action) { a.Args["title"] = "Fix login!" }},
		{"arg type", func(a *Action) { a.Args["meta"].(map[string]any)["z"] = "1" }},
		{"arg added", func(a *Action) { a.Args["body"] = "" }},
		{"arg removed", func(a *Action) { delete(a.Args, "repo") }},
		{"arg renamed", func(a *Action) { a.Args["Repo"] = a.Args["repo"]; delete(a.Args, "repo") }},
		{"list order", func(a *Action) { a.Args["labels"] = []any{"p1", "bug"} }},
		{"list element", func(a *Action) { a.Args["labels"] = []any{"bug", "p2"} }},
		{"nested null to false", func(a *Action) {
			a.Args["meta"].(map[string]any)["m"].(map[string]any)["b"] = false
		}},
		{"context value", func(a *Action) { a.Context["branch"] = "main" }},
		{"context added", func(a *Action) { a.Context["environment"] = "prod" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := baseAction()
			tt.change(&a)
			if got := digest(t, a); got == base {
				t.Errorf("digest did not change: %s", got)
			}
		})
	}
}

// An action's digest must survive the JSON form an approval stores it in:
// Action marshals empty args and context away (omitempty).
func TestDigestSurvivesJSONRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		a    Action
	}{
		{"full", baseAction()},
		{"empty maps", Action{Type: ExecuteCommand, Target: "ls", Args: map[string]any{}, Context: map[string]string{}}},
		{"nil maps", Action{Type: ExecuteCommand, Target: "ls"}},
		{"numbers", Action{Type: ToolCall, Target: "x", Args: map[string]any{"n": 3, "f": 2.5, "neg": -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			want := digest(t, tt.a)
			b, err := json.Marshal(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			var back Action
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if got := digest(t, back); got != want {
				t.Errorf("digest after JSON round trip %s, want %s (json %s)", got, want, b)
			}
		})
	}
}

func TestDigestUnencodableArgs(t *testing.T) {
	t.Parallel()
	a := Action{Type: ToolCall, Target: "x", Args: map[string]any{"f": func() {}}}
	if d, err := a.Digest(); err == nil {
		t.Errorf("Digest of an action with a func argument = %q, want an error", d)
	}
}

func TestDigestIgnoresPerAttemptContext(t *testing.T) {
	t.Parallel()
	a := Action{Type: ExecuteCommand, Target: "make deploy", Context: map[string]string{ContextCwd: "/p", "tool_use_id": "toolu_1"}}
	b := a
	b.Context = map[string]string{ContextCwd: "/p", "tool_use_id": "toolu_2", "prompt_id": "x"}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Fatal("a per-attempt context key changed the digest")
	}
	c := a
	c.Context = map[string]string{ContextCwd: "/other", "tool_use_id": "toolu_1"}
	if dc, _ := c.Digest(); dc == da {
		t.Fatal("a different working directory kept the digest")
	}
}
