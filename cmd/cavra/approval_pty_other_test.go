//go:build !unix

package main

import (
	"os/exec"
	"testing"
)

func runPTY(t *testing.T, bin string, env, dialog []string, args ...string) (string, int) {
	return runPTYCmd(t, exec.Command(bin, args...), env, dialog)
}

// runPTYCmd needs a pseudo-terminal, which this system does not offer.
func runPTYCmd(t *testing.T, cmd *exec.Cmd, env, dialog []string) (string, int) {
	t.Skip("needs a pseudo-terminal (unix)")
	return "", 0
}
