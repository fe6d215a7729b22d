package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/canonjson"
)

// DocumentFormat names the layout of a compiled policy document.
const DocumentFormat = "cavra.policy.v1"

// Set is a compiled policy: one or more packs with their inheritance
// resolved and merged, list sections compiled to native matchers and rules to
// CEL programs. A Set is immutable and safe for concurrent use.
type Set struct {
	name   string // the packs asked for, comma-joined: the decision's policy_pack
	packs  []PackInfo
	doc    []byte
	digest string
	mode   decision.Mode

	blockRead, blockWrite, approvalWrite  []fileEntry
	cmdBlock, cmdApproval, cmdAllow       []cmdEntry
	cmdBlockIx, cmdApprovalIx, cmdAllowIx *cmdIndex
	cmdUnsandboxed                        []cmdEntry
	cmdDefault                            decision.Outcome
	cmdEffect                             bool // commands.default: effect (see effects.go)

	protected       []string
	blockDirectPush bool
	blockForcePush  bool

	mcpBlockUnknown bool
	mcpAllowed      map[string]bool
	mcpBlocked      map[string]bool
	mcpTools        map[string]mcpToolHints // mcp.tools, by tool or server:tool

	defaults map[decision.ActionType]decision.Outcome
	rules    []*compiledRule
	ruleIx   *ruleIndex // the rules by action type and by the facts their gates need
}

// PackInfo names one pack that contributed to a Set.
type PackInfo struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Title   string `json:"title"`
}

type fileEntry struct {
	Entry
	glob     pathGlob
	severity decision.Severity
	// lastLit is the pattern's last segment when it is a literal name: a
	// path with another file name cannot match, so most entries are ruled
	// out by one comparison.
	lastLit string
}

type cmdEntry struct {
	Entry
	glob     cmdGlob
	severity decision.Severity
}

// compiledDoc is the typed view of a compiled policy document.
type compiledDoc struct {
	Format     string     `json:"format"`
	Packs      []PackInfo `json:"packs"`
	Mode       string     `json:"mode,omitempty"`
	Filesystem Filesystem `json:"filesystem"`
	Commands   Commands   `json:"commands"`
	Git        struct {
		ProtectedBranches []string `json:"protected_branches"`
		BlockDirectPush   *bool    `json:"block_direct_push_to_protected_branch"`
		BlockForcePush    *bool    `json:"block_force_push"`
	} `json:"git"`
	MCP struct {
		BlockUnknown *bool              `json:"block_unknown_servers"`
		Allowed      []string           `json:"allowed_servers"`
		Blocked      []string           `json:"blocked_servers"`
		Tools        map[string]MCPTool `json:"tools"`
	} `json:"mcp"`
	Defaults map[string]string `json:"defaults"`
	Rules    []Rule            `json:"rules"`
}

// knownSections are the top-level keys that a compiled document keeps at
// the top; anything else a pack carries (compliance, approvals, evidence…)
// is kept under "extra".
var knownSections = map[string]bool{
	"filesystem": true, "commands": true, "git": true, "mcp": true, "defaults": true, "rules": true,
}

// Compile resolves the named packs (ids known to the library, or paths to
// pack files or directories) with their inheritance, merges them in order and
// compiles the result. With no refs it compiles DefaultPack.
func (l *Library) Compile(refs ...string) (*Set, error) {
	if len(refs) == 0 {
		refs = []string{DefaultPack}
	}
	var chain []*Pack
	seen := map[string]bool{}
	var ids []string
	for _, ref := range refs {
		p, err := l.Resolve(ref)
		if err != nil {
			return nil, err
		}
		ids = append(ids, p.ID())
		c, err := l.Chain(p.ID())
		if err != nil {
			return nil, err
		}
		for _, cp := range c {
			if !seen[cp.ID()] {
				seen[cp.ID()] = true
				chain = append(chain, cp)
			}
		}
	}
	return compileChain(strings.Join(ids, ","), chain)
}

// CompilePack compiles one pack on its own. Its parents, if any, must be in
// the library; see Library.Compile.
func CompilePack(p *Pack) (*Set, error) {
	if len(p.Metadata.Inherits) > 0 {
		return nil, fmt.Errorf("policy: pack %s inherits %v: compile it through a Library", p.ID(), []string(p.Metadata.Inherits))
	}
	return compileChain(p.ID(), []*Pack{p})
}

func compileChain(name string, chain []*Pack) (*Set, error) {
	doc, ruleSource, err := mergeChain(chain)
	if err != nil {
		return nil, err
	}
	raw, err := canonjson.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("policy: encoding compiled document: %w", err)
	}
	return compileDoc(name, raw, ruleSource, nil)
}

// compileDoc builds a Set from a compiled document; snap, when given, holds
// each rule's checked expression, built on first use (see LoadSnapshot).
func compileDoc(name string, raw []byte, ruleSource map[string]ruleOrigin, snap map[string]snapshotRule) (*Set, error) {
	var cd compiledDoc
	if err := json.Unmarshal(raw, &cd); err != nil {
		return nil, fmt.Errorf("policy: decoding compiled document: %w", err)
	}
	return buildSet(name, raw, &cd, ruleSource, snap)
}

// buildSet builds a Set from a compiled document (raw) and its decoded form.
func buildSet(name string, raw []byte, cd *compiledDoc, ruleSource map[string]ruleOrigin, snap map[string]snapshotRule) (*Set, error) {
	var err error
	sum := sha256.Sum256(raw)
	s := &Set{name: name, packs: cd.Packs, doc: raw, digest: "sha256:" + hex.EncodeToString(sum[:])}
	if s.mode, err = packMode(cd.Mode); err != nil {
		return nil, fmt.Errorf("policy: %s: %w", name, err)
	}

	fs := cd.Filesystem
	if s.blockRead, err = fileEntries(fs.BlockRead, decision.High); err != nil {
		return nil, err
	}
	if s.blockWrite, err = fileEntries(fs.BlockWrite, decision.High); err != nil {
		return nil, err
	}
	if s.approvalWrite, err = fileEntries(fs.RequireApprovalWrite, decision.High); err != nil {
		return nil, err
	}
	if s.cmdBlock, err = cmdEntries(cd.Commands.Block, decision.High); err != nil {
		return nil, err
	}
	if s.cmdApproval, err = cmdEntries(cd.Commands.RequireApproval, decision.Medium); err != nil {
		return nil, err
	}
	if s.cmdAllow, err = cmdEntries(cd.Commands.Allow, decision.Low); err != nil {
		return nil, err
	}
	if s.cmdUnsandboxed, err = cmdEntries(cd.Commands.AllowUnsandboxed, decision.High); err != nil {
		return nil, err
	}
	s.cmdBlockIx, s.cmdApprovalIx, s.cmdAllowIx = newCmdIndex(s.cmdBlock), newCmdIndex(s.cmdApproval), newCmdIndex(s.cmdAllow)
	s.cmdDefault = decision.RequireApproval
	if cd.Commands.Default == DefaultEffect {
		s.cmdEffect = true
	} else if cd.Commands.Default != "" {
		if s.cmdDefault, err = decision.ParseOutcome(cd.Commands.Default); err != nil {
			return nil, fmt.Errorf("policy: commands.default: %w", err)
		}
	}

	s.protected = cd.Git.ProtectedBranches
	if len(s.protected) == 0 {
		s.protected = []string{"main", "master"}
	}
	s.blockDirectPush = cd.Git.BlockDirectPush == nil || *cd.Git.BlockDirectPush
	s.blockForcePush = cd.Git.BlockForcePush == nil || *cd.Git.BlockForcePush

	s.mcpBlockUnknown = cd.MCP.BlockUnknown == nil || *cd.MCP.BlockUnknown
	s.mcpAllowed = setOf(cd.MCP.Allowed)
	s.mcpBlocked = setOf(cd.MCP.Blocked)
	if s.mcpTools, err = compileMCPTools(cd.MCP.Tools); err != nil {
		return nil, err
	}

	s.defaults = map[decision.ActionType]decision.Outcome{}
	for k, v := range cd.Defaults {
		o, err := decision.ParseOutcome(v)
		if err != nil {
			return nil, fmt.Errorf("policy: defaults.%s: %w", k, err)
		}
		s.defaults[decision.ActionType(k)] = o
	}

	for _, r := range cd.Rules {
		src := ruleSource[r.ID]
		var cr *compiledRule
		var err error
		if sr, ok := snap[r.ID]; ok {
			cr, err = lazyRule(src.file, src.pack, r, sr.Checked, sr.actionTypes(), sr.Gate)
		} else {
			cr, err = compileRuleIn(src, r)
		}
		if err != nil {
			return nil, err
		}
		s.rules = append(s.rules, cr)
	}
	s.ruleIx = newRuleIndex(s.rules)
	return s, nil
}

func packMode(m string) (decision.Mode, error) {
	switch m {
	case "", "enforce":
		return decision.Enforce, nil
	case "audit_only":
		return decision.AuditOnly, nil
	case "strict", "strict_regulated":
		return decision.Strict, nil
	case "break_glass":
		return "", fmt.Errorf("metadata.mode break_glass cannot be a pack's standing mode; it is chosen per call with an actor and a reason")
	}
	return "", fmt.Errorf("unknown metadata.mode %q", m)
}

type ruleOrigin struct {
	file, pack string
	src        []byte // the file's text, when known
}

// mergeChain merges packs the way the original CAVRA does — maps merge
// recursively, lists concatenate with de-duplication, scalars are replaced by
// the later pack — and normalizes the result into a compiled document. Rules
// are keyed by id: a later pack may repeat an identical rule but not change one.
func mergeChain(chain []*Pack) (map[string]any, map[string]ruleOrigin, error) {
	merged := map[string]any{}
	var packs []any
	var mode any
	origins := map[string]ruleOrigin{}
	var rules []any
	ruleJSON := map[string]string{}
	for _, p := range chain {
		packs = append(packs, map[string]any{"id": p.Metadata.ID, "version": p.Metadata.Version, "title": p.Metadata.Title})
		if m, ok := p.raw["metadata"].(map[string]any)["mode"]; ok {
			mode = m
		}
		for k, v := range p.raw {
			switch k {
			case "metadata", "tests":
				continue
			case "rules":
				for _, r := range v.([]any) {
					id, _ := r.(map[string]any)["id"].(string)
					b, _ := canonjson.Marshal(r)
					if prev, ok := ruleJSON[id]; ok {
						if prev != string(b) {
							return nil, nil, &Error{File: p.Source, Rule: id, Msg: fmt.Sprintf("rule id is already defined by pack %s with different content; a pack can add rules, not change inherited ones", origins[id].pack)}
						}
						continue
					}
					ruleJSON[id] = string(b)
					origins[id] = ruleOrigin{file: p.Source, pack: p.ID(), src: p.data}
					rules = append(rules, deepCopy(r))
				}
				continue
			}
			if !knownSections[k] {
				extra, _ := merged["extra"].(map[string]any)
				if extra == nil {
					extra = map[string]any{}
					merged["extra"] = extra
				}
				extra[k] = mergeValue(extra[k], deepCopy(v))
				continue
			}
			merged[k] = mergeValue(merged[k], deepCopy(v))
		}
	}
	merged["format"] = DocumentFormat
	merged["packs"] = packs
	if mode != nil {
		merged["mode"] = mode
	}
	if rules == nil {
		rules = []any{}
	}
	merged["rules"] = rules
	// Every list section is present, so that documents compare entry by entry.
	for sec, keys := range map[string][]string{
		"filesystem": {"block_read", "block_write", "require_approval_write"},
		"commands":   {"block", "require_approval", "allow"},
	} {
		m, _ := merged[sec].(map[string]any)
		if m == nil {
			m = map[string]any{}
			merged[sec] = m
		}
		for _, k := range keys {
			if _, ok := m[k]; !ok {
				m[k] = []any{}
			}
		}
	}
	for _, sec := range []string{"filesystem", "commands"} {
		if m, ok := merged[sec].(map[string]any); ok {
			for k, v := range m {
				if l, ok := v.([]any); ok {
					m[k] = sortEntries(l)
				}
			}
		}
	}
	if m, ok := merged["mcp"].(map[string]any); ok {
		for _, k := range []string{"allowed_servers", "blocked_servers"} {
			if l, ok := m[k].([]any); ok {
				m[k] = sortEntries(l)
			}
		}
	}
	return merged, origins, nil
}

// mergeValue overlays b on a.
func mergeValue(a, b any) any {
	switch bv := b.(type) {
	case map[string]any:
		am, ok := a.(map[string]any)
		if !ok {
			return bv
		}
		for k, v := range bv {
			am[k] = mergeValue(am[k], v)
		}
		return am
	case []any:
		al, ok := a.([]any)
		if !ok {
			return dedupe(bv)
		}
		return dedupe(append(al, bv...))
	case nil:
		return a
	}
	return b
}

func dedupe(l []any) []any {
	seen := map[string]bool{}
	out := l[:0:0]
	for _, v := range l {
		b, _ := canonjson.Marshal(v)
		if seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		out = append(out, v)
	}
	return out
}

// sortEntries sorts list entries by their pattern (plain strings sort as
// themselves). Order does not change a decision: the strictest match wins.
func sortEntries(l []any) []any {
	key := func(v any) string {
		switch t := v.(type) {
		case string:
			return t
		case map[string]any:
			s, _ := t["pattern"].(string)
			return s
		}
		return fmt.Sprint(v)
	}
	sort.SliceStable(l, func(i, j int) bool { return key(l[i]) < key(l[j]) })
	return l
}

func fileEntries(in []Entry, def decision.Severity) ([]fileEntry, error) {
	out := make([]fileEntry, 0, len(in))
	for _, e := range in {
		g, err := compilePathGlob(e.Pattern)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		sev, err := entrySeverity(e, def)
		if err != nil {
			return nil, err
		}
		fe := fileEntry{Entry: e, glob: g, severity: sev}
		fe.lastLit, _ = g.LastLiteral()
		out = append(out, fe)
	}
	return out, nil
}

func cmdEntries(in []Entry, def decision.Severity) ([]cmdEntry, error) {
	out := make([]cmdEntry, 0, len(in))
	for _, e := range in {
		g, err := compileCmdGlob(e.Pattern)
		if err != nil {
			return nil, fmt.Errorf("policy: %w", err)
		}
		sev, err := entrySeverity(e, def)
		if err != nil {
			return nil, err
		}
		out = append(out, cmdEntry{Entry: e, glob: g, severity: sev})
	}
	return out, nil
}

func entrySeverity(e Entry, def decision.Severity) (decision.Severity, error) {
	if e.Severity == "" {
		return def, nil
	}
	s, err := decision.ParseSeverity(e.Severity)
	if err != nil {
		return 0, fmt.Errorf("policy: entry %q: %w", e.Pattern, err)
	}
	return s, nil
}

func setOf(l []string) map[string]bool {
	m := make(map[string]bool, len(l))
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			m[s] = true
		}
	}
	return m
}

// Name returns the packs the set was compiled from, comma-joined.
func (s *Set) Name() string { return s.name }

// Packs returns every pack that contributed, parents first.
func (s *Set) Packs() []PackInfo { return append([]PackInfo(nil), s.packs...) }

// Document returns the compiled policy as normalized (canonical) JSON.
func (s *Set) Document() []byte { return append([]byte(nil), s.doc...) }

// Digest returns "sha256:<hex>" of Document.
func (s *Set) Digest() string { return s.digest }

// Mode returns the set's standing mode (metadata.mode of its packs, else enforce).
func (s *Set) Mode() decision.Mode { return s.mode }

// Filesystem returns the compiled set's filesystem lists, inheritance
// merged: the patterns as the packs write them, for callers that map a
// policy onto another enforcement (confine's sandbox profiles). The result
// is a copy; changing it changes nothing in the Set.
func (s *Set) Filesystem() Filesystem {
	pick := func(l []fileEntry) []Entry {
		if len(l) == 0 {
			return nil
		}
		out := make([]Entry, len(l))
		for i, e := range l {
			out[i] = e.Entry
		}
		return out
	}
	return Filesystem{
		BlockRead:            pick(s.blockRead),
		BlockWrite:           pick(s.blockWrite),
		RequireApprovalWrite: pick(s.approvalWrite),
	}
}
