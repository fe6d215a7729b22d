// Package tool guards the tools of any Go agent: Wrap puts a Guard in front
// of a tool function of the common shape
//
//	func(ctx context.Context, args json.RawMessage) (string, error)
//
// and returns a function of the same shape that decides a tool_call action
// before each call. WrapTyped does the same for a typed function, and Shell
// builds a shell tool whose commands are decided as execute_command actions
// and run confined (package confine). Framework wrappers (LangChainGo,
// Genkit…) are built on Wrap and live beside this package, each in its own
// module (docs/tools.md).
//
// A tool call's arguments are facts: the action carries them in Args with
// decision.ContextToolArgFacts set, and the policy reads them as it reads an
// MCP tool call's (a "path" argument is a file the tool reads or writes by
// its verb, a "command" a shell command line, a "url" a request, a "sql" a
// statement…; Spec.ArgRoles names the roles of arguments whose names say
// nothing). A blocked call returns a *BlockedError, a call that waits for a
// person an *ApprovalError with the approval id; both read well to a model
// as a tool result. A Guard that fails is a block: the function is not
// called.
package tool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/decision"
)

// Func is the shape of a tool function: JSON arguments in, text out.
type Func func(ctx context.Context, args json.RawMessage) (string, error)

// Spec describes a tool to the Guard.
type Spec struct {
	// Name is the tool's name as the model calls it (required).
	Name string
	// Description is the tool's description (kept for the framework
	// wrappers; the Guard does not read it).
	Description string
	// Agent is who calls the tool; AgentFrom, when set, is asked per call
	// (a session id from the context) and wins when it returns an ID.
	Agent     cavra.Agent
	AgentFrom func(ctx context.Context) cavra.Agent
	// Dir is the working directory relative paths in the arguments are
	// resolved against ("" means the Guard's).
	Dir string
	// ArgRoles gives the role of arguments whose names do not say it:
	// argument name -> "path", "read", "write", "dir", "command", "code",
	// "url", "host", "sql" or "branch".
	ArgRoles map[string]string
	// Local says the tool's paths are this machine's, whatever its other
	// arguments name (a repository, a bucket).
	Local bool
	// Context is added to each action's context (environment, branch…).
	Context map[string]string
}

// BlockedError is the error of a call the Guard blocked. Its text is meant
// for the model: what was refused, and why.
type BlockedError struct {
	Tool     string
	Decision cavra.Decision
}

func (e *BlockedError) Error() string {
	return fmt.Sprintf("CAVRA blocked the %s tool call (rule %s): %s Do not retry it; choose another approach or ask the user.",
		e.Tool, e.Decision.RuleID, strings.TrimSpace(e.Decision.Reason))
}

// ApprovalError is the error of a call that needs a person's approval:
// once approved (cavra approval approve ID), the same call is allowed.
type ApprovalError struct {
	Tool       string
	ApprovalID string
	Decision   cavra.Decision
}

func (e *ApprovalError) Error() string {
	group := ""
	if e.Decision.ApproverGroup != "" {
		group = " from " + e.Decision.ApproverGroup
	}
	return fmt.Sprintf("CAVRA requires approval%s for the %s tool call (rule %s, approval %s): %s Ask the user to approve it, then make the same call again.",
		group, e.Tool, e.Decision.RuleID, e.ApprovalID, strings.TrimSpace(e.Decision.Reason))
}

// Decide decides the call of spec's tool with args (a JSON object, or
// empty) and returns the decision, or the error Wrap would return instead
// of calling the tool: *BlockedError, *ApprovalError, or an error of the
// Guard's (the call is then not made).
func Decide(ctx context.Context, g *cavra.Guard, spec Spec, args json.RawMessage) (cavra.Decision, error) {
	a, err := Action(ctx, spec, args)
	if err != nil {
		return cavra.Decision{}, err
	}
	d, err := g.Evaluate(ctx, a)
	if err != nil {
		return d, fmt.Errorf("tool %s: CAVRA could not decide the call, so it is not made: %w", spec.Name, err)
	}
	return d, verdict(spec.Name, d)
}

func verdict(name string, d cavra.Decision) error {
	switch d.Decision {
	case cavra.Allow:
		return nil
	case cavra.RequireApproval:
		return &ApprovalError{Tool: name, ApprovalID: d.ApprovalID, Decision: d}
	default:
		return &BlockedError{Tool: name, Decision: d}
	}
}

// Action is the tool_call action of a call of spec's tool with args.
func Action(ctx context.Context, spec Spec, args json.RawMessage) (cavra.Action, error) {
	if strings.TrimSpace(spec.Name) == "" {
		return cavra.Action{}, errors.New("tool: the Spec has no Name")
	}
	var m map[string]any
	if s := strings.TrimSpace(string(args)); s != "" && s != "null" {
		if err := json.Unmarshal(args, &m); err != nil {
			// Not an object: the policy reads the value as one argument.
			var v any
			if err := json.Unmarshal(args, &v); err != nil {
				return cavra.Action{}, fmt.Errorf("tool %s: the arguments are not JSON: %w", spec.Name, err)
			}
			m = map[string]any{"input": v}
		}
	}
	agent := spec.Agent
	if spec.AgentFrom != nil {
		if a := spec.AgentFrom(ctx); a.ID != "" {
			agent = a
		}
	}
	c := map[string]string{decision.ContextToolArgFacts: "true"}
	for k, v := range spec.Context {
		c[k] = v
	}
	if spec.Dir != "" {
		c[decision.ContextCwd] = spec.Dir
	}
	if len(spec.ArgRoles) > 0 {
		keys := make([]string, 0, len(spec.ArgRoles))
		for k := range spec.ArgRoles {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + spec.ArgRoles[k]
		}
		c[decision.ContextToolArgRoles] = strings.Join(parts, ",")
	}
	if spec.Local {
		c[decision.ContextToolLocal] = "true"
	}
	return cavra.Action{Type: cavra.ToolCall, Target: spec.Name, Tool: spec.Name, Args: m, Agent: agent, Context: c}, nil
}

// Wrap returns fn guarded by g: each call is decided first, and fn runs
// only when the decision is allow.
func Wrap(g *cavra.Guard, spec Spec, fn Func) Func {
	return func(ctx context.Context, args json.RawMessage) (string, error) {
		if _, err := Decide(ctx, g, spec, args); err != nil {
			return "", err
		}
		return fn(ctx, args)
	}
}

// WrapTyped is Wrap for a typed tool: the arguments are decided as the JSON
// they encode to, then passed to fn.
func WrapTyped[In, Out any](g *cavra.Guard, spec Spec, fn func(ctx context.Context, in In) (Out, error)) func(ctx context.Context, in In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		var zero Out
		raw, err := json.Marshal(in)
		if err != nil {
			return zero, fmt.Errorf("tool %s: encode the arguments: %w", spec.Name, err)
		}
		if _, err := Decide(ctx, g, spec, raw); err != nil {
			return zero, err
		}
		return fn(ctx, in)
	}
}
