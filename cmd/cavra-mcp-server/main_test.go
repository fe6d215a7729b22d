package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cavra-dev/cavra/adapters/mcp"
)

func TestMCPServerListTools(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"--list-tools"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if got := strings.Fields(out.String()); strings.Join(got, ",") != strings.Join(mcp.ToolNames(), ",") {
		t.Errorf("--list-tools = %v", got)
	}
	if code := run(context.Background(), []string{"--mode", "sideways"}, nil, &out, &errb); code != 2 {
		t.Errorf("bad --mode: exit %d", code)
	}
	if code := run(context.Background(), []string{"extra"}, nil, &out, &errb); code != 2 {
		t.Errorf("extra argument: exit %d", code)
	}
}

// TestMCPServerStdio speaks newline-delimited JSON-RPC on stdin and stdout,
// as an agent does, and exits cleanly when stdin closes.
func TestMCPServerStdio(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errb bytes.Buffer
	home := filepath.Join(t.TempDir(), ".cavra")
	done := make(chan int)
	go func() {
		done <- run(context.Background(), []string{"--home", home}, inR, outW, &errb)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	send := func(line string) {
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() map[string]any {
		if !lines.Scan() {
			t.Fatalf("no response: %v %s", lines.Err(), errb.String())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("%v: %s", err, lines.Bytes())
		}
		return m
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	if m := recv(); m["result"] == nil {
		t.Fatalf("initialize: %v", m)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized","params":{}}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"check_file_read","arguments":{"path":".env"}}}`)
	res, _ := recv()["result"].(map[string]any)
	if sc, _ := res["structuredContent"].(map[string]any); sc["decision"] != "block" || sc["dry_run"] != true {
		t.Errorf("tools/call: %v", res)
	}
	inW.Close()
	go io.Copy(io.Discard, outR)
	if code := <-done; code != 0 {
		t.Errorf("exit %d after stdin closed: %s", code, errb.String())
	}
}
