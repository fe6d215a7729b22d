package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/claudecode"
	"github.com/cavra-dev/cavra/confine"
)

// sandboxWant is what `cavra init claude-code` writes into Claude Code's
// sandbox settings for a project, from the policy of its state directory:
// the profile confine derives from it, split into the user's and the
// project's part (claudecode.SandboxSettings).
type sandboxWant struct {
	profile       confine.Profile
	user, project claudecode.Sandbox
	userPath      string // ~/.claude/settings.json
	projectPath   string // <project>/.claude/settings.json
}

// sandboxFor derives the sandbox settings for project dir, with its state
// in home (the directory the hook command pins) and hook the hook binary.
// packs, when given, are used instead of home's configuration (a dry run
// before the state directory exists).
func sandboxFor(ctx context.Context, dir, home, hook string, packs []string) (*sandboxWant, error) {
	userHome, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("the home directory (for ~/.claude/settings.json): %w", err)
	}
	project := absPath(dir)
	opts := cavra.Options{Dir: project, Home: home, ReadOnly: true, StoreTimeout: 2 * time.Second}
	if _, err := os.Stat(filepath.Join(home, cavra.ConfigFile)); err != nil {
		tmp, err := os.MkdirTemp("", "cavra-sandbox-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(tmp)
		opts = cavra.Options{Dir: project, Home: tmp, Packs: packs}
	}
	g, err := cavra.Open(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("the policy for the sandbox settings: %w", err)
	}
	set := g.Policy()
	g.Close()
	if hook != "" && !filepath.IsAbs(hook) {
		hook = "" // "cavra" from PATH: no one file to protect
	}
	p, err := confine.FromPolicy(set, confine.Options{
		Project:   project,
		Home:      userHome,
		Protected: cavra.ProtectedPaths(home, project, userHome, hook),
	})
	if err != nil {
		return nil, err
	}
	w := &sandboxWant{profile: p, userPath: claudecode.HookConfigPath(claudecode.ClaudeCode, userHome, true),
		projectPath: claudecode.SettingsPath(project)}
	w.user, w.project = claudecode.SandboxSettings(p)
	return w, nil
}

// sandboxChanges adds to changes what installing (or uninstalling) the
// sandbox settings does: the `sandbox` key of the user's settings and of
// the project's, merged into a change of the same file already there.
func (r *initRun) sandboxChanges(ctx context.Context, changes []fileChange) ([]fileChange, error) {
	f := r.flags
	var w *sandboxWant
	if !f.uninstall {
		var err error
		if w, err = sandboxFor(ctx, f.dir, r.home, hookProgram(hookCommandLine(f, claudecode.ClaudeCode, r.home)), f.packs); err != nil {
			return nil, err
		}
	} else {
		home, err := os.UserHomeDir()
		if err != nil {
			return nil, err
		}
		w = &sandboxWant{userPath: claudecode.HookConfigPath(claudecode.ClaudeCode, home, true),
			projectPath: claudecode.SettingsPath(absPath(f.dir))}
	}
	files := []struct {
		path string
		s    claudecode.Sandbox
	}{{w.userPath, w.user}, {w.projectPath, w.project}}
	for _, x := range files {
		i := -1
		for j := range changes {
			if sameFile(changes[j].path, x.path) {
				i = j
			}
		}
		if i < 0 {
			old, err := claudecode.ReadSettings(x.path)
			if err != nil {
				return nil, err
			}
			changes = append(changes, fileChange{path: x.path, old: old, next: old, what: "Claude Code's sandbox settings",
				emptyWithout: claudecode.SandboxEmpty})
			i = len(changes) - 1
		} else {
			changes[i].what += " and Claude Code's sandbox settings"
			prev := changes[i].emptyWithout
			changes[i].emptyWithout = func(b []byte) bool {
				next, _, err := claudecode.UninstallSandbox(b)
				return err == nil && (prev == nil || prev(next))
			}
		}
		ch := &changes[i]
		var next []byte
		var changed bool
		var err error
		if f.uninstall {
			next, changed, err = claudecode.UninstallSandbox(ch.next)
		} else {
			next, changed, err = claudecode.InstallSandbox(ch.next, x.s)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w; cavra did not change it", x.path, err)
		}
		if changed {
			ch.next, ch.changed = next, true
		}
	}
	if r.home != "" && !f.user && !f.dryRun {
		r.lock = &w.user
	}
	if !f.uninstall && r.home != "" && !f.user {
		r.say("so that the project's own .claude/settings*.json cannot switch the sandbox off, start Claude Code with: claude --settings %s", shellQuote(sandboxLockPath(r.home)))
	}
	if !f.uninstall {
		r.say("Claude Code's sandbox: on, from the policy (bubblewrap and socat must be installed; `cavra doctor claude-code` checks), "+
			"in %s and %s; --no-sandbox leaves it alone", w.userPath, w.projectPath)
	}
	return changes, nil
}

func sameFile(a, b string) bool {
	return filepath.Clean(absPath(a)) == filepath.Clean(absPath(b))
}

// sandboxLockPath is the --settings file init writes into the state
// directory: the user's sandbox settings, which Claude Code then holds
// against the project's own settings.
func sandboxLockPath(home string) string { return filepath.Join(home, "claude-sandbox.json") }

// writeSandboxLock writes (or, uninstalling, removes) the --settings file
// in the state directory: the user's sandbox settings, which Claude Code
// holds against the project's own settings when started with
// `claude --settings FILE` (the user's settings alone it does not: verified
// with 2.1.332). The state directory is one neither the hook nor the
// sandbox lets the agent write. It is CAVRA's own file, so it is not in
// the record of the files init changed.
func (r *initRun) writeSandboxLock() error {
	if r.lock == nil {
		return nil
	}
	path := sandboxLockPath(r.home)
	if r.flags.uninstall {
		if err := os.Remove(path); err == nil {
			r.say("removed %s", path)
		}
		return nil
	}
	next, _, err := claudecode.InstallSandbox(nil, *r.lock)
	if err != nil {
		return err
	}
	if old, _ := os.ReadFile(path); string(old) == string(next) {
		return nil
	}
	return claudecode.WriteSettings(path, next)
}
