package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/claudecode"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/store"
)

// shared are the entries of a project's .cavra/ that a team keeps in git
// (see gitignoreLines): everything else there is state — the database, the
// keys, caches — which --move-state moves.
var shared = []string{cavra.ConfigFile, "policies", "installed.json"}

// pin settles the state directory the hook command carries (r.home), from
// agent's hook file as it is now (old):
//
//   - --home, when given;
//   - else the directory an earlier install pinned (a reinstall keeps it);
//   - else, when the hooks are an older install's (no --home) and the
//     project's .cavra/ holds state (its cavra.db), that directory, where
//     the state stays — unless --move-state, which moves it to the default;
//   - else the default under the user's state home.
//
// It says which, and what to run to move state that stays in the project.
func (r *initRun) pin(agent claudecode.Agent, old []byte) error {
	f := r.flags
	def, err := defaultStateDir(f.dir, f.user)
	if err != nil {
		return err
	}
	if !f.user {
		if legacy := projectStateDir(absPath(f.dir)); store.Exists(legacy) {
			r.legacy = legacy
		}
	}
	pinned, unpinned := "", false
	for _, c := range claudecode.AgentHookCommands(agent, old) {
		if h := claudecode.HookFlag(c, "--home"); h == "" {
			unpinned = true
		} else if pinned == "" {
			pinned = h
		}
	}
	switch {
	case f.home != "":
		r.home = absPath(f.home)
	case f.command != "" && claudecode.HookFlag(f.command, "--home") != "":
		r.home = absPath(claudecode.HookFlag(f.command, "--home"))
	case pinned != "" && !(f.moveState && r.legacy != "" && pinned == r.legacy):
		r.home = pinned
		r.say("the hooks keep the state directory they pinned: %s", r.home)
	case r.legacy != "" && !f.moveState && unpinned:
		// An older install's hooks used this state: it stays theirs.
		r.home = r.legacy
		r.say("CAVRA's state stays where it was, in %s: inside the project, where the agent's own tools can reach it.", r.home)
		r.say("to move it out of the workspace, run: cavra init %s --move-state (it moves the database and keys to %s)", agent, def)
	default:
		r.home = def
		if r.legacy != "" && !f.moveState {
			r.say("%s holds state from commands run in the project, which these hooks do not use; to carry it into %s, run: cavra init %s --move-state", r.legacy, def, agent)
		}
	}
	if f.command != "" && claudecode.HookFlag(f.command, "--home") == "" {
		fmt.Fprintf(r.errw, "warning: the hook command given with --command pins no state directory (--home): the hook finds its state as installs before pinning did (cavra doctor warns); CAVRA's configuration goes to %s\n", r.home)
	}
	r.move = f.moveState && r.legacy != "" && r.legacy != r.home
	if f.moveState && !r.move {
		r.say("--move-state: there is no state of an older install in %s to move", projectStateDir(absPath(f.dir)))
	}
	return nil
}

// prepareState makes the pinned state directory ready before the hooks
// that use it are written: created with mode 0700, an older install's state
// moved into it with --move-state, and a config.yaml naming the packs and
// the mode (the project's own, copied, when it has one). An uninstall keeps
// the state and says where it is.
func (r *initRun) prepareState() error {
	f := r.flags
	if f.uninstall {
		return nil
	}
	if f.dryRun {
		r.say("would pin the state directory %s in the hook command", r.home)
		if r.move {
			r.say("would move the state in %s (%s) to %s", r.legacy, strings.Join(stateEntries(r.legacy), ", "), r.home)
		}
		if _, err := os.Stat(filepath.Join(r.home, cavra.ConfigFile)); errors.Is(err, fs.ErrNotExist) {
			r.event(initEvent{Path: filepath.Join(r.home, cavra.ConfigFile), Change: "would_write", What: "CAVRA's configuration"})
		}
		return nil
	}
	open, err := makeStateDir(r.home)
	if err != nil {
		return fmt.Errorf("the state directory: %w", err)
	}
	if open {
		fmt.Fprintf(r.errw, "warning: %s can be read by other users; CAVRA keeps its keys there (chmod 700 %s)\n", r.home, shellQuote(r.home))
	}
	if !f.user && inside(f.dir, r.home) {
		fmt.Fprintf(r.errw, "warning: the state directory %s is inside the project: the agent's own tools can reach its configuration, database and keys\n", r.home)
	} else {
		r.say("CAVRA's state (configuration, evidence, keys) for these hooks: %s", r.home)
	}
	if def, err := cavra.ProjectStateDir(f.dir); f.user || err != nil || def != r.home {
		r.say("commands you run yourself (cavra approval, registry, evidence) reach it with --home %s, or CAVRA_HOME=%s", shellQuote(r.home), shellQuote(r.home))
	} else {
		r.say("commands you run yourself in the project (cavra approval, registry, evidence) find it; elsewhere, pass --home %s", shellQuote(r.home))
	}
	if r.move {
		if err := moveState(r.legacy, r.home, r.say); err != nil {
			return err
		}
	}
	project := projectStateDir(absPath(f.dir))
	if !f.user && !sameDir(project, r.home) {
		copied, err := copyShared(project, r.home)
		if err != nil {
			return err
		}
		if len(copied) > 0 {
			r.say("copied %s from %s into %s: the hooks decide with these copies; the project's stay for review, and a change to them counts once you copy it there",
				strings.Join(copied, " and "), project, r.home)
		}
	}
	if err := writeProjectConfig(r.event, r.home, f.packs); err != nil {
		return err
	}
	// Say what will decide, since a copied or kept configuration may not be
	// what the person expects (a mode someone set in the project, say).
	cfg, err := cavra.LoadConfig(r.home)
	if err != nil {
		return err
	}
	mode, packs := string(cfg.Mode), cfg.Packs
	if mode == "" {
		mode = "the packs' (enforce unless they say otherwise)"
	}
	if len(packs) == 0 {
		packs = []string{"cavra-ai-agent-baseline"}
	}
	r.say("the hooks decide with %s in mode %s (%s)", strings.Join(packs, ", "), mode, filepath.Join(r.home, cavra.ConfigFile))
	switch cfg.Mode {
	case cavra.AuditOnly, cavra.BreakGlass:
		fmt.Fprintf(r.errw, "warning: %s sets mode %s: the hooks let through what the policy blocks\n", filepath.Join(r.home, cavra.ConfigFile), cfg.Mode)
	}
	return nil
}

// stateEntries lists what --move-state moves out of dir: every entry but
// the shared ones.
func stateEntries(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if !slices.Contains(shared, e.Name()) {
			out = append(out, e.Name())
		}
	}
	return out
}

// moveState moves the state entries of from into to (renames: the same
// file system), refusing to overwrite anything there. Where a rename cannot
// be done, it says what to run instead.
func moveState(from, to string, say func(string, ...any)) error {
	names := stateEntries(from)
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(to, n)); err == nil {
			return fmt.Errorf("--move-state: %s already has %s; nothing was moved (move the state by hand, or pin another directory with --home)", to, n)
		}
	}
	// The log's witness is kept per state directory: it moves with the
	// database, or the moved log would block as rolled back.
	oldWitness, _ := evidence.DefaultWitnessPath(from)
	newWitness, _ := evidence.DefaultWitnessPath(to)
	if oldWitness != "" && newWitness != "" && oldWitness != newWitness {
		if _, err := os.Lstat(oldWitness); err == nil {
			if _, err := os.Lstat(newWitness); err == nil {
				return fmt.Errorf("--move-state: %s already has a witness (%s); nothing was moved", to, newWitness)
			}
		} else {
			oldWitness = ""
		}
	}
	var moved []string
	for _, n := range names {
		if err := os.Rename(filepath.Join(from, n), filepath.Join(to, n)); err != nil {
			quoted := make([]string, 0, len(names))
			for _, m := range names {
				if !slices.Contains(moved, m) {
					quoted = append(quoted, shellQuote(filepath.Join(from, m)))
				}
			}
			return fmt.Errorf("--move-state: %w; moved %d of %d entries; move the rest with: mv %s %s/",
				err, len(moved), len(names), strings.Join(quoted, " "), shellQuote(to))
		}
		moved = append(moved, n)
	}
	if len(moved) > 0 {
		say("moved %s from %s to %s", strings.Join(moved, ", "), from, to)
	}
	if oldWitness != "" && newWitness != "" && oldWitness != newWitness {
		if err := os.Rename(oldWitness, newWitness); err != nil {
			return fmt.Errorf("--move-state: the database moved but its witness did not (%w); move it with: mv %s %s",
				err, shellQuote(oldWitness), shellQuote(newWitness))
		}
		say("moved the evidence witness from %s to %s", oldWitness, newWitness)
	}
	return nil
}

// copyShared copies the project's config.yaml and policies/ into the state
// directory when it has none of its own yet; it returns what it copied.
func copyShared(project, home string) ([]string, error) {
	var copied []string
	for _, n := range []string{cavra.ConfigFile, "policies"} {
		src, dst := filepath.Join(project, n), filepath.Join(home, n)
		st, err := os.Stat(src)
		if err != nil {
			continue
		}
		if _, err := os.Lstat(dst); err == nil {
			continue
		}
		if err := copyTree(src, dst, st); err != nil {
			return copied, fmt.Errorf("copying %s to %s: %w", src, dst, err)
		}
		copied = append(copied, filepath.Join(".cavra", n))
	}
	return copied, nil
}

// copyTree copies a file or a directory of regular files and directories
// (symbolic links and other kinds are skipped: a copy must not follow a
// link out of the project).
func copyTree(src, dst string, st fs.FileInfo) error {
	if !st.IsDir() {
		return copyFile(src, dst, st.Mode().Perm())
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o700)
		case d.Type().IsRegular():
			return copyFile(p, target, 0o600)
		}
		return nil
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm&0o700)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// sameDir reports whether a and b name the same directory.
func sameDir(a, b string) bool { return inside(a, b) && inside(b, a) }
