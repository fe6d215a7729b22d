package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
)

// readOnlyCommands are the CLI's commands an agent may run: they read,
// check or print, and change nothing of CAVRA's. Every other command of
// the tree must be refused to agents by the Guard (cavra.self.*); a new
// command lands in one list or the other on purpose.
var readOnlyCommands = map[string]bool{
	"cavra": true, "evaluate": true, "version": true, "help": true,
	"policy": true, "policy explain": true, "policy test": true, "policy validate": true, "policy list": true,
	"policy describe": true, "policy compile": true, "policy diff": true, "policy verify": true,
	"evidence": true, "evidence verify": true, "evidence list": true, "evidence show": true, "evidence export": true,
	"evidence bundle": true, "evidence witness show": true,
	"approval": true, "approval list": true, "approval show": true, "approval routes": true,
	"registry": true, "registry agent-list": true, "registry mcp-list": true, "registry mcp-check": true,
	"registry export": true, "registry profiles": true, "registry mcp-classifications": true,
	"keys": true, "keys list": true, "keys export-trust-root": true,
	"doctor": true, "mcp": true, "completion": true,
}

// TestCLITreeClassified runs every command of the CLI's tree, as an agent
// would through Bash, past a Guard: the read-only ones stay allowed, every
// other one is blocked as CAVRA's control plane.
func TestCLITreeClassified(t *testing.T) {
	g, err := cavra.Open(t.Context(), cavra.Options{Home: t.TempDir(), Dir: t.TempDir(), ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	n := 0
	walkTree(commandTree(), nil, func(c *cobra.Command, path []string) {
		name := strings.Join(path, " ")
		if name == "" {
			name = "cavra"
		}
		if len(path) > 0 && (path[0] == "doctor" || path[0] == "completion" || path[0] == "help") {
			name = path[0] // their subcommands read as they do
		}
		n++
		d, err := g.Check(t.Context(), cavra.Action{Type: cavra.ExecuteCommand, Target: strings.TrimSpace("cavra " + strings.Join(path, " "))})
		if err != nil {
			t.Fatal(err)
		}
		refused := d.Decision == cavra.Block && strings.HasPrefix(d.RuleID, "cavra.self.")
		switch {
		case readOnlyCommands[name] && refused:
			t.Errorf("cavra %s is read-only but refused: %s (%s)", name, d.RuleID, d.Reason)
		case !readOnlyCommands[name] && !refused:
			t.Errorf("cavra %s changes CAVRA (it is not in readOnlyCommands) but the Guard says %s (%s)", name, d.Decision, d.RuleID)
		}
	})
	t.Logf("%d commands", n)
}
