// Package store opens CAVRA's one database file, <state dir>/cavra.db, a
// bbolt file shared by evidence, approvals and the registry, each in its own
// buckets.
//
// bbolt takes an exclusive file lock, and a second Open of the same file in
// the same process would wait on it too, so the file is opened once per
// process: Open returns a shared, reference-counted handle, and Close closes
// the file when the last user is done. Open always uses a lock timeout, so a
// second process gets ErrInUse instead of hanging.
package store

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// FileName is the database file's name inside the state directory.
const FileName = "cavra.db"

// DefaultTimeout is how long Open waits for another process's lock.
const DefaultTimeout = 2 * time.Second

// ErrInUse means another process holds the database open.
var ErrInUse = errors.New("the state directory is in use by another process")

// Options configures Open. A nil *Options means the defaults.
type Options struct {
	// Timeout bounds the wait for another process's lock; 0 means
	// DefaultTimeout. A wait is never unbounded.
	Timeout time.Duration
	// ReadOnly opens an existing file with a shared lock and never creates
	// the directory or the file; a missing file is an error wrapping
	// fs.ErrNotExist.
	ReadOnly bool
}

// Store is a shared handle on one open database file.
type Store struct {
	db       *bolt.DB
	path     string
	readOnly bool
	lock     *processLock

	mu     sync.Mutex // guards refs and shared; taken under openMu
	refs   int
	shared map[string]io.Closer
	order  []string
}

var (
	openMu sync.Mutex
	open   = map[string]*Store{}
)

// Path returns the database file's path for dir.
func Path(dir string) string { return filepath.Join(dir, FileName) }

// Open opens (or, unless read-only, creates) dir/cavra.db. The directory is
// created with mode 0700 and the file with 0600. If the file is already open
// in this process, the same Store is returned and Close must be called once
// per Open.
func Open(dir string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := Path(abs)

	openMu.Lock()
	defer openMu.Unlock()
	if s := open[path]; s != nil {
		if s.readOnly && !o.ReadOnly {
			return nil, fmt.Errorf("store: %s is open read-only in this process", path)
		}
		s.mu.Lock()
		s.refs++
		s.mu.Unlock()
		return s, nil
	}
	if o.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("store: no database at %s: %w", path, err)
		}
	} else if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("store: create state directory: %w", err)
	}
	lock, err := acquireLock(path+".lock", o.ReadOnly, o.Timeout)
	if errors.Is(err, ErrInUse) {
		return nil, fmt.Errorf("store: %s: %w (the database stayed locked for %s)", abs, ErrInUse, o.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	db, err := openBolt(path, &bolt.Options{Timeout: o.Timeout, ReadOnly: o.ReadOnly, FreelistType: bolt.FreelistMapType})
	if err != nil {
		lock.release()
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("store: %s: %w (the database stayed locked for %s)", abs, ErrInUse, o.Timeout)
		}
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	s := &Store{db: db, path: path, readOnly: o.ReadOnly, refs: 1, shared: map[string]io.Closer{}, lock: lock}
	open[path] = s
	return s, nil
}

// openBolt opens the file, turning a panic or memory fault caused by a
// corrupt file into an error.
func openBolt(path string, o *bolt.Options) (db *bolt.DB, err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("corrupt database file: %v", r)
		}
	}()
	return bolt.Open(path, 0o600, o)
}

// DB returns the bbolt database. It stays valid until the last Close.
func (s *Store) DB() *bolt.DB { return s.db }

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// ReadOnly reports whether the file was opened read-only.
func (s *Store) ReadOnly() bool { return s.readOnly }

// Shared returns the value registered under name, creating it with create
// the first time. It lets one process share one writer per subsystem (the
// evidence log, say) between everything that opened the same file. Shared
// values are closed, newest first, before the file is closed.
func (s *Store) Shared(name string, create func(db *bolt.DB) (io.Closer, error)) (io.Closer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.shared[name]; ok {
		return v, nil
	}
	v, err := create(s.db)
	if err != nil {
		return nil, err
	}
	s.shared[name] = v
	s.order = append(s.order, name)
	return v, nil
}

// Close releases one reference; the last one closes the shared values and
// the file.
func (s *Store) Close() error {
	openMu.Lock()
	defer openMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs <= 0 {
		return nil
	}
	s.refs--
	if s.refs > 0 {
		return nil
	}
	delete(open, s.path)
	var errs []error
	for i := len(s.order) - 1; i >= 0; i-- {
		if err := s.shared[s.order[i]].Close(); err != nil {
			errs = append(errs, err)
		}
	}
	s.shared, s.order = nil, nil
	if err := s.db.Close(); err != nil {
		errs = append(errs, fmt.Errorf("store: close %s: %w", s.path, err))
	}
	s.lock.release()
	return errors.Join(errs...)
}

// Exists reports whether dir holds a database file.
func Exists(dir string) bool {
	_, err := os.Stat(Path(dir))
	return !errors.Is(err, fs.ErrNotExist)
}

// Compact rewrites dir/cavra.db into a new file holding only live data and
// swaps it in, since bbolt files never shrink. No one may hold the file
// open meanwhile: not this process (an error) and not another (ErrInUse).
// It returns the file's size before and after.
func Compact(dir string, opts *Options) (before, after int64, err error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return 0, 0, fmt.Errorf("store: %w", err)
	}
	path := Path(abs)
	openMu.Lock()
	defer openMu.Unlock()
	if open[path] != nil {
		return 0, 0, fmt.Errorf("store: compact: %s is open in this process", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	src, err := openBolt(path, &bolt.Options{Timeout: o.Timeout})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return 0, 0, fmt.Errorf("store: %s: %w", abs, ErrInUse)
		}
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	defer src.Close()
	tmp := path + ".compact"
	_ = os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: o.Timeout})
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	if err := bolt.Compact(dst, src, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	// Swap while the source's lock is still held.
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	nfi, err := os.Stat(path)
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	return fi.Size(), nfi.Size(), nil
}

// EnsureBuckets creates the named top-level buckets that do not exist yet.
// It writes (and so syncs) only when one is missing, so opening an existing
// database for one decision does not pay for an empty commit.
func EnsureBuckets(db *bolt.DB, names ...[]byte) error {
	missing := false
	if err := db.View(func(tx *bolt.Tx) error {
		for _, n := range names {
			if tx.Bucket(n) == nil {
				missing = true
			}
		}
		return nil
	}); err != nil {
		return err
	}
	if !missing || db.IsReadOnly() {
		return nil
	}
	return db.Update(func(tx *bolt.Tx) error {
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return err
			}
		}
		return nil
	})
}
