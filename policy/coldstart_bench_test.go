package policy

import "testing"

// BenchmarkColdStart measures what a fresh process pays before its first
// decision, with nothing cached: compiling the pack schema, building the CEL
// environment, parsing the bundled packs and compiling the default pack. A
// hook process pays this on every call.
func BenchmarkColdStart(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := compilePackSchema(); err != nil {
			b.Fatal(err)
		}
		if _, err := newCELEnv(); err != nil {
			b.Fatal(err)
		}
		lib, err := DefaultLibrary()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := lib.Compile(); err != nil {
			b.Fatal(err)
		}
	}
}
