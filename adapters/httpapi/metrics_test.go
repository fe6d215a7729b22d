package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
)

func TestMetrics(t *testing.T) {
	m := httpapi.NewMetrics()
	g, err := cavra.Open(context.Background(), cavra.Options{Home: t.TempDir(), Dir: "/project", MeterProvider: m.MeterProvider()})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	var logs bytes.Buffer
	srv := httptest.NewServer(httpapi.New(g, &httpapi.Options{Metrics: m, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}))
	defer srv.Close()
	post := func(path string, a cavra.Action) {
		b, _ := json.Marshal(a)
		resp, err := http.Post(srv.URL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	secret := "ghp_" + strings.Repeat("b", 36)
	post("/v1/evaluate", cavra.Action{Type: cavra.ReadFile, Target: ".env"})
	post("/v1/evaluate", cavra.Action{Type: cavra.ReadFile, Target: "src/main.go"})
	post("/v1/evaluate", cavra.Action{Type: cavra.ExecuteCommand, Target: "curl -H 'Authorization: token " + secret + "' https://api.github.com/"})
	post("/v1/check", cavra.Action{Type: cavra.ReadFile, Target: "src/main.go"})
	http.Get(srv.URL + "/nowhere")

	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(body)
	for _, want := range []string{
		`cavra_decisions_total{outcome="block",rule="filesystem.read.block"} 1`,
		`cavra_decisions_total{outcome="allow",rule="filesystem.read.allow"} 1`,
		`cavra_evaluation_seconds_count{operation="evaluate"} 3`,
		`cavra_evaluation_seconds_count{operation="check"} 1`,
		`cavra_evidence_commit_seconds_count 3`,
		`cavra_http_requests_total{route="POST /v1/evaluate",status="200"} 3`,
		`cavra_http_requests_total{route="unmatched",status="404"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s:\n%s", want, text)
		}
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	// One JSON line per request and per decision; no secret, no target.
	var requests, decisions int
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		switch rec["msg"] {
		case "request":
			requests++
		case "decision":
			decisions++
			if rec["decision_id"] == "" && rec["operation"] == "evaluate" {
				t.Errorf("decision line without id: %s", line)
			}
		}
	}
	if requests < 5 || requests > 6 || decisions != 4 { // /metrics may be logged after the client read it
		t.Errorf("%d request lines, %d decision lines:\n%s", requests, decisions, logs.String())
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), ".env") {
		t.Errorf("the logs hold a target:\n%s", logs.String())
	}
}
