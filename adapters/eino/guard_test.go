package eino_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cloudwego/eino/components/tool"
	"github.com/cloudwego/eino/components/tool/utils"
	"github.com/cloudwego/eino/compose"
	"github.com/cloudwego/eino/schema"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/eino"
	cavratool "github.com/cavra-dev/cavra/adapters/tool"
	"github.com/cavra-dev/cavra/cavratest"
)

type readArgs struct {
	Path string `json:"path"`
}

func readTool(t *testing.T, calls *atomic.Int32) tool.InvokableTool {
	rt, err := utils.InferTool("read_file", "reads a file", func(ctx context.Context, in readArgs) (string, error) {
		calls.Add(1)
		return "contents of " + in.Path, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func call(id, name, args string) schema.ToolCall {
	return schema.ToolCall{ID: id, Type: "function", Function: schema.FunctionCall{Name: name, Arguments: args}}
}

// TestToolsNodeMiddleware runs a real ToolsNode with the middleware: the
// allowed call runs, the blocked one does not and its result tells the
// model why.
func TestToolsNodeMiddleware(t *testing.T) {
	t.Parallel()
	g := cavratest.New(t, cavratest.Options{})
	ctx := context.Background()
	var calls atomic.Int32
	node, err := compose.NewToolNode(ctx, &compose.ToolsNodeConfig{
		Tools:               []tool.BaseTool{readTool(t, &calls)},
		ExecuteSequentially: true,
		ToolCallMiddlewares: []compose.ToolMiddleware{eino.Middleware(g, &eino.Options{Spec: cavratool.Spec{Agent: cavra.Agent{ID: "eino-agent", Session: "s-eino"}}})},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := node.Invoke(ctx, schema.AssistantMessage("", []schema.ToolCall{
		call("c1", "read_file", `{"path": "README.md"}`),
		call("c2", "read_file", `{"path": ".env"}`),
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 2 || out[0].Content != "contents of README.md" {
		t.Fatalf("results: %+v", out)
	}
	if !strings.Contains(out[1].Content, "CAVRA blocked") || !strings.Contains(out[1].Content, "filesystem.read.block") {
		t.Errorf("blocked result: %q", out[1].Content)
	}
	if calls.Load() != 1 {
		t.Errorf("the tool ran %d times, want 1", calls.Load())
	}

	// With Errors the refusal stops the node.
	strict, err := compose.NewToolNode(ctx, &compose.ToolsNodeConfig{
		Tools:               []tool.BaseTool{readTool(t, &calls)},
		ToolCallMiddlewares: []compose.ToolMiddleware{eino.Middleware(g, &eino.Options{Errors: true})},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = strict.Invoke(ctx, schema.AssistantMessage("", []schema.ToolCall{call("c3", "read_file", `{"path": "~/.ssh/id_rsa"}`)}))
	if err == nil || !strings.Contains(err.Error(), "CAVRA blocked") {
		t.Fatalf("Errors: %v", err)
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	g := cavratest.New(t, cavratest.Options{})
	ctx := context.Background()
	var calls atomic.Int32
	w := eino.Wrap(g, readTool(t, &calls), &eino.Options{Errors: true})
	info, err := w.Info(ctx)
	if err != nil || info.Name != "read_file" {
		t.Fatalf("info: %+v %v", info, err)
	}
	if out, err := w.InvokableRun(ctx, `{"path": "go.mod"}`); err != nil || out != "contents of go.mod" {
		t.Fatalf("allowed: %q %v", out, err)
	}
	var blocked *cavratool.BlockedError
	if _, err := w.InvokableRun(ctx, `{"path": ".env"}`); !errors.As(err, &blocked) {
		t.Fatalf("blocked: %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("calls %d", calls.Load())
	}
}
