package policy

import (
	"bytes"
	"errors"
	"fmt"

	"cel.dev/cel-go/cel"
	exprpb "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
	"google.golang.org/protobuf/proto"

	"github.com/cavra-dev/cavra/decision"
)

// SnapshotFormat names the layout of a compiled policy snapshot.
const SnapshotFormat = "cavra.policy-snapshot.v5"

// A snapshot is the format line, then two length-prefixed (uvarint)
// sections: the rules (the Set's name and policy digest, then each rule's
// origin, action types, fact gate and checked CEL expression as protobuf;
// snapshot_codec.go), and the canonical document byte for byte — what the
// digest covers, and what the Set's matchers are built from, by a reader
// that needs no reflection (snapshot_doc.go). Loading it is most of what a
// hook process pays for its policy.
type snapshotRule struct {
	ID      string
	File    string
	Pack    string
	Types   []string  // the action types the rule can fire for; none = any
	Gate    *gateSpec // the facts it cannot fire without; none = always run
	Checked []byte    // the rule's checked CEL expression (protobuf)
}

func (r snapshotRule) actionTypes() []decision.ActionType {
	if len(r.Types) == 0 {
		return nil
	}
	out := make([]decision.ActionType, len(r.Types))
	for i, t := range r.Types {
		out[i] = decision.ActionType(t)
	}
	return out
}

// Snapshot serializes the compiled policy so that LoadSnapshot can rebuild
// it without reading, validating and merging packs or parsing and
// type-checking CEL — what a process that opens the policy for one decision
// (a coding-agent hook) would otherwise pay every time.
func (s *Set) Snapshot() ([]byte, error) {
	var rules []snapshotRule
	for _, r := range s.rules {
		b := r.lazy
		if b == nil || r.ast != nil {
			ce, err := cel.AstToCheckedExpr(r.ast)
			if err != nil {
				return nil, fmt.Errorf("policy: snapshot rule %s: %w", r.ID, err)
			}
			if b, err = proto.Marshal(ce); err != nil {
				return nil, fmt.Errorf("policy: snapshot rule %s: %w", r.ID, err)
			}
		}
		sr := snapshotRule{ID: r.ID, File: r.file, Pack: r.pack, Checked: b, Gate: r.gateSpec}
		for _, t := range r.types {
			sr.Types = append(sr.Types, string(t))
		}
		rules = append(rules, sr)
	}
	w := wbuf(SnapshotFormat + "\n")
	w.bytes(encodeRules(s.name, s.digest, rules))
	w.bytes(s.doc)
	return w, nil
}

// LoadSnapshot rebuilds a Set from Snapshot's bytes. Each rule's program is
// built when an action of its type first needs it. The Set is built from
// the document the snapshot holds, and a snapshot whose document does not
// hash to the policy digest it names is refused. That the rules' checked
// expressions and fact gates were made from that document it cannot check
// without the work the snapshot saves (parsing and checking CEL), so the
// snapshot must come from a trusted place or be authenticated by the
// caller (the Guard's cache puts a MAC on it).
func LoadSnapshot(data []byte) (*Set, error) {
	// Rules need the CEL environment when they first run; build it on
	// another core meanwhile.
	go celEnv()
	format, rest, ok := bytes.Cut(data, []byte{'\n'})
	if !ok || string(format) != SnapshotFormat {
		return nil, fmt.Errorf("policy: snapshot: not a %s", SnapshotFormat)
	}
	r := &rbuf{b: rest}
	head, doc := r.bytes(), r.bytes()
	if r.err != nil {
		return nil, r.err
	}
	if len(r.b) != 0 {
		return nil, errors.New("policy: snapshot: trailing bytes")
	}
	if len(doc) == 0 {
		return nil, errors.New("policy: snapshot: no document")
	}
	name, digest, snapRules, err := decodeRules(head)
	if err != nil {
		return nil, err
	}
	go warmDecoder(snapRules)
	cd, err := decodeDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("policy: snapshot: %w", err)
	}
	origins := make(map[string]ruleOrigin, len(snapRules))
	rules := make(map[string]snapshotRule, len(snapRules))
	for _, r := range snapRules {
		if len(r.Checked) == 0 {
			return nil, fmt.Errorf("policy: snapshot: rule %s has no compiled expression", r.ID)
		}
		origins[r.ID] = ruleOrigin{file: r.File, pack: r.Pack}
		rules[r.ID] = r
	}
	s, err := buildSet(name, doc, cd, origins, rules)
	if err != nil {
		return nil, err
	}
	if s.digest != digest {
		return nil, fmt.Errorf("policy: snapshot: the document's digest is %s, the snapshot says %s", s.digest, digest)
	}
	for _, r := range s.rules {
		if r.lazy == nil {
			return nil, fmt.Errorf("policy: snapshot: rule %s has no compiled expression", r.ID)
		}
	}
	return s, nil
}

// warmDecoder decodes the smallest of the rules' checked expressions and
// drops it. The first expression a process decodes also sets up protobuf's
// decoders for the CEL AST's message types (most of a millisecond); done on
// another core while the document is decoded and the Set built, the rules an
// action needs are decoded without that wait.
func warmDecoder(rules []snapshotRule) {
	var small []byte
	for _, r := range rules {
		if len(r.Checked) > 0 && (small == nil || len(r.Checked) < len(small)) {
			small = r.Checked
		}
	}
	if small != nil {
		checkedFromBytes(small)
	}
}

// checkedFromBytes decodes a snapshot rule's checked expression.
func checkedFromBytes(b []byte) (*cel.Ast, error) {
	var ce exprpb.CheckedExpr
	if err := proto.Unmarshal(b, &ce); err != nil {
		return nil, fmt.Errorf("policy: snapshot rule: %w", err)
	}
	return cel.CheckedExprToAst(&ce), nil
}
