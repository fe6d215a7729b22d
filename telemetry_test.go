package cavra_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/cavra-dev/cavra"
)

func TestTelemetrySpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	g, err := cavra.Open(context.Background(), cavra.Options{Home: t.TempDir(), Dir: "/project", TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	ctx := context.Background()
	d, _ := g.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: ".env", Agent: cavra.Agent{ID: "a1"}})
	g.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: "src/main.go"})
	g.Evaluate(ctx, cavra.Action{Type: cavra.ReadFile, Target: "src/other.go"})
	g.Check(ctx, cavra.Action{Type: cavra.ExecuteCommand, Target: "terraform apply"})

	spans := exp.GetSpans()
	if len(spans) != 4 {
		t.Fatalf("%d spans, want 4", len(spans))
	}
	s := spans[0]
	attrs := map[attribute.Key]string{}
	for _, kv := range s.Attributes {
		attrs[kv.Key] = kv.Value.Emit()
	}
	want := map[attribute.Key]string{
		cavra.AttrDecision: "block", cavra.AttrRuleID: "filesystem.read.block", cavra.AttrActionType: "read_file",
		cavra.AttrPolicyDigest: d.PolicyDigest, cavra.AttrDecisionID: d.DecisionID, cavra.AttrAgentID: "a1",
	}
	if s.Name != "cavra.Evaluate" || d.PolicyDigest == "" {
		t.Errorf("span %q, digest %q", s.Name, d.PolicyDigest)
	}
	for k, v := range want {
		if attrs[k] != v {
			t.Errorf("span attribute %s = %q, want %q", k, attrs[k], v)
		}
	}
	if spans[3].Name != "cavra.Check" {
		t.Errorf("last span %q", spans[3].Name)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = m.Data
		}
	}
	sum, ok := got[cavra.MetricDecisions].(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("no %s: %v", cavra.MetricDecisions, got)
	}
	counts := map[string]int64{}
	for _, p := range sum.DataPoints {
		o, _ := p.Attributes.Value(cavra.AttrDecision)
		r, _ := p.Attributes.Value(cavra.AttrRuleID)
		counts[o.AsString()+" "+r.AsString()] += p.Value
	}
	if counts["block filesystem.read.block"] != 1 || len(counts) != 2 {
		t.Errorf("decision counts %v", counts)
	}
	lat, ok := got[cavra.MetricEvaluationDuration].(metricdata.Histogram[float64])
	if !ok || len(lat.DataPoints) != 2 { // evaluate and check
		t.Errorf("latency %+v", got[cavra.MetricEvaluationDuration])
	}
	commit, ok := got[cavra.MetricEvidenceCommitDuration].(metricdata.Histogram[float64])
	if !ok || len(commit.DataPoints) != 1 || commit.DataPoints[0].Count != 3 {
		t.Errorf("commit %+v", got[cavra.MetricEvidenceCommitDuration])
	}
}

// TestTelemetryNoProvider: without a provider, nothing is recorded and
// nothing fails.
func TestTelemetryNoProvider(t *testing.T) {
	g, err := cavra.Open(context.Background(), cavra.Options{Home: t.TempDir(), Dir: "/project"})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if d, err := g.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: "a.go"}); err != nil || d.Decision != cavra.Allow {
		t.Fatal(d, err)
	}
	var nilGuard *cavra.Guard
	if _, err := nilGuard.Evaluate(context.Background(), cavra.Action{Type: cavra.ReadFile, Target: "a.go"}); err == nil {
		t.Fatal("a nil guard evaluated")
	}
}
