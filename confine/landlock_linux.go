//go:build linux

package confine

import (
	"fmt"
	"os"
	"syscall"

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

// apply restricts this process (all its threads) to the profile.
func apply(p *Profile, net bool) error {
	if st := Probe(); st.ABI == 0 && p.Required {
		return fmt.Errorf("%w: %s", ErrUnavailable, st.Reason)
	}
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
		return target.RestrictPaths(rules...)
	}
	for _, port := range p.Network.ConnectTCP {
		rules = append(rules, landlock.ConnectTCP(port))
	}
	for _, port := range p.Network.BindTCP {
		rules = append(rules, landlock.BindTCP(port))
	}
	return target.Restrict(rules...)
}

func execve(path string, argv, env []string) error { return syscall.Exec(path, argv, env) }
