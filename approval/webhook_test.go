package approval_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/approval"
)

func note() approval.Notification {
	a := iamWrite()
	return approval.Notification{
		Event:   approval.Event{Type: approval.EventRequested, RequestID: "apr_1", Reason: "IAM <changes>"},
		Request: approval.Request{ID: "apr_1", DecisionID: "dec_1", Summary: approval.Summarize(a), Group: "IAM", State: approval.Pending},
	}
}

type reports struct {
	mu  sync.Mutex
	evs []approval.Event
	ch  chan struct{}
}

func newReports() *reports { return &reports{ch: make(chan struct{}, 100)} }

func (r *reports) add(e approval.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, e)
	r.mu.Unlock()
	r.ch <- struct{}{}
}

func (r *reports) wait(t *testing.T, n int) []approval.Event {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-r.ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("waited for %d reports, got %d", n, i)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]approval.Event(nil), r.evs...)
}

func TestWebhookSignedAndRetried(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret")
	var calls atomic.Int32
	var body []byte
	var sig string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		body, _ = io.ReadAll(r.Body)
		sig = r.Header.Get(approval.SignatureHeader)
	}))
	defer srv.Close()
	rep := newReports()
	w, err := approval.NewWebhook(approval.WebhookConfig{URL: srv.URL, Secret: secret, Client: srv.Client(), Backoff: time.Millisecond, Report: rep.add})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	if err := w.Notify(context.Background(), note()); err != nil {
		t.Fatal(err)
	}
	evs := rep.wait(t, 1)
	if evs[0].Type != approval.EventNotifyDelivered || !strings.Contains(evs[0].Reason, "3 attempt") {
		t.Fatalf("report = %+v", evs[0])
	}
	if !approval.VerifyWebhookSignature(secret, body, sig) || approval.VerifyWebhookSignature([]byte("other"), body, sig) {
		t.Fatalf("signature %q does not verify", sig)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil || doc["type"] != "cavra.approval.v1" {
		t.Fatalf("payload = %s", body)
	}
}

func TestWebhookFailureIsReported(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "no", http.StatusInternalServerError)
	}))
	defer srv.Close()
	rep := newReports()
	w, err := approval.NewWebhook(approval.WebhookConfig{URL: srv.URL, Client: srv.Client(), Retries: 2, Backoff: time.Millisecond, Report: rep.add})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	_ = w.Notify(context.Background(), note())
	evs := rep.wait(t, 1)
	if evs[0].Type != approval.EventNotifyFailed || !strings.Contains(evs[0].Error, "500") || calls.Load() != 3 {
		t.Fatalf("report = %+v after %d calls", evs[0], calls.Load())
	}
}

func TestWebhookDoesNotRetryClientErrors(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "bad", http.StatusBadRequest)
	}))
	defer srv.Close()
	rep := newReports()
	w, _ := approval.NewWebhook(approval.WebhookConfig{URL: srv.URL, Client: srv.Client(), Backoff: time.Millisecond, Report: rep.add})
	defer w.Close(context.Background())
	_ = w.Notify(context.Background(), note())
	if evs := rep.wait(t, 1); evs[0].Type != approval.EventNotifyFailed || calls.Load() != 1 {
		t.Fatalf("%+v, %d calls", evs[0], calls.Load())
	}
}

func TestWebhookNeverBlocks(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	w, err := approval.NewWebhook(approval.WebhookConfig{URL: srv.URL, Client: srv.Client(), QueueSize: 2, Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var full int
	for i := 0; i < 10; i++ {
		if err := w.Notify(context.Background(), note()); err == approval.ErrQueueFull {
			full++
		}
	}
	if time.Since(start) > time.Second || full == 0 {
		t.Fatalf("notify blocked or never filled: %s, %d full", time.Since(start), full)
	}
	// Through a store, a full queue becomes an event on the state change.
	// (The worker may have taken one more item meanwhile: fill it again.)
	time.Sleep(50 * time.Millisecond)
	for i := 0; i < 5 && w.Notify(context.Background(), note()) == nil; i++ {
	}
	s := newStore(t, &approval.Options{Notifier: w})
	_, evs, err := s.Submit(context.Background(), iamWrite(), requireApproval(iamWrite()))
	if err != nil || !hasEvent(evs, approval.EventNotifyFailed) {
		t.Fatalf("events = %+v, %v", evs, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_ = w.Close(ctx)
	if err := w.Notify(context.Background(), note()); err != approval.ErrNotifierClosed {
		t.Fatalf("after close: %v", err)
	}
}

func TestWebhookSlackPayload(t *testing.T) {
	t.Parallel()
	w, err := approval.NewWebhook(approval.WebhookConfig{URL: "https://hooks.slack.example/x", Format: approval.FormatSlack})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(context.Background())
	b, err := w.Payload(note())
	if err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Text   string           `json:"text"`
		Blocks []map[string]any `json:"blocks"`
	}
	if err := json.Unmarshal(b, &msg); err != nil || !strings.HasPrefix(msg.Text, "CAVRA approval requested") || len(msg.Blocks) != 2 {
		t.Fatalf("slack payload = %s", b)
	}
	if !strings.Contains(string(b), "IAM &lt;changes&gt;") {
		t.Fatalf("reason not escaped: %s", b)
	}
}

func TestWebhookConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []approval.WebhookConfig{
		{URL: "http://hooks.example/x"},
		{URL: "not a url"},
		{URL: "https://hooks.example/x", Format: "teams"},
		{URL: "https://hooks.example/x", Retries: 99},
	} {
		if w, err := approval.NewWebhook(cfg); err == nil {
			w.Close(context.Background())
			t.Errorf("%+v accepted", cfg)
		}
	}
	w, err := approval.NewWebhook(approval.WebhookConfig{URL: "http://127.0.0.1:1/x"})
	if err != nil {
		t.Fatalf("loopback http refused: %v", err)
	}
	w.Close(context.Background())
}
