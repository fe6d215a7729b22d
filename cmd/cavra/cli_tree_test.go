package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// commandTree is the command tree as run builds it.
func commandTree() *cobra.Command {
	root := newRoot()
	strictTree(root)
	return root
}

// walkTree calls f with every command and its arguments from the root.
func walkTree(c *cobra.Command, path []string, f func(c *cobra.Command, path []string)) {
	f(c, path)
	for _, sub := range c.Commands() {
		walkTree(sub, append(append([]string(nil), path...), sub.Name()), f)
	}
}

// typo turns a name into a near miss: its last two letters swapped.
func typo(name string) string {
	b := []byte(name)
	b[len(b)-1], b[len(b)-2] = b[len(b)-2], b[len(b)-1]
	return string(b)
}

func TestEveryParentRejectsUnknownSubcommands(t *testing.T) {
	parents := 0
	walkTree(commandTree(), nil, func(c *cobra.Command, path []string) {
		if !c.HasSubCommands() {
			return
		}
		parents++
		t.Run("cavra "+strings.Join(path, " "), func(t *testing.T) {
			code, out, errs := cli(t, append(path, "no-such-command")...)
			if code != exitUsage || !strings.Contains(errs, `unknown command "no-such-command"`) || out != "" {
				t.Errorf("unknown subcommand: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
			}
			var first string
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() && len(sub.Name()) >= 4 {
					first = sub.Name()
					break
				}
			}
			if first != "" {
				code, _, errs = cli(t, append(path, typo(first))...)
				if code != exitUsage || !strings.Contains(errs, "did you mean") || !strings.Contains(errs, first) {
					t.Errorf("%q: exit %d, want 2 suggesting %s\nstderr: %s", typo(first), code, first, errs)
				}
			}
			code, out, _ = cli(t, path...)
			if code != 0 || !strings.Contains(out, "Available Commands") {
				t.Errorf("bare command: exit %d, want 0 with its help\nstdout: %s", code, out)
			}
		})
	})
	if parents < 8 {
		t.Fatalf("walked only %d parent commands", parents)
	}
	// Cobra's own commands take no stray argument either.
	if code, _, errs := cli(t, "completion", "bash", "extra"); code != exitUsage {
		t.Errorf("completion bash extra: exit %d %s", code, errs)
	}
	// The help command says the same about a topic that does not exist.
	if code, _, errs := cli(t, "help", "policy", "valdate"); code != exitUsage || !strings.Contains(errs, "did you mean validate") {
		t.Errorf("help policy valdate: exit %d %s", code, errs)
	}
	if code, out, _ := cli(t, "help", "policy", "validate"); code != 0 || !strings.Contains(out, "policy validate") {
		t.Errorf("help policy validate: exit %d %s", code, out)
	}
}

func TestEveryCommandRejectsUnknownFlags(t *testing.T) {
	walkTree(commandTree(), nil, func(c *cobra.Command, path []string) {
		if c.Name() == "help" {
			return // its arguments are command names; flags are not its business
		}
		t.Run("cavra "+strings.Join(path, " "), func(t *testing.T) {
			code, out, errs := cli(t, append(path, "--no-such-flag")...)
			if code != exitUsage || !strings.Contains(errs, "unknown flag: --no-such-flag") || out != "" {
				t.Errorf("exit %d, want 2\nstdout: %s\nstderr: %s", code, out, errs)
			}
			var name string
			c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
				if name == "" && len(f.Name) >= 4 && f.Name != "help" {
					name = f.Name
				}
			})
			if name == "" {
				return
			}
			code, _, errs = cli(t, append(path, "--"+typo(name))...)
			if code != exitUsage || !strings.Contains(errs, "did you mean") || !strings.Contains(errs, "--"+name) {
				t.Errorf("--%s: exit %d, want 2 suggesting --%s\nstderr: %s", typo(name), code, name, errs)
			}
		})
	})
}

// notPrinting are the commands without -o, and why. Every other command
// prints a result and must take -o json|text.
var notPrinting = map[string]string{
	"cavra help":                   "prints help",
	"cavra completion bash":        "prints a shell script",
	"cavra completion fish":        "prints a shell script",
	"cavra completion powershell":  "prints a shell script",
	"cavra completion zsh":         "prints a shell script",
	"cavra hook claude-code":       "speaks Claude Code's hook protocol",
	"cavra hook codex":             "speaks Codex's hook protocol",
	"cavra hook cursor":            "speaks Cursor's hook protocol",
	"cavra hook gemini-cli":        "speaks Gemini CLI's hook protocol",
	"cavra evidence bundle":        "writes the bundle, a JSON document",
	"cavra evidence export":        "writes records as JSON Lines or OCSF (--format)",
	"cavra registry export":        "writes the registry, a JSON document",
	"cavra keys export-trust-root": "writes the trust root, a JWKS document",
	"cavra mcp proxy":              "speaks MCP to the client (stdio or HTTP)",
	"cavra run":                    "runs a command: its output is the command's, and what held it goes to stderr",
	"cavra serve":                  "serves the HTTP API until stopped; its log lines are JSON on stderr",
}

func TestPrintingCommandsHaveOutputFlag(t *testing.T) {
	seen := map[string]bool{}
	walkTree(commandTree(), nil, func(c *cobra.Command, path []string) {
		if c.HasSubCommands() || len(path) == 0 {
			return
		}
		name := c.CommandPath()
		seen[name] = true
		has := c.Flags().Lookup("output") != nil && c.Flags().Lookup("json") != nil
		switch {
		case notPrinting[name] != "":
			if has {
				t.Errorf("%s has -o now: take it off the exceptions", name)
			}
		case !has:
			t.Errorf("%s prints a result but has no -o json|text (and --json)", name)
		}
	})
	for name := range notPrinting {
		if !seen[name] {
			t.Errorf("exception %q is not a command", name)
		}
	}
}

func TestOutputJSONParses(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"version", "-o", "json"},
		{"version", "--json"},
		{"policy", "list", "-o", "json"},
		{"policy", "validate", "../../policy/packs/cavra-ai-agent-baseline", "-o", "json"},
		{"policy", "compile", "-o", "json"},
		{"policy", "compile"},
		{"policy", "init", "--home", dir + "/h", "-o", "json"},
		{"policy", "keygen", "--out", dir + "/k", "-o", "json"},
		{"init", "codex", "--dir", dir, "--dry-run", "-o", "json"},
		{"doctor", "gemini-cli", "--dir", dir, "-o", "json"},
	} {
		code, out, errs := cli(t, args...)
		var v any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Errorf("%s: exit %d, not JSON: %v\n%s\n%s", strings.Join(args, " "), code, err, out, errs)
		}
	}
	if code, out, _ := cli(t, "version", "-o", "text"); code != 0 || !strings.HasPrefix(out, "cavra ") {
		t.Errorf("version -o text: %d %q", code, out)
	}
	if code, out, _ := cli(t, "policy", "compile", "-o", "text"); code != 0 || !strings.HasPrefix(out, "digest: sha256:") {
		t.Errorf("policy compile -o text: %d %q", code, out)
	}
	if code, _, errs := cli(t, "version", "-o", "yaml"); code != exitUsage || !strings.Contains(errs, "json or text") {
		t.Errorf("-o yaml: exit %d %s", code, errs)
	}
}
