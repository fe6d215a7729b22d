package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
)

// Example serves the API over a Guard and asks it about an action, as a
// Python agent would with plain HTTP.
func Example() {
	home, _ := os.MkdirTemp("", "cavra-example")
	defer os.RemoveAll(home)
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home})
	if err != nil {
		panic(err)
	}
	defer g.Close()
	srv := httptest.NewServer(httpapi.New(g, nil)) // cavra serve listens on 127.0.0.1:8787
	defer srv.Close()

	body, _ := json.Marshal(cavra.Action{Type: cavra.ReadFile, Target: ".env", Agent: cavra.Agent{ID: "py-agent"}})
	resp, err := http.Post(srv.URL+"/v1/evaluate", "application/json", bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var d cavra.Decision
	json.NewDecoder(resp.Body).Decode(&d)
	fmt.Println(resp.StatusCode, d.Decision, d.RuleID, len(d.EvidenceRefs))
	// Output: 200 block filesystem.read.block 1
}

// Example_controlSocket: an application that holds a Guard serves its
// state directory's control socket, so that `cavra approval approve` and
// hooks of other processes work while it runs; Dial is their side.
func Example_controlSocket() {
	home, _ := os.MkdirTemp("", "cavra-example")
	defer os.RemoveAll(home)
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Control: httpapi.ControlHandler})
	if err != nil {
		panic(err)
	}
	defer g.Close()

	c, err := httpapi.Dial(context.Background(), home) // another process would do the same
	if err != nil {
		panic(err)
	}
	defer c.Close()
	d, _ := c.Evaluate(context.Background(), cavra.Action{Type: cavra.ExecuteCommand, Target: "make deploy", Agent: cavra.Agent{ID: "go-agent"}})
	fmt.Println(d.Decision, d.ApprovalID != "")
	// Output: require_approval true
}
