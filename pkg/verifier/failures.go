package verifier

import (
	"sync"
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
