package evidence

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	bolt "go.etcd.io/bbolt"
)

// ErrLegalHold means the log is under legal hold and is never pruned.
var ErrLegalHold = errors.New("evidence: the log is under legal hold; nothing is pruned")

// PruneResult says what Prune removed.
type PruneResult struct {
	Cut     int64 `json:"cut"`     // last seq whose body was removed (0: nothing)
	Removed int64 `json:"removed"` // bodies removed by this call
}

// SetLegalHold turns legal hold on or off. Under legal hold Prune refuses
// to remove anything.
func (l *Log) SetLegalHold(on bool) error {
	return l.db.Update(func(tx *bolt.Tx) error {
		m := tx.Bucket(bktMeta)
		if on {
			return m.Put(metaLegalHold, []byte{1})
		}
		return m.Delete(metaLegalHold)
	})
}

// Prune removes the bodies (and index entries) of the oldest records whose
// time is before the given one. Their tree hashes stay, and a signed
// checkpoint is written at the cut and at the current size first, so the
// remaining log still verifies and its old checkpoints stay consistent.
func (l *Log) Prune(ctx context.Context, before time.Time) (PruneResult, error) {
	var res PruneResult
	if l.opts.ReadOnly {
		return res, errors.New("evidence: prune: log is open read-only")
	}
	var hold bool
	var first int64
	if err := l.view(func(tx *bolt.Tx) error {
		m := tx.Bucket(bktMeta)
		hold = len(m.Get(metaLegalHold)) > 0
		first = max(getBE64(m.Get(metaFirst)), 1)
		return nil
	}); err != nil {
		return res, err
	}
	if hold {
		return res, ErrLegalHold
	}
	cp, err := l.Checkpoint(ctx)
	if err != nil {
		return res, err
	}
	// The cut: the last record of the leading run older than before.
	cut := first - 1
	err = l.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bktRecords).Cursor()
		for k, v := c.Seek(be64(first)); k != nil; k, v = c.Next() {
			var h struct {
				Time time.Time `json:"time"`
			}
			if err := json.Unmarshal(v, &h); err != nil {
				return fmt.Errorf("evidence: prune: record %d: %w", getBE64(k), err)
			}
			if !h.Time.Before(before) || getBE64(k) > cp.Checkpoint.Size {
				break
			}
			cut = getBE64(k)
		}
		return nil
	})
	if err != nil || cut < first {
		return res, err
	}
	key, err := l.opts.Keys.Signer()
	if err != nil {
		return res, err
	}
	const chunk = 8192
	for lo := first; lo <= cut; lo += chunk {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		hi := min(lo+chunk-1, cut)
		err := l.db.Update(func(tx *bolt.Tx) error {
			if lo == first {
				if err := l.checkpointAt(tx, cut, key); err != nil {
					return err
				}
			}
			recs := tx.Bucket(bktRecords)
			for s := lo; s <= hi; s++ {
				v := recs.Get(be64(s))
				if v == nil {
					continue
				}
				r, err := ParseRecord(v)
				if err != nil {
					return fmt.Errorf("evidence: prune: record %d: %w", s, err)
				}
				if err := deleteIndexes(tx, &r); err != nil {
					return err
				}
				if err := recs.Delete(be64(s)); err != nil {
					return err
				}
			}
			return tx.Bucket(bktMeta).Put(metaFirst, be64(hi+1))
		})
		if err != nil {
			return res, fmt.Errorf("evidence: prune: %w", err)
		}
		res.Removed += hi - lo + 1
		res.Cut = hi
	}
	return res, nil
}

// checkpointAt signs a checkpoint at size unless one exists.
func (l *Log) checkpointAt(tx *bolt.Tx, size int64, key jose.JSONWebKey) error {
	if tx.Bucket(bktCheckpoints).Get(be64(size)) != nil {
		return nil
	}
	_, err := l.putCheckpoint(tx, size, key)
	return err
}

// indexKeysOf derives a stored record's index keys, as prepare made them.
func indexKeysOf(r *Record) ([]indexKey, error) {
	p, err := prepare(Entry{Kind: r.Kind, Decision: r.Decision, SessionID: r.SessionID, AgentID: r.AgentID}, time.Time{})
	if err != nil {
		return nil, err
	}
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(r.Time.UnixNano()))
	return append(p.index, indexKey{bucket: bktIdxTime, prefix: t[:]}), nil
}

func deleteIndexes(tx *bolt.Tx, r *Record) error {
	keys, err := indexKeysOf(r)
	if err != nil {
		return err
	}
	idx := tx.Bucket(bktIndex)
	for _, k := range keys {
		if err := idx.Delete(k.full(r.Seq)); err != nil {
			return err
		}
	}
	return nil
}
