package policy

import (
	"strings"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/policy/shell"
)

// Stored code written through the agent's file tools (Write, Edit,
// MultiEdit): a write of .envrc, .vscode/tasks.json, package.json,
// .pre-commit-config.yaml, a Makefile or other build and test
// configuration (justfile, Taskfile, tox.ini, conftest.py, build.rs,
// CMakeLists.txt, a .go file's //go:generate, a git hook, Gradle, pom.xml,
// .npmrc, pip.conf…: shell.StoredFile) stores code that another program
// runs later. What the write puts in the file (Write's content,
// Edit's new_string, each of MultiEdit's edits) is analysed with the same
// reading a shell command that writes the text gets (shell.AnalyzeStored,
// policy/shell/stored.go), and the stored commands are judged as command
// lines. Only their blocks count: a Makefile or a package.json is project
// work, and a script that deploys, publishes or pushes is decided when it
// runs; a stored curl|sh, a delete of the home directory or a credential
// sent away is dangerous already when it is written. The blocks of the
// command name lists and of git and production targets are left to the
// run for the same reason.

// maxStoredTexts bounds the texts of one write that are analysed.
const maxStoredTexts = 32

// storedTexts returns what a write puts in its file, for a stored code
// file; nil otherwise.
func storedTexts(target string, args map[string]any) []string {
	if len(args) == 0 || !shell.StoredFile(target) {
		return nil
	}
	var out []string
	for _, k := range []string{"content", "new_string", "text"} {
		if v, ok := args[k].(string); ok && strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	if edits, ok := args["edits"].([]any); ok {
		for _, x := range edits {
			if len(out) >= maxStoredTexts {
				break
			}
			if m, ok := x.(map[string]any); ok {
				if v, ok := m["new_string"].(string); ok && strings.TrimSpace(v) != "" {
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// storedWrite adds the blocks of the code a write stores.
func (e *evaluation) storedWrite() {
	texts := storedTexts(e.act.Target, e.act.Args)
	for _, text := range texts {
		an, err := shell.AnalyzeStored(e.act.Target, text, shell.Options{Dir: e.env.cwd, Home: e.env.home, Root: e.env.root})
		if err != nil || an == nil {
			continue
		}
		a := decision.Action{Type: decision.ExecuteCommand, Target: "stored code of " + e.act.Target, Agent: e.act.Agent,
			Tool: e.act.Tool, Context: e.act.Context}
		opts := *e.opts
		opts.MCPVerdict, opts.Extra, opts.ServerFacts, opts.MCPTrusted = nil, nil, nil, false
		s := evaluation{set: e.set, ctx: e.ctx, act: &a, opts: &opts, stored: an}
		s.run()
		for _, m := range s.matches {
			if m.Decision != decision.Block || !storedBlock(m.RuleID) {
				continue
			}
			if m.Subject == "" {
				m.Subject = e.act.Target
			}
			m.Reason = "Code written to " + e.act.Target + " runs later: " + m.Reason
			e.add(m)
		}
	}
}

// storedBlock says whether a block of a stored command counts when the
// command is written (see above).
func storedBlock(rule string) bool {
	for _, p := range []string{"commands.block", "git.", "production.", "database.", "commands.parse_error", "action.invalid", "policy.error"} {
		if strings.HasPrefix(rule, p) {
			return false
		}
	}
	return true
}
