package approval

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Webhook defaults and limits.
const (
	DefaultWebhookRetries = 3
	DefaultWebhookBackoff = 500 * time.Millisecond
	DefaultWebhookTimeout = 5 * time.Second
	DefaultWebhookQueue   = 100
	maxWebhookRetries     = 10
	maxWebhookBackoff     = 30 * time.Second
	// SignatureHeader carries "sha256=<hex HMAC-SHA256 of the body>".
	SignatureHeader = "X-Cavra-Signature"
)

// Webhook payload formats.
const (
	FormatJSON  = "json"  // {"type":"cavra.approval.v1","event":…,"request":…}
	FormatSlack = "slack" // a Slack incoming-webhook message (text + blocks)
)

// Notifier errors.
var (
	ErrQueueFull      = errors.New("approval: notification queue is full")
	ErrNotifierClosed = errors.New("approval: notifier is closed")
)

// WebhookConfig configures a Webhook. URL is required.
type WebhookConfig struct {
	URL    string // https:// (http:// only to a loopback address)
	Format string // FormatJSON (default) or FormatSlack
	// Secret keys the HMAC-SHA256 of the body sent in SignatureHeader. A
	// receiver should verify it (hmac.Equal) before trusting the payload.
	Secret []byte

	Retries   int           // after the first attempt; 0: DefaultWebhookRetries; -1: none
	Backoff   time.Duration // first retry delay, doubled each time (capped); 0: DefaultWebhookBackoff
	Timeout   time.Duration // per attempt; 0: DefaultWebhookTimeout
	QueueSize int           // 0: DefaultWebhookQueue
	Client    *http.Client  // nil: a plain client

	// Report receives an EventNotifyDelivered or EventNotifyFailed event
	// for every notification, from the delivery goroutine; write them to
	// evidence. It must not block for long.
	Report func(Event)
}

// Webhook is a Notifier that POSTs each notification to a URL from a
// background goroutine with a bounded queue, retrying with exponential
// backoff. Notify never waits for the network.
type Webhook struct {
	cfg   WebhookConfig
	queue chan Notification

	mu     sync.RWMutex
	closed bool
	stop   chan struct{}
	done   chan struct{}
	ctx    context.Context // canceled when Close gives up, aborting a delivery in flight
	cancel context.CancelFunc
}

// NewWebhook checks cfg and starts the delivery goroutine; Close stops it.
func NewWebhook(cfg WebhookConfig) (*Webhook, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("approval: webhook URL %q is not a URL", cfg.URL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("approval: webhook URL %q must use https (http only to localhost)", cfg.URL)
	}
	switch cfg.Format {
	case "":
		cfg.Format = FormatJSON
	case FormatJSON, FormatSlack:
	default:
		return nil, fmt.Errorf("approval: webhook format %q (want json or slack)", cfg.Format)
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultWebhookRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	case cfg.Retries > maxWebhookRetries:
		return nil, fmt.Errorf("approval: webhook retries %d > %d", cfg.Retries, maxWebhookRetries)
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = DefaultWebhookBackoff
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultWebhookTimeout
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultWebhookQueue
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	w := &Webhook{cfg: cfg, queue: make(chan Notification, cfg.QueueSize), stop: make(chan struct{}), done: make(chan struct{})}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.run()
	return w, nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// Notify queues n and returns at once; ErrQueueFull when the queue is full.
func (w *Webhook) Notify(_ context.Context, n Notification) error {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return ErrNotifierClosed
	}
	select {
	case w.queue <- n:
		return nil
	default:
		return ErrQueueFull
	}
}

// Close stops accepting notifications and delivers what is queued until
// ctx is done; what is left is reported as failed.
func (w *Webhook) Close(ctx context.Context) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return nil
	}
	w.closed = true
	close(w.queue)
	w.mu.Unlock()
	select {
	case <-w.done:
		w.cancel()
		return nil
	case <-ctx.Done():
		close(w.stop)
		w.cancel()
		<-w.done
		return ctx.Err()
	}
}

func (w *Webhook) run() {
	defer close(w.done)
	for n := range w.queue {
		select {
		case <-w.stop:
			w.report(n, 0, errors.New("notifier closed before delivery"))
			continue
		default:
		}
		attempts, err := w.deliver(n)
		w.report(n, attempts, err)
	}
}

func (w *Webhook) report(n Notification, attempts int, err error) {
	if w.cfg.Report == nil {
		return
	}
	ev := Event{Type: EventNotifyDelivered, Time: time.Now().UTC(), RequestID: n.Request.ID, DecisionID: n.Request.DecisionID,
		Group: n.Request.Group, Reason: fmt.Sprintf("%s via webhook (%d attempt(s))", n.Event.Type, attempts)}
	if err != nil {
		ev.Type, ev.Error = EventNotifyFailed, err.Error()
	}
	w.cfg.Report(ev)
}

// deliver POSTs n, retrying transport errors, 429 and 5xx.
func (w *Webhook) deliver(n Notification) (int, error) {
	body, err := w.Payload(n)
	if err != nil {
		return 0, err
	}
	backoff := w.cfg.Backoff
	var last error
	for attempt := 1; attempt <= w.cfg.Retries+1; attempt++ {
		retry, err := w.post(body, n)
		if err == nil {
			return attempt, nil
		}
		last = err
		if !retry || attempt == w.cfg.Retries+1 {
			return attempt, last
		}
		select {
		case <-time.After(backoff):
		case <-w.stop:
			return attempt, fmt.Errorf("%w (notifier closed while retrying)", last)
		}
		backoff = min(backoff*2, maxWebhookBackoff)
	}
	return w.cfg.Retries + 1, last
}

func (w *Webhook) post(body []byte, n Notification) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(w.ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return false, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "cavra-approval-webhook")
	req.Header.Set("X-Cavra-Event", string(n.Event.Type))
	if len(w.cfg.Secret) > 0 {
		req.Header.Set(SignatureHeader, WebhookSignature(w.cfg.Secret, body))
	}
	resp, err := w.cfg.Client.Do(req)
	if err != nil {
		return true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return false, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return true, fmt.Errorf("webhook answered %s", resp.Status)
	}
	return false, fmt.Errorf("webhook answered %s", resp.Status)
}

// WebhookSignature returns the SignatureHeader value for body: "sha256="
// and the hex HMAC-SHA256 of body under secret.
func WebhookSignature(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifyWebhookSignature reports whether header is the valid SignatureHeader for
// body under secret, comparing in constant time. Receivers use it.
func VerifyWebhookSignature(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(header), []byte(WebhookSignature(secret, body)))
}

// Payload renders n in the webhook's format.
func (w *Webhook) Payload(n Notification) ([]byte, error) {
	r := n.Request
	var severity any
	if r.Severity.Valid() {
		severity = r.Severity
	}
	if w.cfg.Format == FormatSlack {
		return marshal(slackMessage(n))
	}
	return marshal(map[string]any{
		"type":  "cavra.approval.v1",
		"event": n.Event,
		"request": map[string]any{
			"approval_id": r.ID, "decision_id": r.DecisionID, "action_digest": r.ActionDigest, "summary": r.Summary,
			"rule_ids": r.RuleIDs, "severity": severity, "approver_group": r.Group, "quorum": r.Quorum,
			"requested_by": r.RequestedBy, "state": r.State, "created_at": r.Created, "expires_at": r.Expires,
		},
	})
}

// marshal encodes without HTML escaping, so "<" stays "<" for receivers.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func slackMessage(n Notification) map[string]any {
	r := n.Request
	title := map[EventType]string{
		EventRequested: "CAVRA approval requested", EventGranted: "CAVRA approval granted",
		EventDenied: "CAVRA approval denied", EventBreakGlass: ":rotating_light: CAVRA break-glass",
	}[n.Event.Type]
	if title == "" {
		title = "CAVRA approval: " + string(n.Event.Type)
	}
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace
	text := fmt.Sprintf("%s: %s", title, esc(r.Summary))
	severity := "-"
	if r.Severity.Valid() {
		severity = r.Severity.String()
	}
	body := fmt.Sprintf("*%s*\n%s\n*Group:* %s   *Severity:* %s   *Id:* `%s`", esc(title), esc(r.Summary), esc(r.Group), severity, r.ID)
	if n.Event.Reason != "" {
		body += "\n*Reason:* " + esc(n.Event.Reason)
	}
	if n.Event.Actor != nil {
		body += "\n*By:* " + esc(displayName(*n.Event.Actor))
	}
	return map[string]any{
		"text": text,
		"blocks": []any{
			map[string]any{"type": "section", "text": map[string]any{"type": "mrkdwn", "text": body}},
			map[string]any{"type": "context", "elements": []any{map[string]any{"type": "mrkdwn",
				"text": fmt.Sprintf("expires %s · decision %s", r.Expires.Format(time.RFC3339), r.DecisionID)}}},
		},
	}
}
