package policy

import (
	"encoding/binary"
	"errors"
)

// The snapshot's framing and its rules section: length-prefixed strings and
// lists, no reflection. A process that decides one action decodes them
// once, and encoding/json's first use of a type costs it more than the
// decoding.

type wbuf []byte

func (w *wbuf) uint(n int)     { *w = binary.AppendUvarint(*w, uint64(n)) }
func (w *wbuf) bytes(b []byte) { w.uint(len(b)); *w = append(*w, b...) }
func (w *wbuf) str(s string)   { w.uint(len(s)); *w = append(*w, s...) }

// Lists are written as 0 for nil, else length+1, so that nil and empty
// lists (a gate's literals) read back as they were written.
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
