// Package langchaingo guards LangChainGo tools (github.com/tmc/langchaingo,
// package tools) with a CAVRA Guard: Wrap returns a tool that decides each
// Call as a tool_call action before the wrapped tool runs.
//
// The package does not import LangChainGo: Tool has the method set of
// LangChainGo's tools.Tool, so any LangChainGo tool is a Tool and what Wrap
// returns is a tools.Tool (Go interfaces are satisfied by their methods).
// That keeps this module free of LangChainGo's dependencies and of its
// version: the module proxy serves LangChainGo only as an earlier copy,
// not an approved release, and the interface has been stable across its
// releases.
//
// A tool's input is a string. When it is JSON (an object, or any JSON
// value) it is decided as the tool's arguments; other text is decided as
// the argument "input" — give it a role with Options.Spec.ArgRoles (for a
// shell tool, {"input": "command"}). A refused call does not run; by
// default its refusal is the tool's result (the text of a
// *tool.BlockedError or *tool.ApprovalError), which an agent executor
// hands the model as the observation; Options.Errors returns it as the
// error instead (which stops LangChainGo's executor).
package langchaingo

import (
	"context"
	"encoding/json"

	"github.com/cavra-dev/cavra"
	cavratool "github.com/cavra-dev/cavra/adapters/tool"
)

// Tool is LangChainGo's tools.Tool.
type Tool interface {
	Name() string
	Description() string
	Call(ctx context.Context, input string) (string, error)
}

// Options configures Wrap. nil means the defaults.
type Options struct {
	// Spec is the template of each call's tool.Spec (agent, directory,
	// argument roles, context); its Name is the tool's.
	Spec cavratool.Spec
	// Errors returns a refusal as Call's error rather than as its result.
	Errors bool
}

// Wrap returns t guarded by g.
func Wrap(g *cavra.Guard, t Tool, opts *Options) Tool {
	w := &guarded{g: g, t: t}
	if opts != nil {
		w.opts = *opts
	}
	w.opts.Spec.Name = t.Name()
	if w.opts.Spec.Description == "" {
		w.opts.Spec.Description = t.Description()
	}
	return w
}

type guarded struct {
	g    *cavra.Guard
	t    Tool
	opts Options
}

func (w *guarded) Name() string        { return w.t.Name() }
func (w *guarded) Description() string { return w.t.Description() }

// Call decides the call, then calls the wrapped tool when it is allowed.
func (w *guarded) Call(ctx context.Context, input string) (string, error) {
	args := json.RawMessage(input)
	if !json.Valid(args) {
		args, _ = json.Marshal(input) // a JSON string: decided as {"input": text}
	}
	if _, err := cavratool.Decide(ctx, w.g, w.opts.Spec, args); err != nil {
		if w.opts.Errors {
			return "", err
		}
		return err.Error(), nil
	}
	return w.t.Call(ctx, input)
}
