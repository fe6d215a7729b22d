//go:build !linux

package confine

import (
	"errors"
	"os/exec"
)

// Probe reports the confinement this kernel offers: none outside Linux.
func Probe() Status {
	return Status{By: "none", Reason: "Landlock is a Linux feature"}
}

func startConfined(*exec.Cmd, *Profile, bool) error {
	return errors.New("confine: Landlock is a Linux feature")
}
