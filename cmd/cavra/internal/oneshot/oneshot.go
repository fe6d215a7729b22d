// Package oneshot switches the garbage collector off for a `cavra hook`
// process from the start of package initialisation.
//
// A hook is a new process for every tool call an agent makes; it decides one
// call and exits. Initialising the packages linked into cavra allocates a
// few megabytes (most of it the pack schema validator's meta-schemas), enough
// for a collection before main runs. The package has no imports but the
// runtime's, so Go initialises it before the packages that allocate (the
// order is by import path among packages whose imports are ready).
//
// The collector stays on a memory limit, so a hook handed a huge payload
// still collects rather than grow without bound. GOGC or GOMEMLIMIT in the
// environment leave the process as the runtime set it up.
package oneshot

import (
	"os"
	"runtime/debug"
)

// MemoryLimit is the heap a hook process may grow to before the collector
// runs: far above what one decision allocates.
const MemoryLimit = 256 << 20

func init() {
	// Only the binary run as `cavra hook …`: a test binary's arguments are
	// its flags, and in-process runs keep the collector.
	hook := len(os.Args) > 1 && os.Args[1] == "hook"
	if !hook || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(MemoryLimit)
}
