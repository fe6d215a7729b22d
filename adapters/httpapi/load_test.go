package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
	"github.com/cavra-dev/cavra/evidence"
)

// loadRequests is how many requests the load test sends to path:
// CAVRA_LOAD_REQUESTS when set (the figure is 20,000: 13–19 s for
// /v1/evaluate alone on a 2-core machine, and over 45 s while other
// packages' tests share it), else 2,000.
func loadRequests(t *testing.T, path string) int {
	if s := os.Getenv("CAVRA_LOAD_REQUESTS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("CAVRA_LOAD_REQUESTS=%q", s)
		}
		return n
	}
	return 2000
}

// TestHTTPLoad: POST /v1/evaluate and POST /v1/hooks/claude-code from 32
// concurrent clients over loopback with durable evidence: no error, and
// the evidence log holds one decision record per request.
func TestHTTPLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	for _, path := range []string{"/v1/evaluate", "/v1/hooks/claude-code"} {
		t.Run(path, func(t *testing.T) { load(t, path) })
	}
}

func load(t *testing.T, path string) {
	const clients = 32
	n := loadRequests(t, path)
	g, err := cavra.Open(context.Background(), cavra.Options{Home: t.TempDir(), Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	srv := httptest.NewServer(httpapi.New(g, nil))
	defer srv.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: tr, Timeout: time.Minute}
	defer tr.CloseIdleConnections()

	body := func(i int) []byte {
		if path == "/v1/evaluate" {
			b, _ := json.Marshal(cavra.Action{Type: cavra.ExecuteCommand, Target: fmt.Sprintf("go test ./pkg%d/...", i),
				Agent: cavra.Agent{ID: "load", Session: "load-" + strconv.Itoa(i%clients)}})
			return b
		}
		return []byte(fmt.Sprintf(`{"session_id":"load-%d","cwd":"/project","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"go test ./pkg%d/..."},"tool_use_id":"t%d"}`, i%clients, i, i))
	}
	var next, failed atomic.Int64
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t0 := time.Now()
				resp, err := hc.Post(srv.URL+path, "application/json", bytes.NewReader(body(i)))
				if err != nil {
					failed.Add(1)
					continue
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				lat[c] = append(lat[c], time.Since(t0))
				if resp.StatusCode != 200 || (path == "/v1/evaluate" && !bytes.Contains(data, []byte(`"evidence_refs":["evidence://`))) {
					if failed.Add(1) == 1 {
						t.Errorf("request %d: %d %s", i, resp.StatusCode, data)
					}
				}
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f != 0 {
		t.Fatalf("%d of %d requests failed", f, n)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	p := func(q float64) time.Duration { return all[int(q*float64(len(all)-1))] }
	recs, err := g.Evidence().List(context.Background(), evidence.Query{Kind: evidence.KindDecision})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n {
		t.Fatalf("%d decision records for %d requests", len(recs), n)
	}
	t.Logf("%s: %d requests from %d clients in %v: %.0f req/s, p50 %v, p99 %v, max %v; %d decision records",
		path, n, clients, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds(), p(0.5), p(0.99), all[len(all)-1], len(recs))
}
