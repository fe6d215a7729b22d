package fsprobe

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// tree makes a directory with files and links and returns its slash path.
func tree(t *testing.T) string {
	t.Helper()
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.ToSlash(dir)
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Dir(filepath.FromSlash(root+"/"+p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.FromSlash(root+"/"+p), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ln := func(target, at string) {
		if err := os.Symlink(target, filepath.FromSlash(root+"/"+at)); err != nil {
			t.Fatal(err)
		}
	}
	mk("home/.ssh/id_rsa")
	mk("proj/src/main.go")
	mk("proj/conf/a.txt")
	mk("proj/conf/.hidden")
	ln(root+"/home/.ssh/id_rsa", "proj/notes") // absolute target
	ln("../../home/.ssh", "proj/conf/keys")    // relative target, a directory
	ln("notes", "proj/again")                  // a link to a link
	ln("loop2", "proj/loop1")                  // a loop
	ln("loop1", "proj/loop2")
	return root
}

func TestResolve(t *testing.T) {
	root := tree(t)
	big := func() *Budget { return New(1000, time.Minute) }
	for _, tc := range []struct {
		in         string
		followLast bool
		want       string
	}{
		{"/proj/src/main.go", true, "/proj/src/main.go"},
		{"/proj/notes", true, "/home/.ssh/id_rsa"},
		{"/proj/notes", false, "/proj/notes"}, // unlink removes the link
		{"/proj/again", true, "/home/.ssh/id_rsa"},
		{"/proj/conf/keys/id_rsa", true, "/home/.ssh/id_rsa"},
		{"/proj/conf/keys/id_rsa", false, "/home/.ssh/id_rsa"}, // a parent link is followed even for a delete
		{"/proj/conf/keys/../x", true, "/home/x"},              // `..` after a link is from its target
		{"/proj/conf/keys/new/file", true, "/home/.ssh/new/file"},
		{"/proj/missing/../src", true, "/proj/src"},
		{"/proj/conf/*/id_rsa", true, "/proj/conf/*/id_rsa"}, // patterns end the probing
	} {
		if got := Resolve(root+tc.in, tc.followLast, big()); got != root+tc.want {
			t.Errorf("Resolve(%s, %v) = %s, want %s", tc.in, tc.followLast, strings.TrimPrefix(got, root), tc.want)
		}
	}
	// A loop stops at the kernel's limit and does not hang.
	b := big()
	Resolve(root+"/proj/loop1", true, b)
	if b.Calls > 2*MaxLinks+16 {
		t.Errorf("a link loop took %d calls", b.Calls)
	}
	// A spent budget leaves the path as written and says so.
	b = New(1, 0)
	if got := Resolve(root+"/proj/notes", true, b); got != root+"/proj/notes" || !b.Exhausted {
		t.Errorf("spent budget: %s, exhausted %v", got, b.Exhausted)
	}
	// A deadline in the past stops the probes too.
	b = &Budget{Left: 100, Deadline: time.Now().Add(-time.Second)}
	if got := Resolve(root+"/proj/notes", true, b); got != root+"/proj/notes" || !b.Exhausted {
		t.Errorf("past deadline: %s, exhausted %v", got, b.Exhausted)
	}
}

func TestGlob(t *testing.T) {
	root := tree(t)
	rel := func(ps []Match) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = strings.TrimPrefix(p.Path, root)
		}
		slices.Sort(out)
		return out
	}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"/proj/conf/*", []string{"/proj/conf/a.txt", "/proj/conf/keys"}}, // no dot-names
		{"/proj/conf/.*", []string{"/proj/conf/.hidden"}},
		{"/proj/*/main.go", []string{"/proj/src/main.go"}},
		{"/proj/conf/keys/id_*", []string{"/proj/conf/keys/id_rsa"}}, // read through the link
		{"/proj/*/nothing", nil},
		{"/proj/[cs]*", []string{"/proj/conf", "/proj/src"}},
	} {
		if got := rel(Glob(root+tc.in, New(1000, 0))); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("Glob(%s) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, m := range Glob(root+"/proj/conf/*", New(100, 0)) {
		if want := strings.HasSuffix(m.Path, "/keys"); m.Link != want {
			t.Errorf("%s: link %v, want %v", m.Path, m.Link, want)
		}
	}
	if got := LiteralPrefix("/a/b/c*/d"); got != "/a/b" {
		t.Errorf("LiteralPrefix = %s", got)
	}
	b := New(2, 0)
	Glob(root+"/proj/*/*/*", b)
	if b.Calls > 2 || !b.Exhausted {
		t.Errorf("budget of 2: %d calls, exhausted %v", b.Calls, b.Exhausted)
	}
}

// FuzzResolve: where no path component exists, Resolve is the lexical
// clean of its input, whatever the input, and it never panics; a zero
// budget gives the same.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{"a/b", "../..", "a/./b//c/..", "x/*/y", "$HOME/.ssh", "", "/", "a/\x00/b"} {
		f.Add(s)
	}
	base := "/nonexistent-cavra-fsprobe"
	f.Fuzz(func(t *testing.T, s string) {
		in := base + "/" + strings.ReplaceAll(s, "\\", "/")
		// ".." may climb out of base into directories that do exist.
		if strings.Contains(s, "..") {
			if got, want := Resolve(in, true, &Budget{}), path.Clean(in); got != want {
				t.Fatalf("zero budget: Resolve(%q) = %q, want %q", in, got, want)
			}
			return
		}
		want := path.Clean(in)
		if got := Resolve(in, true, New(100, 0)); got != want {
			t.Fatalf("Resolve(%q) = %q, want %q", in, got, want)
		}
		if got := Resolve(in, false, &Budget{}); got != want {
			t.Fatalf("zero budget: Resolve(%q) = %q, want %q", in, got, want)
		}
	})
}
