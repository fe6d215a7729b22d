package mcp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/policy"
)

// policyCache compiles the policy the way a Guard does (flags over
// config.yaml; CAVRA_POLICY_DIR, config.yaml's and the flags' policy
// directories) and keeps it until one of its sources changes. Compiling
// costs tens of milliseconds; checking the sources costs a few stat calls.
type policyCache struct {
	home  string
	packs []string
	dirs  []string
	mode  cavra.Mode

	mu   sync.Mutex
	key  string
	snap *snapshot
}

// snapshot is one compiled policy with the settings it was compiled under.
type snapshot struct {
	set  *policy.Set
	mode cavra.Mode // "" means the set's standing mode
	dirs []string   // the policy directories, config.yaml's and the flags'
}

// effectiveMode is the mode decisions are made in.
func (s *snapshot) effectiveMode() cavra.Mode {
	if s.mode != "" {
		return s.mode
	}
	return s.set.Mode()
}

func newPolicyCache(home string, packs, dirs []string, mode cavra.Mode) *policyCache {
	return &policyCache{home: home, packs: packs, dirs: dirs, mode: mode}
}

// get returns the current policy, recompiling it when its sources changed.
// An error (a malformed config.yaml, a pack that does not compile) is not
// cached: the next call tries again.
func (c *policyCache) get() (*snapshot, error) {
	cfg, err := cavra.LoadConfig(c.home)
	if err != nil {
		return nil, err
	}
	snap := &snapshot{mode: c.mode, dirs: append(append([]string(nil), cfg.PolicyDirs...), c.dirs...)}
	if snap.mode == "" {
		snap.mode = cfg.Mode
	}
	packs := c.packs
	if len(packs) == 0 {
		packs = cfg.Packs
	}
	key := sourcesKey(c.home, packs, snap.dirs, snap.mode)

	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap != nil && key != "" && key == c.key {
		return c.snap, nil
	}
	lib, err := cavra.PolicyLibrary(snap.dirs)
	if err != nil {
		return nil, err
	}
	if snap.set, err = lib.Compile(packs...); err != nil {
		return nil, err
	}
	c.key, c.snap = key, snap
	return snap, nil
}

// library returns the packs available under the current configuration.
func (c *policyCache) library() (*policy.Library, error) {
	cfg, err := cavra.LoadConfig(c.home)
	if err != nil {
		return nil, err
	}
	return cavra.PolicyLibrary(append(append([]string(nil), cfg.PolicyDirs...), c.dirs...))
}

// sourcesKey fingerprints everything a compiled policy depends on: the
// settings, config.yaml, and the size and modification time of every file
// under the policy directories and of packs named by path. An unreadable
// source gives "", which matches nothing, so nothing stale is used.
func sourcesKey(home string, packs, dirs []string, mode cavra.Mode) string {
	h := sha256.New()
	ok := true
	fmt.Fprintf(h, "mode\x00%s\x00env\x00%s\x00", mode, os.Getenv("CAVRA_POLICY_DIR"))
	for _, p := range packs {
		fmt.Fprintf(h, "pack\x00%s\x00", p)
	}
	stat(h, filepath.Join(home, cavra.ConfigFile))
	walk := func(root string) {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				stat(h, path)
			}
			return nil
		})
		if err != nil {
			ok = false
		}
	}
	for _, d := range append(filepathList(os.Getenv("CAVRA_POLICY_DIR")), dirs...) {
		walk(d)
	}
	for _, p := range packs {
		if policy.IsPackID(p) {
			if _, err := os.Stat(p); err != nil {
				continue // an id, not a path
			}
		}
		walk(p)
	}
	if !ok {
		return ""
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stat adds a file's name, size and modification time (or its absence).
func stat(h hash.Hash, path string) {
	fi, err := os.Stat(path)
	if err != nil {
		fmt.Fprintf(h, "missing\x00%s\x00", path)
		return
	}
	fmt.Fprintf(h, "file\x00%s\x00%d\x00%d\x00", path, fi.Size(), fi.ModTime().UnixNano())
}

func filepathList(s string) []string {
	var out []string
	for _, p := range filepath.SplitList(s) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}
