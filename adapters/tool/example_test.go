package tool_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/tool"
	"github.com/cavra-dev/cavra/cavratest"
)

// t stands in for a test's *testing.T (an application opens its Guard with
// cavra.Open).
var t = &testing.T{}

func ExampleWrap() {
	g := cavratest.New(t, cavratest.Options{})
	readFile := tool.Wrap(g, tool.Spec{Name: "read_file", Agent: cavra.Agent{ID: "my-agent"}},
		func(ctx context.Context, args json.RawMessage) (string, error) {
			return "contents of " + string(args), nil
		})
	out, err := readFile(context.Background(), json.RawMessage(`{"path": "README.md"}`))
	fmt.Println(out, err)
	_, err = readFile(context.Background(), json.RawMessage(`{"path": ".env"}`))
	fmt.Println(err != nil)
	// Output:
	// contents of {"path": "README.md"} <nil>
	// true
}

func ExampleWrapTyped() {
	g := cavratest.New(t, cavratest.Options{})
	type fetchArgs struct {
		URL string `json:"url"`
	}
	fetch := tool.WrapTyped(g, tool.Spec{Name: "fetch"}, func(ctx context.Context, in fetchArgs) (int, error) {
		return 200, nil
	})
	_, err := fetch(context.Background(), fetchArgs{URL: "http://169.254.169.254/latest/meta-data/"})
	if b, ok := err.(*tool.BlockedError); ok {
		fmt.Println(b.Decision.Decision, b.Decision.RuleID)
	}
	// Output: block network.metadata_endpoint
}
