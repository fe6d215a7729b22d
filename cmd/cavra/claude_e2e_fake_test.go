package main

// A scripted fake of the Anthropic Messages API, enough to drive the real
// Claude Code CLI through tool calls offline (see the last section of
// shared/reference/agent-hooks.md: what it sends, the SSE events it reads).

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeStep is one scripted assistant turn: a tool call (Tool, Input, ID) or,
// when Tool is empty, a final text answer.
type fakeStep struct {
	ID    string         // tool_use id
	Tool  string         // e.g. "Bash"
	Input map[string]any // tool input
	Text  string
}

// fakeToolResult is what the client sent back for one tool_use.
type fakeToolResult struct {
	Content string
	IsError bool
}

// fakeModel serves POST /v1/messages from a script. It is stateless like the
// real API: the step is the number of assistant messages already in the
// request. It keeps every request body it received.
type fakeModel struct {
	t      *testing.T
	script []fakeStep
	srv    *httptest.Server

	mu       sync.Mutex
	bodies   [][]byte
	results  map[string]fakeToolResult
	problems []string
}

func newFakeModel(t *testing.T, script []fakeStep) *fakeModel {
	f := &fakeModel{t: t, script: script, results: map[string]fakeToolResult{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeModel) URL() string { return f.srv.URL }

func (f *fakeModel) fail(w http.ResponseWriter, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	f.mu.Lock()
	f.problems = append(f.problems, msg)
	f.mu.Unlock()
	http.Error(w, `{"type":"error","error":{"type":"invalid_request_error","message":`+jsonString(msg)+`}}`, http.StatusBadRequest)
}

func jsonString(s string) string { b, _ := json.Marshal(s); return string(b) }

func (f *fakeModel) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		f.fail(w, "reading the request: %v", err)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		f.fail(w, "unexpected request %s %s", r.Method, r.URL.Path)
		return
	}
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string          `json:"role"`
			Content json.RawMessage `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		f.fail(w, "request body: %v", err)
		return
	}
	step := 0
	for _, m := range req.Messages {
		if m.Role == "assistant" {
			step++
		}
		f.collectResults(m.Content)
	}
	if step >= len(f.script) {
		f.fail(w, "step %d is past the end of the script (%d steps)", step, len(f.script))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	s := f.script[step]
	event := func(name string, data any) {
		b, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, b)
	}
	event("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": fmt.Sprintf("msg_e2e_%d", step), "type": "message", "role": "assistant", "model": req.Model,
		"content": []any{}, "stop_reason": nil, "stop_sequence": nil,
		"usage": map[string]any{"input_tokens": 10, "output_tokens": 1},
	}})
	stop := "end_turn"
	if s.Tool != "" {
		input, _ := json.Marshal(s.Input)
		event("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "tool_use", "id": s.ID, "name": s.Tool, "input": map[string]any{}}})
		event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "input_json_delta", "partial_json": string(input)}})
		stop = "tool_use"
	} else {
		event("content_block_start", map[string]any{"type": "content_block_start", "index": 0,
			"content_block": map[string]any{"type": "text", "text": ""}})
		event("content_block_delta", map[string]any{"type": "content_block_delta", "index": 0,
			"delta": map[string]any{"type": "text_delta", "text": s.Text}})
	}
	event("content_block_stop", map[string]any{"type": "content_block_stop", "index": 0})
	event("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil}, "usage": map[string]any{"output_tokens": 5}})
	event("message_stop", map[string]any{"type": "message_stop"})
}

// collectResults records the tool_result blocks of one message's content.
func (f *fakeModel) collectResults(content json.RawMessage) {
	var blocks []struct {
		Type      string          `json:"type"`
		ToolUseID string          `json:"tool_use_id"`
		Content   json.RawMessage `json:"content"`
		IsError   bool            `json:"is_error"`
	}
	if json.Unmarshal(content, &blocks) != nil {
		return // a plain string
	}
	for _, b := range blocks {
		if b.Type != "tool_result" {
			continue
		}
		f.mu.Lock()
		f.results[b.ToolUseID] = fakeToolResult{Content: resultText(b.Content), IsError: b.IsError}
		f.mu.Unlock()
	}
}

// resultText flattens a tool_result's content: a string, or a list of text
// blocks.
func resultText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// Result returns the tool_result the client sent for a tool_use id.
func (f *fakeModel) Result(id string) (fakeToolResult, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r, ok := f.results[id]
	return r, ok
}

// Received returns every request body, joined, for "never sent" checks.
func (f *fakeModel) Received() (string, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, body := range f.bodies {
		b.Write(body)
		b.WriteByte('\n')
	}
	return b.String(), len(f.bodies)
}

// Problems returns what the fake refused.
func (f *fakeModel) Problems() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.problems...)
}
