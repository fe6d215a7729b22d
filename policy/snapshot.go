package policy

import (
	"encoding/json"
	"errors"
	"fmt"

	"cel.dev/cel-go/cel"
	exprpb "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
	"google.golang.org/protobuf/proto"
)

// SnapshotFormat names the layout of a compiled policy snapshot.
const SnapshotFormat = "cavra.policy-snapshot.v1"

type snapshot struct {
	Format string         `json:"format"`
	Name   string         `json:"name"`
	Doc    []byte         `json:"document"` // the canonical document, byte for byte
	Rules  []snapshotRule `json:"rules"`
}

type snapshotRule struct {
	ID      string `json:"id"`
	File    string `json:"file"`
	Pack    string `json:"pack"`
	Checked []byte `json:"checked"` // the rule's checked CEL expression (protobuf)
}

// Snapshot serializes the compiled policy so that LoadSnapshot can rebuild
// it without reading, validating and merging packs or parsing and
// type-checking CEL — what a process that opens the policy for one decision
// (a coding-agent hook) would otherwise pay every time.
func (s *Set) Snapshot() ([]byte, error) {
	snap := snapshot{Format: SnapshotFormat, Name: s.name, Doc: s.doc}
	for _, r := range s.rules {
		ce, err := cel.AstToCheckedExpr(r.ast)
		if err != nil {
			return nil, fmt.Errorf("policy: snapshot rule %s: %w", r.ID, err)
		}
		b, err := proto.Marshal(ce)
		if err != nil {
			return nil, fmt.Errorf("policy: snapshot rule %s: %w", r.ID, err)
		}
		snap.Rules = append(snap.Rules, snapshotRule{ID: r.ID, File: r.file, Pack: r.pack, Checked: b})
	}
	return json.Marshal(snap)
}

// LoadSnapshot rebuilds a Set from Snapshot's bytes. The snapshot must come
// from a trusted place (the state directory): it is the policy.
func LoadSnapshot(data []byte) (*Set, error) {
	var snap snapshot
	if err := json.Unmarshal(data, &snap); err != nil {
		return nil, fmt.Errorf("policy: snapshot: %w", err)
	}
	if snap.Format != SnapshotFormat {
		return nil, fmt.Errorf("policy: snapshot: format %q, want %q", snap.Format, SnapshotFormat)
	}
	if len(snap.Doc) == 0 {
		return nil, errors.New("policy: snapshot: no document")
	}
	origins := make(map[string]ruleOrigin, len(snap.Rules))
	asts := make(map[string]*cel.Ast, len(snap.Rules))
	for _, r := range snap.Rules {
		var ce exprpb.CheckedExpr
		if err := proto.Unmarshal(r.Checked, &ce); err != nil {
			return nil, fmt.Errorf("policy: snapshot rule %s: %w", r.ID, err)
		}
		asts[r.ID] = cel.CheckedExprToAst(&ce)
		origins[r.ID] = ruleOrigin{file: r.File, pack: r.Pack}
	}
	s, err := compileDoc(snap.Name, snap.Doc, origins, asts)
	if err != nil {
		return nil, err
	}
	for _, r := range s.rules {
		if asts[r.ID] == nil {
			return nil, fmt.Errorf("policy: snapshot: rule %s has no compiled expression", r.ID)
		}
	}
	return s, nil
}
