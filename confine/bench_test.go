package confine_test

import (
	"context"
	"os/exec"
	"testing"

	"github.com/cavra-dev/cavra/confine"
)

// BenchmarkConfineCommandTrue is the library's share of `cavra run`: the
// enumeration of home, the ruleset, a restricted thread, and starting true.
// Compare BenchmarkConfineTrueDirect.
func BenchmarkConfineCommandTrue(b *testing.B) {
	needLandlock(b)
	w := newWorld(b)
	p := w.profile(b)
	ctx := context.Background()
	for b.Loop() {
		c, err := confine.Command(ctx, p, "true")
		if err != nil {
			b.Fatal(err)
		}
		if out, err := c.CombinedOutput(); err != nil {
			b.Fatalf("%v: %s", err, out)
		}
	}
}

// BenchmarkConfineTrueDirect runs true unconfined.
func BenchmarkConfineTrueDirect(b *testing.B) {
	for b.Loop() {
		if err := exec.Command("true").Run(); err != nil {
			b.Fatal(err)
		}
	}
}
