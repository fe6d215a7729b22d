package store_test

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/internal/store"
)

// TestMain lets the test binary act as a second process holding the file.
func TestMain(m *testing.M) {
	if dir := os.Getenv("CAVRA_STORE_HOLD"); dir != "" {
		s, err := store.Open(dir, nil)
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString("open\n")
		_, _ = io.Copy(io.Discard, os.Stdin) // hold until the parent closes stdin
		s.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestOpenCreatesPrivateDirectory(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "state", ".cavra")
	s, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("state directory mode %04o, want 0700", st.Mode().Perm())
	}
	fi, err := os.Stat(filepath.Join(dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("database mode %04o, want 0600", fi.Mode().Perm())
	}
}

func TestOpenIsSharedInProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := store.Open(dir, &store.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(dir, &store.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("second open in the same process: %v", err)
	}
	if a != b {
		t.Fatal("second open returned another handle")
	}
	closed := 0
	v, err := a.Shared("x", func(*bolt.DB) (io.Closer, error) { return closerFunc(func() error { closed++; return nil }), nil })
	if err != nil {
		t.Fatal(err)
	}
	v2, _ := b.Shared("x", func(*bolt.DB) (io.Closer, error) { t.Fatal("created twice"); return nil, nil })
	if v == nil || v2 == nil {
		t.Fatal("nil shared value")
	}
	a.Close()
	if err := b.DB().View(func(*bolt.Tx) error { return nil }); err != nil {
		t.Fatalf("database closed while still referenced: %v", err)
	}
	b.Close()
	if closed != 1 {
		t.Fatalf("shared value closed %d times", closed)
	}
	c, err := store.Open(dir, nil) // reopens after the last close
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

func TestOpenInUseByAnotherProcess(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "CAVRA_STORE_HOLD="+dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "open\n" {
		t.Fatalf("child: %q %v", line, err)
	}
	start := time.Now()
	_, err = store.Open(dir, &store.Options{Timeout: 200 * time.Millisecond})
	if !errors.Is(err, store.ErrInUse) {
		t.Fatalf("got %v, want ErrInUse", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("open waited %s", d)
	}
	if !strings.Contains(err.Error(), "in use by another process") {
		t.Errorf("error does not say why: %v", err)
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "none")
	_, err := store.Open(dir, &store.Options{ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want fs.ErrNotExist", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("read-only open created the directory")
	}
}

func TestOpenBadFiles(t *testing.T) {
	t.Parallel()
	for name, content := range map[string][]byte{
		"empty":     {},
		"garbage":   []byte(strings.Repeat("not a database ", 1000)),
		"truncated": nil, // filled below
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if name == "truncated" {
				s, err := store.Open(dir, nil)
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
				b, _ := os.ReadFile(store.Path(dir))
				content = b[:len(b)/3]
			}
			if err := os.WriteFile(store.Path(dir), content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := store.Open(dir, &store.Options{ReadOnly: name != "empty"})
			if err == nil {
				// An empty file is initialised by bbolt; anything else must fail.
				if name != "empty" {
					t.Fatalf("opened a %s file", name)
				}
				s.Close()
			}
		})
	}
}

func TestCompact(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s, err := store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	val := make([]byte, 4096)
	err = s.DB().Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucketIfNotExists([]byte("b"))
		for i := range 500 {
			if err := b.Put([]byte{byte(i >> 8), byte(i)}, val); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.Compact(dir, nil); err == nil {
		t.Fatal("compacted a file open in this process")
	}
	_ = s.DB().Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("b"))
		for i := range 490 {
			_ = b.Delete([]byte{byte(i >> 8), byte(i)})
		}
		return nil
	})
	s.Close()
	before, after, err := store.Compact(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after >= before {
		t.Fatalf("compact: %d -> %d bytes", before, after)
	}
	s, err = store.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n := 0
	_ = s.DB().View(func(tx *bolt.Tx) error { n = tx.Bucket([]byte("b")).Stats().KeyN; return nil })
	if n != 10 {
		t.Fatalf("%d keys after compact", n)
	}
}
