package policy_test

import (
	"context"
	"fmt"
	"strings"
	"testing/fstest"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/policy"
)

func ExampleLibrary_Compile() {
	lib, err := policy.DefaultLibrary()
	if err != nil {
		panic(err)
	}
	// A team pack that inherits the bundled baseline and adds to it; in real
	// use it lives in a policy directory (Library.AddDir).
	err = lib.AddFS(fstest.MapFS{"cavra-acme/policy.yaml": {Data: []byte(`
metadata:
  id: cavra-acme
  title: ACME
  description: The baseline plus ACME's own rules.
  version: 2.1.0
  inherits: [cavra-ai-agent-baseline]
filesystem:
  block_read: ["**/*.p12"]
commands:
  allow: [go test*]
`)}})
	if err != nil {
		panic(err)
	}
	set, err := lib.Compile("cavra-acme")
	if err != nil {
		panic(err)
	}
	for _, p := range set.Packs() {
		fmt.Println(p.ID, p.Version)
	}
	fmt.Println("mode:", set.Mode())
	fmt.Println("digest:", strings.HasPrefix(set.Digest(), "sha256:"))
	// Output:
	// cavra-ai-agent-baseline 1.0.0
	// cavra-acme 2.1.0
	// mode: enforce
	// digest: true
}

func ExampleSet_Evaluate() {
	lib := policy.NewLibrary()
	err := lib.AddFS(fstest.MapFS{"cavra-example/policy.yaml": {Data: []byte(`
metadata: {id: cavra-example, title: Example, description: A small pack., version: 1.0.0}
filesystem:
  block_read: [.env, "**/*.pem"]
  require_approval_write: [iam/**]
commands:
  block: [terraform apply*]
  allow: [terraform plan*, cat *]
git: {protected_branches: [main]}
`)}})
	if err != nil {
		panic(err)
	}
	set, err := lib.Compile("cavra-example")
	if err != nil {
		panic(err)
	}
	opts := policy.EvalOptions{Dir: "/project", Home: "/home/user"}
	for _, a := range []decision.Action{
		{Type: decision.ReadFile, Target: ".env"},
		{Type: decision.ReadFile, Target: "./src/../config/.env"},
		{Type: decision.ReadFile, Target: ".env.example"},
		{Type: decision.WriteFile, Target: "iam/admin-role.tf"},
		{Type: decision.ExecuteCommand, Target: "terraform plan"},
		{Type: decision.ExecuteCommand, Target: "cd infra && terraform apply -auto-approve"},
		{Type: decision.ExecuteCommand, Target: `echo "terraform apply"`},
		{Type: decision.ExecuteCommand, Target: "cd config && cat .env"},
		{Type: decision.GitOperation, Target: "origin/main", Operation: "push"},
	} {
		d := set.Evaluate(context.Background(), a, opts)
		fmt.Printf("%-16s %-44q %-16s %s\n", a.Type, a.Target, d.Decision, d.RuleID)
	}

	// In audit_only mode the decision is recorded but lets the action through.
	opts.Mode = decision.AuditOnly
	d := set.Evaluate(context.Background(), decision.Action{Type: decision.ReadFile, Target: ".env"}, opts)
	fmt.Println(d.Decision, "was", *d.BaseDecision)
	// Output:
	// read_file        ".env"                                       block            filesystem.read.block
	// read_file        "./src/../config/.env"                       block            filesystem.read.block
	// read_file        ".env.example"                               allow            filesystem.read.allow
	// write_file       "iam/admin-role.tf"                          require_approval filesystem.write.require_approval
	// execute_command  "terraform plan"                             allow            commands.allow
	// execute_command  "cd infra && terraform apply -auto-approve"  block            commands.block
	// execute_command  "echo \"terraform apply\""                   allow            commands.builtin.allow
	// execute_command  "cd config && cat .env"                      block            filesystem.read.block
	// git_operation    "origin/main"                                block            git.protected_branch.block_direct_push
	// allow was block
}
