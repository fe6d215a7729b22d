//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// processLock is an exclusive (or shared) advisory lock on a file beside
// the database, taken before bbolt opens it. bbolt polls its own lock every
// 50 ms, which makes short-lived processes (a hook per tool call) queue in
// 50 ms steps; this lock is polled every millisecond, so the next process
// gets the database as soon as the previous one lets go.
type processLock struct{ f *os.File }

const lockPoll = time.Millisecond

func acquireLock(path string, shared bool, timeout time.Duration) (*processLock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		if shared && errors.Is(err, os.ErrPermission) {
			return &processLock{}, nil // a read-only directory: bbolt's own shared lock still applies
		}
		return nil, err
	}
	how := syscall.LOCK_EX
	if shared {
		how = syscall.LOCK_SH
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return &processLock{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, err
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, ErrInUse
		}
		time.Sleep(lockPoll)
	}
}

func (l *processLock) release() {
	if l == nil || l.f == nil {
		return
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
}
