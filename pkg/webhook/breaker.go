package webhook

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
)

// ErrRegistryDown is the answer, given without a request, for an image of a
// registry that did not answer another lookup within the error TTL; on_error
// decides, as for the failure itself.
var ErrRegistryDown = errors.New("registry did not answer a recent lookup; not asked again yet")

// breaker remembers, per registry host, that the host did not answer (a
// timeout, a network error, 5xx or 429), for the error TTL. The memo caches
// errors per image reference; without this, N images of one down registry
// cost N attempts (N policy timeouts of a black hole) per error TTL. With
// it they cost one: the others are answered at once.
//
// When the TTL has passed, one lookup is let through as a probe (for up to
// probeFor, the lookup's own timeout) while the others keep being answered
// at once; any answer from the registry, even 401 or 404, clears the host.
type breaker struct {
	ttl      time.Duration
	probeFor time.Duration
	max      int
	now      func() time.Time

	mu   sync.Mutex
	down map[string]hostDown
}

type hostDown struct {
	until time.Time
	since time.Time
	cause error
}

func newBreaker(ttl, probeFor time.Duration, max int, now func() time.Time) *breaker {
	return &breaker{ttl: ttl, probeFor: probeFor, max: max, now: now, down: map[string]hostDown{}}
}

// allow returns nil if a lookup may ask host, or ErrRegistryDown wrapping
// the last failure.
func (b *breaker) allow(host string) error {
	if b.ttl <= 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	d, ok := b.down[host]
	if !ok {
		return nil
	}
	now := b.now()
	if !now.Before(d.until) {
		d.until = now.Add(b.probeFor) // this caller probes; others wait for its answer
		b.down[host] = d
		return nil
	}
	return &downError{host: host, since: d.since, retry: d.until.Sub(now), cause: d.cause}
}

// downError is the breaker's answer. It is not kept by the memo: the
// breaker's own state already says how long it holds.
type downError struct {
	host  string
	since time.Time
	retry time.Duration
	cause error
}

func (e *downError) Error() string {
	return fmt.Sprintf("%s: %v (down since %s, asked again in %s: -cache-error-ttl): %v",
		e.host, ErrRegistryDown, e.since.UTC().Format(time.RFC3339), e.retry.Round(time.Millisecond), e.cause)
}

func (e *downError) Unwrap() []error { return []error{ErrRegistryDown, e.cause} }

func (e *downError) uncached() {}

// record notes a lookup's outcome for host: a failure of the registry
// itself marks it down for the TTL, anything else (an answer) clears it.
func (b *breaker) record(host string, err error) {
	if b.ttl <= 0 || errors.Is(err, ErrRegistryDown) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !hostFailure(err) {
		delete(b.down, host)
		return
	}
	now := b.now()
	d, ok := b.down[host]
	if !ok {
		d.since = now
		if len(b.down) >= b.max {
			b.prune(now)
		}
		if len(b.down) >= b.max {
			return // bounded: an unremembered host is simply asked again
		}
	}
	d.until, d.cause = now.Add(b.ttl), err
	b.down[host] = d
}

// prune drops expired hosts; the caller holds mu.
func (b *breaker) prune(now time.Time) {
	for h, d := range b.down {
		if !now.Before(d.until) {
			delete(b.down, h)
		}
	}
}

// hostFailure reports whether err says the registry did not answer, as
// opposed to answering (401, 404, a bad spec).
func hostFailure(err error) bool {
	kind, ok := metrics.RegistryErrorKind(err)
	if !ok {
		return false
	}
	switch kind {
	case metrics.KindTimeout, metrics.KindNetwork, metrics.KindStatus5xx, metrics.KindStatus429:
		return true
	}
	return false
}
