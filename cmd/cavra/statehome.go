package main

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Where a hook's state lives. `cavra init` pins an absolute state directory
// in the hook command it installs, by default under the user's state home,
// outside the workspace the agent can write to; the hook uses exactly that
// directory and never looks for state or configuration from its working
// directory (see "State outside the workspace" in docs/decisions.md).

// userStateHome is $XDG_STATE_HOME/cavra, else ~/.local/state/cavra.
func userStateHome() (string, error) {
	if x := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "cavra"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("the user's state home: %w", err)
	}
	return filepath.Join(home, ".local", "state", "cavra"), nil
}

// projectID names a project's state directory: its directory's name, made
// safe for a path, and a short hash of its absolute path (symbolic links
// resolved), so two checkouts named alike get different directories and the
// same project always the same one.
func projectID(project string) string {
	abs := absPath(project)
	if r, err := filepath.EvalSymlinks(abs); err == nil {
		abs = r
	}
	sum := sha256.Sum256([]byte(abs))
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '-'
	}, filepath.Base(abs))
	name = strings.Trim(name, "-.")
	if len(name) > 40 {
		name = name[:40]
	}
	if name == "" {
		name = "project"
	}
	return name + "-" + hex.EncodeToString(sum[:])[:10]
}

// defaultStateDir is the state directory init pins for a project install
// (user false) or a user install.
func defaultStateDir(project string, user bool) (string, error) {
	base, err := userStateHome()
	if err != nil {
		return "", err
	}
	if user {
		return filepath.Join(base, "user"), nil
	}
	return filepath.Join(base, projectID(project)), nil
}

// inside reports whether path is dir or below it (symbolic links resolved
// where they exist).
func inside(dir, path string) bool {
	resolve := func(p string) string {
		p = absPath(p)
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		return p
	}
	rel, err := filepath.Rel(resolve(dir), resolve(path))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// makeStateDir creates a state directory with mode 0700 (parents it adds
// too). An existing directory is left as it is; open says whether others
// can read or enter it.
func makeStateDir(dir string) (open bool, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return false, err
	}
	if !st.IsDir() {
		return false, errors.New(dir + " is not a directory")
	}
	return st.Mode().Perm()&0o077 != 0, nil
}
