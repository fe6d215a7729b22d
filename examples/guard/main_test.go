package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExample runs the example with its state directory and witness in
// temporary directories and checks what it prints.
func TestExample(t *testing.T) {
	t.Setenv("CAVRA_HOME", t.TempDir())
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Chdir(t.TempDir())
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	main()
	os.Stdout = stdout
	w.Close()
	b, _ := io.ReadAll(r)
	out := string(b)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d lines, want 7:\n%s", len(lines), out)
	}
	for i, want := range []string{"allow", "block", "", "allow", "block", "block", ""} {
		if want != "" && !strings.Contains(lines[i], " "+want+" ") {
			t.Errorf("line %d: %q, want %s", i+1, lines[i], want)
		}
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("CAVRA_HOME"), "cavra.db")); err != nil {
		t.Errorf("no evidence database: %v", err)
	}
}
