// Command cavra is the CAVRA command line: evaluate actions against policy
// packs and manage the packs.
//
// Exit status: 0 allow, 3 require_approval, 4 block, 2 usage error, 1 any
// other failure.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitAllow           = 0
	exitFailure         = 1
	exitUsage           = 2
	exitRequireApproval = 3
	exitBlock           = 4
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// exitError carries an exit status out of a command. A nil err prints nothing.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func usageErr(format string, a ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, a...)}
}

// run executes the CLI and returns its exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var root *cobra.Command
	if len(args) > 0 && args[0] == "hook" {
		// A hook is a new process for every tool call an agent makes: build
		// only its commands (the whole tree costs a third of a millisecond).
		root = newBareRoot()
		root.AddCommand(newHookCmd())
	} else {
		root = newRoot()
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitAllow
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "cavra:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "cavra:", err)
	return exitFailure
}

func newRoot() *cobra.Command {
	root := newBareRoot()
	root.AddCommand(newEvaluateCmd(), newPolicyCmd(), newEvidenceCmd(), newKeysCmd(), newVersionCmd())
	root.AddCommand(newRegistryCmd(), newHookCmd(), newInitCmd(), newDoctorCmd(), newApprovalCmd())
	root.AddCommand(newMCPCmd())
	return root
}

// newBareRoot is the root command without its subcommands.
func newBareRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "cavra",
		Short:         "Before the agent acts, CAVRA decides.",
		Long:          "CAVRA decides, before an AI agent acts, whether the action is allowed, blocked or needs a person's approval.\n\nExit status: 0 allow, 3 require_approval, 4 block, 2 usage error, 1 any other failure.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	return root
}

// args wraps a cobra argument validator so its failures are usage errors.
func args(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if err := v(c, a); err != nil {
			return &exitError{code: exitUsage, err: fmt.Errorf("%s: %w (usage: %s)", c.CommandPath(), err, c.UseLine())}
		}
		return nil
	}
}
