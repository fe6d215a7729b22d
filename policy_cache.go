package cavra

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/cavra-dev/cavra/policy"
)

// The compiled policy is cached in the state directory as a snapshot (see
// policy.Set.Snapshot), keyed by everything it is compiled from: this
// binary (path, size, modification time, module version — the bundled packs
// are inside it), the pack references, and the bytes of every pack file in
// the policy directories and of every pack named by path. A process that
// opens the policy for one decision (a coding-agent hook) then loads it in a
// few milliseconds instead of parsing YAML and CEL. Any change to an input
// is a new key; a snapshot that does not load is ignored and rebuilt.
const policyCacheDir = "cache"

// policyCacheKey returns the cache key for compiling packs from dirs, or ""
// when an input cannot be read (then nothing is cached).
func policyCacheKey(packs, dirs []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", policy.SnapshotFormat)
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	st, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00", exe, st.Size(), st.ModTime().UnixNano())
	if bi, ok := debug.ReadBuildInfo(); ok {
		fmt.Fprintf(h, "%s\x00", bi.Main.Version)
	}
	fmt.Fprintf(h, "packs\x00%s\x00", strings.Join(packs, "\x00"))
	for _, d := range dirs {
		fmt.Fprintf(h, "dir\x00%s\x00", d)
		entries, err := os.ReadDir(d)
		if err != nil {
			return ""
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if e.IsDir() {
				names = append(names, e.Name())
			}
		}
		sort.Strings(names)
		for _, n := range names {
			for _, f := range []string{"policy.yaml", "policy.yml", "policy.json"} {
				if !hashFile(h, filepath.Join(d, n, f)) {
					continue
				}
				break
			}
		}
	}
	for _, ref := range packs {
		if policy.IsPackID(ref) {
			if _, err := os.Stat(ref); err != nil {
				continue // an id, not a path
			}
		}
		p := ref
		if st, err := os.Stat(ref); err == nil && st.IsDir() {
			p = filepath.Join(ref, "policy.yaml")
		}
		abs, _ := filepath.Abs(p)
		fmt.Fprintf(h, "ref\x00%s\x00", abs)
		if !hashFile(h, p) {
			return ""
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// hashFile writes a file's name and bytes into h; false when it cannot be read.
func hashFile(h io.Writer, path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	fmt.Fprintf(h, "file\x00%s\x00%d\x00", path, len(b))
	h.Write(b)
	return true
}

func (g *Guard) policyCachePath(key string) string {
	return filepath.Join(g.home, policyCacheDir, "policy-"+key+".snapshot")
}

// loadCachedPolicy returns the cached compiled policy for key, or nil.
func (g *Guard) loadCachedPolicy(key string) *policy.Set {
	if key == "" {
		return nil
	}
	data, err := os.ReadFile(g.policyCachePath(key))
	if err != nil {
		return nil
	}
	set, err := policy.LoadSnapshot(data)
	if err != nil {
		return nil
	}
	return set
}

// storeCachedPolicy writes the snapshot of set under key (best effort: a
// cache that cannot be written only costs time).
func (g *Guard) storeCachedPolicy(key string, set *policy.Set) {
	if key == "" {
		return
	}
	data, err := set.Snapshot()
	if err != nil {
		return
	}
	dir := filepath.Join(g.home, policyCacheDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".policy-*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), g.policyCachePath(key)) != nil {
		os.Remove(tmp.Name())
	}
}
