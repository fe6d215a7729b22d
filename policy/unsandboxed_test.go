package policy

import (
	"context"
	"testing"

	"github.com/cavra-dev/cavra/decision"
)

// TestUnsandboxedAllowed: commands allow_unsandboxed is checked per
// command of the line, survives a snapshot, and a bad pattern is an error
// at the entry.
func TestUnsandboxedAllowed(t *testing.T) {
	t.Parallel()
	p, err := Parse("p.yaml", []byte(`metadata: {id: cavra-t, title: T, description: D, version: "1.0.0"}
commands:
  allow_unsandboxed: ["docker ps*", "docker compose up*"]
`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := CompilePack(p)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := set.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadSnapshot(snap)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Set{set, loaded} {
		for cmd, want := range map[string]bool{
			"docker ps -a": true, "docker ps && docker compose up -d": true, "docker ps; curl x": false,
			"go test ./...": false, "docker ps $(id)": false, "bash -c 'docker ps'": true /* the shell is seen through */, "bash -c 'docker ps; rm -rf ~'": false,
		} {
			x := s.Explain(context.Background(), decision.Action{Type: decision.ExecuteCommand, Target: cmd, Context: map[string]string{"cwd": "/p"}}, EvalOptions{})
			if _, ok := s.UnsandboxedAllowed(x.Facts); ok != want {
				t.Errorf("%q: allowed unsandboxed %v, want %v", cmd, ok, want)
			}
		}
	}
	if _, err := Parse("p.yaml", []byte(`metadata: {id: cavra-t, title: T, description: D, version: "1.0.0"}
commands: {allow_unsandboxed: [{pattern: ""}]}
`)); err == nil {
		t.Error("an empty allow_unsandboxed pattern was accepted")
	}
	if _, err := Parse("p.yaml", []byte(`metadata: {id: cavra-t, title: T, description: D, version: "1.0.0"}
commands: {allow_unsandboxed: "docker"}
`)); err == nil {
		t.Error("allow_unsandboxed as a string, not a list, was accepted")
	}
}
