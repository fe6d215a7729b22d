package cavra

// BreakEvidence closes g's evidence log, so that nothing more can be
// recorded: for the tests that every state change fails closed.
func BreakEvidence(g *Guard) error { return g.log.Close() }
