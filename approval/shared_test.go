package approval_test

import (
	"io"
	"testing"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/internal/store"
)

// TestSharedStateFile: the approval store lives in the one shared state
// database, next to the other subsystems' buckets, and is shared per file.
func TestSharedStateFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	open := func() *approval.Store {
		st, err := store.Open(dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		c, err := st.Shared("approval", func(db *bolt.DB) (io.Closer, error) { return approval.Open(db, nil) })
		if err != nil {
			t.Fatal(err)
		}
		return c.(*approval.Store)
	}
	a, b := open(), open()
	if a != b {
		t.Fatal("two approval stores for one file")
	}
	req := submit(t, a, iamWrite())
	if got, err := b.Get(ctx, req.ID); err != nil || got.ID != req.ID {
		t.Fatal(err)
	}
}
