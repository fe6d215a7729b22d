package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra/policy"
)

// PolicyListInput is policy_list's input (none).
type PolicyListInput struct{}

// PackInfo is one available policy pack.
type PackInfo struct {
	ID       string   `json:"id"`
	Version  string   `json:"version"`
	Title    string   `json:"title"`
	Inherits []string `json:"inherits,omitempty"`
	Source   string   `json:"source" jsonschema:"bundled, or the pack file's path"`
}

// ActivePolicy is the policy the hooks decide with.
type ActivePolicy struct {
	Name   string     `json:"name" jsonschema:"the packs, as named"`
	Digest string     `json:"digest" jsonschema:"sha256 of the compiled policy, recorded in every decision"`
	Mode   string     `json:"mode" jsonschema:"enforce, audit_only, strict or break_glass"`
	Packs  []PackInfo `json:"packs" jsonschema:"every pack that contributed, parents first"`
}

// PolicyList is policy_list's output.
type PolicyList struct {
	StateDir  string       `json:"state_dir"`
	Active    ActivePolicy `json:"active"`
	Available []PackInfo   `json:"available"`
}

// PackInput is policy_describe's input.
type PackInput struct {
	Pack string `json:"pack" jsonschema:"a pack id, such as cavra-ai-agent-baseline (see policy_list)"`
}

// PackDescription is policy_describe's output.
type PackDescription struct {
	PackInfo
	Description string         `json:"description"`
	Mode        string         `json:"mode,omitempty" jsonschema:"the pack's own metadata.mode"`
	Digest      string         `json:"digest" jsonschema:"sha256 of the pack compiled on its own"`
	Tests       int            `json:"tests" jsonschema:"test cases the pack carries"`
	Compiled    map[string]any `json:"compiled" jsonschema:"the compiled pack with its inherited lists and rules: filesystem, commands, git, mcp, defaults, rules"`
}

func (s *server) policyList(ctx context.Context, _ *sdk.CallToolRequest, _ PolicyListInput) (*sdk.CallToolResult, PolicyList, error) {
	g, err := s.guard(ctx)
	if err != nil {
		return nil, PolicyList{}, fmt.Errorf("the policy could not be loaded (the hooks block every action until it is fixed): %w", err)
	}
	set, mode := g.Policy(), g.Mode()
	g.Close()
	lib, err := s.library()
	if err != nil {
		return nil, PolicyList{}, err
	}
	out := PolicyList{StateDir: s.home, Active: ActivePolicy{
		Name: set.Name(), Digest: set.Digest(), Mode: string(mode),
	}, Available: []PackInfo{}}
	for _, pi := range set.Packs() {
		info := PackInfo{ID: pi.ID, Version: pi.Version, Title: pi.Title}
		if p, err := lib.Get(pi.ID); err == nil {
			info = packInfo(p)
		}
		out.Active.Packs = append(out.Active.Packs, info)
	}
	for _, id := range lib.IDs() {
		p, err := lib.Get(id)
		if err != nil {
			return nil, PolicyList{}, err
		}
		out.Available = append(out.Available, packInfo(p))
	}
	text := fmt.Sprintf("active policy: %s (%s, mode %s); %d packs available", out.Active.Name, out.Active.Digest, out.Active.Mode, len(out.Available))
	return textResult(text, false), out, nil
}

func (s *server) policyDescribe(_ context.Context, _ *sdk.CallToolRequest, in PackInput) (*sdk.CallToolResult, PackDescription, error) {
	id := strings.TrimSpace(in.Pack)
	// Only ids: a path would let an agent make the server read any file.
	if !policy.IsPackID(id) {
		return nil, PackDescription{}, fmt.Errorf("pack %q is not a pack id (like cavra-ai-agent-baseline); see policy_list", in.Pack)
	}
	lib, err := s.library()
	if err != nil {
		return nil, PackDescription{}, err
	}
	p, err := lib.Get(id)
	if err != nil {
		return nil, PackDescription{}, err
	}
	set, err := lib.Compile(id)
	if err != nil {
		return nil, PackDescription{}, err
	}
	out := PackDescription{PackInfo: packInfo(p), Description: p.Metadata.Description, Mode: p.Metadata.Mode,
		Digest: set.Digest(), Tests: len(p.Tests), Compiled: map[string]any{}}
	if err := json.Unmarshal(set.Document(), &out.Compiled); err != nil {
		return nil, PackDescription{}, err
	}
	rules, _ := out.Compiled["rules"].([]any)
	text := fmt.Sprintf("%s %s: %s. %s", out.ID, out.Version, out.Title, out.Description)
	if len(out.Inherits) > 0 {
		text += " Inherits " + strings.Join(out.Inherits, ", ") + "."
	}
	text += fmt.Sprintf(" %d CEL rules, %d tests; digest %s.", len(rules), out.Tests, out.Digest)
	return textResult(text, false), out, nil
}

// packInfo summarizes a pack. A bundled pack's source is "<id>/policy.yaml"
// inside the embedded packs.
func packInfo(p *policy.Pack) PackInfo {
	src := p.Source
	if !filepath.IsAbs(src) && path.Dir(filepath.ToSlash(src)) == p.ID() {
		src = "bundled"
	}
	return PackInfo{ID: p.ID(), Version: p.Metadata.Version, Title: p.Metadata.Title, Inherits: p.Metadata.Inherits, Source: src}
}
