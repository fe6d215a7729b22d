package evidence

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"

	jose "github.com/go-jose/go-jose/v4"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
)

// Report summarises a whole-log verification.
type Report struct {
	LogID       string `json:"log_id"`
	Size        int64  `json:"size"`
	Checked     int64  `json:"records_checked"` // bodies hashed and chained
	Pruned      int64  `json:"records_pruned"`  // bodies removed by retention; their hashes remain
	Checkpoints int    `json:"checkpoints"`
	Unsigned    int64  `json:"records_after_last_checkpoint"` // verified, but not yet under a signature
	Witness     string `json:"witness,omitempty"`             // the witness file the log was compared with
	WitnessSize int64  `json:"witness_size,omitempty"`        // the size it records (0: no witness yet)
}

// VerifyError names the first bad sequence number a verification found.
// Seq is 0 when the problem is not in one record (the log's metadata).
type VerifyError struct {
	Seq int64
	Err error
}

// Error names the sequence number and the problem.
func (e *VerifyError) Error() string {
	if e.Seq == 0 {
		return "evidence: verify: " + e.Err.Error()
	}
	return fmt.Sprintf("evidence: verify: seq %d: %v", e.Seq, e.Err)
}

// Unwrap returns the problem, for errors.Is (ErrTampered, ErrBadSignature, …).
func (e *VerifyError) Unwrap() error { return e.Err }

func bad(seq int64, format string, a ...any) error {
	return &VerifyError{Seq: seq, Err: fmt.Errorf(format, a...)}
}

// view runs fn in a read transaction, turning a panic or memory fault
// caused by a corrupt file into an error.
func (l *Log) view(fn func(*bolt.Tx) error) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			err = &VerifyError{Err: fmt.Errorf("database file is corrupt: %v", r)}
		}
	}()
	return l.db.View(fn)
}

// recordHeader is the part of a record the chain check needs.
type recordHeader struct {
	Seq   int64  `json:"seq"`
	LogID string `json:"log_id"`
	Prev  string `json:"prev"`
}

// rawHeader is recordHeader as slices of the record's bytes.
type rawHeader struct {
	Seq         int64
	LogID, Prev []byte
}

var (
	patLogID = []byte(`,"log_id":"`)
	patPrev  = []byte(`,"prev":"`)
	patSeq   = []byte(`,"seq":`)
)

// fastHeader reads seq, log_id and prev from a record as the writer lays it
// out: canonical JSON whose top-level members after "kind" are all scalars,
// so the last occurrence of each member name is the top-level one (a name
// inside a string value would have its quotes escaped). Anything unexpected
// returns false and the caller decodes the record properly. The leaf hash,
// checked against the tree, is what proves the bytes; this only reads them.
func fastHeader(raw []byte) (rawHeader, bool) {
	var h rawHeader
	if len(raw) < 2 || raw[0] != '{' || raw[len(raw)-1] != '}' {
		return h, false
	}
	// log_id, prev and seq are adjacent members in sorted order.
	i := bytes.LastIndex(raw, patLogID)
	if i < 0 {
		return h, false
	}
	rest := raw[i+len(patLogID):]
	str := func() ([]byte, bool) {
		j := bytes.IndexByte(rest, '"')
		if j < 0 || bytes.IndexByte(rest[:j], '\\') >= 0 {
			return nil, false
		}
		v := rest[:j]
		rest = rest[j+1:]
		return v, true
	}
	var ok bool
	if h.LogID, ok = str(); !ok || !bytes.HasPrefix(rest, patPrev) {
		return h, false
	}
	rest = rest[len(patPrev):]
	if h.Prev, ok = str(); !ok || !bytes.HasPrefix(rest, patSeq) {
		return h, false
	}
	n, digits := int64(0), 0
	for _, c := range rest[len(patSeq):] {
		if c < '0' || c > '9' {
			if c != ',' && c != '}' {
				return h, false
			}
			break
		}
		if digits++; digits > 18 {
			return h, false
		}
		n = n*10 + int64(c-'0')
	}
	if digits == 0 {
		return h, false
	}
	h.Seq = n
	return h, true
}

// Verify checks the whole log: every record body against its leaf hash,
// the hash chain, every stored tree hash (recomputed from the leaves), every
// checkpoint's signature and root, consistency between consecutive
// checkpoints, and the log head. It returns a *VerifyError naming the first
// bad sequence number. With a witness file (Options.Witness), the log must
// also extend the tree head it records; a failure there wraps ErrRollback
// and names the file. trust nil means the log's own key ring.
func (l *Log) Verify(ctx context.Context, trust *jose.JSONWebKeySet) (*Report, error) {
	if trust == nil {
		if l.opts.Keys == nil {
			return nil, errors.New("evidence: verify: no trust root")
		}
		var err error
		if trust, err = l.opts.Keys.TrustRoot(); err != nil {
			return nil, fmt.Errorf("evidence: verify: %w", err)
		}
	}
	rep := &Report{LogID: l.id}
	err := l.view(func(tx *bolt.Tx) error {
		err := l.verifyTx(ctx, tx, trust, rep)
		if l.opts.Witness == "" || ctx.Err() != nil {
			return err
		}
		rep.Witness = l.opts.Witness
		w, werr := l.checkWitness(tx, trust, false, true)
		if werr == nil && w != nil {
			rep.WitnessSize = w.Checkpoint.Size
		}
		return errors.Join(werr, err)
	})
	return rep, err
}

func (l *Log) verifyTx(ctx context.Context, tx *bolt.Tx, trust *jose.JSONWebKeySet, rep *Report) error {
	for _, b := range allBuckets {
		if tx.Bucket(b) == nil {
			return bad(0, "bucket %s is missing", b)
		}
	}
	m := tx.Bucket(bktMeta)
	if string(m.Get(metaLogID)) != l.id {
		return bad(0, "log id changed from %q to %q", l.id, m.Get(metaLogID))
	}
	size := getBE64(m.Get(metaSize))
	first := max(getBE64(m.Get(metaFirst)), 1)
	if size < 0 || first > size+1 {
		return bad(0, "log size %d or first kept record %d is damaged", size, first)
	}
	rep.Size = size

	// Checkpoints, in size order.
	var cps []SignedCheckpoint
	cc := tx.Bucket(bktCheckpoints).Cursor()
	for k, v := cc.First(); k != nil; k, v = cc.Next() {
		var sc SignedCheckpoint
		if err := json.Unmarshal(v, &sc); err != nil {
			return bad(getBE64(k), "checkpoint at size %d is not valid JSON: %v", getBE64(k), err)
		}
		if sc.Checkpoint.Size != getBE64(k) {
			return bad(getBE64(k), "checkpoint stored at size %d says size %d", getBE64(k), sc.Checkpoint.Size)
		}
		if sc.Checkpoint.Size > size {
			return bad(sc.Checkpoint.Size, "checkpoint at size %d is beyond the log's %d records", sc.Checkpoint.Size, size)
		}
		cps = append(cps, sc)
	}
	if first > 1 && (len(cps) == 0 || cps[len(cps)-1].Checkpoint.Size < first-1) {
		return bad(first-1, "pruned records are not covered by a checkpoint at the cut")
	}
	rep.Checkpoints = len(cps)

	// One pass over leaves: recompute the stored tree hashes, keeping only
	// the frontier of completed subtrees in memory.
	frontier := map[int64]tlog.Hash{}
	consume := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			h, ok := frontier[x]
			if !ok {
				return nil, fmt.Errorf("internal: tree hash %d not computed", x)
			}
			out[i] = h
			delete(frontier, x)
		}
		return out, nil
	})
	peek := tlog.HashReaderFunc(func(ix []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ix))
		for i, x := range ix {
			h, ok := frontier[x]
			if !ok {
				return nil, fmt.Errorf("internal: tree hash %d not computed", x)
			}
			out[i] = h
		}
		return out, nil
	})
	hc := tx.Bucket(bktHashes).Cursor()
	hk, hv := hc.First()
	recs := tx.Bucket(bktRecords)
	rc := recs.Cursor()
	rk, rv := rc.First()
	if rk != nil && getBE64(rk) < first {
		return bad(getBE64(rk), "record body below the pruning point %d", first)
	}
	var prev tlog.Hash
	var hdr rawHeader
	logID := []byte(l.id)
	var wantPrev [2 * tlog.HashSize]byte
	next := 0 // next checkpoint to check
	var roots []tlog.Hash
	for n := int64(0); n < size; n++ {
		seq := n + 1
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var leaf tlog.Hash
		if seq < first {
			// Pruned: the stored leaf hash stands in for the body; the
			// checkpoint at the cut vouches for it.
			if hk == nil || getBE64(hk) != tlog.StoredHashIndex(0, n) || len(hv) != tlog.HashSize {
				return bad(seq, "leaf hash of pruned record is missing")
			}
			copy(leaf[:], hv)
			rep.Pruned++
		} else {
			if rk == nil || getBE64(rk) != seq {
				return bad(seq, "record is missing")
			}
			// A lookup by key must find the same record the cursor walk
			// found: a damaged branch page can hide a record from searches.
			if !bytes.Equal(recs.Get(rk), rv) {
				return bad(seq, "record cannot be found by its key (damaged index page)")
			}
			leaf = tlog.RecordHash(rv)
			var ok bool
			if hdr, ok = fastHeader(rv); !ok {
				var h recordHeader
				if err := json.Unmarshal(rv, &h); err != nil {
					return bad(seq, "record is not valid JSON: %v", err)
				}
				hdr = rawHeader{Seq: h.Seq, LogID: []byte(h.LogID), Prev: []byte(h.Prev)}
			}
			if hdr.Seq != seq {
				return bad(seq, "record says seq %d", hdr.Seq)
			}
			if !bytes.Equal(hdr.LogID, logID) {
				return bad(seq, "record of log %q: %w", hdr.LogID, ErrOtherLog)
			}
			want := wantPrev[:0]
			if seq > 1 {
				hex.Encode(wantPrev[:], prev[:])
				want = wantPrev[:]
			}
			if !bytes.Equal(hdr.Prev, want) {
				return bad(seq, "prev hash does not match record %d (chain broken)", seq-1)
			}
			rep.Checked++
			rk, rv = rc.Next()
		}
		hashes, err := tlog.StoredHashesForRecordHash(n, leaf, consume)
		if err != nil {
			return bad(seq, "%v", err)
		}
		base := tlog.StoredHashIndex(0, n)
		for i, h := range hashes {
			if hk == nil || getBE64(hk) != base+int64(i) {
				return bad(seq, "tree hash %d is missing", base+int64(i))
			}
			if !bytes.Equal(hv, h[:]) {
				if i == 0 {
					return bad(seq, "record %w (body or leaf hash altered)", ErrTampered)
				}
				return bad(seq, "stored tree hash %d %w", base+int64(i), ErrTampered)
			}
			hk, hv = hc.Next()
		}
		// Only the top hash of this append is a left child that later
		// appends and tree heads read; the others are right children.
		top := len(hashes) - 1
		frontier[base+int64(top)] = hashes[top]
		prev = leaf
		for next < len(cps) && cps[next].Checkpoint.Size == seq {
			root, err := l.checkCheckpoint(cps[next], trust, peek)
			if err != nil {
				return err
			}
			roots = append(roots, root)
			next++
		}
	}
	if rk != nil {
		return bad(getBE64(rk), "record beyond the log's size %d", size)
	}
	if hk != nil {
		return bad(size, "extra tree hash %d beyond the log's size", getBE64(hk))
	}
	if next < len(cps) {
		if cps[next].Checkpoint.Size != 0 {
			return bad(cps[next].Checkpoint.Size, "checkpoint not reached")
		}
	}
	if size > 0 && !bytes.Equal(m.Get(metaHead), prev[:]) {
		return bad(size, "log head hash does not match the last record")
	}
	// Consistency between consecutive checkpoints, from the stored hashes.
	hr := hashReader{tx.Bucket(bktHashes)}
	for i := 1; i < len(roots); i++ {
		a, b := cps[i-1].Checkpoint.Size, cps[i].Checkpoint.Size
		if a == 0 {
			continue
		}
		p, err := tlog.ProveTree(b, a, hr)
		if err == nil {
			err = tlog.CheckTree(p, b, roots[i], a, roots[i-1])
		}
		if err != nil {
			return bad(b, "checkpoint at size %d is not consistent with the one at %d: %v", b, a, err)
		}
	}
	if len(cps) > 0 {
		rep.Unsigned = size - cps[len(cps)-1].Checkpoint.Size
	} else {
		rep.Unsigned = size
	}
	return nil
}

func (l *Log) checkCheckpoint(sc SignedCheckpoint, trust *jose.JSONWebKeySet, r tlog.HashReader) (tlog.Hash, error) {
	size := sc.Checkpoint.Size
	if sc.Checkpoint.LogID != l.id {
		return tlog.Hash{}, bad(size, "checkpoint of log %q: %w", sc.Checkpoint.LogID, ErrOtherLog)
	}
	signed, err := sc.Verify(trust)
	if err != nil {
		return tlog.Hash{}, &VerifyError{Seq: size, Err: err}
	}
	root, err := tlog.TreeHash(size, r)
	if err != nil {
		return tlog.Hash{}, bad(size, "%v", err)
	}
	if root != signed {
		return tlog.Hash{}, bad(size, "checkpoint root hash does not match the records: %w", ErrTampered)
	}
	return root, nil
}
