package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
)

// ExampleMiddleware guards a JSON tool-call endpoint: the handler runs
// only the tool calls the policy allows.
func ExampleMiddleware() {
	home, _ := os.MkdirTemp("", "cavra-example")
	defer os.RemoveAll(home)
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home})
	if err != nil {
		panic(err)
	}
	defer g.Close()

	tools := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body) // the body is still there
		fmt.Fprintf(w, "ran %d bytes of tool call", len(body))
	})
	mw := httpapi.Middleware(g, httpapi.ToolCallMapper, httpapi.MiddlewareOptions{
		Identity: func(r *http.Request) cavra.Agent {
			return cavra.Agent{ID: "tool-service", Session: r.Header.Get("X-Session")}
		},
	})
	srv := httptest.NewServer(mw(tools))
	defer srv.Close()

	resp, _ := http.Post(srv.URL, "application/json", strings.NewReader(`{"tool": "TodoWrite", "arguments": {"todos": []}}`))
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(b))
	// Output: 200 ran 49 bytes of tool call
}

// ExampleTransport guards an agent's outgoing HTTP requests: a request to
// the cloud metadata endpoint is refused before it is sent.
func ExampleTransport() {
	home, _ := os.MkdirTemp("", "cavra-example")
	defer os.RemoveAll(home)
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home})
	if err != nil {
		panic(err)
	}
	defer g.Close()

	client := &http.Client{Transport: httpapi.Transport(g, nil, httpapi.TransportOptions{Agent: cavra.Agent{ID: "go-agent"}})}
	_, err = client.Get("http://169.254.169.254/latest/meta-data/")
	var blocked *httpapi.BlockedError
	fmt.Println(errors.As(err, &blocked), blocked.Decision.RuleID)
	// Output: true network.metadata_endpoint
}
