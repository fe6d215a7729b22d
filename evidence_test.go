package cavra_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cavra-dev/cavra"
	"github.com/cavra-dev/cavra/evidence"
)

// TestMain lets the test binary act as the crash test's child process.
func TestMain(m *testing.M) {
	if home := os.Getenv("CAVRA_CRASH_CHILD"); home != "" {
		crashChild(home)
		return
	}
	// Witnesses go to a state home of the tests' own, never the user's.
	state, err := os.MkdirTemp("", "cavra-state")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", state)
	code := m.Run()
	os.RemoveAll(state)
	os.Exit(code)
}

// crashChild evaluates actions from several goroutines forever, printing
// the id of every decision whose Evaluate returned.
func crashChild(home string) {
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project", CheckpointEvery: 16})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	var mu sync.Mutex
	fmt.Println("ready")
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				d, err := g.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: fmt.Sprintf("src/%d/%d.go", w, i),
					Agent: cavra.Agent{ID: "crash", Session: fmt.Sprintf("w%d", w)}})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintln(os.Stdout, "ok", d.DecisionID, d.EvidenceRefs[0])
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

// TestCrashKeepsAcknowledgedDecisions kills a child process that is
// appending decisions with SIGKILL at random points, many times. After each
// kill the log must verify and hold every decision whose Evaluate returned.
func TestCrashKeepsAcknowledgedDecisions(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	rounds := 25
	if raceEnabled {
		rounds = 8 // each child is race-instrumented and several times slower
	}
	if testing.Short() {
		rounds = 4
	}
	acked := map[string]string{}
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "CAVRA_CRASH_CHILD="+home)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		if !sc.Scan() || sc.Text() != "ready" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("round %d: child did not start: %q %s", round, sc.Text(), stderr.String())
		}
		timer := time.AfterFunc(time.Duration(20+rng.IntN(250))*time.Millisecond, func() { cmd.Process.Signal(syscall.SIGKILL) })
		n := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 3 && f[0] == "ok" {
				acked[f[1]] = f[2]
				n++
			}
		}
		timer.Stop()
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child ended with %v: %s", round, err, stderr.String())
		}
		checkLog(t, home, acked)
		t.Logf("round %d: %d decisions acknowledged (%d in all)", round, n, len(acked))
	}
}

func checkLog(t *testing.T, home string, acked map[string]string) {
	t.Helper()
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	log := g.Evidence()
	if _, err := log.Verify(context.Background(), nil); err != nil {
		t.Fatalf("log does not verify after a crash: %v", err)
	}
	recs, err := log.List(context.Background(), evidence.Query{Agent: "crash"})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for _, r := range recs {
		have[r.Decision.DecisionID] = r.Ref().String()
	}
	for id, ref := range acked {
		if have[id] != ref {
			t.Fatalf("acknowledged decision %s (%s) is missing after the crash (found %q)", id, ref, have[id])
		}
	}
}

func TestEvaluateWritesEvidenceFirst(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	g := open(t, cavra.Options{Home: home})
	ctx := context.Background()
	d, err := g.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: ".env", Agent: cavra.Agent{Session: "s-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.EvidenceRefs) != 1 {
		t.Fatalf("evidence refs %v", d.EvidenceRefs)
	}
	ref, err := evidence.ParseRef(d.EvidenceRefs[0])
	if err != nil || ref.LogID != g.Evidence().ID() {
		t.Fatalf("ref %v %v", ref, err)
	}
	rec, err := g.Evidence().Get(ref.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Decision.DecisionID != d.DecisionID || rec.Decision.RuleID != d.RuleID || rec.Decision.PolicyDigest != d.PolicyDigest {
		t.Fatalf("record %+v does not hold decision %+v", rec.Decision, d)
	}
	// Open wrote the policy change first.
	pc, err := g.Evidence().List(ctx, evidence.Query{Kind: evidence.KindPolicyChange})
	if err != nil || len(pc) != 1 || !strings.Contains(string(pc[0].Data), d.PolicyDigest) {
		t.Fatalf("policy change records: %v %v", pc, err)
	}
	b, err := g.Attest(ctx, evidence.Query{Session: "s-1"})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := b.JSON()
	trust, err := evidence.NewKeyRing(filepath.Join(home, evidence.KeyDir)).TrustRoot()
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := evidence.VerifyBundle(data, trust, evidence.VerifyOptions{}); err != nil || len(rep.Records) != 1 {
		t.Fatalf("bundle: %v", err)
	}
	// Reopening with the same policy writes no second policy change.
	g.Close()
	g2 := open(t, cavra.Options{Home: home})
	if pc, _ := g2.Evidence().List(ctx, evidence.Query{Kind: evidence.KindPolicyChange}); len(pc) != 1 {
		t.Fatalf("%d policy change records after reopening", len(pc))
	}
	g2.Close()
	pack := filepath.Join(t.TempDir(), "extra.yaml")
	if err := os.WriteFile(pack, []byte(extraPack), 0o644); err != nil {
		t.Fatal(err)
	}
	g3 := open(t, cavra.Options{Home: home, Packs: []string{pack}})
	if pc, _ := g3.Evidence().List(ctx, evidence.Query{Kind: evidence.KindPolicyChange}); len(pc) != 2 {
		t.Fatalf("%d policy change records after a policy change", len(pc))
	}
}

func TestEvidenceFailureBlocks(t *testing.T) {
	t.Parallel()
	g := open(t, cavra.Options{})
	if err := cavra.BreakEvidence(g); err != nil { // the log is gone: nothing can be recorded
		t.Fatal(err)
	}
	d, err := g.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: "README.md"})
	if err == nil || d.Decision != cavra.Block || d.RuleID != "evidence.write_failed" || !strings.Contains(d.Reason, "could not be recorded") {
		t.Fatalf("got %s %s %q, %v; want a block saying evidence failed", d.Decision, d.RuleID, d.Reason, err)
	}
}

func TestStateInUseByAnotherGuardInProcess(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	a := open(t, cavra.Options{Home: home})
	b := open(t, cavra.Options{Home: home}) // same process: shares the file
	ctx := context.Background()
	da, _ := a.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: "a"})
	db, _ := b.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: "b"})
	if da.EvidenceRefs[0] == db.EvidenceRefs[0] {
		t.Fatal("two guards got the same evidence ref")
	}
	a.Close()
	if _, err := b.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: "c"}); err != nil {
		t.Fatalf("closing one guard broke the other: %v", err)
	}
}

func TestAsyncEvidence(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project", Evidence: cavra.EvidenceAsync})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := g.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	g2 := open(t, cavra.Options{Home: home})
	rep, err := g2.Evidence().Verify(context.Background(), nil)
	if err != nil || rep.Size != 51 || rep.Unsigned != 0 {
		t.Fatalf("after async close: %+v %v", rep, err)
	}
}

const extraPack = `metadata:
  id: cavra-test-extra
  title: Extra
  description: The baseline plus one more blocked read.
  version: 0.1.0
  inherits: [cavra-ai-agent-baseline]
filesystem:
  block_read: ["secret.txt"]
`

func TestSharedLogRefusesAnotherMode(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	open(t, cavra.Options{Home: home}) // durable
	_, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project", Evidence: cavra.EvidenceAsync})
	if err == nil || !strings.Contains(err.Error(), "another mode") {
		t.Fatalf("async guard on a durable log: %v", err)
	}
}

// TestShortLivedGuards is what a run of hook processes does: each opens a
// short-lived Guard expecting its one action, decides it and closes. The
// decisions are those of a long-lived Guard; the first close signs (no
// checkpoint yet), later ones within the interval leave their records
// chained and unsigned, and a close once a checkpoint is due signs them all.
func TestShortLivedGuards(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	ref := open(t, cavra.Options{Home: t.TempDir()})
	actions := []cavra.Action{
		{Type: cavra.ExecuteCommand, Target: "cd web && npm ci && npm test"},
		{Type: cavra.ExecuteCommand, Target: "rm -rf ~"},
		{Type: cavra.ReadFile, Target: ".env"},
	}
	run := func(a cavra.Action, every int) {
		t.Helper()
		g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project", ShortLived: true,
			Expect: []cavra.Action{a}, CheckpointEvery: every})
		if err != nil {
			t.Fatal(err)
		}
		got, err := g.Evaluate(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := ref.Evaluate(context.Background(), a)
		if got.Decision != want.Decision || got.RuleID != want.RuleID {
			t.Errorf("%q: short-lived guard decides %s %s, long-lived %s %s", a.Target, got.Decision, got.RuleID, want.Decision, want.RuleID)
		}
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
	}
	verify := func() *evidence.Report {
		t.Helper()
		g, err := cavra.Open(context.Background(), cavra.Options{Home: home, Dir: "/project", ShortLived: true})
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		rep, err := g.Evidence().Verify(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	run(actions[0], 0) // policy change + decision, first checkpoint
	if rep := verify(); rep.Checkpoints != 1 || rep.Unsigned != 0 {
		t.Fatalf("after the first short-lived guard: %+v", rep)
	}
	run(actions[1], 0)
	run(actions[2], 0)
	if rep := verify(); rep.Checkpoints != 1 || rep.Unsigned != 2 {
		t.Fatalf("within the interval: %+v, want 2 records chained but unsigned", rep)
	}
	run(actions[2], 3) // due by count
	if rep := verify(); rep.Checkpoints != 2 || rep.Unsigned != 0 {
		t.Fatalf("once due: %+v, want everything signed", rep)
	}
}
