package evidence

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/internal/canonjson"
)

// Kind says what a record records.
type Kind string

// Record kinds.
const (
	KindDecision       Kind = "decision"        // a Guard decision
	KindApproval       Kind = "approval_event"  // an approval requested, granted, denied or expired
	KindGrantUse       Kind = "grant_use"       // a grant allowed an action
	KindOutcome        Kind = "action_outcome"  // what happened after an allowed action, as an adapter reported it
	KindPolicyChange   Kind = "policy_change"   // a new compiled policy digest became active
	KindBreakGlass     Kind = "break_glass"     // a decision taken under break_glass mode
	KindRegistryChange Kind = "registry_change" // an agent or MCP server record changed: who, what, when
	KindRetention      Kind = "retention"       // records were pruned, or legal hold was turned on or off
	KindKeyChange      Kind = "key_change"      // a signing key was created or rotated (public facts only)
	KindWitnessReset   Kind = "witness_reset"   // a person started the log's witness anew: what it recorded, who, why
)

// Kinds lists every record kind.
var Kinds = []Kind{KindDecision, KindApproval, KindGrantUse, KindOutcome, KindPolicyChange, KindBreakGlass, KindRegistryChange,
	KindRetention, KindKeyChange, KindWitnessReset}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if k == x {
			return true
		}
	}
	return false
}

// Entry is what a caller appends. Decision is set for decision and
// break-glass records; Data (any JSON-encodable value) for the others.
// SessionID and AgentID index a record that has no Decision.
type Entry struct {
	Kind      Kind
	Decision  *decision.Decision
	Data      any
	SessionID string
	AgentID   string
}

// Record is one stored record. Its canonical JSON bytes are what the log
// hashes: every field, including the decision's matches, digests, mode and
// attestation, is covered by the record hash.
type Record struct {
	Seq       int64              `json:"seq"` // 1-based; the tree index is Seq-1
	LogID     string             `json:"log_id"`
	Kind      Kind               `json:"kind"`
	Time      time.Time          `json:"time"`
	Prev      string             `json:"prev"` // hex leaf hash of record Seq-1; "" for the first
	SessionID string             `json:"session_id,omitempty"`
	AgentID   string             `json:"agent_id,omitempty"`
	Decision  *decision.Decision `json:"decision,omitempty"`
	Data      json.RawMessage    `json:"data,omitempty"`

	raw []byte
}

// Bytes returns the record's stored canonical JSON.
func (r *Record) Bytes() []byte { return r.raw }

// Hash returns the record's RFC 6962 leaf hash, SHA-256(0x00 || bytes).
func (r *Record) Hash() tlog.Hash { return tlog.RecordHash(r.raw) }

// Ref returns the record's address, evidence://<log_id>/<seq>.
func (r *Record) Ref() Ref { return Ref{LogID: r.LogID, Seq: r.Seq} }

// ParseRecord decodes stored record bytes. It checks the bytes are
// canonical JSON, so two encodings of the same record cannot both verify.
func ParseRecord(raw []byte) (Record, error) { return parseRecord(raw, true) }

// parseRecord decodes a record; canonical false skips the canonical-form
// check for bytes already proven to be the stored ones.
func parseRecord(raw []byte, canonical bool) (Record, error) {
	var r Record
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Record{}, fmt.Errorf("record is not valid: %w", err)
	}
	if dec.More() {
		return Record{}, fmt.Errorf("record has trailing data")
	}
	if canonical {
		if c, err := canonjson.Canonicalize(raw); err != nil || !bytes.Equal(c, raw) {
			return Record{}, fmt.Errorf("record is not canonical JSON")
		}
	}
	if r.Seq < 1 || r.LogID == "" || !r.Kind.Valid() {
		return Record{}, fmt.Errorf("record lacks seq, log_id or a known kind")
	}
	r.raw = append([]byte(nil), raw...)
	return r, nil
}

// Ref is the address of one record.
type Ref struct {
	LogID string
	Seq   int64
}

// String returns "evidence://<log_id>/<seq>".
func (r Ref) String() string { return "evidence://" + r.LogID + "/" + strconv.FormatInt(r.Seq, 10) }

// ParseRef parses "evidence://<log_id>/<seq>".
func ParseRef(s string) (Ref, error) {
	rest, ok := strings.CutPrefix(s, "evidence://")
	id, seq, ok2 := strings.Cut(rest, "/")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || !ok2 || id == "" || err != nil || n < 1 {
		return Ref{}, fmt.Errorf("evidence: %q is not an evidence reference (evidence://<log_id>/<seq>)", s)
	}
	return Ref{LogID: id, Seq: n}, nil
}

// prepared is an entry encoded by its caller, before it has a place in the
// log: every member but seq, log_id and prev, each canonical already.
type prepared struct {
	members map[string]json.RawMessage
	index   []indexKey
	time    time.Time
}

type indexKey struct {
	bucket []byte // the index's tag
	prefix []byte // the key after the tag, without the trailing big-endian seq
	seq    int64  // set once the record has a number
}

// full is the stored key: tag, prefix, seq.
func (k indexKey) full(seq int64) []byte {
	b := make([]byte, 0, len(k.bucket)+len(k.prefix)+8)
	return append(append(append(b, k.bucket...), k.prefix...), be64(seq)...)
}

func prepare(e Entry, now time.Time) (*prepared, error) { // now is set later by setTime
	if !e.Kind.Valid() {
		return nil, fmt.Errorf("evidence: unknown record kind %q", e.Kind)
	}
	p := &prepared{members: map[string]json.RawMessage{}, time: now}
	put := func(k string, v any) error {
		b, err := canonjson.Marshal(v)
		if err != nil {
			return fmt.Errorf("evidence: encode %s: %w", k, err)
		}
		p.members[k] = b
		return nil
	}
	if err := put("kind", e.Kind); err != nil {
		return nil, err
	}
	session, agent := e.SessionID, e.AgentID
	if d := e.Decision; d != nil {
		b, err := canonicalDecision(d)
		if err != nil {
			return nil, fmt.Errorf("evidence: encode decision: %w", err)
		}
		p.members["decision"] = b
		if session == "" {
			session = d.SessionID
		}
		if agent == "" {
			agent = d.AgentID
		}
		p.index = append(p.index,
			indexKey{bucket: bktIdxDecision, prefix: []byte(d.Decision.String())},
			indexKey{bucket: bktIdxSeverity, prefix: []byte(d.Severity.String())},
			indexKey{bucket: bktIdxRule, prefix: []byte(d.RuleID)},
			indexKey{bucket: bktIdxType, prefix: []byte(d.ActionType)},
		)
		if d.DecisionID != "" {
			p.index = append(p.index, indexKey{bucket: bktIdxID, prefix: []byte(d.DecisionID)})
		}
	}
	if e.Data != nil {
		if err := put("data", e.Data); err != nil {
			return nil, err
		}
	}
	if e.SessionID != "" {
		if err := put("session_id", e.SessionID); err != nil {
			return nil, err
		}
	}
	if e.AgentID != "" {
		if err := put("agent_id", e.AgentID); err != nil {
			return nil, err
		}
	}
	p.index = append(p.index, indexKey{bucket: bktIdxKind, prefix: []byte(e.Kind)})
	if session != "" {
		p.index = append(p.index, indexKey{bucket: bktIdxSession, prefix: []byte(session)})
	}
	if agent != "" {
		p.index = append(p.index, indexKey{bucket: bktIdxAgent, prefix: []byte(agent)})
	}
	for i := range p.index {
		// Equality indexes separate value and seq with 0x00; the time index
		// is fixed width and needs no separator.
		if !bytes.Equal(p.index[i].bucket, bktIdxTime) {
			p.index[i].prefix = append(p.index[i].prefix, 0)
		}
	}
	return p, nil
}

// setTime stamps the record's time and its time-index key.
func (p *prepared) setTime() error {
	b, err := canonjson.Marshal(p.time)
	if err != nil {
		return fmt.Errorf("evidence: encode time: %w", err)
	}
	p.members["time"] = b
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(p.time.UnixNano()))
	p.index = append(p.index, indexKey{bucket: bktIdxTime, prefix: t[:]})
	return nil
}

// encode lays the record out as canonical JSON: members sorted by name,
// values already canonical.
func (p *prepared) encode(logID string, seq int64, prev []byte) []byte {
	m := make(map[string]json.RawMessage, len(p.members)+3)
	for k, v := range p.members {
		m[k] = v
	}
	m["log_id"], _ = json.Marshal(logID)
	m["seq"] = strconv.AppendInt(nil, seq, 10)
	m["prev"] = []byte(`"` + hex.EncodeToString(prev) + `"`)
	names := make([]string, 0, len(m))
	size := 2
	for k, v := range m {
		names = append(names, k)
		size += len(k) + len(v) + 4
	}
	sort.Strings(names)
	out := make([]byte, 0, size)
	out = append(out, '{')
	for i, k := range names {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, k...)
		out = append(out, '"', ':')
		out = append(out, m[k]...)
	}
	return append(out, '}')
}
