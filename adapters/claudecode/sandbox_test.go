package claudecode

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/confine"
	"github.com/cavra-dev/cavra/policy"
)

func testProfile(t *testing.T, packs ...string) confine.Profile {
	t.Helper()
	lib, err := policy.DefaultLibrary()
	if err != nil {
		t.Fatal(err)
	}
	set, err := lib.Compile(packs...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := confine.FromPolicy(set, confine.Options{Project: "/home/u/proj", Home: "/home/u",
		Protected: []string{"/home/u/.local/state/cavra/proj-1", "/usr/local/bin/cavra", "/home/u/proj/.claude/settings.json"},
		Writable:  []string{"/tmp", "/home/u/.cache", "/home/u/proj/build"}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSandboxSettings: the baseline's profile becomes a user part with the
// switches, the home's credentials, CAVRA's own paths and the metadata
// ranges, and a project part with the patterns that apply in any
// directory, relative to the project.
func TestSandboxSettings(t *testing.T) {
	t.Parallel()
	user, project := SandboxSettings(testProfile(t))
	if !user.Enabled || !user.FailIfUnavailable || user.AllowUnsandboxedCommands {
		t.Errorf("user switches: %+v", user)
	}
	has := func(name string, l []string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !slices.Contains(l, w) {
				t.Errorf("%s lacks %q: %v", name, w, l)
			}
		}
	}
	has("user denyRead", user.Filesystem.DenyRead, "/home/u/id_rsa", "/home/u/.*/id_rsa", "/home/u/.aws/credentials", "/home/u/.*/.env")
	has("user denyWrite", user.Filesystem.DenyWrite, "/home/u/.local/state/cavra/proj-1", "/usr/local/bin/cavra", "/home/u/.bashrc")
	has("user allowWrite", user.Filesystem.AllowWrite, "/tmp", "/home/u/.cache")
	has("user deniedDomains", user.Network.DeniedDomains, "169.254.0.0/16")
	has("project denyRead", project.Filesystem.DenyRead, "**/.env", "**/id_rsa")
	has("project denyWrite", project.Filesystem.DenyWrite, ".claude/settings.json", ".git/hooks")
	for _, l := range [][]string{user.Filesystem.DenyRead, user.Filesystem.DenyWrite, user.Filesystem.AllowWrite} {
		for _, p := range l {
			if strings.HasPrefix(p, "/home/u/proj") {
				t.Errorf("the user part names a project path: %s", p)
			}
		}
	}
	if slices.Contains(user.Filesystem.AllowWrite, "/home/u/proj/build") {
		t.Error("a writable directory inside the project is in the user part")
	}
}

// TestInstallSandbox: idempotent, replaces an earlier sandbox (a policy
// change), keeps other keys, uninstalls only its own.
func TestInstallSandbox(t *testing.T) {
	t.Parallel()
	user, _ := SandboxSettings(testProfile(t))
	old := []byte(`{"model": "x", "sandbox": {"enabled": false}}`)
	next, changed, err := InstallSandbox(old, user)
	if err != nil || !changed {
		t.Fatalf("install: %v %v", changed, err)
	}
	if p := SettingsProblems(next); len(p) > 0 {
		t.Errorf("problems: %v", p)
	}
	var doc map[string]any
	if err := json.Unmarshal(next, &doc); err != nil || doc["model"] != "x" {
		t.Fatalf("install lost a key: %s", next)
	}
	if again, changed, _ := InstallSandbox(next, user); changed || string(again) != string(next) {
		t.Error("a second install changed the file")
	}
	if d, _ := SandboxDiff(next, user); len(d) > 0 {
		t.Errorf("diff after install: %v", d)
	}
	tighter := user
	tighter.Filesystem.DenyRead = append(slices.Clone(user.Filesystem.DenyRead), "/home/u/.new-secret")
	if d, _ := SandboxDiff(next, tighter); len(d) != 1 || !strings.Contains(d[0], "lacks /home/u/.new-secret") {
		t.Errorf("diff against a changed policy: %v", d)
	}
	if _, changed, _ := InstallSandbox(next, tighter); !changed {
		t.Error("a policy change did not change the file")
	}
	gone, changed, err := UninstallSandbox(next)
	if err != nil || !changed || strings.Contains(string(gone), "sandbox") {
		t.Errorf("uninstall: %v %v %s", changed, err, gone)
	}
	if _, changed, _ := UninstallSandbox(old); changed {
		t.Error("uninstall removed a sandbox cavra did not write")
	}
}
