//go:build race

package evidence_test

// raceEnabled shortens tests that re-execute the (slower) race-built binary.
const raceEnabled = true
