package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/claudecode"
	"github.com/cavra-dev/cavra/internal/store"
)

// cavraBinary is the program written into an agent's configuration: this
// binary by absolute path (so the agent does not depend on PATH), unless it
// is a temporary `go run` build, in which case "cavra" from PATH.
func cavraBinary() string {
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, string(filepath.Separator)+"go-build") {
		return "cavra"
	}
	return exe
}

// shellQuote quotes a word for the shell the agents run hook commands with,
// when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`|&;<>()*?[]#~{}!") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// hookCommandLine is the hook command written for agent: f.command when
// given, else this binary (see cavraBinary) + " hook <agent> --home <home>",
// and --agent when the install names another registry id.
func hookCommandLine(f *initFlags, agent claudecode.Agent, home string) string {
	if f.command != "" {
		return f.command
	}
	cmd := shellQuote(cavraBinary()) + " hook " + string(agent)
	if home != "" {
		cmd += " --home " + shellQuote(home)
	}
	if f.agent != "" && f.agent != string(agent) {
		cmd += " --agent " + shellQuote(f.agent)
	}
	return cmd
}

func newInitCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "init",
		Short: "Put CAVRA in front of a coding agent",
		Long: `Install CAVRA's hooks into a coding agent's configuration, so that every tool
call the agent makes is decided by CAVRA before it runs. Each subcommand
merges into the agent's own file (keeping everything else), is idempotent,
shows a diff with --dry-run, and removes exactly what it added with
--uninstall. See docs/agents.md.`,
	}
	c.AddCommand(newInitClaudeCodeCmd())
	for _, a := range []claudecode.Agent{claudecode.Codex, claudecode.Cursor, claudecode.GeminiCLI} {
		c.AddCommand(newInitAgentCmd(a))
	}
	return c
}

// initFlags are the flags every `cavra init <agent>` takes.
type initFlags struct {
	user, dryRun, uninstall bool
	wrapMCP                 bool
	gitignore, asJSON       bool
	moveState               bool
	packs                   []string
	command, dir            string
	home, agent             string
}

func (f *initFlags) register(c *cobra.Command, agent claudecode.Agent, userFile string) {
	fl := c.Flags()
	fl.BoolVar(&f.user, "user", false, "install into "+userFile+" instead of the project's file")
	fl.Bool("project", true, "install into the project's file (the default)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "print the changes as a diff instead of writing them")
	fl.BoolVar(&f.uninstall, "uninstall", false, "remove exactly what cavra init added")
	fl.StringArrayVar(&f.packs, "policy-pack", nil, "packs for the state directory's config.yaml (default cavra-ai-agent-baseline)")
	fl.StringVar(&f.command, "command", "", `hook command to write (default: this binary's absolute path + " hook `+string(agent)+` --home DIR")`)
	fl.StringVar(&f.dir, "dir", ".", "project directory")
	fl.StringVar(&f.home, "home", "", "the state directory to pin in the hook command (default: $XDG_STATE_HOME/cavra/<project-id>, else ~/.local/state/cavra/<project-id>; with --user .../cavra/user; a reinstall keeps the one pinned before)")
	fl.StringVar(&f.agent, "agent", "", "the registry id the hook decides calls under, subagents' included (default "+string(agent)+")")
	fl.BoolVar(&f.moveState, "move-state", false, "move the state of an older install (database, keys) from the project's .cavra/ into the pinned state directory")
	fl.BoolVar(&f.gitignore, "gitignore", false, "append to the project's .gitignore the lines that keep CAVRA's state (database, private keys) out of git")
	outputFlag(c, &f.asJSON, "print {files: [{path, change, what, diff}], notes, gitignore}")
}

// fileChange is one configuration file an init writes.
type fileChange struct {
	path         string
	old, next    []byte
	changed      bool
	what         string // what is added or removed, for the report
	emptyWithout func([]byte) bool
}

// initRun carries out the changes of one `cavra init`: a diff for
// --dry-run, else the writes, with the record of what cavra created.
type initRun struct {
	w, errw io.Writer
	flags   *initFlags
	record  *createdRecord
	report  initReport // what -o json prints at the end
	// home is the state directory pinned in the hook command; legacy is the
	// project's .cavra when it holds an older install's state.
	home, legacy string
	move         bool                // move legacy's state into home
	lock         *claudecode.Sandbox // the --settings file's sandbox (writeSandboxLock)
}

// initReport is the JSON form of what an init did (or, with --dry-run,
// would do).
type initReport struct {
	Files     []initEvent    `json:"files"`
	Notes     []string       `json:"notes"`
	Gitignore *gitignoreHint `json:"gitignore,omitempty"`
	// MCPServers are the agent's own MCP servers init registered (or left).
	MCPServers []mcpServerEvent `json:"mcp_servers,omitempty"`
}

// initEvent is one file an init changed, left or would change. Change is
// installed, removed, deleted, unchanged, would_change, would_write, wrote
// or exists.
type initEvent struct {
	Path   string `json:"path"`
	Change string `json:"change"`
	What   string `json:"what,omitempty"`
	Diff   string `json:"diff,omitempty"`
}

func (e initEvent) text() string {
	switch e.Change {
	case "unchanged":
		return e.Path + ": no change\n"
	case "would_change":
		return e.Diff
	case "deleted":
		return fmt.Sprintf("removed %s from %s and deleted the file (cavra had created it; nothing else was left)\n", e.What, e.Path)
	case "removed":
		return fmt.Sprintf("removed %s from %s\n", e.What, e.Path)
	case "installed":
		return fmt.Sprintf("installed %s in %s\n", e.What, e.Path)
	case "would_write":
		return fmt.Sprintf("would write %s\n", e.Path)
	case "exists":
		return fmt.Sprintf("%s exists; left as it is\n", e.Path)
	}
	return fmt.Sprintf("wrote %s\n", e.Path)
}

func newInitRun(c *cobra.Command, f *initFlags) (*initRun, error) {
	rec, err := loadCreatedRecord(f)
	if err != nil {
		return nil, err
	}
	return &initRun{w: c.OutOrStdout(), errw: c.ErrOrStderr(), flags: f, record: rec,
		report: initReport{Files: []initEvent{}, Notes: []string{}}}, nil
}

// event reports one file: printed at once as text, or kept for -o json.
func (r *initRun) event(e initEvent) {
	if r.flags.asJSON {
		r.report.Files = append(r.report.Files, e)
		return
	}
	fmt.Fprint(r.w, e.text())
}

// say reports a line for the person running init (a note, a command to
// run), printed at once as text or kept for -o json.
func (r *initRun) say(format string, a ...any) {
	line := fmt.Sprintf(format, a...)
	if r.flags.asJSON {
		r.report.Notes = append(r.report.Notes, line)
		return
	}
	fmt.Fprintln(r.w, line)
}

// finish ends an init: the .gitignore hint (or change) when the state is in
// the project, then with -o json the whole report.
func (r *initRun) finish() error {
	if !r.flags.uninstall && !r.flags.user && r.home != "" {
		if err := r.gitignore(r.flags.dir, r.home); err != nil {
			return err
		}
	}
	if r.flags.asJSON {
		return writeJSON(r.w, r.report)
	}
	return nil
}

func (r *initRun) apply(changes []fileChange) error {
	for _, ch := range changes {
		if !ch.changed {
			r.event(initEvent{Path: ch.path, Change: "unchanged", What: ch.what})
			continue
		}
		remove := r.flags.uninstall && ch.emptyWithout != nil && ch.emptyWithout(ch.next) && r.record.has(ch.path)
		if r.flags.dryRun {
			next := ch.next
			if remove {
				next = nil
			}
			r.event(initEvent{Path: ch.path, Change: "would_change", What: ch.what, Diff: unifiedDiff(ch.path, ch.old, next)})
			continue
		}
		if remove {
			if err := os.Remove(ch.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			r.record.forget(ch.path)
			r.record.removeEmptyDirs(ch.path)
			r.event(initEvent{Path: ch.path, Change: "deleted", What: ch.what})
			continue
		}
		if !r.flags.uninstall {
			r.record.noteCreation(ch.path)
		}
		if err := claudecode.WriteSettings(ch.path, ch.next); err != nil {
			return err
		}
		if r.flags.uninstall {
			r.event(initEvent{Path: ch.path, Change: "removed", What: ch.what})
		} else {
			r.event(initEvent{Path: ch.path, Change: "installed", What: ch.what})
		}
	}
	if r.flags.dryRun {
		return nil
	}
	return r.record.save()
}

// hooksChange computes the change of agent's hook file at path. It first
// settles the state directory to pin (see pin).
func (r *initRun) hooksChange(agent claudecode.Agent, path string) (fileChange, error) {
	f := r.flags
	old, err := claudecode.ReadSettings(path)
	if err != nil {
		return fileChange{}, err
	}
	if !f.uninstall {
		if err := r.pin(agent, old); err != nil {
			return fileChange{}, err
		}
	}
	ch := fileChange{path: path, old: old, what: "CAVRA hooks",
		emptyWithout: func(b []byte) bool { return claudecode.HooksEmpty(agent, b) }}
	command := hookCommandLine(f, agent, r.home)
	if f.uninstall {
		ch.next, ch.changed, err = claudecode.UninstallHooks(agent, old)
	} else {
		ch.next, ch.changed, err = claudecode.InstallHooks(agent, old, command)
	}
	if err != nil {
		return fileChange{}, &snippetError{path: path, err: err, agent: agent, command: command, uninstall: f.uninstall}
	}
	return ch, nil
}

// httpHooksChange is hooksChange for Claude Code's http hook type: the
// hooks post to a CAVRA service at base (cavra serve) instead of running
// cavra hook; the command hooks of an earlier install are replaced.
func (r *initRun) httpHooksChange(path, base, tokenEnv string) (fileChange, error) {
	agent := r.flags.agent
	hookURL, err := claudecode.HTTPHookURL(base, agent)
	if err != nil {
		return fileChange{}, usageErr("%s", err.Error())
	}
	if tokenEnv != "" && !validEnvName(tokenEnv) {
		return fileChange{}, usageErr("--http-token-env %q is not an environment variable name", tokenEnv)
	}
	old, err := claudecode.ReadSettings(path)
	if err != nil {
		return fileChange{}, err
	}
	if err := r.pin(claudecode.ClaudeCode, old); err != nil {
		return fileChange{}, err
	}
	ch := fileChange{path: path, old: old, what: "CAVRA hooks (http)",
		emptyWithout: func(b []byte) bool { return claudecode.HooksEmpty(claudecode.ClaudeCode, b) }}
	if ch.next, ch.changed, err = claudecode.InstallHTTP(old, hookURL, tokenEnv); err != nil {
		return fileChange{}, fmt.Errorf("%s: %w", path, err)
	}
	return ch, nil
}

func validEnvName(s string) bool {
	for i, c := range s {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// snippetError reports a file cavra cannot merge into (it is not the JSON
// the agent documents, or has comments), with what to paste by hand.
type snippetError struct {
	path      string
	err       error
	agent     claudecode.Agent
	command   string
	uninstall bool
}

func (e *snippetError) Error() string {
	if e.uninstall {
		return fmt.Sprintf("%s: %v; cavra did not change it: remove the hooks running %q by hand", e.path, e.err, "hook "+string(e.agent))
	}
	snippet, _, _ := claudecode.InstallHooks(e.agent, nil, e.command)
	return fmt.Sprintf("%s: %v\ncavra did not change it; merge this into it by hand:\n%s", e.path, e.err, snippet)
}

func newInitClaudeCodeCmd() *cobra.Command {
	var f initFlags
	var noMCP, noMCPRegistry, force, noSandbox bool
	var httpURL, httpTokenEnv string
	c := &cobra.Command{
		Use:   "claude-code",
		Short: "Install CAVRA's PreToolUse and PostToolUse hooks into Claude Code's settings, and its MCP server into .mcp.json",
		Long: `Merge into .claude/settings.json (or ~/.claude/settings.json with --user) a
PreToolUse and a PostToolUse hook for every tool (matcher "*": MCP tools and
subagents included) running "cavra hook claude-code", with a timeout and
onFailure "block". A project install also registers CAVRA's MCP server in
.mcp.json (mcpServers.cavra running "cavra mcp serve"; --no-mcp skips it) and
pins the state directory: the hook command carries --home DIR, by default
$XDG_STATE_HOME/cavra/<project-id> (else ~/.local/state/cavra/<project-id>),
outside the project, created with mode 0700, and its config.yaml naming the
packs and the mode (when there is none). The hook uses only that directory,
never a .cavra/ found from its working directory. Every other
setting, hook and server is kept; running it twice changes nothing; --dry-run
prints the diff instead of writing; --uninstall removes exactly what it added.

The MCP servers Claude Code is configured with for the project (its
.mcp.json, and ~/.claude.json's mcpServers and projects[<dir>].mcpServers;
with --user only ~/.claude.json's mcpServers) are recorded in the registry
as the user's: trust tier approved, approval approved, owner "user". A
server the registry has already is left as it is; CAVRA's own is skipped;
--no-mcp-registry skips this. Their tool calls are still decided by the
policy: the record only answers "is this server known".

Claude Code's own sandbox (bubblewrap on Linux, Seatbelt on macOS) is
configured from the same policy: the sandbox key of ~/.claude/settings.json
gets enabled, failIfUnavailable, allowUnsandboxedCommands false, denyRead
from the policy's read blocks (keys, cloud credentials…), denyWrite for its
write blocks, CAVRA's state directory, the hook binary and the agents'
settings, allowWrite for the usual caches and temporary directories, and
the cloud metadata ranges in network.deniedDomains; the project's
.claude/settings.json gets the patterns that apply inside the project
(.env files…). Running init again after a policy change rewrites both;
--no-sandbox leaves them alone; --uninstall removes them. cavra doctor
claude-code checks that they match the policy and that the sandbox can run.

An mcpServers.cavra entry that cavra did not write is left as it is, with a
warning; --force replaces it. With --user the MCP server is not written
(Claude Code keeps user-scope servers in ~/.claude.json, its own state file):
the command to add it is printed instead.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			base, err := baseDir(&f)
			if err != nil {
				return err
			}
			run, err := newInitRun(c, &f)
			if err != nil {
				return err
			}
			if httpTokenEnv != "" && httpURL == "" {
				return usageErr("--http-token-env goes with --http URL")
			}
			settingsPath := claudecode.HookConfigPath(claudecode.ClaudeCode, base, f.user)
			var settings fileChange
			if httpURL != "" && !f.uninstall {
				settings, err = run.httpHooksChange(settingsPath, httpURL, httpTokenEnv)
			} else {
				settings, err = run.hooksChange(claudecode.ClaudeCode, settingsPath)
			}
			if err != nil {
				return err
			}
			changes := []fileChange{settings}
			if !noMCP && !f.user {
				ch, err := mcpChange(run, &f, force)
				if err != nil {
					return err
				}
				if ch != nil {
					changes = append(changes, *ch)
				}
			}
			if err := run.prepareState(); err != nil {
				return err
			}
			if !noSandbox {
				if changes, err = run.sandboxChanges(c.Context(), changes); err != nil {
					return err
				}
			}
			if err := run.apply(changes); err != nil {
				return err
			}
			if err := run.writeSandboxLock(); err != nil {
				return err
			}
			if !f.uninstall {
				for _, p := range claudecode.SettingsProblems(changes[0].next) {
					fmt.Fprintf(run.errw, "warning: %s: %s — Claude Code ignores the whole file, CAVRA's hooks included, until it is fixed\n", settings.path, p)
				}
				if !noMCPRegistry {
					if err := run.registerServers(c.Context(), claudecode.ClaudeCode, run.claudeCodeServers(f.dir, f.user)); err != nil {
						return err
					}
				}
			}
			if !noMCP && f.user {
				if f.uninstall {
					run.say("if you added CAVRA's MCP server for your user, remove it with: claude mcp remove --scope user %s", claudecode.MCPServerName)
				} else {
					args := make([]string, 0, 4)
					for _, a := range claudecode.MCPServeArgs(run.home) {
						args = append(args, shellQuote(a))
					}
					run.say("to add CAVRA's MCP server for your user too, run: claude mcp add --scope user %s -- %s %s",
						claudecode.MCPServerName, shellQuote(cavraBinary()), strings.Join(args, " "))
				}
			}
			return run.finish()
		},
	}
	f.register(c, claudecode.ClaudeCode, "~/.claude/settings.json")
	c.Flags().StringVar(&httpURL, "http", "", "install Claude Code's http hook type posting to URL/v1/hooks/claude-code (a running cavra serve) instead of the command hook")
	c.Flags().StringVar(&httpTokenEnv, "http-token-env", "", "with --http: the environment variable holding the bearer token the hook sends (Authorization: Bearer $VAR; the token stays out of the settings file)")
	c.Flags().BoolVar(&noMCP, "no-mcp", false, "do not register CAVRA's MCP server in .mcp.json")
	c.Flags().BoolVar(&noMCPRegistry, "no-mcp-registry", false, "do not record the MCP servers Claude Code is configured with (.mcp.json, ~/.claude.json) in the registry as the user's")
	c.Flags().BoolVar(&force, "force", false, "replace an mcpServers.cavra entry that cavra did not write")
	c.Flags().BoolVar(&noSandbox, "no-sandbox", false, "do not configure Claude Code's sandbox (sandbox in ~/.claude/settings.json and the project's settings)")
	c.Flags().BoolVar(&f.wrapMCP, "wrap-mcp", false, "launch each stdio MCP server of .mcp.json through cavra mcp proxy (--uninstall restores the original entries)")
	return c
}

// mcpChange computes the change of the project's .mcp.json; nil when a
// foreign entry is in the way (a warning says so).
func mcpChange(run *initRun, f *initFlags, force bool) (c *fileChange, err error) {
	path := claudecode.MCPConfigPath(f.dir)
	old, err := claudecode.ReadSettings(path)
	if err != nil {
		return nil, err
	}
	ch := fileChange{path: path, old: old, what: "CAVRA's MCP server", emptyWithout: claudecode.MCPEmpty}
	defer func() {
		if err == nil && c != nil {
			err = wrapChange(run, f, c)
		}
	}()
	if f.uninstall {
		ch.next, ch.changed, err = claudecode.UninstallMCP(old, cavraBinary())
		if err == nil && !ch.changed {
			if _, entry, _ := claudecode.MCPInstalled(old, cavraBinary()); entry != nil {
				fmt.Fprintf(run.errw, "warning: %s: mcpServers.%s is not CAVRA's (%s); left as it is\n", path, claudecode.MCPServerName, entry)
			}
		}
	} else {
		ch.next, ch.changed, err = claudecode.InstallMCP(old, cavraBinary(), claudecode.MCPServeArgs(run.home), force)
	}
	var conflict *claudecode.MCPConflictError
	if errors.As(err, &conflict) {
		fmt.Fprintf(run.errw, "warning: %s: %v (run with --force to replace it)\n", path, err)
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w; cavra did not change it", path, err)
	}
	return &ch, nil
}

// wrapChange adds to the .mcp.json change the wrapping of its servers with
// the proxy (--wrap-mcp), or on --uninstall their unwrapping.
func wrapChange(run *initRun, f *initFlags, ch *fileChange) error {
	var names []string
	var err error
	switch {
	case f.uninstall:
		ch.next, names, err = claudecode.UnwrapMCP(ch.next)
	case f.wrapMCP:
		ch.next, names, err = claudecode.WrapMCP(ch.next, cavraBinary(), run.home)
	default:
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w; cavra did not change it", ch.path, err)
	}
	if len(names) > 0 {
		ch.changed = true
		verb := "launch through cavra mcp proxy"
		if f.uninstall {
			verb = "restored to launch directly"
		}
		ch.what += fmt.Sprintf("; MCP servers %s: %s", verb, strings.Join(names, ", "))
	}
	return nil
}

// baseDir is where the agent's file lives: the project directory, or the
// home directory with --user.
func baseDir(f *initFlags) (string, error) {
	if !f.user {
		return f.dir, nil
	}
	return os.UserHomeDir()
}

func writeProjectConfig(report func(initEvent), home string, packs []string) error {
	cfg := filepath.Join(home, cavra.ConfigFile)
	if _, err := os.Stat(cfg); err == nil {
		report(initEvent{Path: cfg, Change: "exists", What: "CAVRA's configuration"})
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if len(packs) == 0 {
		packs = []string{"cavra-ai-agent-baseline"}
	}
	if _, err := cavra.CompilePolicy(packs, nil); err != nil {
		return fmt.Errorf("--policy-pack: %w", err)
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	body := fmt.Sprintf("# CAVRA configuration; flags override it.\npacks: [%s]\nmode: enforce\n", strings.Join(packs, ", "))
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		return err
	}
	report(initEvent{Path: cfg, Change: "wrote", What: "CAVRA's configuration"})
	return nil
}

// createdRecord remembers the files and directories `cavra init` created,
// so that an uninstall deletes them, and only them, once nothing else is
// left in them. A project's record is .cavra/installed.json, with paths
// relative to the project (it may be committed with it); a user install's
// is cavra/installed.json in the user configuration directory, with paths
// relative to the home directory.
type createdRecord struct {
	file, base string
	Created    []string `json:"created"`
}

func loadCreatedRecord(f *initFlags) (*createdRecord, error) {
	r := &createdRecord{base: absPath(f.dir), file: filepath.Join(f.dir, ".cavra", "installed.json")}
	if f.user {
		dir, err := os.UserConfigDir()
		if err != nil {
			return nil, err
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, err
		}
		r.base, r.file = absPath(home), filepath.Join(dir, "cavra", "installed.json")
	}
	b, err := os.ReadFile(r.file)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("%s: %w", r.file, err)
	}
	return r, nil
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// key is how the record names p: relative to its base when p is inside it.
func (r *createdRecord) key(p string) string {
	p = absPath(p)
	if rel, err := filepath.Rel(r.base, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return p
}

func (r *createdRecord) has(p string) bool {
	k := r.key(p)
	for _, c := range r.Created {
		if c == k {
			return true
		}
	}
	return false
}

func (r *createdRecord) add(p string) {
	if !r.has(p) {
		r.Created = append(r.Created, r.key(p))
	}
}

func (r *createdRecord) forget(p string) {
	k := r.key(p)
	for i, c := range r.Created {
		if c == k {
			r.Created = append(r.Created[:i:i], r.Created[i+1:]...)
			return
		}
	}
}

// noteCreation records path, and the directories above it that do not
// exist yet, before they are written.
func (r *createdRecord) noteCreation(path string) {
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return
	}
	r.add(path)
	for dir := filepath.Dir(absPath(path)); ; dir = filepath.Dir(dir) {
		if _, err := os.Lstat(dir); !errors.Is(err, fs.ErrNotExist) || dir == filepath.Dir(dir) {
			return
		}
		r.add(dir)
	}
}

// removeEmptyDirs removes the recorded directories above path that are now
// empty, innermost first.
func (r *createdRecord) removeEmptyDirs(path string) {
	for dir := filepath.Dir(absPath(path)); r.has(dir); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil { // not empty: someone else uses it
			return
		}
		r.forget(dir)
	}
}

func (r *createdRecord) save() error {
	if len(r.Created) == 0 {
		if err := os.Remove(r.file); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(r.file), 0o700); err != nil {
		return err
	}
	return claudecode.WriteSettings(r.file, append(b, '\n'))
}

func newDoctorCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "doctor",
		Short: "Check an agent integration",
	}
	c.AddCommand(newDoctorClaudeCodeCmd())
	for _, a := range []claudecode.Agent{claudecode.Codex, claudecode.Cursor, claudecode.GeminiCLI} {
		c.AddCommand(newDoctorAgentCmd(a))
	}
	return c
}

// doctorReport prints one line per check (or, with -o json, collects
// them) and counts the failures.
type doctorReport struct {
	w        io.Writer
	asJSON   bool
	problems int
	checks   []doctorCheck
}

// doctorCheck is one line of a doctor report; Status is ok, fail, warn (a
// risk that is not a failure) or note.
type doctorCheck struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

func (r *doctorReport) add(status, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if r.asJSON {
		r.checks = append(r.checks, doctorCheck{status, msg})
		return
	}
	mark := map[string]string{"ok": "ok  ", "fail": "FAIL", "warn": "WARN", "note": "note"}[status]
	fmt.Fprintf(r.w, "%s %s\n", mark, msg)
}

func (r *doctorReport) check(ok bool, format string, a ...any) {
	status := "ok"
	if !ok {
		status = "fail"
		r.problems++
	}
	r.add(status, format, a...)
}

// note prints a line that is not a failure either way.
func (r *doctorReport) note(ok bool, format string, a ...any) {
	status := "ok"
	if !ok {
		status = "note"
	}
	r.add(status, format, a...)
}

// warn prints a risk that is not a failure when bad, else an ok line.
func (r *doctorReport) warn(bad bool, format string, a ...any) {
	status := "ok"
	if bad {
		status = "warn"
	}
	r.add(status, format, a...)
}

// stateDir reports the state directory the hook commands cmds pinned
// (--home) and the registry id they decide under (--agent), and warns when
// a command pins none (an install from before pinning: the hook then finds
// its state as such installs did) or pins one inside the project, where
// the agent's own tools reach it. It returns the directory the hook uses
// (for the policy check): the first pinned, else CAVRA_HOME, else what
// init would pin when nothing is installed, else what an unpinned hook run
// from the project uses.
func (r *doctorReport) stateDir(agent claudecode.Agent, project string, cmds []string) string {
	home, seen := "", map[string]bool{}
	for _, c := range cmds {
		if seen[c] {
			continue
		}
		seen[c] = true
		h := claudecode.HookFlag(c, "--home")
		id := claudecode.HookFlag(c, "--agent")
		if id == "" {
			id = string(agent)
		}
		switch {
		case h == "":
			r.warn(true, "hook command %q pins no state directory (--home): the hook finds its state and mode as installs before pinning did, from CAVRA_HOME or the project's .cavra/, which the agent can write; run cavra init %s to pin one", c, agent)
		case !filepath.IsAbs(h):
			r.warn(true, "hook command %q pins a relative state directory %q, which depends on the directory the hook runs in; run cavra init %s --home ABSOLUTE-DIR", c, h, agent)
		case inside(project, h):
			r.warn(true, "the hooks use the state directory %s, inside the project: the agent's own tools can reach its configuration, database and keys; move it out with: cavra init %s --move-state", h, agent)
		default:
			r.check(true, "the hooks use the state directory %s, pinned outside the project", h)
		}
		r.add("ok", "the hooks decide calls under registry agent id %q (subagents included)", id)
		if home == "" && h != "" {
			home = absPath(h)
		}
	}
	switch {
	case home != "":
		return home
	case os.Getenv("CAVRA_HOME") != "":
		return absPath(os.Getenv("CAVRA_HOME"))
	case len(cmds) == 0: // nothing installed: what init would pin
		if d, err := cavra.ProjectStateDir(project); err == nil {
			return d
		}
	}
	return projectStateDir(absPath(project))
}

// finish prints the JSON report, and fails when a check did; hint says
// what to run then.
func (r *doctorReport) finish(hint string) error {
	if r.asJSON {
		if r.checks == nil {
			r.checks = []doctorCheck{}
		}
		if err := writeJSON(r.w, map[string]any{"checks": r.checks, "problems": r.problems}); err != nil {
			return err
		}
	}
	if r.problems > 0 {
		return &exitError{code: exitFailure, err: fmt.Errorf("%d problem(s); %s", r.problems, hint)}
	}
	return nil
}

// policyCheck reports what CAVRA would decide from dir without changing
// anything: doctor is read-only, so it opens a read-only Guard (no state
// directory, keys or evidence are created; an existing database is read
// under a shared lock) and decides the sample action a with Guard.Check —
// the registry, the policy config.yaml names, the mode — as a hook's
// Evaluate would, with nothing recorded.
func (r *doctorReport) policyCheck(ctx context.Context, dir, home string, a cavra.Action) (cavra.Decision, bool) {
	g, err := cavra.Open(ctx, cavra.Options{Dir: dir, Home: home, ReadOnly: true, StoreTimeout: 500 * time.Millisecond})
	switch {
	case errors.Is(err, cavra.ErrStateInUse):
		r.note(false, "the state directory is in use by another process (a running cavra serve or MCP proxy answers for it): %v", err)
		return cavra.Decision{}, false
	case err != nil:
		r.check(false, "CAVRA opens its policy and state: %v", err)
		return cavra.Decision{}, false
	}
	defer g.Close()
	r.check(true, "CAVRA compiles its policy (%s, %s)", g.Policy().Name(), g.Policy().Digest())
	if store.Exists(g.Home()) {
		r.check(true, "CAVRA opens its state in %s", g.Home())
	} else {
		r.note(false, "no state in %s yet: the first hook call creates it", g.Home())
	}
	d, err := g.Check(ctx, a)
	if err != nil {
		r.check(false, "CAVRA decides a sample action: %v", err)
		return d, false
	}
	return d, true
}

// listText renders problems after a check line.
func listText(problems []string) string {
	if len(problems) == 0 {
		return ""
	}
	return ": " + strings.Join(problems, "; ")
}

// settingsFile reports on the file that should hold the hooks: absent (a
// note; the hooks check then fails), or whether it parses.
func (r *doctorReport) settingsFile(path string, data []byte, perr error, why string) {
	if len(data) == 0 {
		r.note(false, "%s does not exist or is empty", path)
		return
	}
	r.check(perr == nil, "%s parses as a JSON object%s%s", path, why, errText(perr))
}

// hookBinaries checks that each hook command of ours finds its program.
func (r *doctorReport) hookBinaries(cmds []string) {
	seen := map[string]bool{}
	for _, cmdline := range cmds {
		if seen[cmdline] {
			continue
		}
		seen[cmdline] = true
		bin := strings.Trim(strings.Fields(cmdline)[0], `'"`)
		resolved, err := exec.LookPath(bin)
		r.check(err == nil, "hook command %q finds its binary%s", cmdline, orResolved(resolved, err))
	}
}

func newDoctorClaudeCodeCmd() *cobra.Command {
	var dir string
	var asJSON bool
	c := &cobra.Command{
		Use:   "claude-code",
		Short: "Report whether Claude Code will run CAVRA's hooks, what a sample call decides, and whether its sandbox is on, can run here and matches the policy",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			rep := &doctorReport{w: c.OutOrStdout(), asJSON: asJSON}
			path := claudecode.SettingsPath(dir)
			data, err := claudecode.ReadSettings(path)
			if err != nil {
				return err
			}
			installed, perr := claudecode.Installed(data)
			rep.settingsFile(path, data, perr, " (Claude Code ignores a whole settings file that does not)")
			if perr == nil && len(data) > 0 {
				problems := claudecode.SettingsProblems(data)
				rep.check(len(problems) == 0, "Claude Code would accept %s (it silently ignores a whole file that fails its validation, hooks included)%s",
					path, listText(problems))
			}
			if hh := claudecode.HTTPHooks(data); len(hh) > 0 {
				rep.httpHooks(c.Context(), hh, claudecode.HTTPHookToken(data))
			} else {
				rep.check(installed, "PreToolUse and PostToolUse hooks with matcher \"*\" run cavra")
			}
			rep.hookBinaries(claudecode.HookCommands(data))
			home := rep.stateDir(claudecode.ClaudeCode, dir, claudecode.HookCommands(data))
			mcpPath := claudecode.MCPConfigPath(dir)
			mcpData, err := claudecode.ReadSettings(mcpPath)
			if err != nil {
				return err
			}
			ours, entry, merr := claudecode.MCPInstalled(mcpData, cavraBinary())
			switch {
			case merr != nil:
				rep.note(false, "%s: %v", mcpPath, merr)
			case entry != nil && !ours:
				rep.note(false, "%s: mcpServers.%s is not CAVRA's MCP server: %s", mcpPath, claudecode.MCPServerName, entry)
			default:
				rep.note(ours, "%s registers CAVRA's MCP server (mcpServers.%s)", mcpPath, claudecode.MCPServerName)
			}
			p := claudecode.Payload{HookEventName: claudecode.PreToolUse, ToolName: "Read", Cwd: dir,
				ToolInput: map[string]any{"file_path": filepath.Join(dir, ".env")}, SessionID: "cavra-doctor"}
			if d, ok := rep.policyCheck(context.WithoutCancel(c.Context()), dir, home, p.Action(claudecode.EnvFromOS())); ok {
				rep.check(d.Decision == cavra.Block, "a sample Read of .env is blocked (%s, %s)", d.Decision, d.RuleID)
			}
			rep.sandbox(c.Context(), dir, home, claudecode.HookCommands(data))
			return rep.finish("fix them as shown above (missing hooks or sandbox settings: cavra init claude-code)")
		},
	}
	c.Flags().StringVar(&dir, "dir", ".", "project directory")
	outputFlag(c, &asJSON, "print {checks: [{status, message}], problems}")
	return c
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return ": " + err.Error()
}

func orResolved(resolved string, err error) string {
	if err != nil {
		return ": " + err.Error()
	}
	return " (" + resolved + ")"
}
