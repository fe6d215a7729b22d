package evidence

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/decision"
)

// TestFastHeader checks the layout reader against a real decode, with
// member names that could confuse it nested inside data and strings.
func TestFastHeader(t *testing.T) {
	t.Parallel()
	entries := []Entry{
		{Kind: KindDecision, Decision: &decision.Decision{DecisionID: `dec_,"seq":9,"prev":"x"`, Target: `a,"log_id":"evil"`,
			Decision: decision.Block, Severity: decision.High, Mode: decision.Enforce}},
		{Kind: KindOutcome, SessionID: `s,"seq":1`, AgentID: "a", Data: map[string]any{"seq": 5, "prev": "p", "log_id": "other", "nested": map[string]any{"seq": 7}}},
		{Kind: KindPolicyChange, Data: []any{`,"seq":3`, 1, 2}},
	}
	for i, e := range entries {
		p, err := prepare(e, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		p.time = time.Unix(1, 0).UTC()
		if err := p.setTime(); err != nil {
			t.Fatal(err)
		}
		for _, seq := range []int64{1, 2, 123456789} {
			prev := []byte(nil)
			if seq > 1 {
				prev = []byte{0xab, 0xcd}
			}
			raw := p.encode("log_0011223344556677", seq, prev)
			if _, err := ParseRecord(raw); err != nil {
				t.Fatalf("entry %d: %v\n%s", i, err, raw)
			}
			var want recordHeader
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			fast, ok := fastHeader(raw)
			got := recordHeader{Seq: fast.Seq, LogID: string(fast.LogID), Prev: string(fast.Prev)}
			if !ok || got != want {
				t.Errorf("entry %d seq %d: fast %+v (%v), decoded %+v", i, seq, got, ok, want)
			}
		}
	}
	for _, bad := range []string{``, `{}`, `[1]`, `{"log_id":"a","prev":"b","seq":x}`} {
		if _, ok := fastHeader([]byte(bad)); ok {
			t.Errorf("fastHeader(%q) accepted", bad)
		}
	}
}
