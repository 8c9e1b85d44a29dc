package prom

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
)

var (
	decisionsDesc = prometheus.NewDesc(metrics.DecisionsName, metrics.DecisionsHelp, []string{"decision", "verdict", "mode"}, nil)
	durationDesc  = prometheus.NewDesc(metrics.DurationName, metrics.DurationHelp, []string{"mode"}, nil)
	errorsDesc    = prometheus.NewDesc(metrics.RegistryErrorsName, metrics.RegistryErrorsHelp, []string{"kind"}, nil)
)

// Collector is a prometheus.Collector of a Set's counts.
type Collector struct{ set *metrics.Set }

// NewCollector collects set.
func NewCollector(set *metrics.Set) *Collector { return &Collector{set: set} }

// Describe sends the three metrics' descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- decisionsDesc
	ch <- durationDesc
	ch <- errorsDesc
}

// Collect sends the current counts.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	snap := c.set.Snapshot()
	for k, n := range snap.Decisions {
		ch <- prometheus.MustNewConstMetric(decisionsDesc, prometheus.CounterValue, float64(n), k.Decision, k.Verdict, k.Mode)
	}
	for mode, h := range snap.Durations {
		buckets := make(map[float64]uint64, len(metrics.Buckets))
		var cum uint64
		for i, le := range metrics.Buckets {
			cum += h.Counts[i]
			buckets[le] = cum
		}
		ch <- prometheus.MustNewConstHistogram(durationDesc, h.Count, h.Sum, buckets, mode)
	}
	for kind, n := range snap.RegistryErrors {
		ch <- prometheus.MustNewConstMetric(errorsDesc, prometheus.CounterValue, float64(n), kind)
	}
}

// Register registers a Collector of a new Set on reg and returns the Set.
// When reg already has one (a plugin initialised twice in one process), its
// Set is returned, so the counts go on.
func Register(reg prometheus.Registerer) (*metrics.Set, error) {
	c := NewCollector(metrics.NewSet())
	err := reg.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if old, ok := are.ExistingCollector.(*Collector); ok {
			return old.set, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("register nfd-compat metrics: %w", err)
	}
	return c.set, nil
}
