// Command readmecheck runs the README's commands, in order, on a fresh clone
// of the current commit and checks each one's exit status, so the README
// cannot drift from what the code does. .ci/run runs it:
//
//	go run ./internal/readmecheck            # README.md of HEAD
//	go run ./internal/readmecheck -keep      # keep the clone and its state to look at
//
// How the README marks what runs:
//
//   - Every fenced block whose language is sh, bash or shell runs, line by
//     line; so does a console block, whose commands are the lines starting
//     with "$ " (continuation lines "> "; the other lines are output, not
//     compared). Other blocks (yaml, json, go, no language) never run.
//   - A block the check must not run (it needs a network, a login, the whole
//     test suite) has, on the line before its fence, a line of its own:
//     <!-- readme: skip REASON -->. The reason is required and is printed.
//   - A command is one line, or more when a line ends with a backslash,
//     leaves a quote open or starts a here-document (cat > f <<'EOF' … EOF),
//     which is how the README shows the files it uses. Lines that are only a
//     comment (output shown under a command, say) are not run.
//   - A command must exit 0 unless its trailing comment says otherwise with
//     "exit N", for example "# block, exit 4" or "# require_approval (exit 3)".
//
// It refuses, rather than passes, a README where a runnable block has no
// command, where no block runs at all, where "exit N" stands on a comment
// line of its own (it would check nothing), where a skip marker marks no
// block or a block that would not run anyway, or where a block ends inside
// a command.
//
// The fresh clone: git clone of this checkout, then HEAD checked out (so
// commit first: uncommitted changes are not seen). HOME is an empty
// temporary directory, CAVRA_HOME is the clone's .cavra (what a newcomer
// gets by default there, set so neither the developer's CAVRA_HOME nor a
// .cavra in a parent of the temporary directory is found), every other
// CAVRA_* and GIT_* variable is removed, and GOBIN is a temporary directory
// at the front of PATH, so "go install ./cmd/cavra" makes "cavra" the
// clone's build. Go's module and build caches and its configuration
// (GOPATH, GOMODCACHE, GOCACHE, GOENV) are kept from the caller, so nothing
// is downloaded again, and GOFLAGS gets -trimpath, so the build cache
// serves the clone although its path is new each run.
//
// The commands run in one bash session in the clone's root, in README
// order, so cd and shell variables carry over from one command to the
// next; each reads from /dev/null. The first command whose status differs
// stops the run, and the check prints its README line, the command, the
// expected and actual status and the command's output.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	readme := flag.String("readme", "README.md", "the README, relative to the repository root")
	keep := flag.Bool("keep", false, "keep the temporary clone and state directory")
	timeout := flag.Duration("timeout", 3*time.Minute, "give up after this long")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: readmecheck [-readme README.md] [-keep] [-timeout 3m]")
		os.Exit(2)
	}
	if err := run(*readme, *keep, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "readmecheck:", err)
		os.Exit(1)
	}
}

var errFailed = errors.New("the README does not run as written")

func run(readme string, keep bool, timeout time.Duration) (err error) {
	start := time.Now()
	src, err := gitOut("", "rev-parse", "--show-toplevel")
	if err != nil {
		return err
	}
	head, err := gitOut(src, "rev-parse", "HEAD")
	if err != nil {
		return err
	}
	if dirty, _ := gitOut(src, "status", "--porcelain", "--", readme); dirty != "" {
		fmt.Printf("note: %s has uncommitted changes; this checks the committed one (HEAD %.12s)\n", readme, head)
	}
	root, err := os.MkdirTemp("", "cavra-readme-")
	if err != nil {
		return err
	}
	defer func() {
		if keep || errors.Is(err, errFailed) {
			fmt.Printf("the clone and its state are kept in %s\n", root)
			return
		}
		os.RemoveAll(root)
	}()
	clone := filepath.Join(root, "clone")
	if _, err := gitOut("", "clone", "-q", "--no-checkout", src, clone); err != nil {
		return err
	}
	if _, err := gitOut(clone, "-c", "advice.detachedHead=false", "checkout", "-q", "--detach", head); err != nil {
		return err
	}

	data, err := os.ReadFile(filepath.Join(clone, readme))
	if err != nil {
		return err
	}
	blocks, err := Parse(readme, string(data))
	if err != nil {
		return err
	}
	var steps []Step
	var skipped []Block
	for _, b := range blocks {
		if b.Skip != "" {
			skipped = append(skipped, b)
			continue
		}
		steps = append(steps, b.Steps...)
	}
	if len(steps) == 0 {
		return fmt.Errorf("%s: no block runs (sh, bash, shell or console, without a skip marker): nothing would be checked", readme)
	}

	env, err := environment(root, clone)
	if err != nil {
		return err
	}
	runDir := filepath.Join(root, "run")
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return err
	}
	driver := filepath.Join(runDir, "driver.sh")
	if err := os.WriteFile(driver, []byte(driverScript(runDir, steps)), 0o644); err != nil {
		return err
	}
	for i, s := range steps {
		if err := os.WriteFile(filepath.Join(runDir, fmt.Sprintf("%d.sh", i)), []byte(s.Text+"\n"), 0o644); err != nil {
			return err
		}
	}

	fmt.Printf("running %d commands of %s (HEAD %.12s) in a fresh clone, %s\n", len(steps), readme, head, clone)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	log, err := os.Create(filepath.Join(runDir, "driver.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", driver)
	cmd.Dir, cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = clone, env, nil, log, log
	ownGroup(cmd)
	runErr := cmd.Run()
	killGroup(cmd) // whatever a command left running in the background

	statuses, ends, err := readStatuses(filepath.Join(runDir, "status"))
	if err != nil {
		return err
	}
	for i, st := range statuses {
		s := steps[i]
		took := ""
		if d := ends[i] - prev(ends, i); d >= 2 {
			took = fmt.Sprintf("  (%ds)", d)
		}
		if st != s.Want {
			fmt.Printf("FAIL %s:%d: exit status %d, the README expects %d\n", readme, s.Line, st, s.Want)
			showStep(runDir, i, s)
			return errFailed
		}
		fmt.Printf("ok   %s:%-4d exit %d  %s%s\n", readme, s.Line, st, shown(s.Text), took)
	}
	if len(statuses) < len(steps) {
		i := len(statuses)
		s := steps[i]
		why := "the shell stopped before it finished (did the command exit the shell?)"
		if ctx.Err() != nil {
			why = fmt.Sprintf("still running after %s, killed", timeout)
		} else if runErr != nil {
			why = fmt.Sprintf("the shell stopped (%v) before it finished", runErr)
		}
		fmt.Printf("FAIL %s:%d: %s; the README expects exit status %d\n", readme, s.Line, why, s.Want)
		showStep(runDir, i, s)
		if b, _ := os.ReadFile(filepath.Join(runDir, "driver.log")); len(b) > 0 {
			fmt.Printf("  the shell said:\n%s", indent(string(b)))
		}
		return errFailed
	}
	fmt.Printf("%s: all %d commands in %d blocks exited as the README says (%.1fs)\n",
		readme, len(steps), len(blocks)-len(skipped), time.Since(start).Seconds())
	for _, b := range skipped {
		reason := b.Skip
		if strings.HasPrefix(reason, "(") && strings.HasSuffix(reason, ")") {
			reason = reason[1 : len(reason)-1]
		}
		fmt.Printf("not run: %s:%d (%d %s): %s\n", readme, b.Line, len(b.Steps), plural(len(b.Steps), "command"), reason)
	}
	return nil
}

// driverScript runs the steps in one shell: each step's file is sourced so
// cd and variables carry over; its output goes to a file of its own and its
// status is appended to the status file; the first unexpected status ends
// the shell.
func driverScript(dir string, steps []Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "__readme_dir=%s\n", shellQuote(dir))
	for i, s := range steps {
		fmt.Fprintf(&b, ". \"$__readme_dir/%d.sh\" </dev/null >\"$__readme_dir/%d.out\" 2>&1\n", i, i)
		fmt.Fprintf(&b, "__readme_status=$?; printf '%%s %%s\\n' \"$__readme_status\" \"$SECONDS\" >>\"$__readme_dir/status\"\n")
		fmt.Fprintf(&b, "[ \"$__readme_status\" = %d ] || exit 0\n", s.Want)
	}
	return b.String()
}

func showStep(runDir string, i int, s Step) {
	fmt.Printf("  command:\n%s", indent(s.Text+"\n"))
	out, _ := os.ReadFile(filepath.Join(runDir, fmt.Sprintf("%d.out", i)))
	text := string(out)
	if lines := strings.SplitAfter(text, "\n"); len(lines) > 200 {
		text = strings.Join(lines[:100], "") + fmt.Sprintf("… %d lines …\n", len(lines)-200) + strings.Join(lines[len(lines)-100:], "")
	}
	if text == "" {
		fmt.Println("  output: (none)")
		return
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	fmt.Printf("  output:\n%s", indent(text))
}

// readStatuses reads the status file: per step run, its exit status and the
// shell's SECONDS when it ended.
func readStatuses(path string) (statuses, ends []int, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		st, end, _ := strings.Cut(sc.Text(), " ")
		n, err1 := strconv.Atoi(st)
		t, err2 := strconv.Atoi(end)
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("%s: %q is not a status and a time", path, sc.Text())
		}
		statuses, ends = append(statuses, n), append(ends, t)
	}
	return statuses, ends, sc.Err()
}

func prev(ends []int, i int) int {
	if i == 0 {
		return 0
	}
	return ends[i-1]
}

// environment is the caller's environment without what would tie the README
// to the developer's machine.
func environment(root, clone string) ([]string, error) {
	goEnv := map[string]string{}
	for _, k := range []string{"GOPATH", "GOMODCACHE", "GOCACHE", "GOENV"} {
		v, err := exec.Command("go", "env", k).Output()
		if err != nil {
			return nil, fmt.Errorf("go env %s: %w", k, err)
		}
		goEnv[k] = strings.TrimSpace(string(v))
	}
	home, gobin := filepath.Join(root, "home"), filepath.Join(root, "gobin")
	for _, d := range []string{home, gobin} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := goEnv[k]; ok || k == "GOFLAGS" {
			continue
		}
		switch {
		case strings.HasPrefix(k, "CAVRA_"), strings.HasPrefix(k, "GIT_"), strings.HasPrefix(k, "XDG_"),
			strings.HasPrefix(k, "BASH_FUNC_"),
			k == "HOME", k == "GOBIN", k == "PATH", k == "PWD", k == "OLDPWD", k == "CDPATH", k == "BASH_ENV", k == "ENV":
			continue
		}
		env = append(env, kv)
	}
	for k, v := range goEnv {
		if k == "GOENV" && (v == "" || v == "off") {
			continue
		}
		env = append(env, k+"="+v)
	}
	// -trimpath keeps the build cache's keys free of the clone's path, which
	// is new each run: otherwise the module's own packages compile afresh
	// every time.
	goflags := strings.TrimSpace(os.Getenv("GOFLAGS") + " -trimpath")
	return append(env,
		"GOFLAGS="+goflags,
		"HOME="+home,
		"CAVRA_HOME="+filepath.Join(clone, ".cavra"),
		"GOBIN="+gobin,
		"PATH="+gobin+string(os.PathListSeparator)+os.Getenv("PATH"),
	), nil
}

func gitOut(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// shown is a command's first line without its comment, shortened, for the
// progress lines.
func shown(s string) string {
	first, _, more := strings.Cut(s, "\n")
	var q quoteState
	if comment, _, _ := q.scan(first); comment != "" {
		first = strings.TrimRight(strings.TrimSuffix(first, comment), " \t")
	}
	if more {
		first += " …"
	}
	if r := []rune(first); len(r) > 110 {
		first = string(r[:107]) + "…"
	}
	return first
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString("    " + l)
		}
	}
	return b.String()
}
