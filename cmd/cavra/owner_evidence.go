package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/canonjson"
)

// evidenceSource is what evidence show and export read: the state
// directory's log opened read-only, or its owner's.
type evidenceSource interface {
	ID() string
	Get(seq int64) (evidence.Record, error)
	Find(decisionID string) (evidence.Record, error)
	List(ctx context.Context, q evidence.Query) ([]evidence.Record, error)
}

var _ evidenceSource = (*cavra.EvidenceReader)(nil)

// ownerEvidence reads the owner's log over GET /v1/decisions. Every record
// is brought back to its stored canonical bytes (and parsed as the log
// parses them), so what a command prints is the same as without an owner.
type ownerEvidence struct {
	ctx context.Context
	c   *httpapi.Client
	id  string
}

// readSource runs fn with home's evidence: through its owner when one
// runs, else the log opened read-only.
func readSource(ctx context.Context, home string, fn func(evidenceSource) error) error {
	if o := owner(ctx, home); o != nil {
		defer o.Close()
		return fn(&ownerEvidence{ctx: ctx, c: o})
	}
	return readEvidence(home, func(l *cavra.EvidenceReader) error { return fn(l) })
}

// stored is r as the log stores it: its canonical JSON, parsed again.
func stored(r evidence.Record) (evidence.Record, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return r, err
	}
	if b, err = canonjson.Canonicalize(b); err != nil {
		return r, err
	}
	return evidence.ParseRecord(b)
}

// problemErr turns the owner's problem answer into the error a command
// prints; a 404 is evidence.ErrNotFound, as locally.
func problemErr(err error) error {
	var p *httpapi.Problem
	if errors.As(err, &p) {
		if p.Status == 404 {
			return fmt.Errorf("%w: %s", evidence.ErrNotFound, p.Detail)
		}
		return errors.New(p.Detail)
	}
	return err
}

func (o *ownerEvidence) ID() string {
	if o.id == "" {
		if recs, err := o.c.Decisions(o.ctx, url.Values{"limit": {"1"}}); err == nil && len(recs) == 1 {
			o.id = recs[0].LogID
		}
	}
	return o.id
}

func (o *ownerEvidence) Get(seq int64) (evidence.Record, error) {
	recs, err := o.List(o.ctx, evidence.Query{FromSeq: seq, ToSeq: seq, Limit: 1})
	if err != nil {
		return evidence.Record{}, err
	}
	if len(recs) == 0 {
		return evidence.Record{}, fmt.Errorf("%w: seq %d", evidence.ErrNotFound, seq)
	}
	return recs[0], nil
}

func (o *ownerEvidence) Find(decisionID string) (evidence.Record, error) {
	r, err := o.c.Decision(o.ctx, decisionID)
	if err != nil {
		return r, problemErr(err)
	}
	return stored(r)
}

// List pages back through the owner's log, newest first, until q.Limit
// records (0: all) are read.
func (o *ownerEvidence) List(ctx context.Context, q evidence.Query) ([]evidence.Record, error) {
	var out []evidence.Record
	for {
		page := q
		page.Limit = httpapi.MaxListLimit
		if q.Limit > 0 && q.Limit-len(out) < page.Limit {
			page.Limit = q.Limit - len(out)
		}
		recs, err := o.c.Decisions(ctx, queryValues(page))
		if err != nil {
			return out, problemErr(err)
		}
		for _, r := range recs {
			if r, err = stored(r); err != nil {
				return out, err
			}
			out = append(out, r)
		}
		if len(recs) < page.Limit || (q.Limit > 0 && len(out) >= q.Limit) {
			return out, nil
		}
		q.ToSeq = recs[len(recs)-1].Seq - 1
		if q.ToSeq < 1 || (q.FromSeq > 0 && q.ToSeq < q.FromSeq) {
			return out, nil
		}
	}
}

// exportRecords writes the records of src matching q as
// evidence.Log.Export does: oldest first, JSON Lines or OCSF.
func exportRecords(ctx context.Context, src evidenceSource, w io.Writer, q evidence.Query, format string) (int, error) {
	if l, ok := src.(*cavra.EvidenceReader); ok {
		return l.Export(ctx, w, q, format)
	}
	limit := q.Limit
	q.Limit = 0
	recs, err := src.List(ctx, q)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriter(w)
	n := 0
	for i := len(recs) - 1; i >= 0 && (limit == 0 || n < limit); i-- {
		b := recs[i].Bytes()
		if format == evidence.FormatOCSF {
			if b, err = json.Marshal(evidence.OCSF(&recs[i])); err != nil {
				return n, err
			}
		}
		bw.Write(b)
		if err := bw.WriteByte('\n'); err != nil {
			return n, err
		}
		n++
	}
	return n, bw.Flush()
}

// bundle is a signed bundle of home's records matching q, made by its
// owner when one runs (the owner holds the log and its key).
func bundle(ctx context.Context, home string, q evidence.Query) (*evidence.Bundle, error) {
	if o := owner(ctx, home); o != nil {
		defer o.Close()
		req := httpapi.BundleRequest{Session: q.Session, Agent: q.Agent, RuleID: q.RuleID, Kind: string(q.Kind),
			DecisionIDs: q.DecisionIDs, Since: q.Since, Until: q.Until, FromSeq: q.FromSeq, ToSeq: q.ToSeq, Limit: q.Limit}
		if q.Decision != 0 {
			req.Decision = q.Decision.String()
		}
		b, err := o.Bundle(ctx, req)
		return b, problemErr(err)
	}
	l, err := openBundleLog(home)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return l.Attest(ctx, q)
}

// errOwned is the failure of a command that does not run through the
// owner: it changes what the owner holds open (its database file, its
// signing key, its witness), so it needs the directory to itself.
func errOwned(ctx context.Context, home, command string) error {
	o := owner(ctx, home)
	if o == nil {
		return nil
	}
	o.Close()
	dir, _ := cavra.StateDir(home)
	return &exitError{code: exitFailure, err: fmt.Errorf("%s does not run while another process owns the state directory %s "+
		"(cavra serve, cavra mcp proxy, or a program holding a Guard with a control socket): stop it, run the command, and start it again", command, dir)}
}

// extendsWitness checks that dir's log extends its witness: the owner's
// log through its verification (which checks the witness, and everything
// else), or the log opened read-only.
func extendsWitness(ctx context.Context, dir string) error {
	if o := owner(ctx, dir); o != nil {
		defer o.Close()
		_, err := o.Verify(ctx, httpapi.VerifyRequest{})
		return problemErr(err)
	}
	return readEvidence(dir, func(l *cavra.EvidenceReader) error { return l.Rollback() })
}
