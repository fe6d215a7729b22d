// Command guard shows the library in front of a made-up agent: each action
// the agent proposes is decided before it would run.
//
//	go run ./examples/guard
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/cavra-dev/cavra"
)

func main() {
	ctx := context.Background()
	// Packs default to the bundled cavra-ai-agent-baseline; the state
	// directory is found from the working directory.
	g, err := cavra.Open(ctx, cavra.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()

	agent := cavra.Agent{ID: "example-agent", Session: "demo", Actor: os.Getenv("USER")}
	proposed := []cavra.Action{
		{Type: cavra.ReadFile, Target: "src/main.go"},
		{Type: cavra.ReadFile, Target: "config/.env"},
		{Type: cavra.WriteFile, Target: "iam/admin-role.tf"},
		{Type: cavra.ExecuteCommand, Target: "terraform plan"},
		{Type: cavra.ExecuteCommand, Target: "cd infra && terraform apply -auto-approve"},
		{Type: cavra.GitOperation, Target: "origin/main", Operation: "push"},
		{Type: cavra.MCPToolCall, Server: "unknown-filesystem", Tool: "read_file"},
	}
	for _, a := range proposed {
		a.Agent = agent
		d, err := g.Evaluate(ctx, a)
		if err != nil {
			log.Printf("guard failure (the decision is a block): %v", err)
		}
		fmt.Printf("%-16s %-45q %-17s %s\n", a.Type, d.Target, d.Decision, d.Reason)
	}
}
