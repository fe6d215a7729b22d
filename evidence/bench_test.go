package evidence_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cavra-dev/cavra/evidence"
)

// BenchmarkAppendDurable is one writer appending decision records, each
// committed and fsynced before Append returns. It reports the median.
func BenchmarkAppendDurable(b *testing.B) {
	l := newLog(b, evidence.Options{})
	ctx := context.Background()
	lat := make([]time.Duration, 0, 1024)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		start := time.Now()
		if _, err := l.Append(ctx, evidence.Entry{Kind: evidence.KindDecision, Decision: testDecision(i)}); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		i++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkAppendDurable8 is eight writers appending durably at once: group
// commit shares each fsync. It reports decisions per second.
func BenchmarkAppendDurable8(b *testing.B) {
	l := newLog(b, evidence.Options{})
	ctx := context.Background()
	b.ReportAllocs()
	b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0))) // 8 writers on a 2-core machine
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := l.Append(ctx, evidence.Entry{Kind: evidence.KindDecision, Decision: testDecision(i)}); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "decisions/s")
}

// largeLog returns a state directory holding n records, built once and
// kept under the system temp directory between runs (building a million
// durable-format records takes a while).
func largeLog(b *testing.B, n int) string {
	b.Helper()
	dir := filepath.Join(os.TempDir(), "cavra-evidence-bench-"+strconv.Itoa(n))
	if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	start := time.Now()
	l := openLog(b, dir, evidence.Options{Mode: evidence.Async, CheckpointEvery: 10000, QueueSize: 8192, MaxBatch: 8192})
	ctx := context.Background()
	for i := range n {
		if _, err := l.Append(ctx, evidence.Entry{Kind: evidence.KindDecision, Decision: testDecision(i)}); err != nil {
			b.Fatal(err)
		}
	}
	l.close()
	if err := os.WriteFile(filepath.Join(dir, "complete"), nil, 0o600); err != nil {
		b.Fatal(err)
	}
	b.Logf("built a %d-record log in %s", n, time.Since(start).Round(time.Millisecond))
	return dir
}

func benchSize() int {
	if s := os.Getenv("CAVRA_BENCH_RECORDS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return 100000
}

// BenchmarkVerifyLog verifies a whole log and reports records per second.
func BenchmarkVerifyLog(b *testing.B) {
	n := benchSize()
	dir := largeLog(b, n)
	l := openLog(b, dir, evidence.Options{})
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		rep, err := l.Verify(ctx, nil)
		if err != nil || rep.Size < int64(n) {
			b.Fatal(rep, err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/time.Since(start).Seconds(), "records/s")
}

// BenchmarkBundle1000 builds and verifies a bundle of 1,000 records out of
// a large log (CAVRA_BENCH_RECORDS, default 100,000).
func BenchmarkBundle1000(b *testing.B) {
	n := benchSize()
	dir := largeLog(b, n)
	l := openLog(b, dir, evidence.Options{})
	ctx := context.Background()
	trust := trustRoot(b, l)
	from := int64(n/2 - 500)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		bundle, err := l.Attest(ctx, evidence.Query{FromSeq: from, ToSeq: from + 999})
		if err != nil {
			b.Fatal(err)
		}
		data, err := bundle.JSON()
		if err != nil {
			b.Fatal(err)
		}
		rep, err := evidence.VerifyBundle(data, trust, evidence.VerifyOptions{})
		if err != nil || len(rep.Records) != 1000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n), "log-records")
}

// BenchmarkOpenWitness is what a hook process pays to open a log of 1,000
// records read-write, with and without comparing it with its witness (one
// small file read, a signature check, a consistency proof).
func BenchmarkOpenWitness(b *testing.B) {
	dir, witness := b.TempDir(), filepath.Join(b.TempDir(), "witness.json")
	l := openLog(b, dir, evidence.Options{Witness: witness})
	appendN(b, l.Log, 1000)
	l.close()
	for _, tc := range []struct {
		name    string
		witness string
	}{{"none", ""}, {"witness", witness}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				l := openLog(b, dir, evidence.Options{Witness: tc.witness, LazyClose: true})
				if l.Rollback() != nil {
					b.Fatal(l.Rollback())
				}
				l.close()
			}
		})
	}
}
