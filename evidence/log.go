package evidence

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/cavra-dev/cavra/internal/canonjson"
)

// Bucket names. Every evidence bucket starts with "evidence." so that other
// subsystems can keep their own buckets in the same file.
var (
	bktMeta        = []byte("evidence.meta")
	bktRecords     = []byte("evidence.records")     // be64(seq) -> canonical record JSON
	bktHashes      = []byte("evidence.hashes")      // be64(stored hash index) -> 32-byte hash
	bktCheckpoints = []byte("evidence.checkpoints") // be64(size) -> SignedCheckpoint JSON
	bktIndex       = []byte("evidence.index")       // tag || value 0x00 || be64(seq); time: tag || be64(unix nano) || be64(seq)
	allBuckets     = [][]byte{bktMeta, bktRecords, bktHashes, bktCheckpoints, bktIndex}
)

// Secondary index tags: the first byte of a key in bktIndex. One bucket for
// every index keeps the pages a commit dirties (and fsyncs) few.
var (
	bktIdxSession  = []byte{'s'}
	bktIdxAgent    = []byte{'a'}
	bktIdxDecision = []byte{'d'}
	bktIdxSeverity = []byte{'v'}
	bktIdxRule     = []byte{'r'}
	bktIdxType     = []byte{'y'}
	bktIdxKind     = []byte{'k'}
	bktIdxID       = []byte{'i'}
	bktIdxTime     = []byte{'t'}
)

// Meta keys.
var (
	metaLogID     = []byte("log_id")
	metaVersion   = []byte("version")
	metaSize      = []byte("size")
	metaHead      = []byte("head")
	metaFirst     = []byte("first") // first seq whose body is kept (after pruning)
	metaLegalHold = []byte("legal_hold")
	metaIndexed   = []byte("indexed")   // last seq whose index entries are written
	metaWitnessed = []byte("witnessed") // the witness file last written for this log
)

// indexEvery is how many committed records wait before their index entries
// are written together: a durable commit then dirties only the record, tree
// and meta pages, and index pages are shared by many records. Queries scan
// the short unindexed tail themselves.
const indexEvery = 64

const schemaVersion = "1"

// Mode says when Append returns.
type Mode int

const (
	// Durable (the zero value): Append returns after the record is committed
	// and fsynced. Concurrent appends share one commit (group commit).
	Durable Mode = iota
	// Async: Append returns once the record is queued and numbered. It
	// gives up durability of queued records on a crash, and a failed write
	// is reported by Flush, Close and every later Append instead of by the
	// Append that queued the record.
	Async
)

// Options configures Open. The zero value (plus Keys) is a durable log.
type Options struct {
	// Keys signs checkpoints. Required unless ReadOnly.
	Keys *KeyRing
	// Mode is Durable (default) or Async.
	Mode Mode
	// QueueSize bounds the queue of records waiting for a commit; Append
	// blocks (honouring its context) when it is full. Default 4096.
	QueueSize int
	// MaxBatch caps the records written by one commit. Default 1024.
	MaxBatch int
	// CheckpointEvery writes a checkpoint after this many records. Default 1000.
	CheckpointEvery int
	// CheckpointInterval writes a checkpoint this long after the last one
	// when records were added since. Default one minute; negative disables.
	CheckpointInterval time.Duration
	// LazyClose makes Close sign a checkpoint only when one is due
	// (CheckpointEvery records, or CheckpointInterval since the last stored
	// checkpoint) instead of whenever records were added, and writes index
	// entries with their records. For a process that records a decision or
	// two and exits, such as a coding-agent hook: it saves a second fsync
	// and a signature per process. Records after the last checkpoint stay
	// hash-chained; the next due checkpoint signs them.
	LazyClose bool
	// ReadOnly opens an existing log for reading and verifying only.
	ReadOnly bool
	// Witness is a file outside the database that keeps the newest signed
	// checkpoint (see DefaultWitnessPath); "" keeps none. Open compares the
	// log with it: a log that is shorter, has another history, or is another
	// log is opened in the Rollback state, which refuses appends. Every
	// checkpoint the log signs replaces it; an existing log opened without
	// one witnesses its latest checkpoint at once.
	Witness string
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// ErrNoLog means the database holds no evidence log (read-only open).
var ErrNoLog = errors.New("evidence: the database holds no evidence log")

// ErrClosed is returned by a Log used after Close.
var ErrClosed = errors.New("evidence: log is closed")

// Log is an append-only, Merkle-tree evidence log in a bbolt database. It
// is safe for concurrent use. Use one Log per database: it numbers records
// in memory.
type Log struct {
	db   *bolt.DB
	opts Options
	id   string

	mu     sync.Mutex // guards next, closed and the send on ch
	next   int64      // seq the next queued record gets
	closed bool
	ch     chan *op

	errMu    sync.Mutex // guards err, cpErr and rollback; never held while waiting
	err      error      // sticky write failure
	cpErr    error      // last checkpoint or witness failure
	rollback error      // the witness check's failure (*WitnessError)
	done     chan struct{}

	// Owned by the commit loop.
	size    int64
	head    tlog.Hash
	lastCP  int64
	lastAt  time.Time
	indexed int64
	pending []indexKey // index keys of records after indexed, seq included

	witnessed string // metaWitnessed: set once a witness was written for this log
}

type op struct {
	p          *prepared
	seq        int64
	checkpoint bool // write a checkpoint at the current size if it has none
	index      bool // write pending index entries
	done       chan error
}

// Open opens the evidence log in db, creating its buckets and a new log id
// on first use. The signing key is created (in opts.Keys) on first use.
func Open(db *bolt.DB, opts Options) (*Log, error) {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 4096
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1024
	}
	if opts.CheckpointEvery <= 0 {
		opts.CheckpointEvery = 1000
	}
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	l := &Log{db: db, opts: opts}
	if opts.ReadOnly {
		err := l.view(func(tx *bolt.Tx) error {
			if tx.Bucket(bktMeta) == nil {
				if opts.Witness != "" {
					if err := MissingLogError(opts.Witness, db.Path()); err != nil {
						return err
					}
				}
				return ErrNoLog
			}
			if err := l.loadMeta(tx); err != nil {
				return err
			}
			if opts.Witness != "" {
				_, l.rollback = l.checkWitness(tx, nil, false, false)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		l.closed = true
		return l, nil
	}
	if opts.Keys == nil {
		return nil, errors.New("evidence: Options.Keys is required to sign checkpoints")
	}
	if err := opts.Keys.Ensure(); err != nil {
		return nil, err
	}
	// An existing, fully indexed log opens with a read transaction: a
	// process that records one decision must not pay for an empty commit.
	needWrite, created := false, false
	err := db.View(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				needWrite = true
				return nil
			}
		}
		if tx.Bucket(bktMeta).Get(metaLogID) == nil {
			needWrite = true
			return nil
		}
		if err := l.loadMeta(tx); err != nil {
			return err
		}
		needWrite = l.indexed < l.size
		return nil
	})
	if err == nil && needWrite {
		created, err = l.create(db)
	}
	if err == nil && opts.Witness != "" {
		err = l.openWitness(created)
	}
	if err != nil {
		return nil, fmt.Errorf("evidence: open log: %w", err)
	}
	l.next = l.size + 1
	if !opts.LazyClose {
		l.lastAt = opts.Now() // the interval runs from opening; LazyClose's from the last checkpoint
	}
	l.ch = make(chan *op, opts.QueueSize)
	l.done = make(chan struct{})
	go l.loop()
	return l, nil
}

// create makes the log's buckets and metadata when they are missing, and
// indexes an unindexed tail (after a crash). It reports whether it made a
// new log.
func (l *Log) create(db *bolt.DB) (created bool, err error) {
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		m := tx.Bucket(bktMeta)
		if m.Get(metaLogID) == nil {
			created = true
			var r [8]byte
			_, _ = rand.Read(r[:])
			if err := m.Put(metaLogID, []byte("log_"+hex.EncodeToString(r[:]))); err != nil {
				return err
			}
			if err := m.Put(metaVersion, []byte(schemaVersion)); err != nil {
				return err
			}
			if err := m.Put(metaFirst, be64(1)); err != nil {
				return err
			}
		}
		if err := l.loadMeta(tx); err != nil {
			return err
		}
		return l.catchUpIndex(tx)
	})
	return created, err
}

func (l *Log) loadMeta(tx *bolt.Tx) error {
	m := tx.Bucket(bktMeta)
	id := m.Get(metaLogID)
	if len(id) == 0 {
		return ErrNoLog
	}
	if v := string(m.Get(metaVersion)); v != schemaVersion {
		return fmt.Errorf("evidence: log schema version %q, want %q", v, schemaVersion)
	}
	l.id = string(id)
	l.size = getBE64(m.Get(metaSize))
	if h := m.Get(metaHead); len(h) == tlog.HashSize {
		copy(l.head[:], h)
	} else if l.size > 0 {
		return fmt.Errorf("evidence: log head hash is missing or damaged")
	}
	if c := tx.Bucket(bktCheckpoints); c != nil {
		if k, v := c.Cursor().Last(); k != nil {
			l.lastCP = getBE64(k)
			var sc SignedCheckpoint
			if json.Unmarshal(v, &sc) == nil {
				l.lastAt = sc.Checkpoint.Time
			}
		}
	}
	l.indexed = getBE64(m.Get(metaIndexed))
	l.witnessed = string(m.Get(metaWitnessed))
	return nil
}

// catchUpIndex writes the index entries of records committed after the
// last index write (a crash loses only the in-memory pending entries).
func (l *Log) catchUpIndex(tx *bolt.Tx) error {
	if l.indexed >= l.size {
		return nil
	}
	recs, idx := tx.Bucket(bktRecords), tx.Bucket(bktIndex)
	for s := l.indexed + 1; s <= l.size; s++ {
		v := recs.Get(be64(s))
		if v == nil {
			continue
		}
		r, err := parseRecord(v, false)
		if err != nil {
			return fmt.Errorf("record %d: %w", s, err)
		}
		keys, err := indexKeysOf(&r)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if err := idx.Put(k.full(s), nil); err != nil {
				return err
			}
		}
	}
	l.indexed = l.size
	return tx.Bucket(bktMeta).Put(metaIndexed, be64(l.size))
}

// ID returns the log's id, "log_" + 16 hex characters, chosen at creation.
func (l *Log) ID() string { return l.id }

// Mode returns the log's mode.
func (l *Log) Mode() Mode { return l.opts.Mode }

// Append adds one record and returns its reference. In Durable mode it
// returns after the record is committed; in Async mode after it is queued.
// The context bounds only the wait for a place in a full queue: once
// queued, a durable Append waits for its commit.
func (l *Log) Append(ctx context.Context, e Entry) (Ref, error) {
	p, err := prepare(e, time.Time{})
	if err != nil {
		return Ref{}, err
	}
	o := &op{p: p, done: make(chan error, 1)}
	if err := l.enqueue(ctx, o); err != nil {
		return Ref{}, err
	}
	ref := Ref{LogID: l.id, Seq: o.seq}
	if l.opts.Mode == Async {
		return ref, nil
	}
	if err := <-o.done; err != nil {
		return Ref{}, err
	}
	return ref, nil
}

// enqueue numbers a record and queues it, under mu so that numbers follow
// queue order.
func (l *Log) enqueue(ctx context.Context, o *op) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.enqueueLocked(ctx, o)
}

func (l *Log) enqueueLocked(ctx context.Context, o *op) error {
	if l.closed {
		return ErrClosed
	}
	if err := l.writeErr(); err != nil {
		return err
	}
	if o.p != nil {
		o.seq = l.next
		// Stamped here so that record times follow sequence order.
		o.p.time = l.opts.Now().UTC()
		if err := o.p.setTime(); err != nil {
			return err
		}
	}
	select {
	case l.ch <- o:
	case <-ctx.Done():
		return ctx.Err()
	}
	if o.p != nil {
		l.next++
	}
	return nil
}

// Flush waits until every record queued before it is committed, and
// returns the first write failure if there was one.
func (l *Log) Flush(ctx context.Context) error {
	o := &op{done: make(chan error, 1)}
	if err := l.enqueue(ctx, o); err != nil {
		return err
	}
	select {
	case err := <-o.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Checkpoint commits everything queued, signs a checkpoint at the current
// size if there is none yet, and returns the newest checkpoint.
func (l *Log) Checkpoint(ctx context.Context) (SignedCheckpoint, error) {
	o := &op{checkpoint: true, done: make(chan error, 1)}
	if err := l.enqueue(ctx, o); err != nil {
		return SignedCheckpoint{}, err
	}
	select {
	case err := <-o.done:
		if err != nil {
			return SignedCheckpoint{}, err
		}
	case <-ctx.Done():
		return SignedCheckpoint{}, ctx.Err()
	}
	return l.LatestCheckpoint()
}

// Close drains the queue, writes a final checkpoint and stops the log. It
// does not close the database. It returns the first write or checkpoint
// failure, if any.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	close(l.ch)
	l.mu.Unlock()
	<-l.done
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return errors.Join(l.err, l.cpErr)
}

// writeErr is the sticky write failure, or the witness failure: either
// refuses appends and checkpoints.
func (l *Log) writeErr() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.err != nil {
		return l.err
	}
	return l.rollback
}

func (l *Log) loop() {
	defer close(l.done)
	var tick <-chan time.Time
	if l.opts.CheckpointInterval > 0 {
		t := time.NewTicker(l.opts.CheckpointInterval)
		defer t.Stop()
		tick = t.C
	}
	idle := time.NewTicker(250 * time.Millisecond)
	defer idle.Stop()
	batch := make([]*op, 0, l.opts.MaxBatch)
	for {
		select {
		case <-idle.C:
			if len(l.pending) > 0 {
				l.commit([]*op{{index: true}})
			}
		case o, ok := <-l.ch:
			if !ok {
				l.closeCheckpoint()
				return
			}
			batch = append(batch[:0], o)
		drain:
			for len(batch) < l.opts.MaxBatch {
				select {
				case o, ok := <-l.ch:
					if !ok {
						l.commit(batch)
						l.closeCheckpoint()
						return
					}
					batch = append(batch, o)
				default:
					break drain
				}
			}
			l.commit(batch)
		case <-tick:
			if l.Rollback() == nil && l.size > l.lastCP && l.opts.Now().Sub(l.lastAt) >= l.opts.CheckpointInterval {
				l.commit([]*op{{checkpoint: true}})
			}
		}
	}
}

// closeCheckpoint signs the log's head as it closes when records were added
// since the last checkpoint — with LazyClose only when a checkpoint is due —
// and otherwise writes what index entries are pending.
func (l *Log) closeCheckpoint() {
	if l.Rollback() != nil {
		return // a rolled-back history is neither signed nor witnessed
	}
	due := l.size > l.lastCP
	if due && l.opts.LazyClose {
		due = l.size-l.lastCP >= int64(l.opts.CheckpointEvery) ||
			l.opts.CheckpointInterval >= 0 && l.opts.Now().Sub(l.lastAt) >= l.opts.CheckpointInterval
	}
	switch {
	case due:
		l.commit([]*op{{checkpoint: true}})
	case len(l.pending) > 0:
		l.commit([]*op{{index: true}})
	}
}

// commit writes a batch in one transaction (one fsync for all of it) and
// tells every waiter how it went.
func (l *Log) commit(batch []*op) {
	err := l.writeErr()
	size, head, lastCP, indexed, pending := l.size, l.head, l.lastCP, l.indexed, l.pending
	var cpErr error
	var cp SignedCheckpoint
	wroteCP := false
	if err == nil {
		err = l.db.Update(func(tx *bolt.Tx) error {
			size, head, lastCP, wroteCP, cpErr = l.size, l.head, l.lastCP, false, nil
			indexed, pending = l.indexed, l.pending[:len(l.pending):len(l.pending)]
			w := newWriter(tx)
			force, index := false, false
			for _, o := range batch {
				if o.checkpoint {
					force = true
				}
				if o.p == nil {
					index = true // flush, checkpoint, close and idle ops write the index
					continue
				}
				for _, k := range o.p.index {
					pending = append(pending, indexKey{bucket: k.bucket, prefix: k.prefix, seq: o.seq})
				}
				if o.seq != size+1 {
					return fmt.Errorf("evidence: internal error: record numbered %d written at %d", o.seq, size+1)
				}
				h, err := w.append(l.id, o.seq, head, o.p)
				if err != nil {
					return err
				}
				size, head = o.seq, h
			}
			if err := w.setHead(size, head); err != nil {
				return err
			}
			// A short-lived writer (LazyClose) indexes with the records: one
			// larger commit costs less than a second one at close.
			if len(pending) > 0 && (index || l.opts.LazyClose || size-indexed >= indexEvery) {
				idx := tx.Bucket(bktIndex)
				for _, k := range pending {
					if err := idx.Put(k.full(k.seq), nil); err != nil {
						return err
					}
				}
				if err := w.meta.Put(metaIndexed, be64(size)); err != nil {
					return err
				}
				indexed, pending = size, nil
			} else if len(pending) == 0 && indexed < size {
				indexed = size
				if err := w.meta.Put(metaIndexed, be64(size)); err != nil {
					return err
				}
			}
			if size > lastCP && (force || size-lastCP >= int64(l.opts.CheckpointEvery)) {
				if sc, err := l.writeCheckpoint(tx, size); err != nil {
					cpErr = err // the records still count; the checkpoint is retried later
				} else {
					lastCP, wroteCP, cp = size, true, sc
				}
			}
			return nil
		})
		if err != nil {
			err = fmt.Errorf("evidence: write failed: %w", err)
			l.errMu.Lock()
			l.err = err
			l.errMu.Unlock()
		}
	}
	if err == nil {
		l.size, l.head, l.lastCP, l.indexed, l.pending = size, head, lastCP, indexed, pending
		if wroteCP {
			l.lastAt = l.opts.Now()
			// Witnessed once committed, so the witness never runs ahead of
			// the database; a failure is reported like a checkpoint's and
			// the next checkpoint writes it again.
			if l.opts.Witness != "" {
				cpErr = l.writeWitness(cp)
			}
		}
		if cpErr != nil || wroteCP {
			l.errMu.Lock()
			l.cpErr = cpErr
			l.errMu.Unlock()
		}
	}
	for _, o := range batch {
		if o.done == nil {
			continue
		}
		e := err
		if e == nil && o.checkpoint && o.p == nil {
			e = cpErr
		}
		o.done <- e
	}
}

func (l *Log) writeCheckpoint(tx *bolt.Tx, size int64) (SignedCheckpoint, error) {
	key, err := l.opts.Keys.Signer()
	if err != nil {
		return SignedCheckpoint{}, err
	}
	return l.putCheckpoint(tx, size, key)
}

func (l *Log) putCheckpoint(tx *bolt.Tx, size int64, key jose.JSONWebKey) (SignedCheckpoint, error) {
	root, err := tlog.TreeHash(size, hashReader{tx.Bucket(bktHashes)})
	if err != nil {
		return SignedCheckpoint{}, err
	}
	sc, err := signCheckpoint(Checkpoint{LogID: l.id, Size: size, RootHash: hashHex(root), Time: l.opts.Now().UTC()}, key)
	if err != nil {
		return SignedCheckpoint{}, err
	}
	b, err := canonjson.Marshal(sc)
	if err != nil {
		return SignedCheckpoint{}, err
	}
	return sc, tx.Bucket(bktCheckpoints).Put(be64(size), b)
}

// writer appends records inside one write transaction.
type writer struct {
	tx                    *bolt.Tx
	records, hashes, meta *bolt.Bucket
}

func newWriter(tx *bolt.Tx) *writer {
	w := &writer{tx: tx, records: tx.Bucket(bktRecords), hashes: tx.Bucket(bktHashes), meta: tx.Bucket(bktMeta)}
	// Sequential keys: fill pages (the setting is not persisted).
	w.records.FillPercent = 1
	w.hashes.FillPercent = 1
	tx.Bucket(bktCheckpoints).FillPercent = 1
	return w
}

func (w *writer) append(logID string, seq int64, prev tlog.Hash, p *prepared) (tlog.Hash, error) {
	var prevBytes []byte
	if seq > 1 {
		prevBytes = prev[:]
	}
	raw := p.encode(logID, seq, prevBytes)
	h := tlog.RecordHash(raw)
	hashes, err := tlog.StoredHashesForRecordHash(seq-1, h, hashReader{w.hashes})
	if err != nil {
		return h, err
	}
	base := tlog.StoredHashIndex(0, seq-1)
	for i, hh := range hashes {
		if err := w.hashes.Put(be64(base+int64(i)), append([]byte(nil), hh[:]...)); err != nil {
			return h, err
		}
	}
	if err := w.records.Put(be64(seq), raw); err != nil {
		return h, err
	}
	return h, nil
}

func (w *writer) setHead(size int64, head tlog.Hash) error {
	if err := w.meta.Put(metaSize, be64(size)); err != nil {
		return err
	}
	return w.meta.Put(metaHead, append([]byte(nil), head[:]...))
}

// hashReader reads stored tree hashes from a bucket.
type hashReader struct{ b *bolt.Bucket }

// ReadHashes implements tlog.HashReader.
func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		v := r.b.Get(be64(x))
		if len(v) != tlog.HashSize {
			return nil, fmt.Errorf("evidence: tree hash %d is missing or damaged", x)
		}
		copy(out[i][:], v)
	}
	return out, nil
}

func be64(n int64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	return b[:]
}

func getBE64(b []byte) int64 {
	if len(b) != 8 {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}
