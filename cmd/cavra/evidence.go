package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/spf13/cobra"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/adapters/httpapi"
	"github.com/cavra-dev/cavra/approval"
	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
	"github.com/cavra-dev/cavra/internal/keys"
	"github.com/cavra-dev/cavra/internal/store"
)

func newEvidenceCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "evidence",
		Short: "Query, bundle, verify, export and prune the evidence log",
		Long: `The evidence log records every decision in the state directory's cavra.db,
as a Merkle tree with signed checkpoints. Bundles verify offline with the
trust root (cavra keys export-trust-root).`,
	}
	c.AddCommand(newEvidenceBundleCmd(), newEvidenceVerifyCmd(), newEvidenceListCmd(), newEvidenceShowCmd(),
		newEvidenceExportCmd(), newEvidencePruneCmd(), newEvidenceCompactCmd(), newEvidenceWitnessCmd())
	return c
}

// bundleLog is the log a bundle is made from: opened for writing, since a
// bundle signs a checkpoint at the current size (a checkpoint adds no
// record and changes none).
type bundleLog struct {
	*evidence.Log
	st *store.Store
}

func (l *bundleLog) Close() error { return errors.Join(l.Log.Close(), l.st.Close()) }

// errNoEvidence is what a state directory without an evidence log gives.
var errNoEvidence = errors.New("no evidence log")

func noLog(dir string) error {
	return fmt.Errorf("%w in %s (nothing has been evaluated there yet; see --home)", errNoEvidence, dir)
}

// openBundleLog opens the state directory's log for a bundle; it never
// creates a state directory or a log.
func openBundleLog(home string) (*bundleLog, error) {
	dir, err := cavra.StateDir(home)
	if err != nil {
		return nil, err
	}
	if !store.Exists(dir) {
		return nil, noLog(dir)
	}
	witness, err := cavra.WitnessPath(dir)
	if err != nil {
		return nil, err
	}
	st, err := store.Open(dir, nil)
	if err != nil {
		return nil, err
	}
	l, err := evidence.Open(st.DB(), evidence.Options{Keys: evidence.NewKeyRing(filepath.Join(dir, evidence.KeyDir)), Witness: witness})
	if err == nil {
		err = l.Rollback() // a bundle signs a checkpoint: never of a history that fails its witness
	}
	if err != nil {
		if l != nil {
			l.Close()
		}
		st.Close()
		return nil, err
	}
	return &bundleLog{Log: l, st: st}, nil
}

// readEvidence runs fn with the state directory's log opened read-only:
// nothing is created or recorded.
func readEvidence(home string, fn func(l *cavra.EvidenceReader) error) error {
	dir, err := cavra.StateDir(home)
	if err != nil {
		return err
	}
	st, err := cavra.OpenState(dir, 0)
	if errors.Is(err, cavra.ErrNoState) {
		return noLog(dir)
	}
	if err != nil {
		return err
	}
	defer st.Close()
	l, err := st.Evidence()
	if errors.Is(err, evidence.ErrNoLog) {
		return noLog(dir)
	}
	if err != nil {
		return err
	}
	return fn(l)
}

// withGuard opens a Guard on an existing state directory for a change that
// records itself; it never creates a state directory.
func withGuard(c *cobra.Command, home string, fn func(g *cavra.Guard) error) error {
	dir, err := cavra.StateDir(home)
	if err != nil {
		return err
	}
	if !store.Exists(dir) {
		return noLog(dir)
	}
	g, err := cavra.Open(c.Context(), cavra.Options{Home: dir})
	if err != nil {
		return err
	}
	defer g.Close()
	return fn(g)
}

// queryFlags are the filters shared by bundle, list and export.
type queryFlags struct {
	session, agent, rule, outcome, severity, actionType, kind string
	decisions                                                 []string
	since, until                                              string
	fromSeq, toSeq                                            int64
	limit                                                     int
}

func (f *queryFlags) register(c *cobra.Command, all bool) {
	fl := c.Flags()
	fl.StringVar(&f.session, "session", "", "only this session")
	fl.StringArrayVar(&f.decisions, "decision", nil, "only this decision id (repeatable), or only this outcome: allow, require_approval, block")
	fl.StringVar(&f.since, "since", "", "only records at or after: RFC 3339, YYYY-MM-DD, or a duration ago (24h)")
	fl.StringVar(&f.until, "until", "", "only records before: RFC 3339, YYYY-MM-DD, or a duration ago")
	fl.Int64Var(&f.fromSeq, "from-seq", 0, "first sequence number")
	fl.Int64Var(&f.toSeq, "to-seq", 0, "last sequence number")
	if all {
		fl.StringVar(&f.agent, "agent", "", "only this agent")
		fl.StringVar(&f.rule, "rule", "", "only this rule id")
		fl.StringVar(&f.outcome, "outcome", "", "only this decision: allow, require_approval or block")
		fl.StringVar(&f.severity, "severity", "", "only this severity: low, medium, high or critical")
		fl.StringVar(&f.actionType, "action-type", "", "only this action type")
		fl.StringVar(&f.kind, "kind", "", "only this record kind: decision, approval_event, grant_use, action_outcome, policy_change, break_glass, registry_change, retention, key_change, witness_reset")
		fl.IntVar(&f.limit, "limit", 0, "at most this many records (0: all)")
	}
}

func (f *queryFlags) query(now time.Time) (evidence.Query, error) {
	q := evidence.Query{Session: f.session, Agent: f.agent, RuleID: f.rule,
		FromSeq: f.fromSeq, ToSeq: f.toSeq, Limit: f.limit, ActionType: decision.ActionType(f.actionType), Kind: evidence.Kind(f.kind)}
	var err error
	// --decision takes decision ids, and also an outcome (allow, block,
	// require_approval), since that is what "list --decision block" means.
	for _, d := range f.decisions {
		if o, perr := decision.ParseOutcome(d); perr == nil {
			if q.Decision != 0 && q.Decision != o {
				return q, usageErr("--decision: give one outcome")
			}
			q.Decision = o
			continue
		}
		q.DecisionIDs = append(q.DecisionIDs, d)
	}
	if f.outcome != "" {
		o, err := decision.ParseOutcome(f.outcome)
		if err != nil {
			return q, usageErr("--outcome: %v", err)
		}
		if q.Decision != 0 && q.Decision != o {
			return q, usageErr("--outcome and --decision name different outcomes")
		}
		q.Decision = o
	}
	if f.severity != "" {
		if q.Severity, err = decision.ParseSeverity(f.severity); err != nil {
			return q, usageErr("--severity: %v", err)
		}
	}
	if q.ActionType != "" && !q.ActionType.Valid() {
		return q, usageErr("--action-type: unknown action type %q", f.actionType)
	}
	if q.Kind != "" && !q.Kind.Valid() {
		return q, usageErr("--kind: unknown record kind %q", f.kind)
	}
	if q.Since, err = parseWhen("--since", f.since, now); err != nil {
		return q, err
	}
	if q.Until, err = parseWhen("--until", f.until, now); err != nil {
		return q, err
	}
	if f.fromSeq < 0 || f.toSeq < 0 || f.limit < 0 {
		return q, usageErr("--from-seq, --to-seq and --limit cannot be negative")
	}
	return q, nil
}

// parseWhen reads RFC 3339, a date (UTC midnight) or a duration ago.
func parseWhen(flag, s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usageErr("%s %q: want RFC 3339 (2026-01-02T15:04:05Z), a date (2026-01-02) or a duration ago (24h)", flag, s)
}

// writeOut writes data to path, or to the command's stdout when path is "".
func writeOut(c *cobra.Command, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := c.OutOrStdout().Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func newEvidenceBundleCmd() *cobra.Command {
	var qf queryFlags
	var home, out string
	c := &cobra.Command{
		Use:   "bundle",
		Short: "Write a signed, offline-verifiable bundle of selected records",
		Example: `  cavra evidence bundle --session s-42 --out s-42.bundle.json
  cavra evidence bundle --decision dec_0123456789abcdef`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			q, err := qf.query(time.Now())
			if err != nil {
				return err
			}
			b, err := bundle(c.Context(), home, q)
			if err != nil {
				return err
			}
			data, err := b.JSON()
			if err != nil {
				return err
			}
			if err := writeOut(c, out, data); err != nil {
				return err
			}
			if out != "" {
				fmt.Fprintf(c.ErrOrStderr(), "wrote %s: %d records of log %s, checkpoint size %d signed by %s\n",
					out, len(b.Records), b.LogID, b.Checkpoint.Checkpoint.Size, b.KeyID)
			}
			return nil
		},
	}
	qf.register(c, false)
	c.Flags().StringVar(&out, "out", "", "bundle file (default stdout)")
	c.Flags().StringVar(&home, "home", "", "state directory")
	return c
}

func newEvidenceVerifyCmd() *cobra.Command {
	var home, trustPath, logID string
	var asJSON bool
	c := &cobra.Command{
		Use:   "verify [BUNDLE]",
		Short: "Verify a bundle offline, or the whole local log",
		Long: `With BUNDLE, verify it offline against --trust-root (a JWKS from
cavra keys export-trust-root): the checkpoint signature, every record's
inclusion proof and the chain between adjacent records.

Without BUNDLE, verify the whole log in the state directory: every record
against its hash, the hash chain, every tree hash, every checkpoint's
signature and root, and the consistency between checkpoints. The first bad
sequence number is named. The log must also extend the signed tree head its
witness recorded (outside the state directory: see cavra evidence witness);
a log that was rolled back, replaced, emptied or deleted fails, naming the
witness file.

Exit status: 0 verified, 1 not verified, 2 usage error.`,
		Example: `  cavra keys export-trust-root --out keys.jwks
  cavra evidence verify s-42.bundle.json --trust-root keys.jwks
  cavra evidence verify`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			var trust *jose.JSONWebKeySet
			if trustPath != "" {
				var err error
				if trust, err = keys.ReadPublic(trustPath); err != nil {
					return err
				}
			}
			if len(argv) == 1 {
				if trust == nil {
					return usageErr("verifying a bundle needs --trust-root FILE (the JWKS from cavra keys export-trust-root)")
				}
				data, err := readBundle(argv[0])
				if err != nil {
					return err
				}
				rep, err := evidence.VerifyBundle(data, trust, evidence.VerifyOptions{LogID: logID})
				if err != nil {
					return fmt.Errorf("NOT VERIFIED: %s: %w", argv[0], err)
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), rep)
				}
				fmt.Fprintf(c.OutOrStdout(), "verified: %d records of log %s, included in its checkpoint of size %d (root %s) signed by %s at %s\n",
					len(rep.Records), rep.LogID, rep.Size, rep.RootHash[:16], rep.KeyID, rep.Time.Format(time.RFC3339))
				return nil
			}
			var rep *evidence.Report
			var err error
			if o := owner(c.Context(), home); o != nil {
				// The owner holds the log; it verifies it the same way.
				defer o.Close()
				rep, err = o.Verify(c.Context(), httpapi.VerifyRequest{TrustRoot: trust})
				var p *httpapi.Problem
				if errors.As(err, &p) {
					err = errors.New(p.Detail)
				}
			} else {
				err = readEvidence(home, func(l *cavra.EvidenceReader) error {
					var err error
					rep, err = l.Verify(c.Context(), trust)
					return err
				})
			}
			if err != nil {
				if errors.Is(err, errNoEvidence) {
					return err
				}
				if errors.Is(err, evidence.ErrRollback) {
					return fmt.Errorf("NOT VERIFIED: %w\n(once a person has examined it: cavra evidence witness reset --reason ...)", err)
				}
				return fmt.Errorf("NOT VERIFIED: %w", err)
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), rep)
			}
			fmt.Fprintf(c.OutOrStdout(), "verified: log %s, %d records (%d checked, %d pruned), %d checkpoints",
				rep.LogID, rep.Size, rep.Checked, rep.Pruned, rep.Checkpoints)
			if rep.Unsigned > 0 {
				fmt.Fprintf(c.OutOrStdout(), "; the last %d records are not yet under a signed checkpoint", rep.Unsigned)
			}
			switch {
			case rep.WitnessSize > 0:
				fmt.Fprintf(c.OutOrStdout(), "; extends its witness %s (%d records)", rep.Witness, rep.WitnessSize)
			case rep.Witness != "":
				fmt.Fprintf(c.OutOrStdout(), "; no witness yet at %s", rep.Witness)
			}
			fmt.Fprintln(c.OutOrStdout())
			return nil
		},
	}
	c.Flags().StringVar(&trustPath, "trust-root", "", "JWKS of trusted evidence keys (default for the local log: its own keys)")
	c.Flags().StringVar(&logID, "log-id", "", "the log the bundle must come from")
	c.Flags().StringVar(&home, "home", "", "state directory")
	outputFlag(c, &asJSON, "print the report as JSON")
	return c
}

func readBundle(path string) ([]byte, error) {
	var r io.Reader = os.Stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, evidence.MaxBundleSize+1))
	if err != nil {
		return nil, err
	}
	return data, nil
}

func newEvidenceListCmd() *cobra.Command {
	var qf queryFlags
	var home string
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List records, newest first",
		Example: `  cavra evidence list --session s-42
  cavra evidence list --outcome block --since 24h --json`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			q, err := qf.query(time.Now())
			if err != nil {
				return err
			}
			var recs []evidence.Record
			viaOwner := false
			if o := owner(c.Context(), home); o != nil {
				defer o.Close()
				viaOwner = true
				if q.Limit == 0 {
					q.Limit = 10000
				}
				recs, err = o.Decisions(c.Context(), queryValues(q))
			} else {
				err = readEvidence(home, func(l *cavra.EvidenceReader) error {
					var err error
					recs, err = l.List(c.Context(), q)
					return err
				})
			}
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if asJSON && viaOwner {
				if recs == nil {
					recs = []evidence.Record{}
				}
				return writeJSON(w, recs)
			}
			if asJSON {
				var buf bytes.Buffer
				buf.WriteString("[")
				for i, r := range recs {
					if i > 0 {
						buf.WriteString(",")
					}
					buf.WriteString("\n  ")
					buf.Write(r.Bytes())
				}
				buf.WriteString("\n]\n")
				_, err := w.Write(buf.Bytes())
				return err
			}
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tTIME\tKIND\tSESSION\tDECISION\tRULE\tTARGET")
			for _, r := range recs {
				sess, out, rule, target := r.SessionID, "", "", ""
				if d := r.Decision; d != nil {
					sess, out, rule, target = d.SessionID, d.Decision.String(), d.RuleID, d.Target
				}
				if len(target) > 60 {
					target = target[:57] + "..."
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.Local().Format("2006-01-02 15:04:05"), r.Kind, sess, out, rule, target)
			}
			return tw.Flush()
		},
	}
	qf.register(c, true)
	c.Flags().StringVar(&home, "home", "", "state directory")
	outputFlag(c, &asJSON, "print the records as a JSON array")
	return c
}

func newEvidenceShowCmd() *cobra.Command {
	var home string
	var asJSON bool
	c := &cobra.Command{
		Use:     "show ID",
		Short:   "Print one record: by sequence number, decision id, or evidence:// reference",
		Example: "  cavra evidence show 42\n  cavra evidence show dec_0123456789abcdef\n  cavra evidence show evidence://log_0123456789abcdef/42",
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, argv []string) error {
			return readSource(c.Context(), home, func(l evidenceSource) error { return showRecord(c, l, argv[0], asJSON) })
		},
	}
	c.Flags().StringVar(&home, "home", "", "state directory")
	outputFlag(c, &asJSON, "the record alone, as evidence list -o json has it")
	return c
}

// showRecord prints one record of l and, in text after a decision, its
// approval trail. The JSON is the record alone: its bytes are what the
// log hashed, so nothing is added to them.
func showRecord(c *cobra.Command, l evidenceSource, id string, asJSON bool) error {
	var r evidence.Record
	var err error
	switch {
	case strings.HasPrefix(id, "evidence://"):
		ref, perr := evidence.ParseRef(id)
		if perr != nil {
			return usageErr("%v", perr)
		}
		if ref.LogID != l.ID() {
			return fmt.Errorf("%s is a record of log %s; this log is %s", id, ref.LogID, l.ID())
		}
		r, err = l.Get(ref.Seq)
	default:
		if n, perr := strconv.ParseInt(id, 10, 64); perr == nil {
			r, err = l.Get(n)
		} else {
			r, err = l.Find(id)
		}
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, r.Bytes(), "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	if _, err := c.OutOrStdout().Write(buf.Bytes()); err != nil || asJSON {
		return err
	}
	return printApprovalTrail(c, l, r)
}

// printApprovalTrail lists, after a decision record, the approval events and
// grant uses linked to it (by its decision id or its approval id).
func printApprovalTrail(c *cobra.Command, l evidenceSource, r evidence.Record) error {
	if r.Decision == nil {
		return nil
	}
	d := r.Decision
	var trail []evidence.Record
	for _, k := range []evidence.Kind{evidence.KindApproval, evidence.KindGrantUse} {
		recs, err := l.List(c.Context(), evidence.Query{Kind: k})
		if err != nil {
			return err
		}
		for _, rec := range recs {
			var ev struct {
				DecisionID string `json:"decision_id"`
				ApprovalID string `json:"approval_id"`
			}
			if json.Unmarshal(rec.Data, &ev) != nil {
				continue
			}
			if ev.DecisionID == d.DecisionID || (d.ApprovalID != "" && ev.ApprovalID == d.ApprovalID) {
				trail = append(trail, rec)
			}
		}
	}
	if len(trail) == 0 {
		return nil
	}
	sort.Slice(trail, func(i, j int) bool { return trail[i].Seq < trail[j].Seq })
	w := c.OutOrStdout()
	fmt.Fprintf(w, "approval trail (%s):\n", orDash(d.ApprovalID))
	for _, rec := range trail {
		var ev struct {
			Event  string `json:"event"`
			Reason string `json:"reason"`
			Error  string `json:"error"`
			Actor  *struct {
				Issuer, Subject string
			} `json:"actor"`
		}
		_ = json.Unmarshal(rec.Data, &ev)
		who := ""
		if ev.Actor != nil {
			who = ev.Actor.Subject + " (" + ev.Actor.Issuer + ")"
		}
		fmt.Fprintf(w, "  seq %d  %s  %s  %s  %s%s\n", rec.Seq, rec.Time.Local().Format(time.DateTime), ev.Event, who, ev.Reason, errSuffix(ev.Error))
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func errSuffix(e string) string {
	if e == "" {
		return ""
	}
	return " [" + e + "]"
}

func newEvidenceExportCmd() *cobra.Command {
	var qf queryFlags
	var home, format, out string
	c := &cobra.Command{
		Use:   "export",
		Short: "Export records, oldest first, as JSON Lines or OCSF",
		Long: `Export records for a SIEM. --format jsonl writes each stored record (canonical
JSON) on its own line; --format ocsf writes one OCSF 1.3.0 API Activity event
per line, with CAVRA's own fields under "unmapped" (see docs/decisions.md).`,
		Example: "  cavra evidence export --format ocsf --since 24h --out decisions.ocsf.jsonl",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if format != evidence.FormatJSONL && format != evidence.FormatOCSF {
				return usageErr("--format %q: want jsonl or ocsf", format)
			}
			q, err := qf.query(time.Now())
			if err != nil {
				return err
			}
			var n int
			err = readSource(c.Context(), home, func(l evidenceSource) error {
				w := c.OutOrStdout()
				if out != "" && out != "-" {
					f, err := os.Create(out)
					if err != nil {
						return err
					}
					defer f.Close()
					w = f
				}
				var err error
				n, err = exportRecords(c.Context(), l, w, q, format)
				return err
			})
			if err != nil {
				return err
			}
			if out != "" && out != "-" {
				fmt.Fprintf(c.ErrOrStderr(), "wrote %d records to %s\n", n, out)
			}
			return nil
		},
	}
	qf.register(c, true)
	c.Flags().StringVar(&format, "format", evidence.FormatJSONL, "jsonl or ocsf")
	c.Flags().StringVar(&out, "out", "", "output file (default stdout)")
	c.Flags().StringVar(&home, "home", "", "state directory")
	return c
}

// pruneReport is the JSON of evidence prune: the log, then what changed —
// the legal hold (--legal-hold) or the cut-off and what it removed
// (--before).
type pruneReport struct {
	LogID     string     `json:"log_id"`
	LegalHold *bool      `json:"legal_hold,omitempty"`
	Before    *time.Time `json:"before,omitempty"`
	*evidence.PruneResult
}

func newEvidencePruneCmd() *cobra.Command {
	var home, before, hold, by, reason string
	var asJSON bool
	c := &cobra.Command{
		Use:   "prune --before DATE",
		Short: "Remove old record bodies; the tree hashes and a signed checkpoint at the cut remain",
		Long: `Remove the bodies of records older than --before. Their tree hashes stay and
a signed checkpoint is written at the cut, so the rest of the log, and every
bundle made before, still verifies.

--legal-hold on puts the log under legal hold: nothing is pruned until
--legal-hold off. Pruning and lifting the hold are a person's: the approver
passphrase (cavra approval enroll) is typed on the terminal, and nothing is
pruned from inside a coding agent. Every prune and every change of the hold is recorded as a
retention record (who, why, the cut-off) first or right after; when that
record cannot be written nothing is pruned.`,
		Example: "  cavra evidence prune --before 2026-01-01\n  cavra evidence prune --legal-hold on",
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if (before == "") == (hold == "") {
				return usageErr("give --before DATE, or --legal-hold on|off")
			}
			var t time.Time
			if before != "" {
				var err error
				if t, err = parseWhen("--before", before, time.Now()); err != nil {
					return err
				}
			}
			var on bool
			switch hold {
			case "":
			case "on", "true":
				on = true
			case "off", "false":
			default:
				return usageErr("--legal-hold %q: want on or off", hold)
			}
			if err := errOwned(c.Context(), home, "cavra evidence prune"); err != nil {
				return err
			}
			return withGuard(c, home, func(g *cavra.Guard) error {
				// Pruning and lifting a legal hold are a person's: the
				// enrolled approver passphrase on the terminal, never from
				// inside an agent; refusals are recorded.
				if hold == "" || !on {
					verb := approval.VerbPrune
					if hold != "" {
						verb = approval.VerbLiftHold
					}
					if err := personPresent(c, g, verb, g.Evidence().ID(), by, reason, true); err != nil {
						return err
					}
				}
				if hold != "" {
					if err := g.SetLegalHold(c.Context(), on, by, reason); err != nil {
						return err
					}
					if asJSON {
						return writeJSON(c.OutOrStdout(), pruneReport{LogID: g.Evidence().ID(), LegalHold: &on})
					}
					fmt.Fprintf(c.OutOrStdout(), "legal hold %s for log %s\n", map[bool]string{true: "on", false: "off"}[on], g.Evidence().ID())
					return nil
				}
				res, err := g.PruneEvidence(c.Context(), t, by, reason)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(c.OutOrStdout(), pruneReport{LogID: g.Evidence().ID(), Before: &t, PruneResult: &res})
				}
				if res.Removed == 0 {
					fmt.Fprintln(c.OutOrStdout(), "nothing to prune")
					return nil
				}
				fmt.Fprintf(c.OutOrStdout(), "pruned %d records (up to seq %d); run cavra evidence compact to reclaim the space\n", res.Removed, res.Cut)
				return nil
			})
		},
	}
	c.Flags().StringVar(&before, "before", "", "remove records older than this: RFC 3339, YYYY-MM-DD, or a duration ago (2160h)")
	c.Flags().StringVar(&hold, "legal-hold", "", "on: never prune this log; off: allow pruning again")
	c.Flags().StringVar(&by, "by", os.Getenv("USER"), "who prunes or sets the hold (recorded in evidence)")
	c.Flags().StringVar(&reason, "reason", "", "why (recorded in evidence)")
	c.Flags().StringVar(&home, "home", "", "state directory")
	outputFlag(c, &asJSON, `{"log_id", "legal_hold"} or {"log_id", "before", "cut", "removed"}`)
	return c
}

// compactReport is the JSON of evidence compact: the database file and its
// size before and after, in bytes.
type compactReport struct {
	Path   string `json:"path"`
	Before int64  `json:"before_bytes"`
	After  int64  `json:"after_bytes"`
}

func newEvidenceCompactCmd() *cobra.Command {
	var home string
	var asJSON bool
	c := &cobra.Command{
		Use:   "compact",
		Short: "Rewrite cavra.db without its free pages (bbolt files never shrink on their own)",
		Long:  "Rewrite the state directory's cavra.db to reclaim space. No other process may use it meanwhile.",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			dir, err := cavra.StateDir(home)
			if err != nil {
				return err
			}
			if err := errOwned(c.Context(), dir, "cavra evidence compact"); err != nil {
				return err
			}
			before, after, err := store.Compact(dir, nil)
			if errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("no database in %s", dir)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), compactReport{Path: store.Path(dir), Before: before, After: after})
			}
			fmt.Fprintf(c.OutOrStdout(), "compacted %s: %d -> %d bytes\n", store.Path(dir), before, after)
			return nil
		},
	}
	c.Flags().StringVar(&home, "home", "", "state directory")
	outputFlag(c, &asJSON, `{"path", "before_bytes", "after_bytes"}`)
	return c
}

func newEvidenceWitnessCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "witness",
		Short: "Show or reset the witness of the log's last signed tree head",
		Long: `The witness is a file outside the state directory, by default
$XDG_STATE_HOME/cavra/witness/<hash of the state directory>.json (else
~/.local/state/...), or config.yaml's evidence.witness. It holds the newest
signed checkpoint, and is replaced whenever one is signed. A log that is
shorter than it, has another history, or is another log (a database that was
rolled back, replaced, emptied or deleted) blocks every action with rule
evidence.rollback_detected, and cavra evidence verify fails naming it.

Only a person resets it, after looking at what happened: reset records what
the witness held and why it is reset, and the witness starts anew from the
log as it is.`,
	}
	c.AddCommand(newEvidenceWitnessShowCmd(), newEvidenceWitnessResetCmd())
	return c
}

// witnessReport is the JSON of evidence witness show.
type witnessReport struct {
	Path    string            `json:"path"`
	Witness *evidence.Witness `json:"witness,omitempty"` // nil: none yet
	OK      bool              `json:"ok"`                // the log extends it
	Problem string            `json:"problem,omitempty"`
}

func newEvidenceWitnessShowCmd() *cobra.Command {
	var home string
	var asJSON bool
	c := &cobra.Command{
		Use:   "show",
		Short: "Print the witness file and whether the log extends it",
		Long:  "Print where the witness is, what it records, and whether the log extends it. Exit status: 0 it does (or there is no witness yet), 1 it does not.",
		Args:  args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			dir, err := cavra.StateDir(home)
			if err != nil {
				return err
			}
			path, err := cavra.WitnessPath(dir)
			if err != nil {
				return err
			}
			if path == "" {
				return errors.New("no witness: neither XDG_STATE_HOME nor HOME is set, and config.yaml names none")
			}
			rep := witnessReport{Path: path, OK: true}
			if w, err := evidence.ReadWitness(path); err == nil {
				rep.Witness = &w
			} else if !errors.Is(err, fs.ErrNotExist) {
				rep.OK, rep.Problem = false, err.Error()
			}
			if rep.OK {
				err := extendsWitness(c.Context(), dir)
				if err != nil && (rep.Witness != nil || !errors.Is(err, errNoEvidence)) {
					rep.OK, rep.Problem = false, err.Error()
				}
			}
			if asJSON {
				if err := writeJSON(c.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				out := c.OutOrStdout()
				fmt.Fprintf(out, "witness: %s\n", path)
				if w := rep.Witness; w != nil {
					fmt.Fprintf(out, "records: log %s, %d records, root %s, signed by %s at %s\n",
						w.Checkpoint.LogID, w.Checkpoint.Size, w.Checkpoint.RootHash[:16], w.KeyID, w.Checkpoint.Time.Format(time.RFC3339))
				} else if rep.Problem == "" {
					fmt.Fprintln(out, "records: nothing yet (it is written with the next signed checkpoint)")
				}
				if rep.OK {
					fmt.Fprintln(out, "the log extends it")
				}
			}
			if !rep.OK {
				return &exitError{code: exitFailure, err: fmt.Errorf("NOT VERIFIED: %s", rep.Problem)}
			}
			return nil
		},
	}
	c.Flags().StringVar(&home, "home", "", "state directory")
	outputFlag(c, &asJSON, `{"path", "witness": {"format", "state_dir", "checkpoint", "kid", "signature"}, "ok", "problem"}`)
	return c
}

func newEvidenceWitnessResetCmd() *cobra.Command {
	var home, by, reason string
	var asJSON bool
	c := &cobra.Command{
		Use:   "reset --reason TEXT",
		Short: "Start the witness anew from the log as it is (for a person, after a rollback was detected)",
		Long: `Reset the witness after evidence.rollback_detected, once a person has looked
at what happened (a restored backup, a database deleted by mistake, or an
attack). It appends a witness_reset record to the log as it is now — what
the old witness recorded, why the log did not match it, --by and --reason —
moves the old witness file aside (PATH.replaced-<unix time>), then signs and
witnesses the log, and decisions are recorded again. With no database, it
starts a new log. The history the old witness vouched for is not brought
back: keep the old witness and any copy of the database you have.

Nothing is reset from inside a coding agent (the attempt is refused and
recorded), and the hooks refuse the command to agents.`,
		Example: `  cavra evidence witness reset --reason "restored the 2026-11-30 backup"`,
		Args:    args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageErr("--reason is required: it is recorded in evidence")
			}
			if strings.TrimSpace(by) == "" {
				return usageErr("--by is required (default $USER): it is recorded in evidence")
			}
			dir, err := cavra.StateDir(home)
			if err != nil {
				return err
			}
			if err := errOwned(c.Context(), dir, "cavra evidence witness reset"); err != nil {
				return err
			}
			g, err := cavra.Open(c.Context(), cavra.Options{Home: dir})
			if err != nil {
				return err
			}
			defer g.Close()
			// Never from inside an agent (refused and recorded).
			if err := personPresent(c, g, approval.VerbResetWitness, g.Evidence().ID(), by, reason, false); err != nil {
				return err
			}
			rec, err := g.ResetWitness(c.Context(), by, reason)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.OutOrStdout(), rec)
			}
			out := c.OutOrStdout()
			if p := rec.Previous; p != nil {
				fmt.Fprintf(out, "reset the witness %s: it recorded log %s at %d records (%s)\n",
					rec.Witness, p.Checkpoint.LogID, p.Checkpoint.Size, p.Checkpoint.Time.Format(time.RFC3339))
			} else {
				fmt.Fprintf(out, "reset the witness %s (it held nothing readable)\n", rec.Witness)
			}
			if rec.Problem != "" {
				fmt.Fprintf(out, "problem: %s\n", rec.Problem)
			}
			if info, err := g.Evidence().Info(); err == nil {
				fmt.Fprintf(out, "it now witnesses log %s at %d records; the reset is recorded there\n", info.LogID, info.LastCheckpt)
			}
			return nil
		},
	}
	c.Flags().StringVar(&reason, "reason", "", "why (required; recorded in evidence)")
	c.Flags().StringVar(&by, "by", os.Getenv("USER"), "who resets it (recorded in evidence)")
	c.Flags().StringVar(&home, "home", "", "state directory")
	outputFlag(c, &asJSON, `{"witness", "previous": {"checkpoint", "kid", "signature"}, "problem", "by", "reason"}`)
	return c
}
