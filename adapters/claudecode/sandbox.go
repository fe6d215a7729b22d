package claudecode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cavra-dev/cavra/confine"
)

// Sandbox is the `sandbox` object of a Claude Code settings file, as CAVRA
// writes it from a confinement profile (keys verified against Claude Code
// 2.1.332: a settings file with an unknown or mistyped key is ignored
// whole).
type Sandbox struct {
	Enabled                  bool              `json:"enabled"`
	FailIfUnavailable        bool              `json:"failIfUnavailable"`
	AllowUnsandboxedCommands bool              `json:"allowUnsandboxedCommands"`
	Filesystem               SandboxFilesystem `json:"filesystem"`
	Network                  *SandboxNetwork   `json:"network,omitempty"`
}

// SandboxFilesystem is Sandbox's filesystem object. Paths are absolute, or
// relative to the settings file's root (the project for project settings).
type SandboxFilesystem struct {
	DenyRead   []string `json:"denyRead,omitempty"`
	AllowWrite []string `json:"allowWrite,omitempty"`
	DenyWrite  []string `json:"denyWrite,omitempty"`
}

// SandboxNetwork is Sandbox's network object.
type SandboxNetwork struct {
	AllowedDomains []string `json:"allowedDomains,omitempty"`
	DeniedDomains  []string `json:"deniedDomains"`
}

// SandboxSettings maps a confinement profile onto Claude Code's sandbox,
// split in two by where each setting can hold:
//
//   - user, for ~/.claude/settings.json: the switches (enabled,
//     failIfUnavailable, allowUnsandboxedCommands false), the paths the
//     profile names absolutely (keys and credentials under the home
//     directory, CAVRA's state, the hook binary, the agents' user
//     settings), the writable caches and temporary directories, and the
//     network denials (the cloud metadata ranges always). Nothing in it is
//     specific to one project, so installs in several projects agree.
//   - project, for the project's .claude/settings.json: the patterns that
//     apply in any directory of the project (.env files, *.pem…) and the
//     project's own protected paths, relative to the project. A project
//     file may only add to the user's denials: Claude Code ignores a
//     project's value that would loosen them.
//
// Glob patterns of the form dir/** are written as the directory; Claude
// Code on Linux expands other read globs when a command starts, and skips
// write globs (the hook still refuses those writes).
func SandboxSettings(p confine.Profile) (user, project Sandbox) {
	user = Sandbox{Enabled: true, FailIfUnavailable: true}
	project = Sandbox{Enabled: true, FailIfUnavailable: true}
	place := func(abs string, anywhere, read bool, u, pr *[]string) {
		abs = strings.TrimSuffix(abs, "/**")
		rel, in := under(p.Project, abs)
		switch {
		case strings.HasPrefix(abs, "/proc/"):
			// Sandboxed commands get a /proc of their own PID namespace;
			// and a glob there (/proc/*/environ), expanded when a command
			// starts, names processes that may be gone when bwrap mounts
			// it, which fails the command.
		case in && rel == "":
			// the project itself: never denied whole
		case in && anywhere && !read:
			*pr = append(*pr, rel) // write globs outside the project would be skipped on Linux anyway
		case in && anywhere:
			*pr = append(*pr, rel)
			// Outside the project, a pattern for any directory is written
			// for the home directory and the directories just below it
			// (~/.ssh/id_rsa, ~/.env): where such files are kept. A deeper
			// copy elsewhere is left to the hook's decision.
			rest := strings.TrimPrefix(rel, "**/")
			*u = append(*u, filepath.Join(p.Home, rest), filepath.Join(p.Home, "*", rest), filepath.Join(p.Home, ".*", rest))
		case in:
			*pr = append(*pr, rel)
		default:
			*u = append(*u, abs)
		}
	}
	for _, r := range p.DenyRead {
		place(r.Path, r.Scope == confine.ScopeAnywhere, true, &user.Filesystem.DenyRead, &project.Filesystem.DenyRead)
	}
	for _, r := range p.DenyWrite {
		place(r.Path, r.Scope == confine.ScopeAnywhere, false, &user.Filesystem.DenyWrite, &project.Filesystem.DenyWrite)
	}
	for _, s := range p.Protected {
		place(s, false, false, &user.Filesystem.DenyWrite, &project.Filesystem.DenyWrite)
	}
	for _, w := range p.Writable {
		if _, ok := under(p.Project, w); !ok {
			user.Filesystem.AllowWrite = append(user.Filesystem.AllowWrite, w)
		}
	}
	user.Network = &SandboxNetwork{
		AllowedDomains: slices.Clone(p.Network.AllowedDomains),
		DeniedDomains:  slices.Clone(p.Network.DeniedRanges),
	}
	for _, l := range []*[]string{&user.Filesystem.DenyRead, &user.Filesystem.DenyWrite, &user.Filesystem.AllowWrite,
		&project.Filesystem.DenyRead, &project.Filesystem.DenyWrite, &user.Network.DeniedDomains, &user.Network.AllowedDomains} {
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
	return user, project
}

// under returns p relative to root when p is root or below it.
func under(root, p string) (string, bool) {
	if root == "" {
		return "", false
	}
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", false
	}
	if rel == "." {
		rel = ""
	}
	return rel, true
}

// InstallSandbox sets the `sandbox` key of a Claude Code settings file to s,
// keeping every other key as it was. CAVRA owns the whole key: re-running
// it after a policy change replaces what an earlier run wrote.
func InstallSandbox(settings []byte, s Sandbox) ([]byte, bool, error) {
	doc, err := parseObject(settings)
	if err != nil {
		return nil, false, err
	}
	v, err := marshal(s)
	if err != nil {
		return nil, false, err
	}
	if old, ok := doc.get("sandbox"); ok && jsonEqual(old, v) {
		return settings, false, nil
	}
	doc.set("sandbox", v)
	next, err := doc.render()
	return next, err == nil, err
}

// UninstallSandbox removes the `sandbox` key when it is the one CAVRA
// would write (enabled, failIfUnavailable, no unsandboxed escape); a
// sandbox configured otherwise is left.
func UninstallSandbox(settings []byte) ([]byte, bool, error) {
	doc, err := parseObject(settings)
	if err != nil {
		return nil, false, err
	}
	old, ok := doc.get("sandbox")
	if !ok {
		return settings, false, nil
	}
	var s Sandbox
	if json.Unmarshal(old, &s) != nil || !s.Enabled || !s.FailIfUnavailable || s.AllowUnsandboxedCommands {
		return settings, false, nil
	}
	doc.del("sandbox")
	next, err := doc.render()
	return next, err == nil, err
}

// SandboxEmpty reports whether a settings file holds nothing but what
// CAVRA writes into it (its sandbox, its hooks).
func SandboxEmpty(settings []byte) bool {
	doc, err := parseObject(settings)
	return err == nil && doc.len() == 0
}

// SandboxOf returns the `sandbox` key of a settings file, nil when there
// is none.
func SandboxOf(settings []byte) (json.RawMessage, error) {
	doc, err := parseObject(settings)
	if err != nil {
		return nil, err
	}
	v, ok := doc.get("sandbox")
	if !ok {
		return nil, nil
	}
	return v, nil
}

// SandboxDiff compares the `sandbox` key of a settings file with want;
// it lists what differs ("" for each list key: wanted and found), empty
// when they agree.
func SandboxDiff(settings []byte, want Sandbox) ([]string, error) {
	raw, err := SandboxOf(settings)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return []string{"no sandbox key"}, nil
	}
	var got Sandbox
	if err := json.Unmarshal(raw, &got); err != nil {
		return []string{"sandbox: " + err.Error()}, nil
	}
	var d []string
	flag := func(name string, g, w bool) {
		if g != w {
			d = append(d, fmt.Sprintf("%s is %v, want %v", name, g, w))
		}
	}
	flag("sandbox.enabled", got.Enabled, want.Enabled)
	flag("sandbox.failIfUnavailable", got.FailIfUnavailable, want.FailIfUnavailable)
	flag("sandbox.allowUnsandboxedCommands", got.AllowUnsandboxedCommands, want.AllowUnsandboxedCommands)
	list := func(name string, g, w []string) {
		var missing, extra []string
		for _, x := range w {
			if !slices.Contains(g, x) {
				missing = append(missing, x)
			}
		}
		for _, x := range g {
			if !slices.Contains(w, x) {
				extra = append(extra, x)
			}
		}
		if len(missing) > 0 {
			d = append(d, fmt.Sprintf("%s lacks %s", name, strings.Join(missing, ", ")))
		}
		if len(extra) > 0 {
			d = append(d, fmt.Sprintf("%s has %s, which the policy does not", name, strings.Join(extra, ", ")))
		}
	}
	list("sandbox.filesystem.denyRead", got.Filesystem.DenyRead, want.Filesystem.DenyRead)
	list("sandbox.filesystem.denyWrite", got.Filesystem.DenyWrite, want.Filesystem.DenyWrite)
	list("sandbox.filesystem.allowWrite", got.Filesystem.AllowWrite, want.Filesystem.AllowWrite)
	var gn, wn SandboxNetwork
	if got.Network != nil {
		gn = *got.Network
	}
	if want.Network != nil {
		wn = *want.Network
	}
	list("sandbox.network.deniedDomains", gn.DeniedDomains, wn.DeniedDomains)
	list("sandbox.network.allowedDomains", gn.AllowedDomains, wn.AllowedDomains)
	return d, nil
}

func jsonEqual(a, b []byte) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return false
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// SandboxLoosening lists what a project's settings file sets that would
// switch off or loosen the sandbox: enabled false, allowUnsandboxedCommands
// true, failIfUnavailable false, excluded commands, and paths it opens
// (allowRead, allowWrite, allowedDomains). Claude Code 2.1.332 lets a
// project's values switch off a sandbox the user's settings configure.
func SandboxLoosening(settings []byte) []string {
	raw, err := SandboxOf(settings)
	if err != nil || raw == nil {
		return nil
	}
	var s struct {
		Enabled                  *bool    `json:"enabled"`
		FailIfUnavailable        *bool    `json:"failIfUnavailable"`
		AllowUnsandboxedCommands *bool    `json:"allowUnsandboxedCommands"`
		ExcludedCommands         []string `json:"excludedCommands"`
		Filesystem               struct {
			AllowRead  []string `json:"allowRead"`
			AllowWrite []string `json:"allowWrite"`
			Disabled   *bool    `json:"disabled"`
		} `json:"filesystem"`
		Network struct {
			AllowedDomains []string `json:"allowedDomains"`
		} `json:"network"`
	}
	if json.Unmarshal(raw, &s) != nil {
		return []string{"sandbox is not an object"}
	}
	var l []string
	if s.Enabled != nil && !*s.Enabled {
		l = append(l, "sandbox.enabled false")
	}
	if s.FailIfUnavailable != nil && !*s.FailIfUnavailable {
		l = append(l, "sandbox.failIfUnavailable false")
	}
	if s.AllowUnsandboxedCommands != nil && *s.AllowUnsandboxedCommands {
		l = append(l, "sandbox.allowUnsandboxedCommands true")
	}
	if s.Filesystem.Disabled != nil && *s.Filesystem.Disabled {
		l = append(l, "sandbox.filesystem.disabled true")
	}
	for name, v := range map[string][]string{"sandbox.excludedCommands": s.ExcludedCommands, "sandbox.filesystem.allowRead": s.Filesystem.AllowRead,
		"sandbox.filesystem.allowWrite": s.Filesystem.AllowWrite, "sandbox.network.allowedDomains": s.Network.AllowedDomains} {
		if len(v) > 0 {
			l = append(l, name+" "+strings.Join(v, " "))
		}
	}
	slices.Sort(l)
	return l
}
