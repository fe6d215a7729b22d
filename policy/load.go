package policy

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
)

//go:embed packs
var bundled embed.FS

// Bundled returns the packs that ship inside the library, laid out as
// "<id>/policy.yaml".
func Bundled() fs.FS {
	sub, err := fs.Sub(bundled, "packs")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}

// DefaultPack is the pack used when none is named.
const DefaultPack = "cavra-ai-agent-baseline"

var packIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^cavra-[a-z0-9-]+$`) })

// packFileNames are the names a pack directory's file may have, in order of preference.
var packFileNames = []string{"policy.yaml", "policy.yml", "policy.json"}

// Library holds packs by id so that references and metadata.inherits can be
// resolved. Packs added later with the same id replace earlier ones, so a
// user's policy directory can override a bundled pack. Packs added from an
// fs.FS are parsed when first needed, so a process that uses one bundled pack
// does not pay for the others. A Library is not safe for concurrent use; the
// Sets it compiles are immutable and are.
type Library struct {
	packs map[string]*Pack
	lazy  map[string]lazyPack
}

// lazyPack is a pack file registered but not yet parsed.
type lazyPack struct {
	fsys fs.FS
	file string
}

// NewLibrary returns an empty library.
func NewLibrary() *Library { return &Library{packs: map[string]*Pack{}, lazy: map[string]lazyPack{}} }

// DefaultLibrary returns a library holding the bundled packs.
func DefaultLibrary() (*Library, error) {
	l := NewLibrary()
	if err := l.AddFS(Bundled()); err != nil {
		return nil, err
	}
	return l, nil
}

// Add puts a parsed pack into the library.
func (l *Library) Add(p *Pack) {
	delete(l.lazy, p.ID())
	l.packs[p.ID()] = p
}

// Get returns the pack with the given id, parsing it first if it was
// registered from an fs.FS. An unknown id is an error naming the known ones.
func (l *Library) Get(id string) (*Pack, error) {
	if p, ok := l.packs[id]; ok {
		return p, nil
	}
	lp, ok := l.lazy[id]
	if !ok {
		return nil, fmt.Errorf("policy: unknown pack %q (known: %s)", id, strings.Join(l.IDs(), ", "))
	}
	data, err := fs.ReadFile(lp.fsys, lp.file)
	if err != nil {
		return nil, fmt.Errorf("policy: %s: %w", lp.file, err)
	}
	p, err := Parse(lp.file, data)
	if err != nil {
		return nil, err
	}
	if p.ID() != id {
		return nil, &Error{File: lp.file, Pointer: "/metadata/id", Msg: fmt.Sprintf("pack id %q does not match its directory %q", p.ID(), id)}
	}
	delete(l.lazy, id)
	l.packs[id] = p
	return p, nil
}

// Has reports whether the library knows a pack id, without parsing it.
func (l *Library) Has(id string) bool {
	_, ok := l.packs[id]
	_, lazy := l.lazy[id]
	return ok || lazy
}

// IDs returns the ids of every pack in the library, sorted.
func (l *Library) IDs() []string {
	ids := make([]string, 0, len(l.packs)+len(l.lazy))
	for id := range l.packs {
		ids = append(ids, id)
	}
	for id := range l.lazy {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// AddFS registers every pack found in fsys as "<id>/policy.yaml" (or .yml,
// .json) directly under its root; the directory name is the pack's id, as in
// the original CAVRA. Directories without a pack file are skipped. Packs are
// parsed and validated when first used (Get, Compile, RunTests).
func (l *Library) AddFS(fsys fs.FS) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("policy: reading pack directory: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		for _, name := range packFileNames {
			file := path.Join(e.Name(), name)
			if st, err := fs.Stat(fsys, file); err != nil || !st.Mode().IsRegular() {
				continue
			}
			delete(l.packs, e.Name())
			l.lazy[e.Name()] = lazyPack{fsys: fsys, file: file}
			break
		}
	}
	return nil
}

// AddDir adds the packs of a policy directory laid out as
// "<dir>/<id>/policy.yaml". Errors name the file on disk.
func (l *Library) AddDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("policy: reading policy directory: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if file := packFileIn(filepath.Join(dir, e.Name())); file != "" {
			p, err := LoadFile(file)
			if err != nil {
				return err
			}
			l.Add(p)
		}
	}
	return nil
}

func packFileIn(dir string) string {
	for _, name := range packFileNames {
		f := filepath.Join(dir, name)
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			return f
		}
	}
	return ""
}

// LoadFile reads and validates one pack file.
func LoadFile(file string) (*Pack, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if st.Size() > MaxPackSize {
		return nil, &Error{File: file, Msg: fmt.Sprintf("pack is %d bytes, larger than the %d byte limit", st.Size(), MaxPackSize)}
	}
	data := make([]byte, st.Size())
	if _, err := readFull(f, data); err != nil {
		return nil, fmt.Errorf("policy: %s: %w", file, err)
	}
	return Parse(file, data)
}

func readFull(f *os.File, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := f.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// LoadPath loads a pack from a file, or from a directory holding a pack file.
func LoadPath(p string) (*Pack, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	if st.IsDir() {
		file := packFileIn(p)
		if file == "" {
			return nil, fmt.Errorf("policy: %s: no policy.yaml, policy.yml or policy.json in directory", p)
		}
		p = file
	}
	return LoadFile(p)
}

// IsPackID reports whether ref has the form of a pack id rather than a path.
func IsPackID(ref string) bool { return packIDPattern().MatchString(ref) }

// Resolve turns a reference — a pack id known to the library, or a path to
// a pack file or directory — into a pack, adding a loaded file to the
// library so that its own inherits resolve and so it can be compiled.
func (l *Library) Resolve(ref string) (*Pack, error) {
	if l.Has(ref) {
		return l.Get(ref)
	}
	if IsPackID(ref) {
		if _, err := os.Stat(ref); err != nil {
			return nil, fmt.Errorf("policy: unknown pack %q (known: %s)", ref, strings.Join(l.IDs(), ", "))
		}
	}
	p, err := LoadPath(ref)
	if err != nil {
		return nil, err
	}
	l.Add(p)
	return p, nil
}

// Chain returns the packs that make up id with its inheritance resolved:
// parents first (depth first, in the order of metadata.inherits), each pack
// once, the pack itself last. A missing parent or a cycle is an error.
func (l *Library) Chain(id string) ([]*Pack, error) {
	var out []*Pack
	done := map[string]bool{}
	var visit func(id string, stack []string) error
	visit = func(id string, stack []string) error {
		for _, s := range stack {
			if s == id {
				return fmt.Errorf("policy: inheritance cycle: %s", strings.Join(append(stack, id), " -> "))
			}
		}
		if done[id] {
			return nil
		}
		if !l.Has(id) {
			if len(stack) == 0 {
				return fmt.Errorf("policy: unknown pack %q", id)
			}
			return fmt.Errorf("policy: pack %s inherits %q, which is not loaded (known: %s)", stack[len(stack)-1], id, strings.Join(l.IDs(), ", "))
		}
		p, err := l.Get(id)
		if err != nil {
			return err
		}
		for _, parent := range p.Metadata.Inherits {
			if err := visit(parent, append(stack, id)); err != nil {
				return err
			}
		}
		done[id] = true
		out = append(out, p)
		return nil
	}
	if err := visit(id, nil); err != nil {
		return nil, err
	}
	return out, nil
}
