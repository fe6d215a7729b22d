// Package eino guards the tools of a CloudWeGo Eino agent
// (github.com/cloudwego/eino) with a CAVRA Guard, in either of two places:
//
//   - Middleware, a compose.ToolMiddleware for a ToolsNode
//     (compose.ToolsNodeConfig.ToolCallMiddlewares): every tool call the
//     node runs — invokable, streamable or enhanced — is decided first;
//   - Wrap, around one tool.InvokableTool, for code that calls tools
//     without a ToolsNode.
//
// A call is decided as a tool_call action with its JSON arguments as facts
// (package adapters/tool). A refused call does not run. By default an
// invokable call's refusal becomes the tool's result — the text of a
// *tool.BlockedError or *tool.ApprovalError — so that the model reads why
// and the graph goes on; Options.Errors returns it as the error instead
// (which stops a ToolsNode). Streamable and enhanced calls always return
// the refusal as an error.
package eino

import (
	"context"

	"github.com/cloudwego/eino/components/tool"
	"github.com/cloudwego/eino/compose"
	"github.com/cloudwego/eino/schema"

	"github.com/cavra-dev/cavra"
	cavratool "github.com/cavra-dev/cavra/adapters/tool"
)

// Options configures Middleware and Wrap. nil means the defaults.
type Options struct {
	// Spec is the template of each call's tool.Spec (agent, directory,
	// argument roles, context); its Name is the called tool's.
	Spec cavratool.Spec
	// Errors returns a refusal as the call's error rather than as its
	// result.
	Errors bool
}

func (o *Options) spec(name string) cavratool.Spec {
	var s cavratool.Spec
	if o != nil {
		s = o.Spec
	}
	s.Name = name
	return s
}

// refusal is what a refused invokable call returns.
func (o *Options) refusal(err error) (string, error) {
	if o != nil && o.Errors {
		return "", err
	}
	return err.Error(), nil
}

// Middleware decides every tool call of a ToolsNode with g before the tool
// runs.
func Middleware(g *cavra.Guard, opts *Options) compose.ToolMiddleware {
	decide := func(ctx context.Context, in *compose.ToolInput) error {
		_, err := cavratool.Decide(ctx, g, opts.spec(in.Name), []byte(in.Arguments))
		return err
	}
	return compose.ToolMiddleware{
		Invokable: func(next compose.InvokableToolEndpoint) compose.InvokableToolEndpoint {
			return func(ctx context.Context, in *compose.ToolInput) (*compose.ToolOutput, error) {
				if err := decide(ctx, in); err != nil {
					s, err := opts.refusal(err)
					if err != nil {
						return nil, err
					}
					return &compose.ToolOutput{Result: s}, nil
				}
				return next(ctx, in)
			}
		},
		Streamable: func(next compose.StreamableToolEndpoint) compose.StreamableToolEndpoint {
			return func(ctx context.Context, in *compose.ToolInput) (*compose.StreamToolOutput, error) {
				if err := decide(ctx, in); err != nil {
					return nil, err
				}
				return next(ctx, in)
			}
		},
		EnhancedInvokable: func(next compose.EnhancedInvokableToolEndpoint) compose.EnhancedInvokableToolEndpoint {
			return func(ctx context.Context, in *compose.ToolInput) (*compose.EnhancedInvokableToolOutput, error) {
				if err := decide(ctx, in); err != nil {
					return nil, err
				}
				return next(ctx, in)
			}
		},
		EnhancedStreamable: func(next compose.EnhancedStreamableToolEndpoint) compose.EnhancedStreamableToolEndpoint {
			return func(ctx context.Context, in *compose.ToolInput) (*compose.EnhancedStreamableToolOutput, error) {
				if err := decide(ctx, in); err != nil {
					return nil, err
				}
				return next(ctx, in)
			}
		},
	}
}

// Wrap returns t guarded by g: InvokableRun decides the call first.
func Wrap(g *cavra.Guard, t tool.InvokableTool, opts *Options) tool.InvokableTool {
	return &guarded{g: g, t: t, opts: opts}
}

type guarded struct {
	g    *cavra.Guard
	t    tool.InvokableTool
	opts *Options
}

func (w *guarded) Info(ctx context.Context) (*schema.ToolInfo, error) { return w.t.Info(ctx) }

func (w *guarded) InvokableRun(ctx context.Context, args string, opts ...tool.Option) (string, error) {
	info, err := w.t.Info(ctx)
	if err != nil {
		return "", err
	}
	if _, err := cavratool.Decide(ctx, w.g, w.opts.spec(info.Name), []byte(args)); err != nil {
		return w.opts.refusal(err)
	}
	return w.t.InvokableRun(ctx, args, opts...)
}
