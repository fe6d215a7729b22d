package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cavra-dev/cavra"
)

// TestServeMetrics: a running cavra serve counts decisions at /metrics and
// logs one JSON line per request and per decision, without targets.
func TestServeMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts cavra serve")
	}
	home := t.TempDir()
	cmd := exec.Command(os.Args[0], "serve", "--home", home, "--addr", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "CAVRA_TEST_CLI=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base string
	re := regexp.MustCompile(`on (http://\S+) `)
	for base == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("cavra serve exited")
			}
			if m := re.FindStringSubmatch(l); m != nil {
				base = m[1]
			}
		case <-time.After(20 * time.Second):
			t.Fatal("cavra serve did not start")
		}
	}
	for _, a := range []cavra.Action{{Type: cavra.ReadFile, Target: ".env"}, {Type: cavra.ReadFile, Target: ".env"}, {Type: cavra.ReadFile, Target: "main.go"}} {
		b, _ := json.Marshal(a)
		resp, err := http.Post(base+"/v1/evaluate", "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`cavra_decisions_total{outcome="block",rule="filesystem.read.block"} 2`,
		`cavra_evidence_commit_seconds_count 3`, `cavra_http_requests_total{route="POST /v1/evaluate",status="200"} 3`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	var decisions int
	for l := range lines {
		if strings.Contains(l, ".env") {
			t.Errorf("a log line holds a target: %s", l)
		}
		var rec map[string]any
		if json.Unmarshal([]byte(l), &rec) == nil && rec["msg"] == "decision" {
			decisions++
		}
	}
	cmd.Wait()
	if decisions != 3 {
		t.Errorf("%d decision log lines, want 3", decisions)
	}
}
