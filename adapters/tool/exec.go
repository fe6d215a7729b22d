package tool

import (
	"context"
	"os/exec"
)

// shellCommand is the unconfined run of ShellOptions.UnconfinedUnsafe.
func shellCommand(ctx context.Context, line, dir string) *exec.Cmd {
	c := exec.CommandContext(ctx, "/bin/sh", "-c", line)
	c.Dir = dir
	return c
}
