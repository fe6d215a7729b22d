package cavra_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
)

// A decision record says whether the action ran confined, by what, and
// under which profile (issue 14, item 6).
func TestGuardRecordsConfinement(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	ctx := context.Background()
	conf := &cavra.Confinement{By: "landlock-abi-5", Profile: "sha256:ab", Enforced: true}
	d, err := g.Evaluate(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: "go test ./...",
		Agent: cavra.Agent{ID: "cavra-run", Session: "s-conf"}, Confinement: conf})
	if err != nil {
		t.Fatal(err)
	}
	if d.Confinement == nil || *d.Confinement != *conf {
		t.Fatalf("decision confinement = %+v, want %+v", d.Confinement, conf)
	}
	recs, err := g.Evidence().List(ctx, evidence.Query{Session: "s-conf"})
	if err != nil || len(recs) == 0 {
		t.Fatalf("records: %v %d", err, len(recs))
	}
	var raw struct {
		Decision struct {
			Confinement map[string]any `json:"confinement"`
		} `json:"decision"`
	}
	if err := json.Unmarshal(recs[len(recs)-1].Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if c := raw.Decision.Confinement; c["by"] != "landlock-abi-5" || c["enforced"] != true || c["profile"] != conf.Profile {
		t.Errorf("recorded confinement = %v", c)
	}
	// Without one the record has no confinement member: older records keep their bytes.
	d2, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: "main.go", Agent: cavra.Agent{ID: "a", Session: "s-conf2"}})
	if d2.Confinement != nil {
		t.Errorf("confinement without one asked: %+v", d2.Confinement)
	}
}
