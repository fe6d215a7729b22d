package tool

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/confine"
	"github.com/cavra-dev/cavra/decision"
)

// ShellOptions configures Shell. The zero value runs each allowed command
// with /bin/sh, confined by the Guard's policy, and refuses to run it when
// the kernel offers no confinement.
type ShellOptions struct {
	// Name is the tool's name; "" means "shell".
	Name string
	// Agent and AgentFrom are as in Spec.
	Agent     cavra.Agent
	AgentFrom func(ctx context.Context) cavra.Agent
	// Dir is the directory commands run in and the project the profile
	// makes writable; "" means the process's working directory.
	Dir string
	// Home is the home directory of the profile; "" means os.UserHomeDir.
	Home string
	// Confine is the confinement's options (ports, writable directories,
	// BestEffort to run unconfined — and say so in the decision record —
	// when the kernel offers none). Project, Home and Protected are filled
	// from Dir, Home and the Guard.
	Confine confine.Options
	// UnconfinedUnsafe runs allowed commands without confinement: the
	// policy's decision is the only control.
	UnconfinedUnsafe bool
	// MaxOutput caps the output returned to the model (bytes); 0 means
	// 64 KiB.
	MaxOutput int
	// Context is added to each action's context.
	Context map[string]string
}

// ShellArgs are a shell tool call's arguments.
type ShellArgs struct {
	Command string `json:"command"`
}

// Shell returns a shell tool: its arguments are ShellArgs, each command is
// decided as an execute_command action — with the confinement it would run
// under in the decision record — and, when allowed, run with /bin/sh -c in
// opts.Dir, confined by a Landlock profile derived from the Guard's policy
// (confine.FromPolicy). The result is the command's combined output; a
// command that exits non-zero returns its output and an error with the
// status. When confinement is required and unavailable the command is not
// run and the error wraps confine.ErrUnavailable.
func Shell(g *cavra.Guard, opts ShellOptions) Func {
	name := opts.Name
	if name == "" {
		name = "shell"
	}
	max := opts.MaxOutput
	if max <= 0 {
		max = 64 << 10
	}
	return func(ctx context.Context, raw json.RawMessage) (string, error) {
		var in ShellArgs
		if err := json.Unmarshal(raw, &in); err != nil || strings.TrimSpace(in.Command) == "" {
			return "", fmt.Errorf("tool %s: the arguments must be {\"command\": \"...\"}", name)
		}
		dir := opts.Dir
		if dir == "" {
			wd, err := os.Getwd()
			if err != nil {
				return "", fmt.Errorf("tool %s: %w", name, err)
			}
			dir = wd
		}
		dir, _ = filepath.Abs(dir)
		var cmd *confine.Cmd
		if !opts.UnconfinedUnsafe {
			home := opts.Home
			if home == "" {
				home, _ = os.UserHomeDir()
			}
			co := opts.Confine
			co.Project, co.Home = dir, home
			co.Protected = append(cavra.ProtectedPaths(g.Home(), dir, home, ""), co.Protected...)
			p, err := confine.FromPolicy(g.Policy(), co)
			if err != nil {
				return "", fmt.Errorf("tool %s: confinement: %w", name, err)
			}
			if cmd, err = confine.Command(ctx, p, "/bin/sh", "-c", in.Command); err != nil {
				if errors.Is(err, confine.ErrUnavailable) {
					return "", fmt.Errorf("tool %s: refusing to run the command unconfined: %w", name, err)
				}
				return "", fmt.Errorf("tool %s: %w", name, err)
			}
			cmd.Dir = dir
		}
		agent := opts.Agent
		if opts.AgentFrom != nil {
			if a := opts.AgentFrom(ctx); a.ID != "" {
				agent = a
			}
		}
		c := map[string]string{decision.ContextCwd: dir}
		for k, v := range opts.Context {
			c[k] = v
		}
		a := cavra.Action{Type: cavra.ExecuteCommand, Target: in.Command, Tool: name, Agent: agent, Context: c}
		if cmd != nil {
			conf := cmd.Confinement
			a.Confinement = &conf
		}
		d, err := g.Evaluate(ctx, a)
		if err != nil {
			return "", fmt.Errorf("tool %s: CAVRA could not decide the command, so it is not run: %w", name, err)
		}
		if err := verdict(name, d); err != nil {
			return "", err
		}
		var out bytes.Buffer
		w := &capped{b: &out, max: max}
		var runErr error
		if cmd != nil {
			cmd.Stdout, cmd.Stderr = w, w
			runErr = cmd.Run()
		} else {
			c := shellCommand(ctx, in.Command, dir)
			c.Stdout, c.Stderr = w, w
			runErr = c.Run()
		}
		s := out.String()
		if w.cut {
			s += "\n[output truncated]"
		}
		if runErr != nil {
			return s, fmt.Errorf("tool %s: %w", name, runErr)
		}
		return s, nil
	}
}

// capped keeps the first max bytes written to it.
type capped struct {
	b   *bytes.Buffer
	max int
	cut bool
}

func (c *capped) Write(p []byte) (int, error) {
	if room := c.max - c.b.Len(); room < len(p) {
		if room > 0 {
			c.b.Write(p[:room])
		}
		c.cut = true
		return len(p), nil
	}
	return c.b.Write(p)
}
