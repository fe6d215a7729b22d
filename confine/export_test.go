package confine

// SetProbe replaces the kernel probe for a test and returns a function
// that restores it.
func SetProbe(f func() Status) (restore func()) {
	old := probe
	probe = f
	return func() { probe = old }
}
