//go:build !unix

package store

import "time"

// processLock is a no-op where flock is not available; bbolt's own lock
// still serializes processes.
type processLock struct{}

func acquireLock(string, bool, time.Duration) (*processLock, error) { return &processLock{}, nil }

func (l *processLock) release() {}
