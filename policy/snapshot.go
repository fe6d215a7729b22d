package policy

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"cel.dev/cel-go/cel"
	exprpb "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
	"google.golang.org/protobuf/proto"

	"github.com/cavra-dev/cavra/decision"
)

// SnapshotFormat names the layout of a compiled policy snapshot.
const SnapshotFormat = "cavra.policy-snapshot.v3"

// A snapshot is the format line, then three length-prefixed (uvarint)
// sections: a JSON header (name and each rule's origin, action types and
// fact gate), the canonical document byte for byte, and each rule's checked
// expression in header order. The large parts are raw bytes, not JSON
// strings: loading one is most of what a hook process pays for its policy.
type snapshot struct {
	Name  string         `json:"name"`
	Rules []snapshotRule `json:"rules"`
	Doc   []byte         `json:"-"`
}

type snapshotRule struct {
	ID      string    `json:"id"`
	File    string    `json:"file"`
	Pack    string    `json:"pack"`
	Types   []string  `json:"types,omitempty"` // the action types the rule can fire for; none = any
	Gate    *gateSpec `json:"gate,omitempty"`  // the facts it cannot fire without; none = always run
	Checked []byte    `json:"-"`               // the rule's checked CEL expression (protobuf)
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
	snap := snapshot{Name: s.name, Doc: s.doc}
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
		snap.Rules = append(snap.Rules, sr)
	}
	head, err := json.Marshal(snap)
	if err != nil {
		return nil, err
	}
	out := append([]byte(SnapshotFormat), '\n')
	out = appendSection(out, head)
	out = appendSection(out, snap.Doc)
	for _, r := range snap.Rules {
		out = appendSection(out, r.Checked)
	}
	return out, nil
}

func appendSection(b, sec []byte) []byte {
	return append(binary.AppendUvarint(b, uint64(len(sec))), sec...)
}

// nextSection splits the length-prefixed section at the front of b.
func nextSection(b []byte) (sec, rest []byte, err error) {
	n, w := binary.Uvarint(b)
	if w <= 0 || n > uint64(len(b)-w) {
		return nil, nil, errors.New("policy: snapshot: truncated")
	}
	return b[w : w+int(n)], b[w+int(n):], nil
}

// LoadSnapshot rebuilds a Set from Snapshot's bytes. Each rule's program is
// built when an action of its type first needs it. The snapshot must come
// from a trusted place (the state directory): it is the policy.
func LoadSnapshot(data []byte) (*Set, error) {
	// Rules need the CEL environment when they first run; build it on
	// another core meanwhile.
	go celEnv()
	format, rest, ok := bytes.Cut(data, []byte{'\n'})
	if !ok || string(format) != SnapshotFormat {
		return nil, fmt.Errorf("policy: snapshot: not a %s", SnapshotFormat)
	}
	head, rest, err := nextSection(rest)
	if err != nil {
		return nil, err
	}
	var snap snapshot
	if err := json.Unmarshal(head, &snap); err != nil {
		return nil, fmt.Errorf("policy: snapshot: %w", err)
	}
	if snap.Doc, rest, err = nextSection(rest); err != nil {
		return nil, err
	}
	if len(snap.Doc) == 0 {
		return nil, errors.New("policy: snapshot: no document")
	}
	for i := range snap.Rules {
		if snap.Rules[i].Checked, rest, err = nextSection(rest); err != nil {
			return nil, err
		}
	}
	if len(rest) != 0 {
		return nil, errors.New("policy: snapshot: trailing bytes")
	}
	origins := make(map[string]ruleOrigin, len(snap.Rules))
	rules := make(map[string]snapshotRule, len(snap.Rules))
	for _, r := range snap.Rules {
		if len(r.Checked) == 0 {
			return nil, fmt.Errorf("policy: snapshot: rule %s has no compiled expression", r.ID)
		}
		origins[r.ID] = ruleOrigin{file: r.File, pack: r.Pack}
		rules[r.ID] = r
	}
	s, err := compileDoc(snap.Name, snap.Doc, origins, rules)
	if err != nil {
		return nil, err
	}
	for _, r := range s.rules {
		if r.lazy == nil {
			return nil, fmt.Errorf("policy: snapshot: rule %s has no compiled expression", r.ID)
		}
	}
	return s, nil
}

// checkedFromBytes decodes a snapshot rule's checked expression.
func checkedFromBytes(b []byte) (*cel.Ast, error) {
	var ce exprpb.CheckedExpr
	if err := proto.Unmarshal(b, &ce); err != nil {
		return nil, fmt.Errorf("policy: snapshot rule: %w", err)
	}
	return cel.CheckedExprToAst(&ce), nil
}
