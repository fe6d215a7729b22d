// Command cavra-mcp-server serves CAVRA's MCP tools over stdio; it is the
// same server as `cavra mcp serve`, for clients configured with a dedicated
// command:
//
//	{"mcpServers": {"cavra": {"command": "/abs/path/to/cavra-mcp-server"}}}
//
// The check tools are advisory dry runs of the policy (nothing is recorded;
// the hooks enforce), and no tool approves, denies or changes anything.
//
// Usage:
//
//	cavra-mcp-server [--home DIR] [--policy-pack ID]... [--policy-dir DIR]... [--mode MODE] [--list-tools [--json]]
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/cavra-dev/cavra/adapters/mcp"
	"github.com/cavra-dev/cavra/decision"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// list is a repeatable string flag.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

// run serves, or lists the tools, and returns the exit status: 0 success,
// 2 usage error, 1 any other failure.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o mcp.Options
	var packs, dirs list
	var mode string
	var listTools, asJSON bool
	fs := flag.NewFlagSet("cavra-mcp-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Home, "home", "", "state directory (default: CAVRA_HOME, else walking up: the one cavra init pinned for the project, or the nearest .cavra/; else ./.cavra)")
	fs.Var(&packs, "policy-pack", "policy pack: a bundled id, an id in a policy directory, or a path (repeatable; default: config.yaml's)")
	fs.Var(&dirs, "policy-dir", "directory of packs laid out as <dir>/<id>/policy.yaml (repeatable; also CAVRA_POLICY_DIR)")
	fs.StringVar(&mode, "mode", "", "policy mode for the checks: enforce, audit_only or strict (default: config.yaml's)")
	fs.BoolVar(&listTools, "list-tools", false, "print the tool names and exit")
	fs.BoolVar(&asJSON, "json", false, "with --list-tools: print the tools/list result as JSON")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "cavra-mcp-server: unexpected arguments %q\n", fs.Args())
		return 2
	}
	o.Packs, o.PolicyDirs = packs, dirs
	if mode != "" {
		m, err := decision.ParseMode(mode)
		if err != nil {
			fmt.Fprintln(stderr, "cavra-mcp-server: --mode:", err)
			return 2
		}
		o.Mode = m
	}
	var err error
	switch {
	case listTools && asJSON:
		var tools any
		if tools, err = mcp.ListTools(ctx, &o); err == nil {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			err = enc.Encode(map[string]any{"tools": tools})
		}
	case listTools:
		for _, n := range mcp.ToolNames() {
			fmt.Fprintln(stdout, n)
		}
	default:
		err = mcp.Serve(ctx, &o, stdin, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "cavra-mcp-server:", err)
		return 1
	}
	return 0
}
