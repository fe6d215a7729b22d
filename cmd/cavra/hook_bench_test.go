package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"
)

// buildCavra builds the command once for process benchmarks.
func buildCavra(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "cavra")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func hookPayload(proj string) []byte {
	return []byte(`{"session_id":"bench","cwd":"` + proj + `","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cd web && npm ci && npm test -- --watch=false"},"tool_use_id":"toolu_1"}`)
}

func runHook(b *testing.B, bin, home string, payload []byte) time.Duration {
	cmd := exec.Command(bin, "hook", "claude-code")
	cmd.Env = append(os.Environ(), "CAVRA_HOME="+home, "CLAUDE_CODE_SESSION_ATTENDED=1")
	if home == "" { // the project's own .cavra, found from the working directory
		cmd.Env = append(os.Environ(), "CAVRA_HOME=", "CLAUDE_CODE_SESSION_ATTENDED=1")
		var p struct{ Cwd string }
		json.Unmarshal(payload, &p)
		cmd.Dir = p.Cwd
	}
	cmd.Stdin = bytes.NewReader(payload)
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("hook: %v\n%s", err, out)
	}
	return time.Since(start)
}

func percentiles(b *testing.B, ds []time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(p float64) float64 { return float64(ds[int(p*float64(len(ds)-1))].Microseconds()) / 1000 }
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
	b.ReportMetric(at(1.0), "max-ms")
}

// BenchmarkHookProcess measures a whole hook call as Claude Code makes it: a
// new process that decodes the payload, opens the policy and state, decides,
// records and prints.
func BenchmarkHookProcess(b *testing.B) {
	bin := buildCavra(b)
	home, proj := b.TempDir(), b.TempDir()
	payload := hookPayload(proj)
	runHook(b, bin, home, payload) // create the state once
	b.Run("sequential", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			ds = append(ds, runHook(b, bin, home, payload))
		}
		percentiles(b, ds)
	})
	// A project configuration: .cavra/config.yaml naming a project pack that
	// inherits the baseline, in .cavra/policies (what `cavra policy init`
	// writes), found from the hook's working directory.
	b.Run("project-config", func(b *testing.B) {
		proj := b.TempDir()
		init := exec.Command(bin, "policy", "init", "--home", filepath.Join(proj, ".cavra"))
		if out, err := init.CombinedOutput(); err != nil {
			b.Fatalf("policy init: %v\n%s", err, out)
		}
		payload := hookPayload(proj)
		runHook(b, bin, "", payload)
		var ds []time.Duration
		for b.Loop() {
			ds = append(ds, runHook(b, bin, "", payload))
		}
		percentiles(b, ds)
	})
	b.Run("8-concurrent", func(b *testing.B) {
		var mu sync.Mutex
		var ds []time.Duration
		for b.Loop() {
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					d := runHook(b, bin, home, payload)
					mu.Lock()
					ds = append(ds, d)
					mu.Unlock()
				})
			}
			wg.Wait()
		}
		percentiles(b, ds)
	})
	// The owner's fast path: a cavra serve holds the state directory and
	// the hook process asks it over the control socket instead of opening
	// the policy and the database itself.
	b.Run("via-owner", func(b *testing.B) {
		home := b.TempDir()
		serve := exec.Command(bin, "serve", "--home", home, "--addr", "127.0.0.1:0")
		if err := serve.Start(); err != nil {
			b.Fatal(err)
		}
		defer func() {
			serve.Process.Signal(os.Interrupt)
			serve.Wait()
		}()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if _, err := os.Stat(filepath.Join(home, "control.sock")); err == nil {
				break
			}
			if time.Now().After(deadline) {
				b.Fatal("cavra serve did not start")
			}
		}
		runHook(b, bin, home, payload)
		var ds []time.Duration
		for b.Loop() {
			ds = append(ds, runHook(b, bin, home, payload))
		}
		percentiles(b, ds)
	})
}
