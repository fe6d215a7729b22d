package evidence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/decision"
)

// ErrNotFound means no record matches.
var ErrNotFound = errors.New("evidence: record not found")

// Query selects records. Zero fields do not filter. Equality filters use
// the secondary indexes, so a filtered query reads only matching records.
type Query struct {
	Session     string
	Agent       string
	RuleID      string
	Decision    decision.Outcome
	Severity    decision.Severity
	ActionType  decision.ActionType
	Kind        Kind
	DecisionIDs []string
	Since       time.Time // records at or after
	Until       time.Time // records before
	FromSeq     int64     // first seq (inclusive)
	ToSeq       int64     // last seq (inclusive)
	Limit       int       // at most this many (newest first for List); 0 is no limit
}

// Info summarises a log.
type Info struct {
	LogID       string `json:"log_id"`
	Size        int64  `json:"size"`
	First       int64  `json:"first"` // first seq whose body is kept
	Checkpoints int    `json:"checkpoints"`
	LastCheckpt int64  `json:"last_checkpoint_size"`
	LegalHold   bool   `json:"legal_hold"`
}

// Info reports the log's size, pruning point, checkpoints and legal hold.
func (l *Log) Info() (Info, error) {
	var in Info
	err := l.db.View(func(tx *bolt.Tx) error {
		m := tx.Bucket(bktMeta)
		in = Info{LogID: l.id, Size: getBE64(m.Get(metaSize)), First: max(getBE64(m.Get(metaFirst)), 1), LegalHold: len(m.Get(metaLegalHold)) > 0}
		c := tx.Bucket(bktCheckpoints)
		in.Checkpoints = c.Stats().KeyN
		if k, _ := c.Cursor().Last(); k != nil {
			in.LastCheckpt = getBE64(k)
		}
		return nil
	})
	return in, err
}

// Get returns the record with sequence number seq.
func (l *Log) Get(seq int64) (Record, error) {
	var r Record
	err := l.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bktRecords).Get(be64(seq))
		if v == nil {
			return fmt.Errorf("%w: seq %d", ErrNotFound, seq)
		}
		var err error
		r, err = ParseRecord(v)
		return err
	})
	return r, err
}

// Find returns the record of a decision by its decision id.
func (l *Log) Find(decisionID string) (Record, error) {
	recs, err := l.List(context.Background(), Query{DecisionIDs: []string{decisionID}, Limit: 1})
	if err != nil {
		return Record{}, err
	}
	if len(recs) == 0 {
		return Record{}, fmt.Errorf("%w: decision %q", ErrNotFound, decisionID)
	}
	return recs[0], nil
}

// LatestCheckpoint returns the newest stored checkpoint.
func (l *Log) LatestCheckpoint() (SignedCheckpoint, error) {
	var sc SignedCheckpoint
	err := l.db.View(func(tx *bolt.Tx) error {
		_, v := tx.Bucket(bktCheckpoints).Cursor().Last()
		if v == nil {
			return errors.New("evidence: the log has no checkpoint yet")
		}
		return json.Unmarshal(v, &sc)
	})
	return sc, err
}

// List returns the records matching q, newest first.
func (l *Log) List(ctx context.Context, q Query) ([]Record, error) {
	var out []Record
	err := l.db.View(func(tx *bolt.Tx) error {
		seqs, err := selectSeqs(ctx, tx, q, 0)
		if err != nil {
			return err
		}
		recs := tx.Bucket(bktRecords)
		for i := len(seqs) - 1; i >= 0; i-- {
			if err := ctx.Err(); err != nil {
				return err
			}
			v := recs.Get(be64(seqs[i]))
			if v == nil {
				continue // pruned
			}
			r, err := ParseRecord(v)
			if err != nil {
				return fmt.Errorf("evidence: record %d: %w", seqs[i], err)
			}
			if !q.matches(&r) {
				continue
			}
			out = append(out, r)
			if q.Limit > 0 && len(out) >= q.Limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// matches applies every filter to a decoded record (the index picked only
// one of them).
func (q *Query) matches(r *Record) bool {
	d := r.Decision
	sess, agent := r.SessionID, r.AgentID
	if d != nil {
		if sess == "" {
			sess = d.SessionID
		}
		if agent == "" {
			agent = d.AgentID
		}
	}
	switch {
	case q.Session != "" && sess != q.Session,
		q.Agent != "" && agent != q.Agent,
		q.Kind != "" && r.Kind != q.Kind,
		!q.Since.IsZero() && r.Time.Before(q.Since),
		!q.Until.IsZero() && !r.Time.Before(q.Until),
		q.FromSeq > 0 && r.Seq < q.FromSeq,
		q.ToSeq > 0 && r.Seq > q.ToSeq:
		return false
	}
	if q.RuleID != "" || q.Decision != 0 || q.Severity != 0 || q.ActionType != "" {
		if d == nil ||
			q.RuleID != "" && d.RuleID != q.RuleID ||
			q.Decision != 0 && d.Decision != q.Decision ||
			q.Severity != 0 && d.Severity != q.Severity ||
			q.ActionType != "" && d.ActionType != q.ActionType {
			return false
		}
	}
	if len(q.DecisionIDs) > 0 {
		if d == nil {
			return false
		}
		found := false
		for _, id := range q.DecisionIDs {
			found = found || d.DecisionID == id
		}
		if !found {
			return false
		}
	}
	return true
}

// selectSeqs returns candidate sequence numbers in ascending order, from
// the most selective index the query names; limitSize > 0 caps them.
func selectSeqs(ctx context.Context, tx *bolt.Tx, q Query, limitSize int64) ([]int64, error) {
	from, to := q.FromSeq, q.ToSeq
	if limitSize > 0 && (to == 0 || to > limitSize) {
		to = limitSize
	}
	seqs, indexed, err := indexedSeqs(ctx, tx, q, from, to)
	if err != nil || indexed < 0 {
		return seqs, err
	}
	// Records committed since the last index write are candidates too; the
	// caller filters every candidate on its decoded fields.
	m := tx.Bucket(bktMeta)
	size := getBE64(m.Get(metaSize))
	for s := max(indexed+1, from, 1); s <= size && (to == 0 || s <= to); s++ {
		seqs = append(seqs, s)
	}
	return seqs, nil
}

// indexedSeqs answers from the indexes, returning the last indexed seq, or
// -1 when it scanned the records themselves (which has no tail).
func indexedSeqs(ctx context.Context, tx *bolt.Tx, q Query, from, to int64) ([]int64, int64, error) {
	indexed := getBE64(tx.Bucket(bktMeta).Get(metaIndexed))
	if len(q.DecisionIDs) > 0 {
		var seqs []int64
		for _, id := range q.DecisionIDs {
			seqs = append(seqs, prefixSeqs(tx.Bucket(bktIndex), idxKey(bktIdxID, id), from, to)...)
		}
		sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
		return dedup(seqs), indexed, nil
	}
	eq := []struct {
		b []byte
		v string
	}{
		{bktIdxSession, q.Session}, {bktIdxAgent, q.Agent}, {bktIdxRule, q.RuleID},
		{bktIdxType, string(q.ActionType)}, {bktIdxKind, string(q.Kind)},
	}
	if q.Decision != 0 {
		eq = append(eq, struct {
			b []byte
			v string
		}{bktIdxDecision, q.Decision.String()})
	}
	if q.Severity != 0 {
		eq = append(eq, struct {
			b []byte
			v string
		}{bktIdxSeverity, q.Severity.String()})
	}
	for _, e := range eq {
		if e.v != "" {
			return prefixSeqs(tx.Bucket(bktIndex), idxKey(e.b, e.v), from, to), indexed, nil
		}
	}
	if !q.Since.IsZero() || !q.Until.IsZero() {
		var seqs []int64
		c := tx.Bucket(bktIndex).Cursor()
		start := bktIdxTime
		if !q.Since.IsZero() {
			start = append(append([]byte(nil), bktIdxTime...), be64(q.Since.UnixNano())...)
		}
		for k, _ := c.Seek(start); k != nil && len(k) == 17 && k[0] == bktIdxTime[0]; k, _ = c.Next() {
			if !q.Until.IsZero() && getBE64(k[1:9]) >= q.Until.UnixNano() {
				break
			}
			s := getBE64(k[9:])
			if (from == 0 || s >= from) && (to == 0 || s <= to) {
				seqs = append(seqs, s)
			}
		}
		sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
		return seqs, indexed, nil
	}
	// No index applies: the sequence range itself.
	var seqs []int64
	c := tx.Bucket(bktRecords).Cursor()
	k, _ := c.Seek(be64(max(from, 1)))
	for ; k != nil; k, _ = c.Next() {
		s := getBE64(k)
		if to > 0 && s > to {
			break
		}
		seqs = append(seqs, s)
		if len(seqs)%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, -1, err
			}
		}
	}
	return seqs, -1, nil
}

// idxKey is an equality index's key prefix for value, without the 0x00.
func idxKey(tag []byte, value string) []byte {
	return append(append([]byte(nil), tag...), value...)
}

// prefixSeqs lists the seqs under value in an equality index.
func prefixSeqs(b *bolt.Bucket, value []byte, from, to int64) []int64 {
	prefix := append(append([]byte(nil), value...), 0)
	var seqs []int64
	c := b.Cursor()
	seek := prefix
	if from > 0 {
		seek = append(append([]byte(nil), prefix...), be64(from)...)
	}
	for k, _ := c.Seek(seek); k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, _ = c.Next() {
		s := getBE64(k[len(prefix):])
		if to > 0 && s > to {
			break
		}
		seqs = append(seqs, s)
	}
	return seqs
}

func dedup(s []int64) []int64 {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// bySeqOnly reports whether q filters on nothing but the sequence range.
func (q *Query) bySeqOnly() bool {
	return q.Session == "" && q.Agent == "" && q.RuleID == "" && q.Decision == 0 && q.Severity == 0 &&
		q.ActionType == "" && q.Kind == "" && len(q.DecisionIDs) == 0 && q.Since.IsZero() && q.Until.IsZero()
}
