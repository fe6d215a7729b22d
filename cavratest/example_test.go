package cavratest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/cavratest"
)

// t stands in for the *testing.T of a real test in these examples.
var t = &testing.T{}

func ExampleNew() {
	// In a test: a Guard on the banking baseline, its state in t.TempDir().
	g := cavratest.New(t, cavratest.Options{Packs: []string{"cavra-banking-baseline"}})
	d := cavratest.Decide(t, g, cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform apply -auto-approve"})
	fmt.Println(d.Decision)
	// Output: block
}

func ExampleAssertDecision() {
	g := cavratest.New(t, cavratest.Options{})
	d := cavratest.AssertDecision(t, g, cavra.Action{Type: cavra.ReadFile, Target: ".env"}, cavra.Block)
	fmt.Println(d.Decision, d.RuleID, t.Failed())
	// Output: block filesystem.read.block false
}

func ExampleLoadFixtures() {
	dir, _ := os.MkdirTemp("", "fixtures")
	defer os.RemoveAll(dir)
	p := filepath.Join(dir, "agent.jsonl")
	os.WriteFile(p, []byte(`{"name": "tests run", "action": {"type": "execute_command", "target": "go test ./..."}, "expect": {"decision": "allow"}}
{"name": "secrets stay", "action": {"type": "read_file", "target": ".env"}, "expect": {"decision": "block", "rule_id": "filesystem.read.block"}}
`), 0o644)
	fixtures, err := cavratest.LoadFixtures(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range fixtures {
		fmt.Println(f.Line, f.Name, f.Expect.Decision)
	}
	// In a test: cavratest.RunFixtures(t, cavratest.New(t, cavratest.Options{}), fixtures)
	// Output:
	// 1 tests run allow
	// 2 secrets stay block
}
