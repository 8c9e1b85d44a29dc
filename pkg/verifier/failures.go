package verifier

import (
	"sync"
	"sync/atomic"
	"time"
)

// Failed artifacts are remembered so that retries of the same pull (the
// kubelet backs off and retries for as long as the pod exists) do not redo
// work that timed out or failed: the remembered error goes through
// on_error, as the first one did.
const (
	// FailureTTL is how long an artifact that failed is not checked again.
	FailureTTL = time.Minute
	// maxFailures bounds the artifacts remembered; the oldest go first.
	maxFailures = 256
)

// failureCache remembers, by artifact digest, why checking it failed.
type failureCache struct {
	mu      sync.Mutex
	entries map[string]failure
	now     func() time.Time
}

type failure struct {
	err error
	at  time.Time
}

func newFailureCache(now func() time.Time) *failureCache {
	return &failureCache{entries: map[string]failure{}, now: now}
}

// get returns the remembered failure of the artifact and when it happened.
func (c *failureCache) get(artifact string) (error, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.entries[artifact]
	if !ok {
		return nil, time.Time{}
	}
	if c.now().Sub(f.at) >= FailureTTL {
		delete(c.entries, artifact)
		return nil, time.Time{}
	}
	return f.err, f.at
}

func (c *failureCache) put(artifact string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.entries) >= maxFailures {
		oldest := ""
		for k, f := range c.entries {
			if now.Sub(f.at) >= FailureTTL {
				delete(c.entries, k)
				continue
			}
			if oldest == "" || f.at.Before(c.entries[oldest].at) {
				oldest = k
			}
		}
		if len(c.entries) >= maxFailures {
			delete(c.entries, oldest)
		}
	}
	c.entries[artifact] = failure{err: err, at: now}
}

// releaseAfterFailure gives the memory a failed artifact's check used back
// to the system at once, rather than when the Go runtime's scavenger gets to
// it: the failures worth remembering are specs refused for their size or
// cost, whose garbage a long-lived containerd-nfd would otherwise carry for
// minutes, and an attacker can make a node pull many of them. At most one
// release a second; it runs off the decision's path.
type memoryReleaser struct {
	last    atomic.Int64 // unix nanoseconds of the last release
	release func()
}

func (m *memoryReleaser) afterFailure(now time.Time) {
	if m == nil {
		return
	}
	last := m.last.Load()
	if now.UnixNano()-last < int64(time.Second) || !m.last.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	go m.release()
}
