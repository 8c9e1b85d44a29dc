package metrics

import (
	"sort"
	"sync"
)

// Metric names.
const (
	DecisionsName      = "nfd_compat_decisions_total"
	DurationName       = "nfd_compat_decision_duration_seconds"
	RegistryErrorsName = "nfd_compat_registry_errors_total"
)

// Help texts.
const (
	DecisionsHelp      = "Image pull decisions of the nfd-compat verifier, by decision (allow, warn, deny), verdict and policy mode."
	DurationHelp       = "Time the nfd-compat verifier took to decide on a pull, by policy mode."
	RegistryErrorsHelp = "nfd-compat verifier decisions with verdict error caused by a registry request, by kind."
)

// Buckets are the upper bounds of the duration histogram, in seconds: a
// warm decision takes a millisecond or a few, a cold one a registry round
// trip or several, and the policy timeout bounds it (10s by default).
var Buckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// DecisionKey are the labels of nfd_compat_decisions_total.
type DecisionKey struct{ Decision, Verdict, Mode string }

// Histogram is one mode's duration histogram; Counts[i] counts the
// decisions of at most Buckets[i] seconds (not cumulative), and the last
// element those above every bound.
type Histogram struct {
	Counts []uint64
	Sum    float64
	Count  uint64
}

// Set holds the counts. It is an Observer, safe for concurrent use; the
// zero value is not usable (NewSet).
type Set struct {
	mu        sync.Mutex
	decisions map[DecisionKey]uint64
	durations map[string]*Histogram
	errors    map[string]uint64
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{decisions: map[DecisionKey]uint64{}, durations: map[string]*Histogram{}, errors: map[string]uint64{}}
}

// ObserveDecision counts d.
func (s *Set) ObserveDecision(d Decision) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(d)
}

func (s *Set) add(d Decision) {
	s.decisions[DecisionKey{Decision: d.Action(), Verdict: labelValue(d.Verdict), Mode: labelValue(d.Mode)}]++
	h := s.histogram(labelValue(d.Mode))
	sec := d.Duration.Seconds()
	i := sort.SearchFloat64s(Buckets, sec) // first bound >= sec
	h.Counts[i]++
	h.Sum += sec
	h.Count++
	if d.Verdict == "error" {
		if kind, ok := RegistryErrorKind(d.Err); ok {
			s.errors[kind]++
		}
	}
}

func (s *Set) histogram(mode string) *Histogram {
	h := s.durations[mode]
	if h == nil {
		h = &Histogram{Counts: make([]uint64, len(Buckets)+1)}
		s.durations[mode] = h
	}
	return h
}

// Snapshot is a copy of a Set's counts.
type Snapshot struct {
	Decisions map[DecisionKey]uint64
	Durations map[string]Histogram
	// RegistryErrors has every kind of RegistryErrorKinds.
	RegistryErrors map[string]uint64
}

// Snapshot copies the counts.
func (s *Set) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Snapshot{Decisions: map[DecisionKey]uint64{}, Durations: map[string]Histogram{}, RegistryErrors: map[string]uint64{}}
	for k, v := range s.decisions {
		out.Decisions[k] = v
	}
	for k, h := range s.durations {
		out.Durations[k] = Histogram{Counts: append([]uint64(nil), h.Counts...), Sum: h.Sum, Count: h.Count}
	}
	for _, k := range RegistryErrorKinds {
		out.RegistryErrors[k] = s.errors[k]
	}
	return out
}

// labelValue keeps a label value to the small alphabet of modes and
// verdicts, so that nothing else can make a series or need escaping.
func labelValue(v string) string {
	if v == "" || !safeLabel(v) {
		return "unknown"
	}
	return v
}

func safeLabel(v string) bool {
	if len(v) > 32 {
		return false
	}
	for _, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}
