package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/cavra-dev/cavra"
)

// Where a hook's state lives. `cavra init` pins an absolute state directory
// in the hook command it installs, by default under the user's state home,
// outside the workspace the agent can write to; the hook uses exactly that
// directory and never looks for state or configuration from its working
// directory (see "State outside the workspace" in docs/decisions.md).

// defaultStateDir is the state directory init pins for a project install
// (cavra.ProjectStateDir) or, with user, a user install: one for every
// project, since the command cannot name one.
func defaultStateDir(project string, user bool) (string, error) {
	if !user {
		return cavra.ProjectStateDir(project)
	}
	base, err := cavra.UserStateHome()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "user"), nil
}

// projectID is the last element of a project's default state directory.
func projectID(project string) string {
	d, _ := cavra.ProjectStateDir(project)
	return filepath.Base(d)
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
