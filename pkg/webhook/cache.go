package webhook

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// memo is a bounded in-memory cache with a TTL whose misses are filled
// once: concurrent Gets of one key wait for the same fill. A fill runs on
// its own goroutine with a context detached from the first caller's
// cancellation (bounded by the fill's own timeout), so a caller that gives
// up does not fail the others; each caller waits only as long as its own
// context allows.
//
// A value, or an error its Get's keepErr accepts (a negative answer such as
// "no artifact"), is kept for ttl; any other error for errTTL (zero: not
// kept, the next Get fills again), so a registry that is down costs one
// attempt per key per errTTL, not one per caller. Both count against max.
// An error that says it is already an answer from other state (an
// uncachedError, such as the breaker's) is never kept; a value that is
// partly errors (a partialValue) is kept for errTTL.
type memo[V any] struct {
	ttl    time.Duration
	errTTL time.Duration
	max    int
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]*memoEntry[V]
	lru     *list.List // of keys of filled entries, least recently used first
}

type memoEntry[V any] struct {
	done    chan struct{}
	val     V
	err     error
	expires time.Time
	elem    *list.Element
}

// partialValue is a value made partly of errors (an index some of whose
// platforms failed): the memo keeps it for the error TTL only.
type partialValue interface{ partial() bool }

// uncachedError is an error the memo does not keep.
type uncachedError interface {
	error
	uncached()
}

func newMemo[V any](ttl, errTTL time.Duration, max int, now func() time.Time) *memo[V] {
	if max < 1 {
		max = 1
	}
	return &memo[V]{ttl: ttl, errTTL: errTTL, max: max, now: now, entries: map[string]*memoEntry[V]{}, lru: list.New()}
}

// Get returns the cached value of key or fills it with fill. keepErr says
// whether an error is a negative answer, cached for the TTL like a value;
// other errors are cached for the error TTL (or forgotten at once if it
// is zero).
// hit reports whether no fill was started for this call.
func (m *memo[V]) Get(ctx context.Context, key string, fill func(context.Context) (V, error), keepErr func(error) bool) (v V, hit bool, err error) {
	m.mu.Lock()
	e, ok := m.entries[key]
	if ok && e.elem != nil && !m.now().Before(e.expires) {
		m.remove(key, e)
		ok = false
	}
	if !ok {
		e = &memoEntry[V]{done: make(chan struct{})}
		m.entries[key] = e
		go m.fill(context.WithoutCancel(ctx), key, e, fill, keepErr)
	} else if e.elem != nil {
		m.lru.MoveToBack(e.elem)
	}
	m.mu.Unlock()
	select {
	case <-e.done:
		return e.val, ok, e.err
	case <-ctx.Done():
		var zero V
		return zero, ok, context.Cause(ctx)
	}
}

func (m *memo[V]) fill(ctx context.Context, key string, e *memoEntry[V], fill func(context.Context) (V, error), keepErr func(error) bool) {
	v, err := fill(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	e.val, e.err = v, err
	ttl := m.ttl
	if err != nil && (keepErr == nil || !keepErr(err)) {
		ttl = m.errTTL
	}
	if u := uncachedError(nil); errors.As(err, &u) {
		ttl = 0
	}
	if p, ok := any(v).(partialValue); ok && err == nil && p.partial() {
		ttl = min(ttl, m.errTTL)
	}
	if ttl <= 0 && err != nil {
		if m.entries[key] == e {
			delete(m.entries, key)
		}
	} else {
		e.expires = m.now().Add(ttl)
		e.elem = m.lru.PushBack(key)
		for m.lru.Len() > m.max {
			oldest := m.lru.Front().Value.(string)
			m.remove(oldest, m.entries[oldest])
		}
	}
	close(e.done)
}

// remove drops a filled entry; the caller holds mu.
func (m *memo[V]) remove(key string, e *memoEntry[V]) {
	if e.elem != nil {
		m.lru.Remove(e.elem)
	}
	delete(m.entries, key)
}

// Len is the number of entries, filled or being filled.
func (m *memo[V]) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// Forget drops key's filled entry, so the next Get fills it again; a fill
// in progress is left to finish.
func (m *memo[V]) Forget(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[key]; ok && e.elem != nil {
		m.remove(key, e)
	}
}
