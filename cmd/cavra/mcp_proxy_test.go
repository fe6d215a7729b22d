package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/confine"
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
	if strings.Join(names, ",") != "crash,get_status,read_file,write_file" {
		t.Fatalf("tools: %v", names)
	}
	call := func(tool string, args map[string]any) *sdk.CallToolResult {
		t.Helper()
		return callTool(t, ctx, cs, tool, args)
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

// TestMCPProxyConfined runs the server confined (--confine required): a
// tool the policy allows (get_status says it reads) writes into CAVRA's
// state directory and beside the project, and the kernel refuses both,
// while a write the policy allows under --root goes through.
func TestMCPProxyConfined(t *testing.T) {
	if st := confine.Probe(); st.ABI == 0 {
		t.Skipf("skipped: this kernel offers no Landlock (%s)", st.Reason)
	}
	bin, down := buildProxyBins(t)
	root := proxyRoot(t)
	home := filepath.Join(t.TempDir(), ".cavra")
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}
	planted := []string{filepath.Join(home, "planted"), filepath.Join(outside, "planted")}
	// The server's program in the project, which the profile lets it run:
	// the temporary directory it was built in is out of its reach.
	b, err := os.ReadFile(down)
	if err != nil {
		t.Fatal(err)
	}
	down = filepath.Join(root, "downstream")
	if err := os.WriteFile(down, b, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cmd := exec.Command(bin, "mcp", "proxy", "--server-id", "files", "--home", home, "--root", root, "--confine", "required", "--", down, root)
	cmd.Env = append(os.Environ(), "DOWNSTREAM_SIDE_FILES="+strings.Join(planted, string(os.PathListSeparator)))
	var stderr lockedBuffer // written by the process's copier while the test reads it
	cmd.Stderr = &stderr
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "go-agent", Version: "1"}, nil).
		Connect(ctx, &sdk.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	defer cs.Close()
	call := func(tool string, args map[string]any) *sdk.CallToolResult {
		t.Helper()
		return callTool(t, ctx, cs, tool, args)
	}
	if res := call("write_file", map[string]any{"path": "notes.txt", "content": "hi\n"}); res.IsError {
		t.Fatalf("a write under --root: %s\n%s", proxyText(res), stderr.String())
	}
	if b, err := os.ReadFile(filepath.Join(root, "notes.txt")); err != nil || string(b) != "hi\n" {
		t.Fatalf("notes.txt: %q %v", b, err)
	}
	res := call("get_status", map[string]any{})
	if strings.Contains(proxyText(res), "wrote") {
		t.Errorf("the confined server wrote outside its paths: %s", proxyText(res))
	}
	for _, f := range planted {
		if _, err := os.Stat(f); err == nil {
			t.Errorf("%s was written", f)
		}
	}
	if !strings.Contains(stderr.String(), "confined by") {
		t.Errorf("no confinement line: %s", stderr.String())
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
		{[]string{"mcp", "proxy", "--server-id", "x", "--confine", "always", "--", "true"}, "--confine"},
		{[]string{"mcp", "proxy", "--server-id", "x", "--confine", "required", "--url", "http://127.0.0.1:1/"}, "elsewhere"},
		{[]string{"mcp", "proxy", "--server-id", "x", "--writable", "/tmp", "--", "true"}, "--writable needs --confine"},
		{[]string{"mcp", "proxy", "--server-id", "x", "--oidc-issuer", "https://idp.example.com", "--", "true"}, "needs --listen"},
		{[]string{"mcp", "proxy", "--server-id", "x", "--listen", "127.0.0.1:0", "--oidc-issuer", "https://idp.example.com", "--", "true"}, "--oidc-audience"},
		{[]string{"mcp", "proxy", "--server-id", "x", "--oidc-audience", "a", "--", "true"}, "need --oidc-issuer"},
		{[]string{"mcp", "proxy", "--server-id", "x", "--listen", "127.0.0.1:0", "--token-file", "/dev/null", "--oidc-issuer", "https://i", "--oidc-audience", "a", "--oidc-jwks", "https://i/k", "--", "true"}, "not both"},
	} {
		code, _, errs := cli(t, tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d %s", tc.args, code, errs)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes to it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// callTool calls a tool through the proxy and fails the test on a protocol
// error (a tool error is the result's IsError).
func callTool(t *testing.T, ctx context.Context, cs *sdk.ClientSession, tool string, args map[string]any) *sdk.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return res
}
