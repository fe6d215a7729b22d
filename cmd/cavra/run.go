package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/confine"
	"github.com/cavra-dev/cavra/decision"
)

type runFlags struct {
	policyFlags
	project    string
	agent      string
	session    string
	bestEffort bool
	ports      []uint
	bindPorts  []uint
	netOpen    bool
	writable   []string
}

func newRunCmd() *cobra.Command {
	f := &runFlags{}
	c := &cobra.Command{
		Use:   "run [flags] -- CMD [ARGS…]",
		Short: "Run a command confined by the policy (Landlock)",
		Long: `Decide about the command line as evaluate does, then run it confined by the
policy with Landlock: the policy's credential and secret paths are not
readable, its protected paths and CAVRA's own state are not writable, the
project and the usual caches and temporary directories are. See
docs/confinement.md for what is readable and writable.

cavra run prints to standard error which confinement held (the Landlock ABI,
or why there is none) and exits with the command's status. When the kernel
offers no Landlock it refuses to run the command, unless --best-effort.
A blocked command is not run (exit 4); one that needs approval is not run
either (exit 3): approve it and run it again.`,
		Example: `  cavra run -- go test ./...
  cavra run --policy-pack cavra-ai-agent-baseline --project ~/src/app -- make build`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error { return f.run(c, args) },
	}
	f.register(c)
	fl := c.Flags()
	fl.SetInterspersed(false) // the command's own flags are its, not ours
	fl.StringVar(&f.project, "project", "", "project directory: readable and writable (default: the working directory)")
	fl.StringVar(&f.agent, "agent", "cavra-run", "agent id for the decision record")
	fl.StringVar(&f.session, "session", "", "session id for the decision record")
	fl.BoolVar(&f.bestEffort, "best-effort", false, "run unconfined, and say so, when the kernel offers no Landlock")
	fl.UintSliceVar(&f.ports, "allow-port", nil, "TCP port the command may connect to (repeatable; default 443)")
	fl.UintSliceVar(&f.bindPorts, "allow-bind", nil, "TCP port the command may listen on (repeatable)")
	fl.BoolVar(&f.netOpen, "network-unrestricted", false, "do not restrict TCP ports")
	fl.StringArrayVar(&f.writable, "writable", nil, "another writable directory, besides the project, temporary directories and caches (repeatable)")
	return c
}

func (f *runFlags) run(c *cobra.Command, args []string) error {
	stderr := c.ErrOrStderr()
	project := f.project
	if project == "" {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		project = wd
	}
	project = absPath(project)
	if st, err := os.Stat(project); err != nil || !st.IsDir() {
		return usageErr("--project %s: not a directory", project)
	}
	g, err := f.open(c)
	if err != nil {
		return err
	}
	defer g.Close()
	ports, err := portList("--allow-port", f.ports)
	if err != nil {
		return err
	}
	bind, err := portList("--allow-bind", f.bindPorts)
	if err != nil {
		return err
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return err
	}
	var writable []string
	if len(f.writable) > 0 {
		writable = append(confine.DefaultWritable(home), f.writable...)
	}
	p, err := confine.FromPolicy(g.Policy(), confine.Options{
		Project: project, Home: home, Protected: protectedPaths(g, project, home),
		Writable: writable, ConnectTCP: ports, BindTCP: bind, NetworkUnrestricted: f.netOpen,
		BestEffort: f.bestEffort,
	})
	if err != nil {
		return err
	}
	cmd, err := confine.Command(c.Context(), p, args[0], args[1:]...)
	if errors.Is(err, confine.ErrUnavailable) {
		fmt.Fprintf(stderr, "cavra run: refusing to run unconfined: %v (use --best-effort to run anyway)\n", err)
		return &exitError{code: exitFailure}
	}
	if err != nil {
		return err
	}
	conf := cmd.Confinement
	line := make([]string, len(args))
	for i, a := range args {
		line[i] = shellQuote(a)
	}
	d, err := g.Evaluate(c.Context(), cavra.Action{
		Type: cavra.ExecuteCommand, Target: strings.Join(line, " "),
		Agent:       cavra.Agent{ID: f.agent, Session: f.session},
		Context:     map[string]string{decision.ContextCwd: project, decision.ContextProjectRoot: project},
		Confinement: &conf,
	})
	if err != nil {
		return err
	}
	switch d.Decision {
	case cavra.Block:
		fmt.Fprintf(stderr, "cavra run: blocked: %s [%s]\n", d.Reason, d.RuleID)
		return &exitError{code: exitBlock}
	case cavra.RequireApproval:
		fmt.Fprintf(stderr, "cavra run: needs approval %s: %s [%s]\n", d.ApprovalID, d.Reason, d.RuleID)
		return &exitError{code: exitRequireApproval}
	}
	if conf.Enforced {
		fmt.Fprintf(stderr, "cavra run: confined by %s, profile %s\n", confine.Probe(), conf.Profile)
	} else {
		fmt.Fprintf(stderr, "cavra run: NOT confined: %s\n", conf.Note)
	}
	if conf.Note != "" && conf.Enforced {
		fmt.Fprintf(stderr, "cavra run: %s\n", conf.Note)
	}
	g.Close() // release the state directory while the command runs
	cmd.Stdin, cmd.Stdout, cmd.Stderr = c.InOrStdin(), c.OutOrStdout(), stderr
	cmd.Dir, _ = os.Getwd()
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &exitError{code: code}
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", args[0], err)
	}
	return nil
}

func portList(flag string, l []uint) ([]uint16, error) {
	if l == nil {
		return nil, nil
	}
	out := make([]uint16, 0, len(l))
	for _, p := range l {
		if p == 0 || p > 65535 {
			return nil, usageErr("%s %d: not a TCP port", flag, p)
		}
		out = append(out, uint16(p))
	}
	return out, nil
}

// protectedPaths are CAVRA's own paths, as the self-protection knows them:
// the state directory and the state home, this binary, and the agents'
// settings files and hooks.
func protectedPaths(g *cavra.Guard, project, home string) []string {
	exe, err := os.Executable()
	if err == nil {
		if r, err := filepath.EvalSymlinks(exe); err == nil {
			exe = r
		}
	}
	return cavra.ProtectedPaths(g.Home(), project, home, exe)
}
