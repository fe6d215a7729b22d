package cavra_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/internal/corpus"
	"github.com/cavra-dev/cavra/policy"
)

const (
	corpusProject = corpus.Project
	corpusHome    = corpus.Home
)

func loadCorpus(t *testing.T) []corpus.Case {
	t.Helper()
	cases, err := corpus.Load(filepath.Join("testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	return cases
}

// TestCorpus runs every case of the development set (testdata/corpus)
// through the default pack the way the Claude Code hook will: the tool call
// is mapped by adapters/claudecode and decided by a Guard opened with no
// configuration. It logs every miss (this is the set to tune on) and fails
// when the score falls below the one recorded in testdata/corpus/scores.json
// or more dangerous cases get through; the floors the project aims for —
// dangerous blocked ≥ 97%, approval cases asked ≥ 90%, routine allowed ≥ 97%,
// no dangerous case allowed — are reported against the score.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) < 300 {
		t.Errorf("corpus has %d cases, want at least 300", len(cases))
	}
	sc := scoreCases(t, cases, true)
	for _, m := range sc.dangerousAllowed {
		t.Logf("DANGEROUS ALLOWED: %s", m)
	}
	floors := map[string]float64{"dangerous": 97, "approval": 90, "routine": 97}
	for cat, floor := range floors {
		st := sc.byCategory[cat]
		if st == nil || st.total == 0 {
			t.Errorf("no %s cases", cat)
			continue
		}
		if p := pct(st.right, st.total); p < floor {
			t.Logf("%s: %.1f%% right, the aim is at least %.0f%%", cat, p, floor)
		}
	}
	checkRecorded(t, filepath.Join("testdata", "corpus", "scores.json"), "corpus", len(cases), sc)
}

// tally counts the decisions of one group of cases.
type tally struct{ total, right, block, approval, allow int }

// score is what scoreCases found: counts per category and per file, and
// every miss named.
type score struct {
	byCategory       map[string]*tally
	byFile           map[string]*tally
	misses           []string
	dangerousAllowed []string
}

// scoreCases decides every case with a Guard opened on the default pack
// (no configuration, the corpus's fixed project and home), logs a table per
// category and per file and, when showMisses, every miss; it returns the counts. A rule
// that fails to evaluate on a case is a test error.
func scoreCases(t *testing.T, cases []corpus.Case, showMisses bool) score {
	t.Helper()
	t.Setenv("CAVRA_POLICY_DIR", "")
	g, err := cavra.Open(t.Context(), cavra.Options{Home: t.TempDir(), Dir: corpusProject, Evidence: cavra.EvidenceAsync})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if got := g.Policy().Name(); got != "cavra-ai-agent-baseline" {
		t.Fatalf("default policy is %q", got)
	}
	sc := score{byCategory: map[string]*tally{}, byFile: map[string]*tally{}}
	count := func(m map[string]*tally, k, got string, right bool) {
		st := m[k]
		if st == nil {
			st = &tally{}
			m[k] = st
		}
		st.total++
		switch got {
		case "block":
			st.block++
		case "require_approval":
			st.approval++
		case "allow":
			st.allow++
		}
		if right {
			st.right++
		}
	}
	for _, c := range cases {
		a := c.Action()
		d, err := g.Evaluate(t.Context(), a)
		if err != nil {
			t.Errorf("%s:%d: %v", c.File, c.Line, err)
			continue
		}
		for _, m := range d.Matches {
			if strings.Contains(m.Reason, "failed to evaluate") {
				t.Errorf("%s:%d: %s", c.File, c.Line, m.Reason)
			}
		}
		if os.Getenv("CAVRA_CORPUS_DUMP") != "" {
			t.Logf("%s %-16s %-40s %s %q", c.Category, d.Decision, d.RuleID, c.ToolName, a.Target)
		}
		got := d.Decision.String()
		count(sc.byCategory, c.Category, got, got == c.Expect)
		count(sc.byFile, c.File, got, got == c.Expect)
		if got == c.Expect {
			continue
		}
		what := a.Target
		if a.Type == cavra.MCPToolCall {
			what = c.ToolName
		}
		miss := fmt.Sprintf("%-9s %s:%d %s %q: got %s (%s), want %s — %s", c.Category, c.File, c.Line, c.ToolName, what, got, d.RuleID, c.Expect, c.Note)
		sc.misses = append(sc.misses, miss)
		if c.Category == "dangerous" && got == "allow" {
			sc.dangerousAllowed = append(sc.dangerousAllowed, miss)
		}
	}
	t.Logf("%d cases\n%s\n%s", len(cases), tallyTable("category", sc.byCategory), tallyTable("file", sc.byFile))
	sort.Strings(sc.misses)
	if !showMisses {
		return sc
	}
	for _, m := range sc.misses {
		t.Log("miss: " + m)
	}
	return sc
}

// tallyTable renders counts as a table, one row per key in order.
func tallyTable(what string, m map[string]*tally) string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tcases\tright\t%%\tblock\trequire_approval\tallow\t\n", what)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		st := m[k]
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f\t%d\t%d\t%d\t\n", k, st.total, st.right, pct(st.right, st.total), st.block, st.approval, st.allow)
	}
	tw.Flush()
	return b.String()
}

func pct(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(n) / float64(total)
}

// TestBaselineListEntries instantiates every entry of the default pack's
// command and filesystem lists (a `*` becomes a word, a `**` a directory)
// and checks that the entry does what its list says through the Guard: the
// pack's own tests cover its rules and a sample of the allow list; this
// covers every entry, so an allow entry that a rule accidentally overrides,
// or a pattern with a typo, shows up here.
func TestBaselineListEntries(t *testing.T) {
	lib, err := policy.DefaultLibrary()
	if err != nil {
		t.Fatal(err)
	}
	p, err := lib.Get(policy.DefaultPack)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CAVRA_POLICY_DIR", "")
	g, err := cavra.Open(t.Context(), cavra.Options{Home: t.TempDir(), Dir: corpusProject, Evidence: cavra.EvidenceAsync})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ctx := map[string]string{"cwd": corpusProject, "project_root": corpusProject, "home": corpusHome}
	check := func(list string, typ cavra.ActionType, target string, want cavra.Outcome) {
		t.Helper()
		d, err := g.Evaluate(t.Context(), cavra.Action{Type: typ, Target: target, Context: ctx})
		if err != nil {
			t.Fatal(err)
		}
		if d.Decision != want {
			t.Errorf("%s: %s %q: got %s (%s), want %s", list, typ, target, d.Decision, d.RuleID, want)
		}
	}
	n := 0
	for _, l := range []struct {
		name    string
		entries []policy.Entry
		typ     cavra.ActionType
		want    cavra.Outcome
	}{
		{"commands.block", p.Commands.Block, cavra.ExecuteCommand, cavra.Block},
		{"commands.require_approval", p.Commands.RequireApproval, cavra.ExecuteCommand, cavra.RequireApproval},
		{"commands.allow", p.Commands.Allow, cavra.ExecuteCommand, cavra.Allow},
		{"filesystem.block_read", p.Filesystem.BlockRead, cavra.ReadFile, cavra.Block},
		{"filesystem.block_write", p.Filesystem.BlockWrite, cavra.WriteFile, cavra.Block},
		{"filesystem.require_approval_write", p.Filesystem.RequireApprovalWrite, cavra.WriteFile, cavra.RequireApproval},
	} {
		for _, e := range l.entries {
			n++
			if l.typ == cavra.ExecuteCommand {
				check(l.name, l.typ, sampleCommand(e.Pattern), l.want)
			} else {
				check(l.name, l.typ, samplePath(e.Pattern), l.want)
			}
		}
	}
	t.Logf("%d list entries checked", n)
}

// sampleCommand turns a command pattern into a command it matches: a `*`
// that starts a word or comes before a flag becomes the word "x", one inside
// a word the letter x.
func sampleCommand(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		if pattern[i] != '*' {
			b.WriteByte(pattern[i])
			continue
		}
		prev, next := byte(' '), byte(' ')
		if i > 0 {
			prev = pattern[i-1]
		}
		if i+1 < len(pattern) {
			next = pattern[i+1]
		}
		if prev == ' ' || next == ' ' || next == '-' {
			b.WriteString(" x ")
		} else {
			b.WriteByte('x')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// samplePath turns a path glob into a path it matches.
func samplePath(pattern string) string {
	p := strings.ReplaceAll(pattern, "**/", "a/")
	p = strings.ReplaceAll(p, "/**", "/x/y")
	p = strings.ReplaceAll(p, "**", "x/y")
	return strings.ReplaceAll(p, "*", "x")
}

// TestCatalogueCombinesWithBaseline compiles every bundled pack together with
// the default pack, as `--policy-pack cavra-ai-agent-baseline --policy-pack
// ID` does. Packs repeat some of the baseline's rules under the same id; a
// copy that drifted from the baseline's would make the combination an error.
func TestCatalogueCombinesWithBaseline(t *testing.T) {
	lib, err := policy.DefaultLibrary()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range lib.IDs() {
		if _, err := lib.Compile(policy.DefaultPack, id); err != nil {
			t.Errorf("%s with the baseline: %v", id, err)
		}
	}
}
