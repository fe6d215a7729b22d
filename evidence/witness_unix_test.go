//go:build unix

package evidence_test

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/evidence"
)

// TestWitnessNotARegularFile: a FIFO or a directory at the witness path is a
// failure at once, never a process waiting on it.
func TestWitnessNotARegularFile(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"fifo", "directory"} {
		t.Run(name, func(t *testing.T) {
			w := newWitnessed(t)
			w.grow(t, 1)
			os.Remove(w.witness)
			var err error
			if name == "fifo" {
				err = syscall.Mkfifo(w.witness, 0o600)
			} else {
				err = os.Mkdir(w.witness, 0o700)
			}
			if err != nil {
				t.Skip(err)
			}
			done := make(chan error, 1)
			go func() {
				l := w.open(t)
				done <- l.Rollback()
			}()
			select {
			case err := <-done:
				if !errors.Is(err, evidence.ErrRollback) || !strings.Contains(err.Error(), "not a regular file") {
					t.Errorf("%s at the witness path: %v", name, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("opening the log hangs on a %s at the witness path", name)
			}
		})
	}
}
