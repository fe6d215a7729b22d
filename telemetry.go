package cavra

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
)

// InstrumentationName is the name of the OpenTelemetry tracer and meter of
// the Guard.
const InstrumentationName = "github.com/cavra-dev/cavra"

// The OpenTelemetry instruments of the Guard (see docs/observability.md).
const (
	// MetricDecisions counts the decisions Evaluate took, by
	// cavra.decision (the outcome) and cavra.rule_id.
	MetricDecisions = "cavra.decisions"
	// MetricEvaluationDuration is the latency of Evaluate and Check, in
	// seconds, by cavra.operation ("evaluate" or "check").
	MetricEvaluationDuration = "cavra.evaluation.duration"
	// MetricEvidenceCommitDuration is the time Evaluate waited for its
	// decision record to be written, in seconds (with durable evidence: the
	// commit and fsync).
	MetricEvidenceCommitDuration = "cavra.evidence.commit.duration"
)

// Span attributes of a decision.
const (
	AttrDecision     = attribute.Key("cavra.decision")
	AttrRuleID       = attribute.Key("cavra.rule_id")
	AttrActionType   = attribute.Key("cavra.action.type")
	AttrPolicyDigest = attribute.Key("cavra.policy.digest")
	AttrDecisionID   = attribute.Key("cavra.decision_id")
	AttrAgentID      = attribute.Key("cavra.agent.id")
	AttrOperation    = attribute.Key("cavra.operation")
)

// latencyBuckets suit decisions: tens of microseconds (a check) to a
// second (a durable commit on a slow disk).
var latencyBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

// telemetry holds a Guard's tracer and instruments. With the global
// providers untouched (no SDK configured) everything is a no-op; the
// global providers delegate to one configured later, so Open may run
// before the application sets them.
type telemetry struct {
	tracer    trace.Tracer
	decisions metric.Int64Counter
	latency   metric.Float64Histogram
	commit    metric.Float64Histogram

	evalOpts, checkOpts []metric.RecordOption

	mu      sync.RWMutex
	byRule  map[ruleKey][]metric.AddOption // attribute sets by outcome and rule, built once
	noCache []metric.AddOption
}

type ruleKey struct {
	outcome Outcome
	rule    string
}

// maxRuleSets bounds the cache of attribute sets (rules are a policy's,
// but a rule id is data).
const maxRuleSets = 4096

func newTelemetry(tp trace.TracerProvider, mp metric.MeterProvider) *telemetry {
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	t := &telemetry{tracer: tp.Tracer(InstrumentationName), byRule: map[ruleKey][]metric.AddOption{}}
	m := mp.Meter(InstrumentationName)
	var err error
	if t.decisions, err = m.Int64Counter(MetricDecisions, metric.WithUnit("{decision}"),
		metric.WithDescription("Decisions taken by Evaluate, by outcome and rule")); err != nil {
		t.decisions = noop.Int64Counter{}
	}
	if t.latency, err = m.Float64Histogram(MetricEvaluationDuration, metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(latencyBuckets...),
		metric.WithDescription("Latency of Evaluate and Check")); err != nil {
		t.latency = noop.Float64Histogram{}
	}
	if t.commit, err = m.Float64Histogram(MetricEvidenceCommitDuration, metric.WithUnit("s"), metric.WithExplicitBucketBoundaries(latencyBuckets...),
		metric.WithDescription("Time Evaluate waited for its decision record to be written")); err != nil {
		t.commit = noop.Float64Histogram{}
	}
	t.evalOpts = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(AttrOperation.String("evaluate")))}
	t.checkOpts = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(AttrOperation.String("check")))}
	return t
}

// start opens the span of one Evaluate or Check. t may be nil (a nil
// Guard).
func (t *telemetry) start(ctx context.Context, name string) (context.Context, trace.Span) {
	if t == nil {
		return ctx, trace.SpanFromContext(ctx)
	}
	return t.tracer.Start(ctx, name)
}

// end closes the span with the decision's attributes and records the
// metrics; evaluate says whether the decision was taken (and counted).
func (t *telemetry) end(ctx context.Context, span trace.Span, evaluate bool, a *Action, d *Decision, err error, start time.Time) {
	if t == nil {
		return
	}
	elapsed := time.Since(start).Seconds()
	if span.IsRecording() {
		span.SetAttributes(AttrDecision.String(d.Decision.String()), AttrRuleID.String(d.RuleID),
			AttrActionType.String(string(a.Type)), AttrPolicyDigest.String(d.PolicyDigest),
			AttrAgentID.String(a.Agent.ID))
		if d.DecisionID != "" {
			span.SetAttributes(AttrDecisionID.String(d.DecisionID))
		}
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
	}
	span.End()
	if evaluate {
		t.latency.Record(ctx, elapsed, t.evalOpts...)
		t.decisions.Add(ctx, 1, t.ruleOpts(d.Decision, d.RuleID)...)
	} else {
		t.latency.Record(ctx, elapsed, t.checkOpts...)
	}
}

// ruleOpts returns the attribute set of an outcome and rule, built once.
func (t *telemetry) ruleOpts(o Outcome, rule string) []metric.AddOption {
	k := ruleKey{o, rule}
	t.mu.RLock()
	opts, ok := t.byRule[k]
	t.mu.RUnlock()
	if ok {
		return opts
	}
	opts = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(AttrDecision.String(o.String()), AttrRuleID.String(rule)))}
	t.mu.Lock()
	if len(t.byRule) < maxRuleSets {
		t.byRule[k] = opts
	}
	t.mu.Unlock()
	return opts
}

// commitDone records how long a decision record took to write.
func (t *telemetry) commitDone(ctx context.Context, start time.Time) {
	if t != nil {
		t.commit.Record(ctx, time.Since(start).Seconds())
	}
}
