package policy

import (
	"context"
	"testing"
)

// TestBundledPacks runs every bundled pack's own tests section.
func TestBundledPacks(t *testing.T) {
	t.Parallel()
	lib, err := DefaultLibrary()
	if err != nil {
		t.Fatal(err)
	}
	if len(lib.IDs()) == 0 {
		t.Fatal("no bundled packs")
	}
	for _, id := range lib.IDs() {
		p, _ := lib.Get(id)
		if len(p.Tests) == 0 {
			t.Errorf("%s: bundled pack has no tests", id)
		}
		results, err := lib.RunTests(context.Background(), id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for _, r := range results {
			if !r.Passed {
				t.Errorf("%s: %s: %s", id, r.Name, r.Reason)
			}
		}
	}
}
