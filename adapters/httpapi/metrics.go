package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/cavra-dev/cavra"
)

// Metrics is the Prometheus view of a server and its Guard, on a registry
// of its own (no Go runtime or process collectors unless the caller adds
// them to Registry):
//
//	cavra_decisions_total{outcome,rule}        decisions Evaluate took
//	cavra_evaluation_seconds{operation}        Evaluate and Check latency
//	cavra_evidence_commit_seconds              decision record writes
//	cavra_http_requests_total{route,status}    requests the API answered
//
// The Guard's measurements reach it through the OpenTelemetry metric API:
// open the Guard with cavra.Options{MeterProvider: m.MeterProvider()}. This
// is a small bridge written against the API only — the OpenTelemetry SDK
// and its Prometheus exporter are not needed (see docs/observability.md).
type Metrics struct {
	reg        *prometheus.Registry
	decisions  *prometheus.CounterVec
	evaluation *prometheus.HistogramVec
	commit     prometheus.Histogram
	requests   *prometheus.CounterVec
}

var secondsBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5}

// NewMetrics returns metrics on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cavra_decisions_total",
			Help: "Decisions taken by Evaluate, by outcome and rule."}, []string{"outcome", "rule"}),
		evaluation: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cavra_evaluation_seconds",
			Help: "Latency of Evaluate and Check.", Buckets: secondsBuckets}, []string{"operation"}),
		commit: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "cavra_evidence_commit_seconds",
			Help: "Time Evaluate waited for its decision record to be written.", Buckets: secondsBuckets}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cavra_http_requests_total",
			Help: "HTTP API requests, by route and status."}, []string{"route", "status"}),
	}
	m.reg.MustRegister(m.decisions, m.evaluation, m.commit, m.requests)
	return m
}

// Registry is the registry the metrics are on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// MeterProvider is an OpenTelemetry MeterProvider that records the Guard's
// instruments (cavra.MetricDecisions, cavra.MetricEvaluationDuration,
// cavra.MetricEvidenceCommitDuration) in m; every other instrument is a
// no-op.
func (m *Metrics) MeterProvider() metric.MeterProvider { return meterProvider{m: m} }

func (m *Metrics) request(route string, status int) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

type meterProvider struct {
	noop.MeterProvider
	m *Metrics
}

func (p meterProvider) Meter(name string, _ ...metric.MeterOption) metric.Meter {
	if name != cavra.InstrumentationName {
		return noop.Meter{}
	}
	return meter{m: p.m}
}

type meter struct {
	noop.Meter
	m *Metrics
}

func (m meter) Int64Counter(name string, _ ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	if name == cavra.MetricDecisions {
		return decisionCounter{m: m.m}, nil
	}
	return noop.Int64Counter{}, nil
}

func (m meter) Float64Histogram(name string, _ ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	switch name {
	case cavra.MetricEvaluationDuration:
		return histogram{vec: m.m.evaluation, label: cavra.AttrOperation}, nil
	case cavra.MetricEvidenceCommitDuration:
		return histogram{one: m.m.commit}, nil
	}
	return noop.Float64Histogram{}, nil
}

type decisionCounter struct {
	noop.Int64Counter
	m *Metrics
}

func (c decisionCounter) Add(_ context.Context, n int64, opts ...metric.AddOption) {
	set := metric.NewAddConfig(opts).Attributes()
	c.m.decisions.WithLabelValues(value(&set, cavra.AttrDecision), value(&set, cavra.AttrRuleID)).Add(float64(n))
}

type histogram struct {
	noop.Float64Histogram
	vec   *prometheus.HistogramVec
	label attribute.Key
	one   prometheus.Histogram
}

func (h histogram) Record(_ context.Context, v float64, opts ...metric.RecordOption) {
	if h.one != nil {
		h.one.Observe(v)
		return
	}
	set := metric.NewRecordConfig(opts).Attributes()
	h.vec.WithLabelValues(value(&set, h.label)).Observe(v)
}

func value(set *attribute.Set, k attribute.Key) string {
	v, _ := set.Value(k)
	return v.Emit()
}
