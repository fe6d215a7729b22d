// Command anthropic is a tool-use loop with the Anthropic Go SDK
// (github.com/anthropics/anthropic-sdk-go/v2) where every tool call the
// model makes goes through a CAVRA Guard (adapters/tool) before it runs:
// an allowed call runs, a refused one returns CAVRA's reason to the model
// as an error result, and the loop goes on.
//
//	ANTHROPIC_API_KEY=... go run . "What does notes.txt say?"
//
// Its test drives the loop with a fake model transport (no network).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/anthropics/anthropic-sdk-go/v2"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/tool"
)

func main() {
	ctx := context.Background()
	g, err := cavra.Open(ctx, cavra.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	prompt := "List the files here and summarise notes.txt."
	if len(os.Args) > 1 {
		prompt = strings.Join(os.Args[1:], " ")
	}
	dir, _ := os.Getwd()
	client := anthropic.NewClient() // ANTHROPIC_API_KEY from the environment
	if err := run(ctx, client, g, dir, prompt, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// tools are the agent's tools, each guarded by g.
func tools(g *cavra.Guard, dir string) (map[string]tool.Func, []anthropic.ToolUnionParam) {
	agent := cavra.Agent{ID: "anthropic-example", Session: "example"}
	readFile := tool.Wrap(g, tool.Spec{Name: "read_file", Agent: agent, Dir: dir},
		func(ctx context.Context, args json.RawMessage) (string, error) {
			var in struct {
				Path string `json:"path"`
			}
			if err := json.Unmarshal(args, &in); err != nil {
				return "", err
			}
			p := in.Path
			if !filepath.IsAbs(p) {
				p = filepath.Join(dir, p)
			}
			b, err := os.ReadFile(p)
			return string(b), err
		})
	shell := tool.Shell(g, tool.ShellOptions{Name: "shell", Agent: agent, Dir: dir, Confine: confineOptions})
	fns := map[string]tool.Func{"read_file": readFile, "shell": shell}
	defs := []anthropic.ToolUnionParam{
		{OfTool: &anthropic.ToolParam{Name: "read_file", Description: anthropic.String("Read a file of the project."),
			InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"path": map[string]any{"type": "string"}}, Required: []string{"path"}}}},
		{OfTool: &anthropic.ToolParam{Name: "shell", Description: anthropic.String("Run a shell command in the project."),
			InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"command": map[string]any{"type": "string"}}, Required: []string{"command"}}}},
	}
	return fns, defs
}

// maxTurns bounds the loop.
const maxTurns = 10

// run asks the model, runs the tool calls it makes through the Guard, and
// sends the results back until the model ends its turn.
func run(ctx context.Context, client anthropic.Client, g *cavra.Guard, dir, prompt string, out io.Writer) error {
	fns, defs := tools(g, dir)
	messages := []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(prompt))}
	for turn := 0; turn < maxTurns; turn++ {
		msg, err := client.Messages.New(ctx, anthropic.MessageNewParams{
			Model: anthropic.ModelClaudeHaiku5_5, MaxTokens: 1024, Messages: messages, Tools: defs,
		})
		if err != nil {
			return err
		}
		messages = append(messages, msg.ToParam())
		var results []anthropic.ContentBlockParamUnion
		for _, block := range msg.Content {
			switch b := block.AsAny().(type) {
			case anthropic.TextBlock:
				fmt.Fprintln(out, b.Text)
			case anthropic.ToolUseBlock:
				fn, ok := fns[b.Name]
				if !ok {
					results = append(results, anthropic.NewToolResultBlock(b.ID, "no such tool: "+b.Name, true))
					continue
				}
				res, err := fn(ctx, b.Input)
				if err != nil {
					fmt.Fprintf(out, "[%s refused or failed: %v]\n", b.Name, err)
					results = append(results, anthropic.NewToolResultBlock(b.ID, err.Error(), true))
					continue
				}
				results = append(results, anthropic.NewToolResultBlock(b.ID, res, false))
			}
		}
		if msg.StopReason != anthropic.StopReasonToolUse || len(results) == 0 {
			return nil
		}
		messages = append(messages, anthropic.NewUserMessage(results...))
	}
	return fmt.Errorf("the model still wanted tools after %d turns", maxTurns)
}
