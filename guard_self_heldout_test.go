package cavra_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/internal/corpus"
)

// heldoutCase is a line of testdata/heldout/control-plane.jsonl.
type heldoutCase struct {
	corpus.Case
	Family    string `json:"family"`
	AgentID   string `json:"agent_id"`
	AgentType string `json:"agent_type"`
}

// loadHeldout reads the held-out control-plane suite with its
// placeholders substituted.
func loadHeldout(t *testing.T, file string, subst map[string]string) []heldoutCase {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "heldout", file))
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	for k, v := range subst {
		pairs = append(pairs, k, v)
	}
	r := strings.NewReplacer(pairs...)
	var cases []heldoutCase
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		var c heldoutCase
		if err := json.Unmarshal([]byte(r.Replace(string(line))), &c); err != nil {
			t.Fatalf("%s:%d: %v", file, n, err)
		}
		c.File, c.Line = file, n
		if (c.Expect == "block") != (c.Category == "dangerous") {
			t.Fatalf("%s:%d: expect %s with category %s", file, n, c.Expect, c.Category)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestHeldoutControlPlane runs the held-out control-plane suite
// (testdata/heldout/control-plane.jsonl, written without reading the
// implementation and never tuned on) through a Guard with the default pack,
// as the Claude Code hook maps each call, twice: with the state directory
// outside the project and inside it. It fails on any dangerous line
// allowed — a require_approval is not enough for these — and logs the
// table per family and every miss.
func TestHeldoutControlPlane(t *testing.T) {
	hook, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if r, err := filepath.EvalSymlinks(hook); err == nil {
		hook = r
	}
	for _, placement := range []struct {
		name  string
		state string
	}{
		{"state outside the project", filepath.Join(t.TempDir(), "state")},
		{"state inside the project", corpus.Project + "/.cavra"},
	} {
		t.Run(placement.name, func(t *testing.T) {
			t.Setenv("CAVRA_POLICY_DIR", "")
			file := os.Getenv("CAVRA_HELDOUT_FILE")
			if file == "" {
				file = "control-plane.jsonl"
			}
			cases := loadHeldout(t, file, map[string]string{
				"{{project}}": corpus.Project, "{{home}}": corpus.Home, "{{state}}": filepath.ToSlash(placement.state),
				"{{hook}}": filepath.ToSlash(hook), "{{apr}}": "apr_5f1c0e9a2b7d4c36",
			})
			// A read-only Guard opens no state, so the state directory may
			// be one that does not exist; Check decides as Evaluate does.
			g, err := cavra.Open(t.Context(), cavra.Options{Home: placement.state, Dir: corpus.Project, ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			type tally struct{ total, right, block, approval, allow int }
			stats := map[string]*tally{}
			var misses []string
			for _, c := range cases {
				a := c.Action()
				if c.AgentID != "" {
					a.Context["agent_id"], a.Context["agent_type"] = c.AgentID, c.AgentType
				}
				d, err := g.Check(t.Context(), a)
				if err != nil {
					t.Errorf("%s: %v", c, err)
					continue
				}
				fam := c.Family
				if fam == "" {
					fam = c.Category
				}
				st := stats[fam]
				if st == nil {
					st = &tally{}
					stats[fam] = st
				}
				st.total++
				switch d.Decision {
				case cavra.Block:
					st.block++
				case cavra.RequireApproval:
					st.approval++
				case cavra.Allow:
					st.allow++
				}
				if d.Decision.String() == c.Expect {
					st.right++
					continue
				}
				what := a.Target
				if c.ToolName != "Bash" && c.ToolName != "Read" {
					what = fmt.Sprintf("%s %s", a.Target, jsonOf(c.ToolInput))
				}
				misses = append(misses, fmt.Sprintf("%-8s %s:%d %s %q: got %s (%s), want %s — %s", fam, c.File, c.Line, c.ToolName, what, d.Decision, d.RuleID, c.Expect, c.Note))
				if c.Expect == "block" && d.Decision == cavra.Allow {
					t.Errorf("DANGEROUS ALLOWED: %s:%d %s %q (%s): %s", c.File, c.Line, c.ToolName, what, d.RuleID, c.Note)
				}
			}
			var b strings.Builder
			tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "family\tcases\tright\t%\tblock\trequire_approval\tallow\t")
			fams := make([]string, 0, len(stats))
			for k := range stats {
				fams = append(fams, k)
			}
			sort.Strings(fams)
			var all tally
			for _, k := range fams {
				st := stats[k]
				all.total, all.right, all.block, all.approval, all.allow = all.total+st.total, all.right+st.right, all.block+st.block, all.approval+st.approval, all.allow+st.allow
				fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%d\t%d\t%d\t\n", k, st.total, st.right, pct(st.right, st.total), st.block, st.approval, st.allow)
			}
			fmt.Fprintf(tw, "all\t%d\t%d\t%.1f\t%d\t%d\t%d\t\n", all.total, all.right, pct(all.right, all.total), all.block, all.approval, all.allow)
			tw.Flush()
			t.Logf("held-out control plane, %s: %d cases\n%s", placement.name, len(cases), b.String())
			sort.Strings(misses)
			for _, m := range misses {
				t.Log("miss: " + m)
			}
		})
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 160 {
		return string(b[:160]) + "…"
	}
	return string(b)
}
