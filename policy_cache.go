package cavra

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/cavra-dev/cavra/policy"
)

// The compiled policy is cached in the state directory as a snapshot (see
// policy.Set.Snapshot), keyed by everything it is compiled from: this
// binary (path, size, modification time, module version — the bundled packs
// are inside it), the pack references, and the bytes of every pack file in
// the policy directories and of every pack named by path. A process that
// opens the policy for one decision (a coding-agent hook) then loads it in a
// few milliseconds instead of parsing YAML and CEL. Any change to an input
// is a new key; a snapshot that does not verify or load is ignored and
// rebuilt (see policyCache), and the directory is pruned whenever an entry
// is written.
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
	return policyCache(filepath.Join(g.home, policyCacheDir)).path(key)
}

// loadCachedPolicy returns the cached compiled policy for key, or nil.
func (g *Guard) loadCachedPolicy(key string) *policy.Set {
	return policyCache(filepath.Join(g.home, policyCacheDir)).load(key, time.Now())
}

// storeCachedPolicy writes the snapshot of set under key and prunes the
// cache (best effort: a cache that cannot be written only costs time).
func (g *Guard) storeCachedPolicy(key string, set *policy.Set) {
	c := policyCache(filepath.Join(g.home, policyCacheDir))
	c.store(key, set)
	c.prune(key, time.Now())
}

// policyCache is the cache directory. Each entry is a snapshot behind a
// MAC (HMAC-SHA256 over the entry's key and the snapshot) under a random
// key kept beside the entries (snapshot.key, 0600): a snapshot whose bytes
// were changed after this code wrote them — its document kept, so that the
// policy digest still reads the same, and a rule's expression, a fact gate
// or a matcher changed — does not verify and is compiled again instead.
// It catches a damaged or half-edited entry and an edit by whoever cannot
// write the cache directory; whoever can write it can also replace the key
// beside it and re-MAC an entry. Against the agent that is the
// self-protection's job: writes into the state directory are refused
// (cavra.self.state_write). Deriving the key from the evidence signing key
// would tie the two, at the cost of reading that key in every hook process.
//
// Writers write a temporary file and rename it into place, so a reader
// sees a whole entry or none; a reader tolerates an entry removed under it
// (by prune in another process) as a miss.
type policyCache string

const (
	policyCacheMAC = sha256.Size
	// policyCacheKeep is how many entries prune keeps at most, the
	// newest used first; policyCacheUnused is how long an entry may go
	// unused before prune removes it. An entry's modification time is when
	// it was last used, refreshed by load at most once per policyCacheTouch.
	policyCacheKeep   = 8
	policyCacheUnused = 30 * 24 * time.Hour
	policyCacheTouch  = time.Hour
	// policyCacheStaleTemp is the age at which a temporary file is taken to
	// be left by a writer that died.
	policyCacheStaleTemp = time.Hour
)

func (c policyCache) path(key string) string {
	return filepath.Join(string(c), "policy-"+key+".snapshot")
}

func (c policyCache) keyPath() string { return filepath.Join(string(c), "snapshot.key") }

// macKey returns the cache's MAC key, creating it when create is set and
// there is none (or a damaged one); nil when there is none or it cannot be
// read.
func (c policyCache) macKey(create bool) []byte {
	k, err := os.ReadFile(c.keyPath())
	switch {
	case err == nil && len(k) == 32:
		return k
	case !create || (err != nil && !errors.Is(err, fs.ErrNotExist)):
		return nil
	}
	damaged := err == nil
	k = make([]byte, 32)
	rand.Read(k)
	tmp, err := os.CreateTemp(string(c), ".key-*.tmp")
	if err != nil {
		return nil
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(k)
	if cerr := tmp.Close(); werr != nil || cerr != nil {
		return nil
	}
	if !damaged {
		// Link, not rename: of two processes creating the key at once,
		// the second keeps the first one's key instead of replacing it.
		err := os.Link(tmp.Name(), c.keyPath())
		if err == nil {
			return k
		}
		if errors.Is(err, fs.ErrExist) {
			return c.macKey(false)
		}
		// No hard links here: rename, and whichever key is last wins
		// (entries under the other are rebuilt once).
	}
	if os.Rename(tmp.Name(), c.keyPath()) != nil {
		return nil
	}
	return k
}

func policyCacheSum(macKey []byte, key string, snapshot []byte) []byte {
	m := hmac.New(sha256.New, macKey)
	fmt.Fprintf(m, "%s\x00", key)
	m.Write(snapshot)
	return m.Sum(nil)
}

// load returns the cached compiled policy for key, or nil: none, removed
// meanwhile, not verified by its MAC, or not loading.
func (c policyCache) load(key string, now time.Time) *policy.Set {
	if key == "" {
		return nil
	}
	mk := c.macKey(false)
	if mk == nil {
		return nil
	}
	f, err := os.Open(c.path(key))
	if err != nil {
		return nil
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil
	}
	data := make([]byte, st.Size())
	_, err = io.ReadFull(f, data)
	f.Close()
	if err != nil || len(data) < policyCacheMAC {
		return nil
	}
	if !hmac.Equal(data[:policyCacheMAC], policyCacheSum(mk, key, data[policyCacheMAC:])) {
		return nil
	}
	set, err := policy.LoadSnapshot(data[policyCacheMAC:])
	if err != nil {
		return nil
	}
	if now.Sub(st.ModTime()) > policyCacheTouch {
		os.Chtimes(c.path(key), time.Time{}, now) // used now; gone meanwhile is fine
	}
	return set
}

// store writes the snapshot of set under key.
func (c policyCache) store(key string, set *policy.Set) {
	if key == "" {
		return
	}
	snap, err := set.Snapshot()
	if err != nil {
		return
	}
	if err := os.MkdirAll(string(c), 0o700); err != nil {
		return
	}
	mk := c.macKey(true)
	if mk == nil {
		return
	}
	tmp, err := os.CreateTemp(string(c), ".policy-*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(append(policyCacheSum(mk, key, snap), snap...))
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), c.path(key)) != nil {
		os.Remove(tmp.Name())
	}
}

// prune removes the entries beyond the policyCacheKeep most recently used
// and those unused for policyCacheUnused, never keep's, and temporary files
// a dead writer left. Another process may be reading an entry it removes:
// an open file stays readable, and one not yet opened is a miss.
func (c policyCache) prune(keep string, now time.Time) {
	des, err := os.ReadDir(string(c))
	if err != nil {
		return
	}
	type entry struct {
		name string
		used time.Time
	}
	var entries []entry
	for _, de := range des {
		n := de.Name()
		info, err := de.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue // removed meanwhile, or not ours
		}
		switch {
		case strings.HasPrefix(n, ".") && strings.HasSuffix(n, ".tmp"):
			if now.Sub(info.ModTime()) > policyCacheStaleTemp {
				os.Remove(filepath.Join(string(c), n))
			}
		case strings.HasPrefix(n, "policy-") && strings.HasSuffix(n, ".snapshot") && n != filepath.Base(c.path(keep)):
			entries = append(entries, entry{n, info.ModTime()})
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].used.After(entries[j].used) })
	for i, e := range entries {
		if i+1 >= policyCacheKeep || now.Sub(e.used) > policyCacheUnused { // keep's entry is one of the kept
			os.Remove(filepath.Join(string(c), e.name))
		}
	}
}
