package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/approval"
)

// A local approval is a person's: the approver passphrase enrolled with
// `cavra approval enroll` is typed on the controlling terminal (never read
// from argv, the environment or a pipe), and nothing is approved from
// inside a coding agent's process tree.

// terminal is where a person types the approver passphrase.
type terminal interface {
	ReadPassphrase(prompt string) ([]byte, error)
	Close() error
}

// openTerminal opens the controlling terminal. Tests in this package
// replace it (and insideAgent); the built binary has no switch for either.
var openTerminal = openTTY

// insideAgent reports whether this process runs inside a coding agent.
var insideAgent = func() (approval.AgentOrigin, bool) {
	return approval.DetectAgent(os.Getenv, "/proc", os.Getpid())
}

type tty struct{ f *os.File }

// openTTY opens /dev/tty: it is the controlling terminal or nothing, so a
// pipe on stdin cannot stand in for a person.
func openTTY() (terminal, error) {
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: %w: no controlling terminal (%w)", approval.ErrUnauthenticated, approval.ErrNoTerminal, err)
	}
	if !term.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil, fmt.Errorf("%w: %w: /dev/tty is not a terminal", approval.ErrUnauthenticated, approval.ErrNoTerminal)
	}
	return tty{f}, nil
}

func (t tty) ReadPassphrase(prompt string) ([]byte, error) {
	fmt.Fprint(t.f, prompt)
	b, err := term.ReadPassword(int(t.f.Fd()))
	fmt.Fprintln(t.f)
	if err != nil {
		return nil, fmt.Errorf("reading the passphrase from the terminal: %w", err)
	}
	return b, nil
}

func (t tty) Close() error { return t.f.Close() }

// agentRefusal is the error for an attempt from inside an agent.
func agentRefusal(o approval.AgentOrigin) error {
	return fmt.Errorf("%w: %w (%s: %s)", approval.ErrForbidden, approval.ErrFromAgent, o.Agent, o.Evidence)
}

// personPresent refuses — and records in evidence — a change a person
// must make (verb on id by actor) attempted from inside an agent, and with
// passphrase one whose enrolled passphrase is not typed correctly on the
// terminal. Without passphrase only the agent check applies (an OIDC token
// proves the person instead).
func personPresent(c *cobra.Command, g *cavra.Guard, verb approval.Verb, id, actor, reason string, passphrase bool) error {
	refuse := func(err error) error { return g.RefuseApproval(c.Context(), verb, id, actor, reason, err) }
	return personCheck(g.Home(), refuse, verb, id, passphrase)
}

// personCheck is personPresent for state directory home, with refuse
// recording a refusal (through the Guard, or the state directory's owner).
func personCheck(home string, refuse func(error) error, verb approval.Verb, id string, passphrase bool) error {
	if o, ok := insideAgent(); ok {
		return refuse(agentRefusal(o))
	}
	if !passphrase {
		return nil
	}
	h, err := approval.ReadPassphrase(cavra.PassphrasePath(home))
	if err != nil {
		return refuse(err)
	}
	t, err := openTerminal()
	if err != nil {
		return refuse(err)
	}
	defer t.Close()
	pass, err := t.ReadPassphrase(fmt.Sprintf("Approver passphrase (%s %s): ", verb, id))
	if err != nil {
		return refuse(fmt.Errorf("%w: %w: %w", approval.ErrUnauthenticated, approval.ErrNoTerminal, err))
	}
	defer clear(pass)
	if err := h.Verify(pass); err != nil {
		return refuse(err)
	}
	return nil
}

func newApprovalEnrollCmd() *cobra.Command {
	var af approvalFlags
	var asJSON bool
	c := &cobra.Command{
		Use:   "enroll",
		Short: "Set the approver passphrase that local approvals are typed with",
		Long: `Enroll sets the approver passphrase of the state directory, read twice from
the controlling terminal (never from arguments, the environment or a pipe).
Only an argon2id hash is kept, in keys/approval/passphrase.json (mode 0600).
From then on approve, deny and break-glass with --local ask for it on the
terminal. Changing an enrolled passphrase asks for the current one first.
Enrolling is refused from inside a coding agent.`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if o, ok := insideAgent(); ok {
				return agentRefusal(o)
			}
			home, err := cavra.StateDir(af.home)
			if err != nil {
				return err
			}
			path := cavra.PassphrasePath(home)
			old, err := approval.ReadPassphrase(path)
			enrolled := err == nil
			if err != nil && !errors.Is(err, approval.ErrNotEnrolled) {
				return err
			}
			t, err := openTerminal()
			if err != nil {
				return err
			}
			defer t.Close()
			if enrolled {
				cur, err := t.ReadPassphrase("Current approver passphrase: ")
				if err != nil {
					return err
				}
				err = old.Verify(cur)
				clear(cur)
				if err != nil {
					return err
				}
			}
			pass, err := t.ReadPassphrase(fmt.Sprintf("New approver passphrase (at least %d characters): ", approval.MinPassphraseLen))
			if err != nil {
				return err
			}
			defer clear(pass)
			again, err := t.ReadPassphrase("Repeat it: ")
			if err != nil {
				return err
			}
			defer clear(again)
			if !bytes.Equal(pass, again) {
				return errors.New("the two passphrases differ; nothing was enrolled")
			}
			h, err := approval.HashPassphrase(pass, approval.DefaultKDFParams)
			if err != nil {
				return err
			}
			if err := approval.WritePassphrase(path, h); err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), struct {
					Path    string             `json:"path"`
					KDF     string             `json:"kdf"`
					Params  approval.KDFParams `json:"params"`
					Created string             `json:"created"`
				}{path, h.KDF, h.Params, h.Created.Format(time.RFC3339)})
			}
			fmt.Fprintf(c.OutOrStdout(), "enrolled the approver passphrase (an argon2id hash in %s)\n", path)
			return nil
		},
	}
	af.register(c, false)
	outputFlag(c, &asJSON, "where the hash is kept and its parameters")
	return c
}
