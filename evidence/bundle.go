package evidence

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/cavra-dev/cavra/internal/canonjson"
)

// BundleFormat names the bundle format and version.
const BundleFormat = "cavra-evidence-bundle/v1"

// MaxBundleSize bounds what VerifyBundle reads.
const MaxBundleSize = 256 << 20

// Bundle is a self-contained, offline-verifiable extract of a log: records,
// an inclusion proof for each against one signed checkpoint, and the id of
// the key that signed it.
type Bundle struct {
	Format     string           `json:"format"`
	LogID      string           `json:"log_id"`
	KeyID      string           `json:"kid"`
	Checkpoint SignedCheckpoint `json:"checkpoint"`
	Records    []BundleRecord   `json:"records"`
}

// BundleRecord is one record with its inclusion proof. Record is the
// record's JSON; verification hashes its canonical form, so a bundle may be
// re-indented without breaking it.
type BundleRecord struct {
	Seq    int64           `json:"seq"`
	Record json.RawMessage `json:"record"`
	Proof  []string        `json:"proof"` // hex RFC 6962 hashes, leaf to root
}

// JSON renders the bundle: indented, one record per line.
func (b *Bundle) JSON() ([]byte, error) {
	head := *b
	head.Records = nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(head); err != nil {
		return nil, err
	}
	// Replace the trailing `"records": null\n}\n` with the records.
	out := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	i := bytes.LastIndex(out, []byte(`"records": null`))
	if i < 0 {
		return nil, errors.New("evidence: bundle layout")
	}
	res := make([]byte, 0, len(out)+len(b.Records)*(1024+40*64))
	res = append(res, out[:i]...)
	res = append(res, `"records": [`...)
	for j, r := range b.Records {
		if j > 0 {
			res = append(res, ',')
		}
		res = append(res, "\n    {\"seq\":"...)
		res = strconv.AppendInt(res, r.Seq, 10)
		res = append(res, `,"record":`...)
		if !json.Valid(r.Record) {
			return nil, fmt.Errorf("evidence: bundle record %d is not JSON", r.Seq)
		}
		res = append(res, r.Record...)
		res = append(res, `,"proof":[`...)
		for k, p := range r.Proof {
			if k > 0 {
				res = append(res, ',')
			}
			res = strconv.AppendQuote(res, p)
		}
		res = append(res, "]}"...)
	}
	res = append(res, "\n  ]\n}\n"...)
	return res, nil
}

// Attest commits everything queued, makes sure a checkpoint covers it, and
// returns a bundle of the records matching q (oldest first) with their
// inclusion proofs against that checkpoint. Pruned records are left out.
// No matching record is ErrNotFound.
func (l *Log) Attest(ctx context.Context, q Query) (*Bundle, error) {
	var sc SignedCheckpoint
	var err error
	if l.opts.ReadOnly {
		sc, err = l.LatestCheckpoint()
	} else {
		sc, err = l.Checkpoint(ctx)
	}
	if err != nil {
		return nil, err
	}
	size := sc.Checkpoint.Size
	b := &Bundle{Format: BundleFormat, LogID: l.id, KeyID: sc.KeyID, Checkpoint: sc, Records: []BundleRecord{}}
	err = l.db.View(func(tx *bolt.Tx) error {
		seqs, err := selectSeqs(ctx, tx, q, size)
		if err != nil {
			return err
		}
		recs := tx.Bucket(bktRecords)
		hr := hashReader{tx.Bucket(bktHashes)}
		for _, s := range seqs {
			if s < 1 || s > size {
				continue
			}
			v := recs.Get(be64(s))
			if v == nil {
				continue
			}
			if !q.bySeqOnly() {
				r, err := ParseRecord(v)
				if err != nil {
					return fmt.Errorf("evidence: record %d: %w", s, err)
				}
				if !q.matches(&r) {
					continue
				}
			}
			p, err := tlog.ProveRecord(size, s-1, hr)
			if err != nil {
				return fmt.Errorf("evidence: prove record %d: %w", s, err)
			}
			proof := make([]string, len(p))
			for i, h := range p {
				proof[i] = hashHex(h)
			}
			b.Records = append(b.Records, BundleRecord{Seq: s, Record: append(json.RawMessage(nil), v...), Proof: proof})
			if q.Limit > 0 && len(b.Records) >= q.Limit {
				break
			}
			if len(b.Records)%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(b.Records) == 0 {
		return nil, fmt.Errorf("%w: no record up to checkpoint size %d matches", ErrNotFound, size)
	}
	return b, nil
}

// VerifyOptions tightens VerifyBundle.
type VerifyOptions struct {
	// LogID, if set, is the log the bundle must come from.
	LogID string
}

// BundleReport says what a verified bundle proves.
type BundleReport struct {
	LogID    string    `json:"log_id"`
	KeyID    string    `json:"kid"`
	Size     int64     `json:"checkpoint_size"`
	RootHash string    `json:"root_hash"`
	Time     time.Time `json:"checkpoint_time"`
	Records  []Record  `json:"-"`
}

// VerifyBundle checks a bundle offline with nothing but the trust root: the
// checkpoint signature, that every record belongs to the checkpoint's log
// and is included in its tree, and the hash chain between adjacent
// records. The error names the first thing that is wrong.
func VerifyBundle(data []byte, trust *jose.JSONWebKeySet, opts VerifyOptions) (*BundleReport, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("bundle: larger than %d bytes", MaxBundleSize)
	}
	var b Bundle
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("bundle: not a bundle: %w", err)
	}
	if dec.More() {
		return nil, errors.New("bundle: trailing data after the bundle")
	}
	if b.Format != BundleFormat {
		return nil, fmt.Errorf("bundle: format %q, want %q", b.Format, BundleFormat)
	}
	cp := b.Checkpoint.Checkpoint
	if b.LogID == "" || cp.LogID != b.LogID {
		return nil, fmt.Errorf("bundle: checkpoint of log %q in a bundle of log %q: %w", cp.LogID, b.LogID, ErrOtherLog)
	}
	if opts.LogID != "" && b.LogID != opts.LogID {
		return nil, fmt.Errorf("bundle: log %q, want %q: %w", b.LogID, opts.LogID, ErrOtherLog)
	}
	if b.KeyID != b.Checkpoint.KeyID {
		return nil, fmt.Errorf("bundle: kid %q does not match the checkpoint's %q", b.KeyID, b.Checkpoint.KeyID)
	}
	root, err := b.Checkpoint.Verify(trust)
	if err != nil {
		return nil, fmt.Errorf("bundle: %w", err)
	}
	if len(b.Records) == 0 {
		return nil, errors.New("bundle: holds no records")
	}
	rep := &BundleReport{LogID: b.LogID, KeyID: b.KeyID, Size: cp.Size, RootHash: cp.RootHash, Time: cp.Time}
	var prevSeq int64
	var prevHash tlog.Hash
	for i, br := range b.Records {
		where := fmt.Sprintf("bundle: record %d (seq %d)", i+1, br.Seq)
		if br.Seq < 1 || br.Seq > cp.Size {
			return nil, fmt.Errorf("%s: outside the checkpoint's %d records", where, cp.Size)
		}
		if br.Seq <= prevSeq {
			return nil, fmt.Errorf("%s: records out of order or repeated", where)
		}
		proof := make(tlog.RecordProof, len(br.Proof))
		if len(br.Proof) > 64 {
			return nil, fmt.Errorf("%s: inclusion proof too long", where)
		}
		for j, s := range br.Proof {
			if proof[j], err = parseHash(s); err != nil {
				return nil, fmt.Errorf("%s: proof hash %d: %w", where, j, err)
			}
		}
		// The record as the log stored it is canonical JSON; a bundle that
		// was re-indented since is canonicalized before hashing.
		raw := []byte(br.Record)
		h := tlog.RecordHash(raw)
		if tlog.CheckRecord(proof, cp.Size, root, br.Seq-1, h) != nil {
			if raw, err = canonjson.Canonicalize(br.Record); err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			h = tlog.RecordHash(raw)
			if err := tlog.CheckRecord(proof, cp.Size, root, br.Seq-1, h); err != nil {
				return nil, fmt.Errorf("%s: not included in the signed checkpoint (record or proof altered): %w", where, ErrTampered)
			}
		}
		// Proven bytes: the writer made them canonical.
		r, err := parseRecord(raw, false)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		if r.Seq != br.Seq {
			return nil, fmt.Errorf("%s: record says seq %d", where, r.Seq)
		}
		if r.LogID != b.LogID {
			return nil, fmt.Errorf("%s: record of log %q: %w", where, r.LogID, ErrOtherLog)
		}
		if prevSeq == br.Seq-1 && prevSeq > 0 && r.Prev != hex.EncodeToString(prevHash[:]) {
			return nil, fmt.Errorf("%s: prev hash does not match record %d: %w", where, prevSeq, ErrTampered)
		}
		prevSeq, prevHash = br.Seq, h
		rep.Records = append(rep.Records, r)
	}
	return rep, nil
}
