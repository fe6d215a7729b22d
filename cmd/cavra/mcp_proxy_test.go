package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
)

// buildProxyBins builds cavra and the test downstream server.
func buildProxyBins(t *testing.T) (cavraBin, downBin string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	dir := t.TempDir()
	cavraBin, downBin = filepath.Join(dir, "cavra"), filepath.Join(dir, "downstream")
	for _, b := range [][2]string{{cavraBin, "."}, {downBin, "./testdata/downstream"}} {
		if out, err := exec.Command("go", "build", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	return cavraBin, downBin
}

func proxyRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range map[string]string{"README.md": "# hello\n", ".env": "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func proxyText(res *sdk.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// TestMCPProxyBinary drives the built `cavra mcp proxy` in front of a
// stdio server with the go-sdk client, as an agent would: listing tools,
// an allowed read, a blocked .env read, a workflow write that needs
// approval, each in the evidence with its outcome; then the server dies
// mid-call and the proxy exits with a message.
func TestMCPProxyBinary(t *testing.T) {
	bin, down := buildProxyBins(t)
	root := proxyRoot(t)
	home := filepath.Join(t.TempDir(), ".cavra")
	ctx := context.Background()
	cmd := exec.Command(bin, "mcp", "proxy", "--server-id", "files", "--home", home, "--root", root, "--", down, root)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "go-agent", Version: "1"}, nil).
		Connect(ctx, &sdk.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	var names []string
	for tl, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tl.Name)
	}
	if strings.Join(names, ",") != "crash,read_file,write_file" {
		t.Fatalf("tools: %v", names)
	}
	call := func(tool string, args map[string]any) *sdk.CallToolResult {
		t.Helper()
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
		return res
	}
	if res := call("read_file", map[string]any{"path": "README.md"}); res.IsError || proxyText(res) != "# hello\n" {
		t.Fatalf("README.md: %s", proxyText(res))
	}
	if res := call("read_file", map[string]any{"path": ".env"}); !res.IsError || !strings.Contains(proxyText(res), "filesystem.read.block") {
		t.Fatalf(".env: %s", proxyText(res))
	}
	res := call("write_file", map[string]any{"path": ".github/workflows/ci.yml", "content": "on: push\n"})
	if !res.IsError || !strings.Contains(proxyText(res), "cavra approval approve apr_") {
		t.Fatalf("workflow: %s", proxyText(res))
	}
	// The state directory is free between calls.
	g, err := cavra.Open(ctx, cavra.Options{Home: home, StoreTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatalf("the proxy holds the state directory: %v", err)
	}
	recs, err := g.Evidence().List(ctx, evidence.Query{})
	g.Close()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range recs {
		switch {
		case r.Kind == evidence.KindDecision && r.Decision != nil && r.Decision.ActionType == cavra.MCPToolCall:
			got[r.Decision.ActionDigest] = r.Decision.Decision.String() + got[r.Decision.ActionDigest]
		case r.Kind == evidence.KindOutcome:
			var o cavra.ActionOutcome
			if err := json.Unmarshal(r.Data, &o); err != nil {
				t.Fatal(err)
			}
			got[o.ActionDigest] += " " + o.Status
		}
	}
	var outs []string
	for _, v := range got {
		outs = append(outs, v)
	}
	all := strings.Join(outs, ";")
	for _, want := range []string{"allow completed", "block", "require_approval"} {
		if !strings.Contains(all, want) {
			t.Errorf("evidence: no %q in %v", want, outs)
		}
	}
	// The server dies mid-call.
	if res := call("crash", map[string]any{}); !res.IsError || !strings.Contains(proxyText(res), "exited") {
		t.Fatalf("crash: %s", proxyText(res))
	}
	// The proxy exits: the session ends, and closing it reaps the process
	// (the transport waits for it; the test must not wait too).
	ended := make(chan struct{})
	go func() { _ = cs.Wait(); close(ended) }()
	select {
	case <-ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the proxy did not exit after the server died")
	}
	_ = cs.Close()
	if st := cmd.ProcessState; st == nil || st.ExitCode() != 1 {
		t.Errorf("the proxy's exit: %v", st)
	}
	if !strings.Contains(stderr.String(), `the MCP server "files" exited`) {
		t.Errorf("no message: %s", stderr.String())
	}
}

func TestMCPProxyUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"mcp", "proxy", "--server-id", "x"}, "after --"},
		{[]string{"mcp", "proxy", "--", "true"}, "server-id"},
		{[]string{"mcp", "proxy", "--server-id", "x", "--pin", "never", "--", "true"}, "--pin"},
		{[]string{"mcp", "proxy", "--server-id", "x", "--url", "http://127.0.0.1:1/", "--", "true"}, "not both"},
	} {
		code, _, errs := cli(t, tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d %s", tc.args, code, errs)
		}
	}
}
