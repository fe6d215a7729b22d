package policy

import (
	"encoding/binary"
	"errors"
	"sort"
)

// The snapshot's binary sections: length-prefixed strings and lists, no
// reflection. A process that decides one action decodes them once, and
// encoding/json's first use of a type costs it more than the decoding.

type wbuf []byte

func (w *wbuf) uint(n int)     { *w = binary.AppendUvarint(*w, uint64(n)) }
func (w *wbuf) bytes(b []byte) { w.uint(len(b)); *w = append(*w, b...) }
func (w *wbuf) str(s string)   { w.uint(len(s)); *w = append(*w, s...) }

// Lists are written as 0 for nil, else length+1, so that a decoded
// document is the same as the JSON one, empty lists and all.
func (w *wbuf) count(n int, isNil bool) {
	if isNil {
		w.uint(0)
	} else {
		w.uint(n + 1)
	}
}

func (r *rbuf) count() (n int, isNil bool) {
	c := r.uint()
	if c == 0 {
		return 0, true
	}
	return c - 1, false
}

func (w *wbuf) strs(l []string) {
	w.count(len(l), l == nil)
	for _, s := range l {
		w.str(s)
	}
}

func (w *wbuf) boolPtr(b *bool) {
	switch {
	case b == nil:
		w.uint(0)
	case *b:
		w.uint(2)
	default:
		w.uint(1)
	}
}

var errCorrupt = errors.New("policy: snapshot: corrupt section")

// rbuf reads what wbuf wrote; the first error sticks and every later read
// gives zero values.
type rbuf struct {
	b   []byte
	err error
}

func (r *rbuf) uint() int {
	if r.err != nil {
		return 0
	}
	n, w := binary.Uvarint(r.b)
	if w <= 0 || n > uint64(len(r.b)) { // no count or length exceeds what is left
		r.err, r.b = errCorrupt, nil
		return 0
	}
	r.b = r.b[w:]
	return int(n)
}

func (r *rbuf) bytes() []byte {
	n := r.uint()
	if r.err != nil || n > len(r.b) {
		r.err, r.b = errCorrupt, nil
		return nil
	}
	b := r.b[:n:n]
	r.b = r.b[n:]
	return b
}

func (r *rbuf) str() string { return string(r.bytes()) }

func (r *rbuf) strs() []string {
	n, isNil := r.count()
	if isNil {
		return nil
	}
	l := make([]string, 0, min(n, len(r.b)))
	for range n {
		l = append(l, r.str())
	}
	return l
}

func (r *rbuf) boolPtr() *bool {
	switch r.uint() {
	case 0:
		return nil
	case 1:
		return new(bool)
	case 2:
		t := true
		return &t
	}
	r.err = errCorrupt
	return nil
}

func (w *wbuf) entries(l []Entry) {
	w.count(len(l), l == nil)
	for _, e := range l {
		w.str(e.Pattern)
		w.str(e.Severity)
		w.str(e.Reason)
		w.str(e.ApproverGroup)
	}
}

func (r *rbuf) entries() []Entry {
	n, isNil := r.count()
	if isNil {
		return nil
	}
	l := make([]Entry, 0, min(n, len(r.b)))
	for range n {
		l = append(l, Entry{Pattern: r.str(), Severity: r.str(), Reason: r.str(), ApproverGroup: r.str()})
	}
	return l
}

// encodeDoc writes what compileDoc reads of a compiled document.
func encodeDoc(cd *compiledDoc) []byte {
	var w wbuf
	w.str(cd.Format)
	w.count(len(cd.Packs), cd.Packs == nil)
	for _, p := range cd.Packs {
		w.str(p.ID)
		w.str(p.Version)
		w.str(p.Title)
	}
	w.str(cd.Mode)
	w.entries(cd.Filesystem.BlockRead)
	w.entries(cd.Filesystem.BlockWrite)
	w.entries(cd.Filesystem.RequireApprovalWrite)
	w.entries(cd.Commands.Block)
	w.entries(cd.Commands.RequireApproval)
	w.entries(cd.Commands.Allow)
	w.str(cd.Commands.Default)
	w.strs(cd.Git.ProtectedBranches)
	w.boolPtr(cd.Git.BlockDirectPush)
	w.boolPtr(cd.Git.BlockForcePush)
	w.boolPtr(cd.MCP.BlockUnknown)
	w.strs(cd.MCP.Allowed)
	w.strs(cd.MCP.Blocked)
	keys := make([]string, 0, len(cd.Defaults))
	for k := range cd.Defaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	w.count(len(keys), cd.Defaults == nil)
	for _, k := range keys {
		w.str(k)
		w.str(cd.Defaults[k])
	}
	w.count(len(cd.Rules), cd.Rules == nil)
	for _, r := range cd.Rules {
		w.str(r.ID)
		w.str(r.Description)
		w.str(r.When)
		w.str(r.Decision)
		w.str(r.Severity)
		w.str(r.Reason)
		w.str(r.ApproverGroup)
		w.strs(r.Controls)
	}
	return w
}

// decodeDoc reads encodeDoc's bytes.
func decodeDoc(b []byte) (*compiledDoc, error) {
	r := &rbuf{b: b}
	cd := &compiledDoc{Format: r.str()}
	if n, isNil := r.count(); !isNil {
		cd.Packs = make([]PackInfo, 0, min(n, len(r.b)))
		for range n {
			cd.Packs = append(cd.Packs, PackInfo{ID: r.str(), Version: r.str(), Title: r.str()})
		}
	}
	cd.Mode = r.str()
	cd.Filesystem.BlockRead = r.entries()
	cd.Filesystem.BlockWrite = r.entries()
	cd.Filesystem.RequireApprovalWrite = r.entries()
	cd.Commands.Block = r.entries()
	cd.Commands.RequireApproval = r.entries()
	cd.Commands.Allow = r.entries()
	cd.Commands.Default = r.str()
	cd.Git.ProtectedBranches = r.strs()
	cd.Git.BlockDirectPush = r.boolPtr()
	cd.Git.BlockForcePush = r.boolPtr()
	cd.MCP.BlockUnknown = r.boolPtr()
	cd.MCP.Allowed = r.strs()
	cd.MCP.Blocked = r.strs()
	if n, isNil := r.count(); !isNil {
		cd.Defaults = make(map[string]string, min(n, len(r.b)))
		for range n {
			k := r.str()
			cd.Defaults[k] = r.str()
		}
	}
	if n, isNil := r.count(); !isNil {
		cd.Rules = make([]Rule, 0, min(n, len(r.b)))
		for range n {
			cd.Rules = append(cd.Rules, Rule{ID: r.str(), Description: r.str(), When: r.str(), Decision: r.str(),
				Severity: r.str(), Reason: r.str(), ApproverGroup: r.str(), Controls: r.strs()})
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errCorrupt
	}
	return cd, r.err
}

// encodeRules writes the Set's name and digest and the snapshot's rule
// headers and expressions.
func encodeRules(name, digest string, rules []snapshotRule) []byte {
	var w wbuf
	w.str(name)
	w.str(digest)
	w.uint(len(rules))
	for _, r := range rules {
		w.str(r.ID)
		w.str(r.File)
		w.str(r.Pack)
		w.strs(r.Types)
		w.gate(r.Gate)
		w.bytes(r.Checked)
	}
	return w
}

func decodeRules(b []byte) (name, digest string, rules []snapshotRule, err error) {
	r := &rbuf{b: b}
	name, digest = r.str(), r.str()
	for range r.uint() {
		sr := snapshotRule{ID: r.str(), File: r.str(), Pack: r.str(), Types: r.strs()}
		sr.Gate = r.gate(0)
		sr.Checked = r.bytes()
		rules = append(rules, sr)
	}
	if r.err == nil && len(r.b) != 0 {
		r.err = errCorrupt
	}
	return name, digest, rules, r.err
}

// gate writes a fact gate: 0 for none, else 1 and its parts.
func (w *wbuf) gate(g *gateSpec) {
	if g == nil {
		w.uint(0)
		return
	}
	w.uint(1)
	w.str(g.Op)
	w.str(g.Field)
	w.str(g.Field2)
	w.strs(g.Lits)
	w.strs(g.Ctx)
	w.uint(len(g.Of))
	for _, x := range g.Of {
		w.gate(x)
	}
}

// maxGateDepth bounds the nesting a gate's reader accepts.
const maxGateDepth = 64

func (r *rbuf) gate(depth int) *gateSpec {
	if r.uint() == 0 || r.err != nil {
		return nil
	}
	if depth > maxGateDepth {
		r.err = errCorrupt
		return nil
	}
	g := &gateSpec{Op: r.str(), Field: r.str(), Field2: r.str(), Lits: r.strs(), Ctx: r.strs()}
	for range r.uint() {
		if r.err != nil {
			break
		}
		g.Of = append(g.Of, r.gate(depth+1))
	}
	return g
}
