package approval_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cavra-dev/cavra/approval"
)

func TestPassphraseHash(t *testing.T) {
	t.Parallel()
	pass := []byte("correct horse battery")
	h, err := approval.HashPassphrase(pass, approval.MinKDFParams)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Verify(pass); err != nil {
		t.Fatalf("the enrolled passphrase: %v", err)
	}
	for _, wrong := range []string{"", "correct horse batterY", "correct horse battery ", "x"} {
		err := h.Verify([]byte(wrong))
		if !errors.Is(err, approval.ErrPassphrase) || !errors.Is(err, approval.ErrUnauthenticated) {
			t.Errorf("%q: %v, want ErrPassphrase", wrong, err)
		}
	}
	again, _ := approval.HashPassphrase(pass, approval.MinKDFParams)
	if bytes.Equal(again.Salt, h.Salt) || bytes.Equal(again.Hash, h.Hash) {
		t.Error("two enrollments share a salt")
	}

	path := filepath.Join(t.TempDir(), "keys", "approval", approval.PassphraseFile)
	if _, err := approval.ReadPassphrase(path); !errors.Is(err, approval.ErrNotEnrolled) {
		t.Fatalf("missing file: %v, want ErrNotEnrolled", err)
	}
	if err := approval.WritePassphrase(path, h); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, pass) {
		t.Fatalf("the file holds the passphrase:\n%s", data)
	}
	got, err := approval.ReadPassphrase(path)
	if err != nil || got.Verify(pass) != nil {
		t.Fatalf("read back: %v", err)
	}
}

func TestPassphraseRefusals(t *testing.T) {
	t.Parallel()
	if _, err := approval.HashPassphrase([]byte("short"), approval.MinKDFParams); err == nil {
		t.Error("a 5-character passphrase was accepted")
	}
	weak := approval.KDFParams{Time: 1, Memory: 1024, Threads: 1}
	if _, err := approval.HashPassphrase([]byte("long enough passphrase"), weak); err == nil {
		t.Error("parameters below the minimum were accepted")
	}
	h, err := approval.HashPassphrase([]byte("long enough passphrase"), approval.MinKDFParams)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal(h)
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(good, &m)
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	for name, data := range map[string][]byte{
		"weakened": edit(func(m map[string]any) { m["params"] = map[string]any{"time": 1, "memory_kib": 8, "threads": 1} }),
		"costly": edit(func(m map[string]any) {
			m["params"] = map[string]any{"time": 1000, "memory_kib": 1 << 30, "threads": 1}
		}),
		"other kdf": edit(func(m map[string]any) { m["kdf"] = "sha256" }),
		"no salt":   edit(func(m map[string]any) { delete(m, "salt") }),
		"unknown":   edit(func(m map[string]any) { m["passphrase"] = "x" }),
		"trailing":  append(append([]byte{}, good...), []byte(" {}")...),
		"empty":     nil,
	} {
		if _, err := approval.ParsePassphrase(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := approval.ParsePassphrase(good); err != nil {
		t.Fatalf("the good file: %v", err)
	}
}
