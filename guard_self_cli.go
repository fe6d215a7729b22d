package cavra

import (
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/cavra-dev/cavra/policy"
)

// This file recognizes the cavra CLI in a command's facts and sorts its
// subcommands into the read-only ones an agent may run and the control
// plane it may not. The list is an allow list: a subcommand it does not
// name as read-only (a new one, a typo, a word only known at run time) is
// refused, because the agent gains nothing from running it that a person
// could not run instead.

// readOnlyCLI holds the read-only subcommands: a group maps to its
// read-only children; an entry with no children is read-only as a whole.
var readOnlyCLI = map[string][]string{
	"evaluate":   nil,
	"version":    nil,
	"help":       nil,
	"doctor":     nil,
	"completion": nil,
	"policy":     {"explain", "test", "validate", "list", "describe", "compile", "diff", "verify"},
	"evidence":   {"verify", "list", "show", "export", "bundle"},
	"approval":   {"list", "show", "routes"},
	"registry":   {"agent-list", "mcp-list", "mcp-check", "export", "profiles", "mcp-classifications"},
	"keys":       {"list", "export-trust-root"},
	"mcp":        {}, // `mcp serve` runs a server on the state: refused
}

// readOnlyDeepCLI are read-only subcommands a level further down, in
// groups that are otherwise refused.
var readOnlyDeepCLI = map[string]bool{"evidence witness show": true}

// controlGroups are the top-level subcommands of the cavra CLI. A command
// whose name is only known at run time (`$c approval approve`) and whose
// first argument is one of them is taken to run the CLI.
var controlGroups = map[string]bool{
	"approval": true, "evidence": true, "registry": true, "keys": true, "policy": true,
	"init": true, "hook": true, "mcp": true, "evaluate": true,
}

// distinctivePairs are control-plane subcommands specific enough to the
// cavra CLI that any program run with them is taken to be a copy of it
// (`cp $(which cavra) x; ./x approval approve …`).
var distinctivePairs = map[string][]string{
	"approval": {"approve", "deny", "break-glass", "enroll"},
	"evidence": {"prune", "compact", "witness"},
	"keys":     {"generate", "rotate"},
	"registry": {"agent-register", "agent-enable", "agent-disable", "agent-retire", "agent-suspend", "mcp-register", "mcp-pin", "mcp-approve", "mcp-block", "import"},
	"hook":     {"claude-code", "codex", "cursor", "gemini-cli"},
	"init":     {"claude-code", "codex", "cursor", "gemini-cli"},
	"policy":   {"sign", "keygen"},
}

// dataCommands take their arguments as data or patterns: `grep approval
// approve.txt` does not run the CLI.
var dataCommands = map[string]bool{
	"echo": true, "printf": true, "grep": true, "egrep": true, "fgrep": true, "rg": true, "ag": true, "ack": true,
	"man": true, "info": true, "apropos": true, "whatis": true, "tldr": true, "which": true, "type": true,
	"git": true, "gh": true, "cavra-mcp-server": true,
}

// cliVerdict is what running the cavra CLI with some arguments does.
type cliVerdict struct {
	control bool   // changes CAVRA: refused
	rule    string // cavra.self.* rule when control
	what    string // the subcommand, for the reason
	out     string // a file the read-only command writes (--out), "" when none
}

// classifyCLI sorts cavra CLI arguments (after the program name).
func classifyCLI(args []string) cliVerdict {
	var words []string
	out := ""
	dryRun, help := false, false
	mode := ""
	breakGlassFlag := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			words = append(words, a)
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		switch name {
		case "--help", "-h":
			if !hasVal || val == "true" {
				help = true
			}
		case "--dry-run":
			dryRun = !hasVal || val == "true"
		case "--out":
			if !hasVal && i+1 < len(args) {
				i++
				val = args[i]
			}
			out = val
		case "--mode":
			if !hasVal && i+1 < len(args) {
				i++
				val = args[i]
			}
			mode = val
		case "--break-glass-actor", "--break-glass-reason":
			breakGlassFlag = true
		}
	}
	if help {
		return cliVerdict{what: "--help"}
	}
	if len(words) == 0 {
		return cliVerdict{what: "cavra"}
	}
	top := words[0]
	what := top
	if len(words) > 1 {
		what = top + " " + words[1]
	}
	switch top {
	case "init":
		if dryRun {
			return cliVerdict{what: what, out: out}
		}
		return cliVerdict{control: true, rule: "cavra.self.control_plane", what: what}
	case "hook":
		return cliVerdict{control: true, rule: "cavra.self.hook", what: what}
	case "evaluate":
		if !dryRun && (breakGlassFlag || (mode != "" && mode != "enforce" && mode != "strict")) {
			return cliVerdict{control: true, rule: "cavra.self.mode", what: "evaluate --mode " + mode}
		}
	}
	if hasMeta(top) || (len(words) > 1 && hasMeta(words[1])) {
		// A subcommand only known at run time may be any of them.
		return cliVerdict{control: true, rule: "cavra.self.control_plane", what: what}
	}
	children, ok := readOnlyCLI[top]
	switch {
	case !ok && !knownCLI[top]:
		return cliVerdict{what: what} // no such command: the CLI refuses it
	case !ok:
		return cliVerdict{control: true, rule: "cavra.self.control_plane", what: what}
	case children == nil:
		return cliVerdict{what: what, out: out}
	case len(words) == 1:
		return cliVerdict{what: what} // the group's help
	}
	for _, c := range children {
		if words[1] == c {
			return cliVerdict{what: what, out: out}
		}
	}
	if len(words) > 2 && readOnlyDeepCLI[top+" "+words[1]+" "+words[2]] {
		return cliVerdict{what: what, out: out}
	}
	for _, c := range distinctivePairs[top] {
		if words[1] == c {
			return cliVerdict{control: true, rule: "cavra.self.control_plane", what: what}
		}
	}
	if knownChildren[top+" "+words[1]] {
		return cliVerdict{control: true, rule: "cavra.self.control_plane", what: what}
	}
	return cliVerdict{what: what} // no such subcommand: the CLI refuses it
}

// knownCLI are the top-level commands of the CLI that are not read-only
// as a whole (init, hook and evaluate are judged above).
// `run` is refused to agents: its flags pick the policy and loosen the
// confinement (--policy-pack, --best-effort, --network-unrestricted), so
// it is the host's or a person's to start, not the agent's.
var knownCLI = map[string]bool{"serve": true, "init": true, "hook": true, "run": true}

// knownChildren are the control-plane subcommands not in
// distinctivePairs. Every subcommand of the CLI is either read-only
// (readOnlyCLI) or refused; TestCLITreeClassified in cmd/cavra keeps the
// lists complete.
var knownChildren = map[string]bool{
	"mcp serve": true, "mcp proxy": true, "policy init": true, "registry agent-retire": true, "registry mcp-register": true,
}

// goRunCavra matches the package of `go run` that builds the CLI.
var goRunCavra = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(^|/)cmd/cavra/?(@[^/]*)?$`) })

// goRunValueFlags are the flags of `go run` that take a value.
var goRunValueFlags = map[string]bool{
	"-C": true, "-exec": true, "-tags": true, "-ldflags": true, "-gcflags": true, "-asmflags": true, "-mod": true,
	"-modfile": true, "-p": true, "-pkgdir": true, "-toolexec": true, "-overlay": true, "-pgo": true,
	"-covermode": true, "-coverpkg": true, "-buildmode": true, "-compiler": true, "-gccgoflags": true, "-o": true,
}

// goRunArgs returns the program arguments of `go run PKG ARGS…` when PKG
// is the cavra CLI.
func goRunArgs(c *policy.CommandFacts) ([]string, bool) {
	if len(c.Args) < 2 || c.Args[0] != "run" {
		return nil, false
	}
	for i := 1; i < len(c.Args); i++ {
		a := c.Args[i]
		if strings.HasPrefix(a, "-") {
			if goRunValueFlags[a] {
				i++
			}
			continue
		}
		p := strings.TrimSuffix(strings.ToLower(a), "/...")
		if goRunCavra().MatchString(p) || ((p == "." || p == "./") && strings.HasSuffix(strings.ToLower(c.Dir), "/cmd/cavra")) {
			return c.Args[i+1:], true
		}
		return nil, false
	}
	return nil, false
}

// isCavraName reports whether a command name is the cavra CLI's.
func isCavraName(name string) bool {
	n := strings.ToLower(path.Base(name))
	n = strings.TrimSuffix(n, ".exe")
	return n == "cavra"
}

// distinctive reports whether args start with a control-plane subcommand
// specific to the cavra CLI.
func distinctive(args []string) bool {
	var words []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			words = append(words, a)
			if len(words) == 2 {
				break
			}
		}
	}
	if len(words) < 2 {
		return false
	}
	for _, v := range distinctivePairs[words[0]] {
		if words[1] == v {
			return true
		}
	}
	return false
}

// controlText finds a control-plane cavra command in program text that a
// command line hands to an interpreter, or that is written to a script:
// `os.system("cavra approval approve …")`, `["cavra", "keys", "rotate"]`.
var controlText = regexp.MustCompile(`(?i)cavra(?:\.exe)?["',\s\]\[+()]+(?:(?:--?[a-z-]+(?:[= ]\S+)?)["',\s\]\[+()]+)*` +
	`(?:approval["',\s]+(?:approve|deny|break-glass|enroll)|evidence["',\s]+(?:prune|compact|witness)|` +
	`keys["',\s]+(?:generate|rotate)|registry["',\s]+(?:agent-(?:register|enable|disable|retire|suspend)|mcp-(?:register|pin|approve|block)|import)|` +
	`policy["',\s]+(?:sign|keygen|init)|init["',\s]+(?:claude-code|codex|cursor|gemini-cli)|hook["',\s]+(?:claude-code|codex|cursor|gemini-cli)|init\b)`)
