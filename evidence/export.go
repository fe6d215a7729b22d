package evidence

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	bolt "go.etcd.io/bbolt"

	"github.com/cavra-dev/cavra/decision"
)

// Export formats.
const (
	FormatJSONL = "jsonl" // one stored record (canonical JSON) per line
	FormatOCSF  = "ocsf"  // one OCSF 1.3.0 API Activity event per line
)

// Export writes the records matching q, oldest first, to w in the given
// format, and returns how many it wrote.
func (l *Log) Export(ctx context.Context, w io.Writer, q Query, format string) (int, error) {
	if format != FormatJSONL && format != FormatOCSF {
		return 0, fmt.Errorf("evidence: unknown export format %q (want %s or %s)", format, FormatJSONL, FormatOCSF)
	}
	bw := bufio.NewWriter(w)
	n := 0
	err := l.view(func(tx *bolt.Tx) error {
		seqs, err := selectSeqs(ctx, tx, q, 0)
		if err != nil {
			return err
		}
		recs := tx.Bucket(bktRecords)
		for _, s := range seqs {
			v := recs.Get(be64(s))
			if v == nil {
				continue
			}
			r, err := ParseRecord(v)
			if err != nil {
				return fmt.Errorf("evidence: record %d: %w", s, err)
			}
			if !q.matches(&r) {
				continue
			}
			if format == FormatJSONL {
				bw.Write(r.raw)
			} else {
				b, err := json.Marshal(OCSF(&r))
				if err != nil {
					return err
				}
				bw.Write(b)
			}
			if err := bw.WriteByte('\n'); err != nil {
				return err
			}
			n++
			if q.Limit > 0 && n >= q.Limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// OCSF maps a record to an OCSF 1.3.0 event of class API Activity (6003,
// category Application Activity): the agent's action is the API call, the
// decision is the security control's disposition. Every CAVRA field without
// an OCSF home is kept under "unmapped". docs/decisions.md has the table.
func OCSF(r *Record) map[string]any {
	ev := map[string]any{
		"category_uid": 6,
		"class_uid":    6003,
		"time":         r.Time.UnixMilli(),
		"metadata": map[string]any{
			"version":  "1.3.0",
			"product":  map[string]any{"name": "CAVRA", "vendor_name": "CAVRA"},
			"profiles": []string{"security_control"},
			"uid":      r.Ref().String(),
			"log_name": r.LogID,
		},
	}
	unmapped := map[string]any{
		"kind": r.Kind, "seq": r.Seq, "log_id": r.LogID, "prev": r.Prev,
	}
	activity := 99 // Other
	severity := 1  // Informational
	if d := r.Decision; d != nil {
		switch d.ActionType {
		case decision.ReadFile:
			activity = 2 // Read
		case decision.WriteFile:
			activity = 3 // Update
		}
		severity = map[decision.Severity]int{decision.Low: 2, decision.Medium: 3, decision.High: 4, decision.Critical: 5}[d.Severity]
		if severity == 0 {
			severity = 1
		}
		actionID, disposition, status := 1, 1, 1 // Allowed, Allowed, Success
		switch d.Decision {
		case decision.Block:
			actionID, disposition, status = 2, 2, 2 // Denied, Blocked, Failure
		case decision.RequireApproval:
			actionID, disposition, status = 2, 99, 2 // Denied (for now), Other, Failure
		}
		ev["action_id"] = actionID
		ev["disposition_id"] = disposition
		ev["status_id"] = status
		ev["status_detail"] = d.Decision.String()
		ev["message"] = d.Reason
		ev["api"] = map[string]any{"operation": string(d.ActionType), "request": map[string]any{"uid": d.DecisionID}}
		ev["resources"] = []map[string]any{{"name": d.Target, "type": string(d.ActionType)}}
		actor := map[string]any{"app_name": d.AgentID}
		if d.Actor != "" {
			actor["user"] = map[string]any{"name": d.Actor}
		}
		if d.SessionID != "" {
			actor["session"] = map[string]any{"uid": d.SessionID}
		}
		ev["actor"] = actor
		ev["metadata"].(map[string]any)["correlation_uid"] = d.CorrelationID
		unmapped["decision_id"] = d.DecisionID
		unmapped["rule_id"] = d.RuleID
		unmapped["policy_pack"] = d.PolicyPack
		unmapped["policy_digest"] = d.PolicyDigest
		unmapped["action_digest"] = d.ActionDigest
		unmapped["requested_operation"] = d.RequestedOperation
		unmapped["mode"] = d.Mode
		unmapped["matches"] = d.Matches
		if d.BaseDecision != nil {
			unmapped["base_decision"] = d.BaseDecision.String()
		}
		if d.ApproverGroup != "" {
			unmapped["approver_group"] = d.ApproverGroup
		}
		if d.ApprovalID != "" {
			unmapped["approval_id"] = d.ApprovalID
		}
		if d.Attestation != nil {
			unmapped["attestation"] = d.Attestation
		}
	} else {
		ev["status_id"] = 1
		ev["message"] = string(r.Kind)
		if r.SessionID != "" || r.AgentID != "" {
			actor := map[string]any{}
			if r.AgentID != "" {
				actor["app_name"] = r.AgentID
			}
			if r.SessionID != "" {
				actor["session"] = map[string]any{"uid": r.SessionID}
			}
			ev["actor"] = actor
		}
		if len(r.Data) > 0 {
			unmapped["data"] = json.RawMessage(r.Data)
		}
	}
	if r.Kind == KindBreakGlass {
		severity = 5
	}
	ev["activity_id"] = activity
	ev["type_uid"] = 6003*100 + activity
	ev["severity_id"] = severity
	ev["unmapped"] = unmapped
	return ev
}
