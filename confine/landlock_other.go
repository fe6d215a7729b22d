//go:build !linux

package confine

import "errors"

// Probe reports the confinement this kernel offers: none outside Linux.
func Probe() Status {
	return Status{By: "none", Reason: "Landlock is a Linux feature"}
}

func apply(*Profile, bool) error { return errors.New("Landlock is a Linux feature") }

func execve(string, []string, []string) error { return errors.New("not supported") }
