package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// gitignoreHint is what a project's .gitignore needs so that CAVRA's state
// is not committed: everything in the state directory except what a team
// shares (config.yaml, policies/, and init's installed.json). Ignoring all
// the rest, rather than naming cavra.db and keys/, keeps a file CAVRA adds
// to its state later out of git too.
type gitignoreHint struct {
	File     string   `json:"file"`
	Lines    []string `json:"lines"`   // the lines CAVRA wants there
	Missing  []string `json:"missing"` // those not there yet
	Appended bool     `json:"appended"`
}

// gitignoreLines are the lines for a state directory at rel (slash
// separated, relative to the directory of the .gitignore).
func gitignoreLines(rel string) []string {
	d := "/" + strings.TrimSuffix(rel, "/")
	return []string{
		d + "/*",
		"!" + d + "/" + "config.yaml",
		"!" + d + "/policies/",
		"!" + d + "/installed.json",
	}
}

// gitignoreFor computes the hint for a state directory inside project; nil
// when state is not inside project (nothing of it can be committed there).
func gitignoreFor(project, state string) (*gitignoreHint, error) {
	rel, err := filepath.Rel(absPath(project), absPath(state))
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return nil, nil
	}
	rel = filepath.ToSlash(rel)
	h := &gitignoreHint{File: filepath.Join(project, ".gitignore"), Lines: gitignoreLines(rel), Missing: []string{}}
	have, err := os.ReadFile(h.File)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	present := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(have))
	for sc.Scan() {
		present[strings.TrimSpace(sc.Text())] = true
	}
	// A line that ignores the whole directory covers it (and its
	// config.yaml too: the project's choice).
	for _, whole := range []string{rel, rel + "/", "/" + rel, "/" + rel + "/", rel + "/*", "/" + rel + "/*", rel + "/**"} {
		if present[whole] {
			return h, nil
		}
	}
	for _, l := range h.Lines {
		if !present[l] {
			h.Missing = append(h.Missing, l)
		}
	}
	return h, nil
}

// gitignoreStep reports, or with apply appends, what the project's
// .gitignore lacks for the state directory; dryRun only says what apply
// would append. The text goes to w unless quiet (-o json); the hint is
// returned for the JSON report.
func gitignoreStep(w io.Writer, quiet bool, project, state string, apply, dryRun bool) (*gitignoreHint, error) {
	h, err := gitignoreFor(project, state)
	if err != nil || h == nil || len(h.Missing) == 0 {
		return h, err
	}
	say := func(format string, a ...any) {
		if !quiet {
			fmt.Fprintf(w, format, a...)
		}
	}
	lines := strings.Join(h.Missing, "\n") + "\n"
	switch {
	case apply && dryRun:
		say("would append to %s:\n%s", h.File, indent(lines))
	case apply:
		if err := appendLines(h.File, "# CAVRA's state: the evidence database, private keys, caches (cavra init --gitignore)\n"+lines); err != nil {
			return nil, err
		}
		h.Appended = true
		say("appended to %s the lines that keep CAVRA's state out of git\n", h.File)
	default:
		say("to keep CAVRA's state in %s (its evidence database and private keys) out of git, add to %s (or rerun with --gitignore):\n%s",
			state, h.File, indent(lines))
	}
	return h, nil
}

func indent(lines string) string {
	return "    " + strings.ReplaceAll(strings.TrimSuffix(lines, "\n"), "\n", "\n    ") + "\n"
}

// appendLines appends text to file (created if absent), after a newline
// when the file does not end with one.
func appendLines(file, text string) error {
	old, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if len(old) > 0 && old[len(old)-1] != '\n' {
		text = "\n" + text
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// projectStateDir is the state directory a project install creates (with
// its config.yaml) in the project directory dir.
func projectStateDir(dir string) string { return filepath.Join(dir, ".cavra") }

// gitignore runs gitignoreStep for an init and keeps its hint for -o json.
func (r *initRun) gitignore(project, state string) error {
	h, err := gitignoreStep(r.w, r.flags.asJSON, project, state, r.flags.gitignore, r.flags.dryRun)
	if err != nil {
		return err
	}
	if h != nil && len(h.Missing) > 0 {
		r.report.Gitignore = h
	}
	return nil
}
