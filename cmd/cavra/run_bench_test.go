package main

import (
	"os/exec"
	"testing"
)

// BenchmarkRunTrue is `cavra run -- true`: open the state, compile the
// policy, derive the profile, decide and record, re-execute, apply
// Landlock, exec true. Compare BenchmarkRunTrueDirect.
func BenchmarkRunTrue(b *testing.B) {
	bin := needRunBin(b)
	w := newRunWorld(b)
	if _, errs, code := w.run(b, bin, "--", "true"); code != 0 {
		b.Fatalf("exit %d: %s", code, errs)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, errs, code := w.run(b, bin, "--", "true"); code != 0 {
			b.Fatalf("exit %d: %s", code, errs)
		}
	}
}

// BenchmarkRunTrueDirect runs true without CAVRA.
func BenchmarkRunTrueDirect(b *testing.B) {
	for b.Loop() {
		if err := exec.Command("true").Run(); err != nil {
			b.Fatal(err)
		}
	}
}
