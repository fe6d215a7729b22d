// Command httpservice is an HTTP service exposing a file tool to agents,
// guarded by httpapi.Middleware in one line: every call is decided before
// the handler runs; a block is answered 403 with a problem JSON, a
// require_approval 403 with the approval id, which a person approves with
// `cavra approval approve ID` while the service runs (it owns the state
// directory and serves its control socket).
//
//	go run ./examples/httpservice -root . -addr 127.0.0.1:8080
//	curl -d '{"op":"read","path":"README.md"}' http://127.0.0.1:8080/tools/file
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	root := flag.String("root", ".", "the directory the file tool works in")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := filepath.Abs(*root)
	if err != nil {
		log.Fatal(err)
	}
	g, err := cavra.Open(ctx, cavra.Options{Dir: dir, Packs: []string{"cavra-banking-baseline"}, Control: httpapi.ControlHandler})
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	srv := &http.Server{Addr: *addr, Handler: newHandler(g, dir), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	log.Printf("file tool on http://%s/tools/file, working in %s", *addr, dir)
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}

// fileCall is the body of POST /tools/file.
type fileCall struct {
	Op      string `json:"op"` // read or write
	Path    string `json:"path"`
	Content string `json:"content,omitempty"`
}

// newHandler is the service: the file tool behind the Guard.
func newHandler(g *cavra.Guard, root string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /tools/file", httpapi.Middleware(g, fileAction, httpapi.MiddlewareOptions{Identity: agent})(fileTool(root)))
	return mux
}

// fileAction maps a call to the action it performs. The body is buffered
// by the middleware: the tool reads it again.
func fileAction(r *http.Request) (cavra.Action, error) {
	var c fileCall
	if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
		return cavra.Action{}, fmt.Errorf("the body is not a file call: %w", err)
	}
	switch c.Op {
	case "read":
		return cavra.Action{Type: cavra.ReadFile, Target: c.Path}, nil
	case "write":
		return cavra.Action{Type: cavra.WriteFile, Target: c.Path}, nil
	}
	return cavra.Action{}, fmt.Errorf("op %q: want read or write", c.Op)
}

// agent says who calls: the service's agent, in the session the client
// names (a real service takes it from its own authentication).
func agent(r *http.Request) cavra.Agent {
	return cavra.Agent{ID: "file-tool-agent", Session: r.Header.Get("X-Session")}
}

// fileTool runs an allowed call inside root.
func fileTool(root string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var c fileCall
		if err := json.NewDecoder(r.Body).Decode(&c); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		path := filepath.Join(root, filepath.Clean("/"+c.Path))
		if !strings.HasPrefix(path, root+string(filepath.Separator)) {
			http.Error(w, "outside the root", http.StatusBadRequest)
			return
		}
		var err error
		var out []byte
		if c.Op == "read" {
			out, err = os.ReadFile(path)
		} else if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			err = os.WriteFile(path, []byte(c.Content), 0o644)
			out = []byte("wrote " + c.Path)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(out)
	})
}
