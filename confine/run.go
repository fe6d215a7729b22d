package confine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/cavra-dev/cavra/decision"
)

// The re-executed child finds its profile and command in these variables;
// Init removes them before the target command starts.
const (
	envProfile = "CAVRA_CONFINE_PROFILE"
	envNet     = "CAVRA_CONFINE_NET" // "1" when the parent found network rules in the ABI
)

// ErrUnavailable is returned when a profile requires confinement and the
// kernel offers none (no Landlock, or Landlock disabled). Nothing runs.
var ErrUnavailable = errors.New("confine: the kernel offers no confinement (Landlock unavailable) and the profile requires it")

// Cmd is a command prepared to run confined: an *exec.Cmd (set Stdin,
// Stdout, Dir… and Run it as usual) and the confinement that will hold it.
type Cmd struct {
	*exec.Cmd
	// Confinement says what confines the command, for its decision record.
	Confinement decision.Confinement
}

// Command prepares name with args to run under the profile. On Linux the
// process re-executes the current executable, which must call Init first
// thing in main (or TestMain): Init applies Landlock in that child and
// execs name, so the calling process stays unconfined.
//
// When the kernel has no Landlock, Command returns ErrUnavailable if
// p.Required, and otherwise an unconfined command whose Confinement says
// so (Enforced false).
func Command(ctx context.Context, p Profile, name string, args ...string) (*Cmd, error) {
	st := probe()
	c := &Cmd{Confinement: decision.Confinement{By: st.By, Profile: p.Digest(), Enforced: st.ABI > 0, Note: st.Note(p)}}
	if st.ABI == 0 {
		if p.Required {
			return nil, fmt.Errorf("%w: %s", ErrUnavailable, st.Reason)
		}
		c.Cmd = exec.CommandContext(ctx, name, args...)
		return c, nil
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("confine: cannot re-execute this program: %w", err)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("confine: %w", err)
	}
	c.Cmd = exec.CommandContext(ctx, self, append([]string{name}, args...)...)
	c.Args[0] = name
	env := cleanEnv(os.Environ())
	env = append(env, envProfile+"="+string(raw))
	if st.Network {
		env = append(env, envNet+"=1")
	}
	c.Env = env
	return c, nil
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

func cleanEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, envProfile+"=") || strings.HasPrefix(kv, envNet+"=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// Init is the child half of Command. A program that uses Command calls it
// first thing in main; in any other process it returns at once. In the
// child it applies the profile with Landlock and replaces the process with
// the target command; it never returns there: when the profile cannot be
// applied it prints why and exits with status 126, and nothing runs.
func Init() {
	raw, ok := os.LookupEnv(envProfile)
	if !ok {
		return
	}
	net := os.Getenv(envNet) == "1"
	os.Unsetenv(envProfile)
	os.Unsetenv(envNet)
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "cavra: confine: %v\n", err)
		os.Exit(126)
	}
	var p Profile
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		fail(fmt.Errorf("bad profile: %w", err))
	}
	if len(os.Args) < 2 {
		fail(errors.New("no command"))
	}
	name := os.Args[1]
	path, err := exec.LookPath(name)
	if err != nil {
		fail(err)
	}
	if err := apply(&p, net); err != nil {
		fail(err)
	}
	fail(execve(path, os.Args[1:], os.Environ()))
}
