//go:build linux

package confine

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/landlock-lsm/go-landlock/landlock"
	llsys "github.com/landlock-lsm/go-landlock/landlock/syscall"
)

// Probe reports the confinement this kernel offers.
func Probe() Status {
	v, err := llsys.LandlockGetABIVersion()
	if err != nil || v < 1 {
		reason := "Landlock is not enabled in this kernel"
		if err != nil {
			reason += " (" + err.Error() + ")"
		}
		return Status{By: "none", Reason: reason}
	}
	return Status{ABI: v, By: fmt.Sprintf("landlock-abi-%d", v), Network: v >= 4}
}

// target is the Landlock configuration asked for: ABI 5 (filesystem, TCP,
// device ioctl), downgraded by best effort to what the kernel has.
var target = landlock.V5.BestEffort()

// startConfined starts c from an OS thread restricted to the profile. The
// thread is locked and never unlocked, so it ends with its goroutine and
// nothing else runs on it; the Go runtime starts new threads from its
// template thread, not from a locked one, so no other thread inherits the
// domain. The child is cloned from the restricted thread and inherits it.
func startConfined(c *exec.Cmd, p *Profile, net bool) error {
	cfg, rules := rulesFor(p, net)
	fd, flags, err := cfg.NewRulesetFD(rules...)
	if err != nil {
		return fmt.Errorf("confine: landlock ruleset: %w", err)
	}
	if fd < 0 {
		if p.Required {
			return ErrUnavailable
		}
		return c.Start()
	}
	defer unix.Close(fd)
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread carries the domain and ends with this goroutine
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			errc <- fmt.Errorf("confine: prctl(PR_SET_NO_NEW_PRIVS): %w", err)
			return
		}
		if err := llsys.LandlockRestrictSelf(fd, flags); err != nil {
			errc <- fmt.Errorf("confine: landlock_restrict_self: %w", err)
			return
		}
		errc <- c.Start()
	}()
	return <-errc
}

// rulesFor returns the Landlock configuration and rules of the profile.
func rulesFor(p *Profile, net bool) (landlock.Config, []landlock.Rule) {
	for _, w := range p.Writable {
		_ = os.MkdirAll(w, 0o755) // a cache that is not there yet cannot be granted
	}
	var rules []landlock.Rule
	for _, g := range p.Grants() {
		switch {
		case g.Write && g.File:
			rules = append(rules, landlock.RWFiles(g.Path).IgnoreIfMissing())
		case g.Write:
			rules = append(rules, landlock.RWDirs(g.Path).WithRefer().IgnoreIfMissing())
		case g.File:
			rules = append(rules, landlock.ROFiles(g.Path).IgnoreIfMissing())
		default:
			rules = append(rules, landlock.RODirs(g.Path).IgnoreIfMissing())
		}
	}
	rules = append(rules,
		landlock.RWFiles("/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/ptmx").WithIoctlDev().IgnoreIfMissing(),
		landlock.ROFiles("/dev/random", "/dev/urandom").IgnoreIfMissing(),
		landlock.RWDirs("/dev/pts", "/dev/shm").WithIoctlDev().IgnoreIfMissing(),
	)
	if !net || p.Network.Unrestricted {
		return landlock.Config{HandledAccessFS: target.HandledAccessFS}.BestEffort(), rules
	}
	for _, port := range p.Network.ConnectTCP {
		rules = append(rules, landlock.ConnectTCP(port))
	}
	for _, port := range p.Network.BindTCP {
		rules = append(rules, landlock.BindTCP(port))
	}
	return landlock.Config{HandledAccessFS: target.HandledAccessFS, HandledAccessNet: target.HandledAccessNet}.BestEffort(), rules
}
