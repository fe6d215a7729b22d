package confine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"

	"github.com/cavra-dev/cavra/decision"
)

// ErrUnavailable is returned when a profile requires confinement and the
// kernel offers none (no Landlock, or Landlock disabled). Nothing runs.
var ErrUnavailable = errors.New("confine: the kernel offers no confinement (Landlock unavailable) and the profile requires it")

// Cmd is a command prepared to run confined: an *exec.Cmd (set Stdin,
// Stdout, Dir… as usual) and the confinement that will hold it. Start,
// Run, Output and CombinedOutput must be called on the Cmd, not on the
// embedded *exec.Cmd, which would start the command unconfined.
type Cmd struct {
	*exec.Cmd
	// Confinement says what confines the command, for its decision record.
	Confinement decision.Confinement

	profile Profile
	status  Status
}

// Command prepares name with args to run under the profile. The
// restriction applies to the child only: Start applies Landlock to one
// locked OS thread of the calling process, starts the command from it (the
// child inherits the thread's Landlock domain) and lets the thread end;
// the rest of the process stays unconfined.
//
// When the kernel has no Landlock, Command returns ErrUnavailable if
// p.Required, and otherwise a command that runs unconfined and whose
// Confinement says so (Enforced false).
func Command(ctx context.Context, p Profile, name string, args ...string) (*Cmd, error) {
	st := probe()
	c := &Cmd{Cmd: exec.CommandContext(ctx, name, args...), profile: p, status: st,
		Confinement: decision.Confinement{By: st.By, Profile: p.Digest(), Enforced: st.ABI > 0, Note: st.Note(p)}}
	if st.ABI == 0 && p.Required {
		return nil, fmt.Errorf("%w: %s", ErrUnavailable, st.Reason)
	}
	return c, nil
}

// Start starts the command confined (see Command).
func (c *Cmd) Start() error {
	if c.status.ABI == 0 {
		return c.Cmd.Start() // best effort, and Confinement says it is not confined
	}
	return startConfined(c.Cmd, &c.profile, c.status.Network)
}

// Run starts the command confined and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Output runs the command confined and returns its standard output.
func (c *Cmd) Output() ([]byte, error) {
	if c.Stdout != nil {
		return nil, errors.New("confine: Stdout already set")
	}
	var b bytes.Buffer
	c.Stdout = &b
	err := c.Run()
	return b.Bytes(), err
}

// CombinedOutput runs the command confined and returns its standard output
// and standard error together.
func (c *Cmd) CombinedOutput() ([]byte, error) {
	if c.Stdout != nil || c.Stderr != nil {
		return nil, errors.New("confine: Stdout or Stderr already set")
	}
	var b bytes.Buffer
	c.Stdout, c.Stderr = &b, &b
	err := c.Run()
	return b.Bytes(), err
}

// probe is Probe; tests replace it to see a kernel without Landlock.
var probe = Probe

// Status is what confinement the kernel offers.
type Status struct {
	// ABI is the Landlock ABI version; 0 when there is none.
	ABI int
	// By names the confinement as a decision record does:
	// "landlock-abi-N", or "none".
	By string
	// Network reports TCP connect and bind rules (ABI 4 and later).
	Network bool
	// Reason says why there is no confinement when ABI is 0.
	Reason string
}

// Note describes what of p the kernel cannot enforce, "" when nothing.
func (s Status) Note(p Profile) string {
	switch {
	case s.ABI == 0:
		return "not confined: " + s.Reason
	case !s.Network && !p.Network.Unrestricted:
		return fmt.Sprintf("landlock ABI %d has no network rules: TCP is not restricted", s.ABI)
	}
	return ""
}

func (s Status) String() string {
	if s.ABI == 0 {
		return "none (" + s.Reason + ")"
	}
	net := "filesystem and TCP"
	if !s.Network {
		net = "filesystem only (no network rules before ABI 4)"
	}
	return fmt.Sprintf("Landlock ABI %d: %s", s.ABI, net)
}
