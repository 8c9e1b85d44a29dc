package webhook

import (
	"sync/atomic"
)

// Webhook decides Pod admissions. It is safe for concurrent use.
type Webhook struct {
	cfg    Config
	images *memo[*answer]           // by image reference
	rules  *memo[string]            // by NodeFeatureRule name: applied
	nsMeta *memo[map[string]string] // namespace labels, by name (NamespaceSelector)
	down   *breaker                 // registry hosts that did not answer, for the error TTL

	registryLookups atomic.Int64
	ruleApplies     atomic.Int64
	rulesDeleted    atomic.Int64
	nsLookups       atomic.Int64
	downAnswers     atomic.Int64

	drift   driftState  // RunDriftMonitor's last scan, for /metrics
	leading atomic.Bool // RunLoops runs the loops (LeaderMetric)
}

// New returns a webhook for a configuration (validated, defaults filled).
func New(cfg Config) (*Webhook, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Webhook{cfg: cfg,
		images: newMemo[*answer](cfg.CacheTTL, cfg.ErrorTTL, cfg.CacheEntries, cfg.Now),
		rules:  newMemo[string](cfg.CacheTTL, 0, cfg.CacheEntries, cfg.Now),
		nsMeta: newMemo[map[string]string](cfg.CacheTTL, 0, cfg.CacheEntries, cfg.Now),
		down:   newBreaker(cfg.ErrorTTL, cfg.Policy.Timeout.Std(), cfg.CacheEntries, cfg.Now),
	}, nil
}

// Stats are counters since New.
type Stats struct {
	// RegistryLookups counts image loads (each a resolve, a referrers
	// listing and the fetches of one artifact) that missed the cache.
	RegistryLookups int64
	// RuleApplies counts NodeFeatureRule applies that missed the cache.
	RuleApplies int64
	// RulesDeleted counts NodeFeatureRules the garbage collector
	// deleted (CollectRules).
	RulesDeleted int64
	// NamespaceLookups counts namespace reads (NamespaceSelector) that
	// missed the cache.
	NamespaceLookups int64
	// RegistryDownAnswers counts image lookups answered without a request
	// because their registry did not answer another lookup within the
	// error TTL (ErrRegistryDown).
	RegistryDownAnswers int64
}

// Stats returns the counters.
func (w *Webhook) Stats() Stats {
	return Stats{RegistryLookups: w.registryLookups.Load(), RuleApplies: w.ruleApplies.Load(), RulesDeleted: w.rulesDeleted.Load(), NamespaceLookups: w.nsLookups.Load(),
		RegistryDownAnswers: w.downAnswers.Load()}
}
