//go:build !race

package cavra_test

// raceEnabled shortens tests that re-execute the (slower) race-built binary.
const raceEnabled = false
