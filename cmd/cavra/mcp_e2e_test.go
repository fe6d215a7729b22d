package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
)

// TestMCPProxyNPM runs cavra mcp proxy in front of software nobody here
// wrote: the reference @modelcontextprotocol/server-filesystem, driven by
// a client on the TypeScript SDK (versions pinned in
// testdata/mcp-e2e/package.json, installed with npm ci). It skips without
// node and npm, and fails instead under CI=true.
func TestMCPProxyNPM(t *testing.T) {
	if testing.Short() {
		t.Skip("installs npm packages and builds the binary")
	}
	dir, _ := filepath.Abs("testdata/mcp-e2e")
	_, nodeErr := exec.LookPath("node")
	_, npmErr := exec.LookPath("npm")
	if nodeErr != nil || npmErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node and npm are needed for the MCP end-to-end test")
		}
		t.Skip("no node or npm")
	}
	server := filepath.Join(dir, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js")
	if _, err := os.Stat(server); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			if os.Getenv("CI") != "true" {
				t.Skipf("npm ci: %v\n%s", err, out)
			}
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}
	bin := filepath.Join(t.TempDir(), "cavra")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	root, _ := filepath.EvalSymlinks(proxyRoot(t))
	home := filepath.Join(t.TempDir(), ".cavra")
	calls := []map[string]any{
		{"name": "read_text_file", "arguments": map[string]any{"path": filepath.Join(root, "README.md")}},
		{"name": "read_text_file", "arguments": map[string]any{"path": filepath.Join(root, ".env")}},
		{"name": "write_file", "arguments": map[string]any{"path": filepath.Join(root, ".github/workflows/ci.yml"), "content": "on: push\n"}},
	}
	in, _ := json.Marshal(calls)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(dir, "client.mjs"),
		bin, "mcp", "proxy", "--server-id", "filesystem", "--home", home, "--root", root, "--", "node", server, root)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client: %v\n%s", err, stderr.String())
	}
	var got struct {
		Tools   []string `json:"tools"`
		Results []struct {
			IsError bool `json:"isError"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
			ProtocolError string `json:"protocolError"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("client output: %v\n%s", err, out)
	}
	if !slices.Contains(got.Tools, "read_text_file") || !slices.Contains(got.Tools, "write_file") {
		t.Fatalf("tools: %v", got.Tools)
	}
	text := func(i int) string {
		var s []string
		for _, c := range got.Results[i].Content {
			s = append(s, c.Text)
		}
		return strings.Join(s, "\n")
	}
	if len(got.Results) != 3 {
		t.Fatalf("results: %s", out)
	}
	if r := got.Results[0]; r.IsError || !strings.Contains(text(0), "# hello") {
		t.Errorf("README.md: %s", text(0))
	}
	if r := got.Results[1]; !r.IsError || !strings.Contains(text(1), "CAVRA blocked") || !strings.Contains(text(1), "filesystem.read.block") {
		t.Errorf(".env: %s", text(1))
	}
	if r := got.Results[2]; !r.IsError || !strings.Contains(text(2), "requires approval") || !strings.Contains(text(2), "apr_") {
		t.Errorf("workflow: %s", text(2))
	}
	if _, err := os.Stat(filepath.Join(root, ".github/workflows/ci.yml")); err == nil {
		t.Error("the workflow was written")
	}
	// The evidence holds each call with its outcome.
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	recs, err := g.Evidence().List(context.Background(), evidence.Query{})
	if err != nil {
		t.Fatal(err)
	}
	decisions := map[string]string{}
	outcomes := map[string]string{}
	for _, r := range recs {
		switch {
		case r.Kind == evidence.KindDecision && r.Decision != nil && r.Decision.ActionType == cavra.MCPToolCall:
			decisions[r.Decision.ActionDigest] = r.Decision.Decision.String()
		case r.Kind == evidence.KindOutcome:
			var o cavra.ActionOutcome
			if err := json.Unmarshal(r.Data, &o); err == nil {
				outcomes[o.ActionDigest] = o.Status
			}
		}
	}
	var seen []string
	for dg, d := range decisions {
		seen = append(seen, strings.TrimSpace(d+" "+outcomes[dg]))
	}
	slices.Sort(seen)
	if strings.Join(seen, ",") != "allow completed,block,require_approval" {
		t.Errorf("evidence: %v", seen)
	}
}
