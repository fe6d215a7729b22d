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
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	// Imported for its init: a hook process collects no garbage.
	_ "github.com/cavra-dev/cavra/cmd/cavra/internal/oneshot"
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

// oneOf checks the value of an enum-valued flag: "" (not given) or one of
// allowed. Anything else is a usage error naming the allowed values, so a
// typo never passes as a filter that matches nothing or fails later.
func oneOf[T ~string](flag string, v T, allowed ...T) error {
	if v == "" {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		if v == a {
			return nil
		}
		names[i] = string(a)
	}
	want := names[0]
	if n := len(names); n > 1 {
		want = strings.Join(names[:n-1], ", ") + " or " + names[n-1]
	}
	return usageErr("%s %q: want %s", flag, v, want)
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
	strictTree(root)
	if args == nil {
		args = []string{} // cobra reads os.Args for a nil slice
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
	root.AddCommand(newMCPCmd(), newRunCmd(), newServeCmd())
	// Cobra adds these when the command runs; adding them now lets
	// strictTree reach them too.
	root.InitDefaultCompletionCmd()
	root.SetHelpCommand(newHelpCmd())
	root.InitDefaultHelpCmd()
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
		return &exitError{code: exitUsage, err: fmt.Errorf("%w%s (see %s --help)", err, flagSuggestion(c, err), c.CommandPath())}
	})
	return root
}

// strictTree makes every command with subcommands reject an unknown one:
// exit status 2 with cobra's "did you mean" suggestions, where cobra itself
// would print the help and exit 0 (so a typo in CI passes by accident).
// Run without a subcommand, such a command prints its help and exits 0, as
// kubectl and gh do.
func strictTree(c *cobra.Command) {
	c.SuggestionsMinimumDistance = 2 // cobra's default, which SuggestionsFor does not apply itself
	if c.HasSubCommands() && c.Run == nil && c.RunE == nil {
		c.Args = unknownSubcommand
		c.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	} else if c.Args != nil {
		c.Args = args(c.Args) // cobra's own commands (completion) too: a bad argument is a usage error
	}
	for _, sub := range c.Commands() {
		strictTree(sub)
	}
}

// unknownSubcommand is the argument check of a command that only holds
// subcommands: any argument is a subcommand that does not exist.
func unknownSubcommand(c *cobra.Command, a []string) error {
	if len(a) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", a[0], c.CommandPath())
	if s := c.SuggestionsFor(a[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return &exitError{code: exitUsage, err: fmt.Errorf("%s (see %s --help)", msg, c.CommandPath())}
}

// flagSuggestion names the flags of c closest to the unknown one in err:
// "; did you mean --json?", or "" when err is about something else or
// nothing is close.
func flagSuggestion(c *cobra.Command, err error) string {
	var ne *pflag.NotExistError
	if !errors.As(err, &ne) || ne.GetSpecifiedName() == "" || len(ne.GetSpecifiedName()) < 2 {
		return ""
	}
	typed := strings.SplitN(ne.GetSpecifiedName(), "=", 2)[0]
	var names []string
	seen := map[string]bool{}
	consider := func(f *pflag.Flag) {
		if f.Hidden || seen[f.Name] {
			return
		}
		seen[f.Name] = true
		if d := editDistance(strings.ToLower(typed), f.Name); d <= 2 || strings.HasPrefix(f.Name, typed) {
			names = append(names, "--"+f.Name)
		}
	}
	c.Flags().VisitAll(consider)
	c.InheritedFlags().VisitAll(consider)
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return "; did you mean " + strings.Join(names, " or ") + "?"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// newHelpCmd is cobra's help command, except that an unknown topic is a
// usage error with suggestions, as an unknown command is.
func newHelpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		RunE: func(c *cobra.Command, a []string) error {
			cmd, rest, err := c.Root().Find(a)
			if err != nil || cmd == nil {
				cmd, rest = c.Root(), a
			}
			if len(rest) > 0 {
				if cmd.HasSubCommands() {
					return unknownSubcommand(cmd, rest)
				}
				return usageErr("unknown help topic %q (see %s --help)", strings.Join(a, " "), c.Root().CommandPath())
			}
			return cmd.Help()
		},
	}
}

// args wraps a cobra argument validator so its failures are usage errors.
func args(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(c *cobra.Command, a []string) error {
		if err := v(c, a); err != nil {
			var ee *exitError
			if errors.As(err, &ee) {
				return err
			}
			return &exitError{code: exitUsage, err: fmt.Errorf("%s: %w (usage: %s)", c.CommandPath(), err, c.UseLine())}
		}
		return nil
	}
}
