package servepython

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestPythonClient builds cavra, starts `cavra serve` on a free loopback
// port with a temporary state directory and runs client.py against it:
// README.md is allowed, .env is blocked.
func TestPythonClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cavra and starts cavra serve")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("python3 is not installed (CI=true)")
		}
		t.Skip("python3 is not installed")
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "cavra")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/cavra-dev/cavra/cmd/cavra").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := filepath.Join(tmp, "home")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	serve := exec.CommandContext(ctx, bin, "serve", "--home", home, "--addr", "127.0.0.1:0")
	serve.Dir = tmp
	stderr, err := serve.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		serve.Process.Signal(syscall.SIGTERM)
		serve.Wait()
	}()
	// cavra serve says where it listens: "cavra: serving HOME on http://ADDR (…)".
	urls := make(chan string, 1)
	var log strings.Builder
	go func() {
		re := regexp.MustCompile(`on (http://\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			log.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		close(urls)
	}()
	var url string
	select {
	case u, ok := <-urls:
		if !ok {
			serve.Wait()
			t.Fatalf("cavra serve exited:\n%s", log.String())
		}
		url = u
	case <-time.After(30 * time.Second):
		t.Fatal("cavra serve did not start")
	}

	cmd := exec.CommandContext(ctx, python, "client.py", url)
	cmd.Env = append(os.Environ(), "CAVRA_TOKEN=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("client.py: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			got[f[0]] = f[1]
		}
	}
	if got["README.md"] != "allow" || got[".env"] != "block" {
		t.Fatalf("decisions %v, want README.md allow and .env block:\n%s", got, out)
	}
}
