package confine

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cavra-dev/cavra/internal/canonjson"
	"github.com/cavra-dev/cavra/internal/glob"
	"github.com/cavra-dev/cavra/policy"
)

// ProfileFormat names the layout of a Profile's JSON.
const ProfileFormat = "cavra.confine.v1"

// MetadataRanges are the cloud instance-metadata addresses, which every
// profile denies: a confined command must not fetch the machine's cloud
// credentials. AWS/GCP/Azure/OpenStack (169.254.169.254, and the whole
// link-local range), AWS ECS task credentials (169.254.170.2, inside it),
// AWS IMDS over IPv6 and Alibaba Cloud.
var MetadataRanges = []string{"169.254.0.0/16", "fd00:ec2::254/128", "100.100.100.200/32"}

// Scope says where a path rule applies.
type Scope string

// Scopes of a path rule.
const (
	// ScopeExact: Path is one absolute path (it may hold glob characters).
	ScopeExact Scope = "exact"
	// ScopeAnywhere: the pattern names a file in any directory (".env",
	// "**/id_rsa"); Path is the pattern under the project and it applies
	// outside the project too.
	ScopeAnywhere Scope = "anywhere"
)

// PathRule is one filesystem pattern of the policy, made absolute.
type PathRule struct {
	// Pattern is the pattern as the policy writes it.
	Pattern string `json:"pattern"`
	// Path is the pattern made absolute: "~/" expanded with the home
	// directory, a project-relative pattern joined to the project. It may
	// hold glob characters (Glob).
	Path string `json:"path"`
	// Scope is where the rule applies.
	Scope Scope `json:"scope"`
	// Glob reports that Path holds glob characters. Landlock grants inodes,
	// not patterns: such a rule is enforced by not granting what it matches
	// where confine enumerates directories (see Profile.Grants), and elsewhere only
	// by the policy's decision before the command runs.
	Glob bool `json:"glob,omitempty"`

	g glob.Path
}

// Network is what a confined command may reach.
type Network struct {
	// Unrestricted: no network restriction beyond DeniedRanges (which
	// Landlock cannot express: it restricts ports, not addresses).
	Unrestricted bool `json:"unrestricted,omitempty"`
	// ConnectTCP are the TCP ports a command may connect to (Landlock
	// ABI 4 and later). The default is 443 only: cloud metadata services
	// answer on port 80, so it is refused even where addresses cannot be.
	ConnectTCP []uint16 `json:"connect_tcp"`
	// BindTCP are the TCP ports a command may listen on.
	BindTCP []uint16 `json:"bind_tcp,omitempty"`
	// DeniedRanges are the address ranges no command may reach: always
	// MetadataRanges. For sandboxes that filter by address (Claude Code's
	// deniedDomains); Landlock has no address rules.
	DeniedRanges []string `json:"denied_ranges"`
	// AllowedDomains, when set, are the only hosts a command may reach
	// (for sandboxes with a filtering proxy; Landlock has no host rules).
	AllowedDomains []string `json:"allowed_domains,omitempty"`
}

// Profile is a neutral confinement derived from a compiled policy: what a
// command may read, write and reach while it runs. The Landlock runner in
// this package enforces it; adapters map it onto agents' own sandboxes
// (Claude Code's sandbox.filesystem.denyRead/denyWrite/allowWrite and
// sandbox.network). A Profile is plain data; Digest identifies it in
// evidence.
type Profile struct {
	Format string `json:"format"`
	// Policy is the digest of the compiled policy it was derived from.
	Policy string `json:"policy"`
	// Project is the project directory: readable and writable, except
	// DenyWrite and Protected below it.
	Project string `json:"project"`
	// Home is the home directory. It is never granted whole: only the
	// entries that hold nothing DenyRead names are readable.
	Home string `json:"home"`
	// System are directories readable and executable whole (/usr, /lib,
	// /etc…).
	System []string `json:"system"`
	// DenyRead are the policy's filesystem.block_read patterns: keys,
	// cloud credentials, .env files, kubeconfig, shell histories…
	DenyRead []PathRule `json:"deny_read"`
	// DenyWrite are filesystem.block_write and require_approval_write: a
	// confined command cannot ask for approval, so it may not write them.
	DenyWrite []PathRule `json:"deny_write"`
	// Protected are CAVRA's own paths (its state directory, the hook
	// binary, the agents' settings files): never writable.
	Protected []string `json:"protected"`
	// Writable are the directories a command may write besides the
	// project: temporary directories and build caches.
	Writable []string `json:"writable"`
	// Network is what a command may reach.
	Network Network `json:"network"`
	// Required: refuse to run a command when the kernel offers no
	// confinement. The default; Options.BestEffort clears it.
	Required bool `json:"required"`
}

// Options are the facts a Profile needs that a policy does not hold. The
// zero value is usable: the working directory is the project, the user's
// home and the usual caches are taken from the environment.
type Options struct {
	// Project is the project directory; "" means the working directory.
	Project string
	// Home is the home directory; "" means os.UserHomeDir.
	Home string
	// Protected are CAVRA's own paths: its state directory, the hook
	// binary, the agents' settings files. The root package knows them
	// (cavra's self-protection); confine takes them as input.
	Protected []string
	// Writable are more directories to make writable (build caches). nil
	// means DefaultWritable.
	Writable []string
	// ConnectTCP are the TCP ports a command may connect to; nil means
	// 443 only.
	ConnectTCP []uint16
	// BindTCP are the TCP ports a command may listen on.
	BindTCP []uint16
	// NetworkUnrestricted lifts the port restriction.
	NetworkUnrestricted bool
	// AllowedDomains, when set, limits the hosts (see Network).
	AllowedDomains []string
	// BestEffort runs a command unconfined, and says so, when the kernel
	// offers no Landlock. Without it such a run is refused.
	BestEffort bool
}

// System directories readable whole. Landlock cannot carve /etc/shadow out
// of /etc: confine enumerates /etc instead when a DenyRead rule names a
// path inside it (see Profile.Grants).
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt", "/proc", "/sys", "/run", "/var/lib", "/nix"}

// DefaultWritable returns the temporary directories and build caches a
// routine build or test run writes, for home: TMPDIR, /tmp, /var/tmp, and
// the Go, npm, pip, cargo and generic caches (GOCACHE, GOMODCACHE,
// GOPATH/pkg and XDG_CACHE_HOME when set). A cache directory that a
// DenyRead or DenyWrite rule reaches into is dropped from the profile.
func DefaultWritable(home string) []string {
	l := []string{os.TempDir(), "/tmp", "/var/tmp"}
	for _, v := range []string{"GOCACHE", "GOMODCACHE", "XDG_CACHE_HOME", "npm_config_cache"} {
		if d := os.Getenv(v); d != "" {
			l = append(l, d)
		}
	}
	if d := os.Getenv("GOPATH"); d != "" {
		for _, p := range filepath.SplitList(d) {
			l = append(l, filepath.Join(p, "pkg"))
		}
	}
	if home != "" {
		for _, d := range []string{".cache", "go/pkg", ".npm", ".yarn/cache", ".cargo/registry", ".cargo/git", ".m2/repository", ".gradle/caches"} {
			l = append(l, filepath.Join(home, d))
		}
	}
	return l
}

// FromPolicy derives the confinement profile of a compiled policy. It reads
// the environment only for what opts leaves empty, and no file.
func FromPolicy(set *policy.Set, opts Options) (Profile, error) {
	if set == nil {
		return Profile{}, errors.New("confine: nil policy set")
	}
	p := Profile{Format: ProfileFormat, Policy: set.Digest(), Required: !opts.BestEffort}
	var err error
	if p.Project, err = absDir(opts.Project, os.Getwd); err != nil {
		return Profile{}, fmt.Errorf("confine: project: %w", err)
	}
	if p.Home, err = absDir(opts.Home, os.UserHomeDir); err != nil {
		return Profile{}, fmt.Errorf("confine: home: %w", err)
	}
	fs := set.Filesystem()
	if p.DenyRead, err = pathRules(fs.BlockRead, p.Project, p.Home); err != nil {
		return Profile{}, err
	}
	deny := append(append([]policy.Entry(nil), fs.BlockWrite...), fs.RequireApprovalWrite...)
	if p.DenyWrite, err = pathRules(deny, p.Project, p.Home); err != nil {
		return Profile{}, err
	}
	for _, s := range opts.Protected {
		if s == "" {
			continue
		}
		if !filepath.IsAbs(s) {
			s = filepath.Join(p.Project, s)
		}
		p.Protected = append(p.Protected, filepath.Clean(s))
	}
	p.Protected = sortedSet(p.Protected)
	p.System = append([]string(nil), systemDirs...)

	w := opts.Writable
	if w == nil {
		w = DefaultWritable(p.Home)
	}
	for _, d := range w {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		d = filepath.Clean(d)
		if d == "/" || d == p.Home || p.reachesInto(d) {
			continue // granting it would grant a denied or protected path
		}
		p.Writable = append(p.Writable, d)
	}
	p.Writable = sortedSet(p.Writable)

	p.Network = Network{
		Unrestricted:   opts.NetworkUnrestricted,
		ConnectTCP:     opts.ConnectTCP,
		BindTCP:        opts.BindTCP,
		DeniedRanges:   append([]string(nil), MetadataRanges...),
		AllowedDomains: sortedSet(append([]string(nil), opts.AllowedDomains...)),
	}
	if p.Network.ConnectTCP == nil {
		p.Network.ConnectTCP = []uint16{443}
	}
	p.Network.ConnectTCP = sortedSet(append([]uint16(nil), p.Network.ConnectTCP...))
	p.Network.BindTCP = sortedSet(append([]uint16(nil), p.Network.BindTCP...))
	return p, nil
}

// Digest returns "sha256:" and the hex SHA-256 of the profile's canonical
// JSON: the same profile always has the same digest.
func (p *Profile) Digest() string {
	b, err := canonjson.Marshal(p)
	if err != nil {
		return "" // cannot happen: a Profile is plain data
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// DeniesRead reports whether a DenyRead rule matches the absolute path.
func (p *Profile) DeniesRead(abs string) bool { return matchAny(p.DenyRead, abs, p.Project, p.Home) }

// DeniesWrite reports whether a DenyWrite rule or a protected path matches
// the absolute path (a protected directory covers what is below it).
func (p *Profile) DeniesWrite(abs string) bool {
	abs = filepath.Clean(abs)
	for _, s := range p.Protected {
		if abs == s || strings.HasPrefix(abs, s+"/") {
			return true
		}
	}
	return matchAny(p.DenyWrite, abs, p.Project, p.Home)
}

// reachesInto reports whether granting dir whole would grant a path that
// a DenyRead or DenyWrite rule or Protected names by an anchored pattern.
func (p *Profile) reachesInto(dir string) bool {
	if p.DeniesRead(dir) || p.DeniesWrite(dir) {
		return true
	}
	for _, s := range p.Protected {
		if strings.HasPrefix(s, dir+"/") {
			return true
		}
	}
	for _, l := range [][]PathRule{p.DenyRead, p.DenyWrite} {
		for i := range l {
			if l[i].Scope == ScopeExact && !anyDotDir(l[i].Pattern) && ancestorOf(&l[i], dir, p.Project, p.Home) {
				return true
			}
		}
	}
	return false
}

// compiled returns the rule's glob, compiling Pattern when the rule came
// from JSON rather than FromPolicy.
func (r *PathRule) compiled() *glob.Path {
	if r.g.String() == "" {
		g, _ := glob.CompilePath(r.Pattern) // a bad pattern matches nothing
		return &g
	}
	return &r.g
}

func pathRules(l []policy.Entry, project, home string) ([]PathRule, error) {
	out := make([]PathRule, 0, len(l))
	seen := map[string]bool{}
	for _, e := range l {
		if seen[e.Pattern] {
			continue
		}
		seen[e.Pattern] = true
		g, err := glob.CompilePath(e.Pattern)
		if err != nil {
			return nil, fmt.Errorf("confine: %w", err)
		}
		r := PathRule{Pattern: e.Pattern, Scope: ScopeExact, g: g}
		pat := strings.TrimSpace(e.Pattern)
		switch g.Anchor() {
		case glob.Home:
			r.Path = filepath.Join(home, strings.TrimPrefix(pat, "~/"))
		case glob.Root:
			r.Path = filepath.Clean(pat)
		default:
			pat = strings.TrimPrefix(pat, "./")
			if !strings.Contains(strings.TrimRight(pat, "/"), "/") {
				pat = "**/" + pat
			}
			if strings.HasPrefix(pat, "**/") {
				r.Scope = ScopeAnywhere
			}
			r.Path = filepath.Join(project, pat)
		}
		if strings.HasSuffix(pat, "/") {
			r.Path += "/**"
		}
		r.Glob = glob.HasMeta(r.Path)
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b PathRule) int { return strings.Compare(a.Pattern, b.Pattern) })
	return out, nil
}

// forms returns the path as the rule's glob matches it: relative to its
// anchor. "" when it is not under the anchor.
func forms(r *PathRule, abs, project, home string) []string {
	switch r.compiled().Anchor() {
	case glob.Home:
		if rel, ok := within(home, abs); ok && rel != "" {
			return []string{rel}
		}
		return nil
	case glob.Root:
		return []string{strings.TrimPrefix(abs, "/")}
	}
	// Relative patterns apply inside the project and, as the policy does
	// (policy/paths.go), to absolute paths outside it.
	if rel, ok := within(project, abs); ok && rel != "" {
		return []string{rel}
	}
	return []string{strings.TrimPrefix(abs, "/")}
}

func matchAny(l []PathRule, abs, project, home string) bool {
	abs = filepath.Clean(abs)
	for i := range l {
		for _, f := range forms(&l[i], abs, project, home) {
			if g := l[i].compiled(); g.Match(f) {
				return true
			}
		}
	}
	return false
}

func ancestorOf(r *PathRule, dir, project, home string) bool {
	g := r.compiled()
	if g.Anchor() == glob.Home {
		if _, ok := within(dir, home); ok {
			return true // the home directory or above it
		}
	}
	for _, f := range forms(r, dir, project, home) {
		if g.MatchAncestor(f) {
			return true
		}
	}
	return false
}

func within(root, p string) (string, bool) {
	if root == "" {
		return "", false
	}
	if p == root {
		return "", true
	}
	if root == "/" {
		return p[1:], true
	}
	if strings.HasPrefix(p, root+"/") {
		return p[len(root)+1:], true
	}
	return "", false
}

func absDir(d string, def func() (string, error)) (string, error) {
	if d == "" {
		var err error
		if d, err = def(); err != nil {
			return "", err
		}
	}
	d, err := filepath.Abs(d)
	if err != nil {
		return "", err
	}
	return filepath.Clean(d), nil
}

func sortedSet[T string | uint16](l []T) []T {
	if len(l) == 0 {
		return []T{}
	}
	slices.Sort(l)
	return slices.Compact(l)
}

// anyDotDir reports a pattern that names files by their name in any dot
// directory of the home directory (~/.*/**/*credentials): it reaches into
// every cache there, and would take them all away from a build. The kernel
// still denies what it matches outside the caches granted, and the hook
// decides every read of the agent's own tools by the pattern.
func anyDotDir(pattern string) bool {
	return strings.HasPrefix(pattern, "~/.*/")
}
