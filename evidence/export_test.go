package evidence_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/cavra-dev/cavra/decision"
	"github.com/cavra-dev/cavra/evidence"
)

func TestExportOCSF(t *testing.T) {
	t.Parallel()
	l := newLog(t, evidence.Options{})
	appendN(t, l.Log, 3) // allow, require_approval, block
	if _, err := l.Append(context.Background(), evidence.Entry{Kind: evidence.KindOutcome, SessionID: "s-9", Data: map[string]int{"exit_code": 1}}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := l.Export(context.Background(), &buf, evidence.Query{}, evidence.FormatOCSF)
	if err != nil || n != 4 {
		t.Fatalf("export: %d %v", n, err)
	}
	lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
	var ev []map[string]any
	for _, line := range lines {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		ev = append(ev, m)
	}
	block := ev[2]
	want := map[string]any{"class_uid": 6003.0, "category_uid": 6.0, "activity_id": 99.0, "type_uid": 600399.0,
		"action_id": 2.0, "disposition_id": 2.0, "status_id": 2.0, "status_detail": "block", "severity_id": 4.0} // high
	for k, v := range want {
		if block[k] != v {
			t.Errorf("%s = %v, want %v", k, block[k], v)
		}
	}
	un := block["unmapped"].(map[string]any)
	if un["rule_id"] != "commands.rule2" || un["policy_digest"] == "" || un["seq"] != 3.0 || un["mode"] != "enforce" {
		t.Errorf("unmapped: %v", un)
	}
	if ev[0]["disposition_id"] != 1.0 || ev[1]["disposition_id"] != 99.0 {
		t.Errorf("allow/require_approval dispositions: %v %v", ev[0]["disposition_id"], ev[1]["disposition_id"])
	}
	if ev[3]["unmapped"].(map[string]any)["data"] == nil || ev[3]["actor"].(map[string]any)["session"] == nil {
		t.Errorf("outcome record: %v", ev[3])
	}
	// JSONL is the stored bytes.
	buf.Reset()
	if _, err := l.Export(context.Background(), &buf, evidence.Query{Decision: decision.Block}, evidence.FormatJSONL); err != nil {
		t.Fatal(err)
	}
	rec, _ := l.Get(3)
	if !bytes.Equal(bytes.TrimSpace(buf.Bytes()), rec.Bytes()) {
		t.Errorf("jsonl export is not the stored record")
	}
}
