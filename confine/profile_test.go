package confine_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cavra-dev/cavra/confine"
	"github.com/cavra-dev/cavra/policy"
)

func baseline(t testing.TB) *policy.Set {
	t.Helper()
	lib, err := policy.DefaultLibrary()
	if err != nil {
		t.Fatal(err)
	}
	set, err := lib.Compile("cavra-ai-agent-baseline")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func baselineProfile(t testing.TB, opts confine.Options) confine.Profile {
	t.Helper()
	p, err := confine.FromPolicy(baseline(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfineProfileFromBaseline(t *testing.T) {
	t.Parallel()
	home, project := "/home/dev", "/home/dev/src/app"
	p := baselineProfile(t, confine.Options{
		Home: home, Project: project,
		Protected: []string{".cavra", "/usr/local/bin/cavra", ".claude/settings.json"},
		Writable:  []string{"/tmp", "/home/dev/.cache", "/home/dev/.ssh", "/home/dev"},
	})
	denyRead := []string{
		"/home/dev/.ssh/id_rsa", "/home/dev/.aws/credentials", "/home/dev/.kube/config",
		"/home/dev/.bash_history", "/home/dev/.python_history", project + "/.env", project + "/deploy/.env.prod",
		"/home/dev/.config/gcloud/credentials.db", "/etc/shadow", "/proc/1/environ", project + "/certs/tls.pem",
	}
	for _, f := range denyRead {
		if !p.DeniesRead(f) {
			t.Errorf("DeniesRead(%s) = false", f)
		}
	}
	for _, f := range []string{project + "/main.go", project + "/.env.example", "/home/dev/.bashrc", "/usr/bin/go"} {
		if p.DeniesRead(f) {
			t.Errorf("DeniesRead(%s) = true", f)
		}
	}
	denyWrite := []string{
		"/home/dev/.bashrc", "/home/dev/.ssh/authorized_keys", project + "/.git/hooks/pre-commit",
		project + "/.cavra/evidence.db", "/usr/local/bin/cavra", project + "/.claude/settings.json",
		project + "/.github/workflows/ci.yml", "/etc/passwd",
	}
	for _, f := range denyWrite {
		if !p.DeniesWrite(f) {
			t.Errorf("DeniesWrite(%s) = false", f)
		}
	}
	if p.DeniesWrite(project + "/main.go") {
		t.Error("DeniesWrite(main.go) = true")
	}
	// The home directory and .ssh are never writable whole; caches are.
	if want := []string{"/home/dev/.cache", "/tmp"}; !slices.Equal(p.Writable, want) {
		t.Errorf("Writable = %v, want %v", p.Writable, want)
	}
	if !slices.Contains(p.Protected, filepath.Join(project, ".cavra")) {
		t.Errorf("Protected = %v", p.Protected)
	}
	if !slices.Contains(p.Network.DeniedRanges, "169.254.0.0/16") || !slices.Equal(p.Network.ConnectTCP, []uint16{443}) {
		t.Errorf("Network = %+v", p.Network)
	}
	if !p.Required {
		t.Error("Required = false by default")
	}
}

func TestConfineProfileDigestStable(t *testing.T) {
	t.Parallel()
	o := confine.Options{Home: "/h", Project: "/h/p", Writable: []string{"/tmp", "/var/tmp"}}
	a, b := baselineProfile(t, o), baselineProfile(t, o)
	if a.Digest() != b.Digest() || len(a.Digest()) != len("sha256:")+64 {
		t.Fatalf("digests %s %s", a.Digest(), b.Digest())
	}
	o.Writable = []string{"/var/tmp", "/tmp", "/tmp"} // order and duplicates do not count
	if c := baselineProfile(t, o); c.Digest() != a.Digest() {
		t.Errorf("digest changed with the order of Writable")
	}
	o.ConnectTCP = []uint16{443, 80}
	if c := baselineProfile(t, o); c.Digest() == a.Digest() {
		t.Errorf("digest did not change with the network rules")
	}
	// A profile survives JSON: same digest, same answers.
	raw, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	var back confine.Profile
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.Digest() != a.Digest() || !back.DeniesRead("/h/.ssh/id_rsa") {
		t.Errorf("round trip: digest %s, DeniesRead %v", back.Digest(), back.DeniesRead("/h/.ssh/id_rsa"))
	}
}

func TestConfineProfileNilSet(t *testing.T) {
	t.Parallel()
	if _, err := confine.FromPolicy(nil, confine.Options{}); err == nil {
		t.Fatal("no error for a nil set")
	}
}
