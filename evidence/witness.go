package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/cavra-dev/cavra/internal/canonjson"
)

// WitnessFormat is the format field of a witness file.
const WitnessFormat = "cavra-evidence-witness/v1"

// maxWitnessSize bounds the witness file a log reads: a real one is about
// 500 bytes.
const maxWitnessSize = 64 << 10

// ErrRollback is wrapped by every witness failure: the log does not extend
// the signed tree head its witness recorded (it is shorter, diverges, or is
// another log), or the witness cannot be read or does not verify. Either
// way the log's history cannot be confirmed, and a Guard blocks.
var ErrRollback = errors.New("evidence rollback detected")

// ErrNoStateHome means no witness location could be derived: neither
// XDG_STATE_HOME nor a home directory is set.
var ErrNoStateHome = errors.New("evidence: no state home for the witness (set XDG_STATE_HOME or HOME)")

// Witness is the content of a witness file: the newest signed checkpoint
// of one log, kept outside its database so that a database that was
// emptied, deleted, replaced or rolled back is noticed when it is opened.
// The checkpoint's signature is what makes it trustworthy; StateDir is
// for people and is not signed.
type Witness struct {
	Format     string     `json:"format"`
	StateDir   string     `json:"state_dir,omitempty"`
	Checkpoint Checkpoint `json:"checkpoint"`
	KeyID      string     `json:"kid"`
	Signature  string     `json:"signature"`
}

// Signed returns the witnessed checkpoint with its signature.
func (w Witness) Signed() SignedCheckpoint {
	return SignedCheckpoint{Checkpoint: w.Checkpoint, KeyID: w.KeyID, Signature: w.Signature}
}

// WitnessError says why a log failed its witness check. It wraps
// ErrRollback.
type WitnessError struct {
	Path    string   // the witness file
	Witness *Witness // what it records, when it could be read
	Err     error
}

// Error names the witness file and the problem.
func (e *WitnessError) Error() string {
	return fmt.Sprintf("%v: witness %s: %v", ErrRollback, e.Path, e.Err)
}

// Unwrap returns ErrRollback and the problem.
func (e *WitnessError) Unwrap() []error { return []error{ErrRollback, e.Err} }

// ParseWitness decodes a witness file strictly: one JSON object, no
// unknown or missing fields, a positive size, a lowercase hex root hash
// and a detached compact JWS. It does not verify the signature
// (VerifyWitness does).
func ParseWitness(data []byte) (Witness, error) {
	var w Witness
	if len(data) > maxWitnessSize {
		return w, fmt.Errorf("witness is larger than %d bytes", maxWitnessSize)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Witness{}, fmt.Errorf("witness is not valid: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Witness{}, errors.New("witness has data after its JSON object")
	}
	c := w.Checkpoint
	switch {
	case w.Format != WitnessFormat:
		return Witness{}, fmt.Errorf("witness format %q, want %q", w.Format, WitnessFormat)
	case c.LogID == "":
		return Witness{}, errors.New("witness has no log_id")
	case c.Size < 1:
		return Witness{}, fmt.Errorf("witness size %d is not positive", c.Size)
	case c.Time.IsZero():
		return Witness{}, errors.New("witness has no checkpoint time")
	case w.KeyID == "":
		return Witness{}, errors.New("witness has no kid")
	}
	if _, err := parseHash(c.RootHash); err != nil {
		return Witness{}, fmt.Errorf("witness root_hash: %v", err)
	}
	if err := strictJWS(w.Signature); err != nil {
		return Witness{}, fmt.Errorf("witness signature: %v", err)
	}
	return w, nil
}

// VerifyWitness checks the witness's checkpoint signature against the
// trust root and returns the root hash it vouches for.
func VerifyWitness(w Witness, trust *jose.JSONWebKeySet) (tlog.Hash, error) {
	return w.Signed().Verify(trust)
}

// ReadWitness reads and parses the witness file at path. A missing file is
// an error wrapping fs.ErrNotExist; anything but a regular file is refused
// (a FIFO planted there would otherwise hang every process that opens the
// log).
func ReadWitness(path string) (Witness, error) {
	if fi, err := os.Stat(path); err != nil {
		return Witness{}, err
	} else if !fi.Mode().IsRegular() {
		return Witness{}, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return Witness{}, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxWitnessSize+1))
	if err != nil {
		return Witness{}, err
	}
	return ParseWitness(data)
}

// WriteWitness replaces the witness file at path atomically (a temporary
// file, fsynced, renamed over it): a crash leaves the old witness or the
// new one, never a part. The directory is created 0700, the file 0600.
func WriteWitness(path string, w Witness) error {
	if w.Format == "" {
		w.Format = WitnessFormat
	}
	data, err := canonjson.Marshal(w)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("evidence: witness directory: %w", err)
	}
	f, err := os.CreateTemp(dir, ".witness-*.tmp")
	if err != nil {
		return fmt.Errorf("evidence: write witness: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(append(data, '\n'))
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("evidence: write witness: %w", err)
	}
	return nil
}

// DefaultWitnessPath is where the witness of the log in stateDir is kept
// unless configured otherwise: $XDG_STATE_HOME/cavra/witness/<hash>.json,
// with ~/.local/state when XDG_STATE_HOME is unset or relative. The hash is
// of the state directory's absolute path with its symbolic links resolved
// (as far as it exists), so one directory has one witness however it is
// named, and a new or replaced database in it finds the old witness.
func DefaultWitnessPath(stateDir string) (string, error) {
	base := os.Getenv("XDG_STATE_HOME")
	if base == "" || !filepath.IsAbs(base) {
		home, err := os.UserHomeDir()
		if err != nil || home == "" {
			return "", ErrNoStateHome
		}
		base = filepath.Join(home, ".local", "state")
	}
	dir, err := resolvePrefix(stateDir)
	if err != nil {
		return "", fmt.Errorf("evidence: witness: %w", err)
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(base, "cavra", "witness", hex.EncodeToString(sum[:16])+".json"), nil
}

// resolvePrefix makes path absolute and resolves the symbolic links of its
// longest existing prefix.
func resolvePrefix(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	rest := ""
	for p := abs; ; {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest), nil
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = parent
	}
}

// checkWitness compares the log with its witness file and returns the
// witness (nil when there is none): the witness must verify against trust,
// name this log, and be a tree head that the log's current tree extends (a
// consistency proof from the stored hashes). created says the log was made
// by this Open, in an empty database. No witness file is not a failure
// unless the log was witnessed before.
//
// Unless always is set (Verify sets it), a witness identical to the
// checkpoint the database stores at its size is not verified again: it was
// written from that checkpoint, and verifying it costs a hook process more
// than the rest of the check (reading the trust root, a first Ed25519
// verification). Its size and root are still proven against the database's
// own tree, so what goes unchecked is only a signature over a tree head the
// database holds; putting back a genuine old witness with its database,
// which no signature can tell, does more. Verify checks every signature.
func (l *Log) checkWitness(tx *bolt.Tx, trust *jose.JSONWebKeySet, created, always bool) (*Witness, error) {
	path := l.opts.Witness
	w, err := ReadWitness(path)
	fail := func(wp *Witness, format string, a ...any) (*Witness, error) {
		return wp, &WitnessError{Path: path, Witness: wp, Err: fmt.Errorf(format, a...)}
	}
	if errors.Is(err, fs.ErrNotExist) {
		switch was := string(tx.Bucket(bktMeta).Get(metaWitnessed)); was {
		case "":
			return nil, nil
		case path:
			return fail(nil, "is missing, but this log was witnessed there: the witness was deleted or moved")
		default:
			return fail(nil, "is missing, but this log was witnessed at %s: the witness was deleted, or moved (by configuration or environment)", was)
		}
	}
	if err != nil {
		return fail(nil, "cannot be read: %v", err)
	}
	var root tlog.Hash
	if !always && l.storesCheckpoint(tx, w) {
		root, _ = parseHash(w.Checkpoint.RootHash) // ParseWitness checked it
	} else {
		if trust == nil {
			if l.opts.Keys == nil {
				return fail(&w, "cannot be checked: no trust root")
			}
			if trust, err = l.opts.Keys.TrustRoot(); err != nil {
				return fail(&w, "cannot be checked against the log's trust root: %v", err)
			}
		}
		if root, err = VerifyWitness(w, trust); err != nil {
			return fail(&w, "does not verify against the log's trust root (forged, or the keys were replaced): %v", err)
		}
	}
	c := w.Checkpoint
	at := c.Time.UTC().Format(time.RFC3339)
	if c.LogID != l.id {
		if created {
			return fail(&w, "the database holds a new, empty log %s, but the witness records log %s at %d records (%s): the database was emptied, deleted or replaced",
				l.id, c.LogID, c.Size, at)
		}
		return fail(&w, "the database holds log %s, but the witness records log %s at %d records (%s): the database was replaced",
			l.id, c.LogID, c.Size, at)
	}
	if l.size < c.Size {
		return fail(&w, "the log has %d records, but its witness recorded %d (%s): the log was rolled back", l.size, c.Size, at)
	}
	hr := hashReader{tx.Bucket(bktHashes)}
	head, err := tlog.TreeHash(l.size, hr)
	if err == nil {
		var p tlog.TreeProof
		if p, err = tlog.ProveTree(l.size, c.Size, hr); err == nil {
			err = tlog.CheckTree(p, l.size, head, c.Size, root)
		}
	}
	if err != nil {
		return fail(&w, "the log's first %d records are not the ones its witness signed at %s (a different history): %v", c.Size, at, err)
	}
	return &w, nil
}

// storesCheckpoint reports whether the database holds exactly the witnessed
// checkpoint, signature included, at its size.
func (l *Log) storesCheckpoint(tx *bolt.Tx, w Witness) bool {
	v := tx.Bucket(bktCheckpoints).Get(be64(w.Checkpoint.Size))
	if v == nil {
		return false
	}
	var sc SignedCheckpoint
	if json.Unmarshal(v, &sc) != nil {
		return false
	}
	a, b := sc.Checkpoint, w.Checkpoint
	return sc.KeyID == w.KeyID && sc.Signature == w.Signature && a.LogID == b.LogID && a.Size == b.Size &&
		a.RootHash == b.RootHash && a.Time.Equal(b.Time)
}

// MissingLogError is the witness failure for a state directory whose
// database is missing, or holds no evidence log, while the witness at path
// records one: a database that was deleted or emptied is not a new log. It
// returns nil when there is no witness at path.
func MissingLogError(path, db string) error {
	w, err := ReadWitness(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return &WitnessError{Path: path, Err: fmt.Errorf("cannot be read (and %s holds no evidence log): %v", db, err)}
	}
	return &WitnessError{Path: path, Witness: &w, Err: fmt.Errorf("%s holds no evidence log, but the witness records log %s at %d records (%s): the database was deleted or emptied",
		db, w.Checkpoint.LogID, w.Checkpoint.Size, w.Checkpoint.Time.UTC().Format(time.RFC3339))}
}

// openWitness checks a writable log against its witness. Without a
// witness file, an existing log witnesses its newest checkpoint at once
// when that verifies, so a log kept before witnesses existed gains one.
func (l *Log) openWitness(created bool) error {
	var newest *SignedCheckpoint
	err := l.view(func(tx *bolt.Tx) error {
		w, err := l.checkWitness(tx, nil, created, false)
		if w != nil || err != nil {
			l.rollback = err
			return nil
		}
		if _, v := tx.Bucket(bktCheckpoints).Cursor().Last(); v != nil {
			var sc SignedCheckpoint
			if json.Unmarshal(v, &sc) == nil {
				newest = &sc
			}
		}
		return nil
	})
	if err != nil || newest == nil || newest.Checkpoint.LogID != l.id {
		return err
	}
	trust, err := l.opts.Keys.TrustRoot()
	if err != nil {
		return nil
	}
	if _, err := newest.Verify(trust); err != nil {
		return nil // not witnessed; Verify reports the checkpoint
	}
	if err := l.writeWitness(*newest); err != nil {
		l.cpErr = err
	}
	return nil
}

// writeWitness replaces the witness file with sc and, the first time, notes
// in the log that it is witnessed there: from then on a missing witness is
// a failure, not a log that never had one. The note is written after the
// file, so a failed write never leaves a log that wants a witness it lacks.
func (l *Log) writeWitness(sc SignedCheckpoint) error {
	if err := WriteWitness(l.opts.Witness, l.witnessOf(sc)); err != nil {
		return err
	}
	if l.witnessed == l.opts.Witness {
		return nil
	}
	err := l.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bktMeta).Put(metaWitnessed, []byte(l.opts.Witness))
	})
	if err != nil {
		return fmt.Errorf("evidence: note the witness: %w", err)
	}
	l.witnessed = l.opts.Witness
	return nil
}

// witnessOf makes the witness file content for a signed checkpoint.
func (l *Log) witnessOf(sc SignedCheckpoint) Witness {
	return Witness{Format: WitnessFormat, StateDir: filepath.Dir(l.db.Path()), Checkpoint: sc.Checkpoint, KeyID: sc.KeyID, Signature: sc.Signature}
}

// Rollback returns the witness failure found when the log was opened (a
// *WitnessError, wrapping ErrRollback), or nil. While it is set the log
// refuses appends and checkpoints, and never writes its witness: a person
// looks, and ResetWitness starts the witness anew.
func (l *Log) Rollback() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.rollback
}

// Witness returns the path of the log's witness file ("" when it has none).
func (l *Log) Witness() string { return l.opts.Witness }

// ResetWitness is the deliberate way past a witness failure, for a person:
// it appends e (a record of what is being reset and why), moves the old
// witness file aside (to PATH.replaced-<unix time>), signs a checkpoint at
// the new size and witnesses it. From then on the witness follows this log.
func (l *Log) ResetWitness(ctx context.Context, e Entry) (Ref, SignedCheckpoint, error) {
	if l.opts.ReadOnly {
		return Ref{}, SignedCheckpoint{}, errors.New("evidence: reset witness: log is open read-only")
	}
	if l.opts.Witness == "" {
		return Ref{}, SignedCheckpoint{}, errors.New("evidence: reset witness: the log has no witness file")
	}
	p, err := prepare(e, time.Time{})
	if err != nil {
		return Ref{}, SignedCheckpoint{}, err
	}
	// The old witness goes aside first: the reset record's own commit may
	// sign a checkpoint, and that one must not be moved.
	aside := ""
	if _, err := os.Stat(l.opts.Witness); err == nil {
		aside = fmt.Sprintf("%s.replaced-%d", l.opts.Witness, l.opts.Now().Unix())
		if err := os.Rename(l.opts.Witness, aside); err != nil {
			return Ref{}, SignedCheckpoint{}, fmt.Errorf("evidence: reset witness: %w", err)
		}
	}
	o := &op{p: p, done: make(chan error, 1)}
	l.mu.Lock()
	l.errMu.Lock()
	prev := l.rollback
	l.rollback = nil
	l.errMu.Unlock()
	err = l.enqueueLocked(ctx, o)
	l.mu.Unlock()
	if err == nil {
		err = <-o.done
	}
	if err != nil {
		l.errMu.Lock()
		l.rollback = prev
		l.errMu.Unlock()
		if aside != "" {
			os.Rename(aside, l.opts.Witness)
		}
		return Ref{}, SignedCheckpoint{}, fmt.Errorf("evidence: reset witness: %w", err)
	}
	ref := Ref{LogID: l.id, Seq: o.seq}
	sc, err := l.Checkpoint(ctx)
	return ref, sc, err
}
