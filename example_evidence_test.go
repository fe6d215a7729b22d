package cavra_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
)

// ExampleGuard_Attest records two decisions, bundles one session's records
// and verifies the bundle offline with the trust root.
func ExampleGuard_Attest() {
	home, _ := os.MkdirTemp("", "cavra-attest-example")
	defer os.RemoveAll(home)
	ctx := context.Background()
	g, err := cavra.Open(ctx, cavra.Options{Home: home, Dir: "/project"})
	if err != nil {
		panic(err)
	}
	defer g.Close()

	for _, target := range []string{".env", "README.md"} {
		d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: target, Agent: cavra.Agent{Session: "s-42"}})
		ref, _ := evidence.ParseRef(d.EvidenceRefs[0])
		fmt.Println(d.Decision, "recorded as seq", ref.Seq)
	}
	bundle, err := g.Attest(ctx, evidence.Query{Session: "s-42"})
	if err != nil {
		panic(err)
	}
	data, _ := bundle.JSON()

	// The auditor's side: the bundle and the public keys, nothing else.
	trust, _ := evidence.NewKeyRing(filepath.Join(home, evidence.KeyDir)).TrustRoot()
	rep, err := evidence.VerifyBundle(data, trust, evidence.VerifyOptions{})
	fmt.Println(len(rep.Records), "records verified:", err == nil)
	// Output:
	// block recorded as seq 2
	// allow recorded as seq 3
	// 2 records verified: true
}
