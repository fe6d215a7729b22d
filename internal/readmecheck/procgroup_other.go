//go:build !unix

package main

import "os/exec"

// ownGroup does nothing where there are no process groups (the check
// drives bash: it runs on Unix).
func ownGroup(*exec.Cmd) {}

// killGroup kills cmd's process.
func killGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
