package webhook

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestMemo: concurrent misses of one key fill once; entries expire after
// the TTL; the bound evicts the least recently used; errors are kept only
// when asked; a caller that gives up does not cancel the fill for others.
func TestMemo(t *testing.T) {
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	m := newMemo[int](time.Minute, 0, 2, clock)
	var fills atomic.Int64
	release := make(chan struct{})
	fill := func(context.Context) (int, error) { fills.Add(1); <-release; return 7, nil }
	ctx := context.Background()
	var wg sync.WaitGroup
	short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, _, err := m.Get(short, "a", fill, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a caller past its deadline: %v", err)
	}
	for range 50 {
		wg.Go(func() {
			if v, _, err := m.Get(ctx, "a", fill, nil); v != 7 || err != nil {
				t.Errorf("got %d, %v", v, err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := fills.Load(); n != 1 {
		t.Fatalf("51 concurrent gets filled %d times, want 1", n)
	}
	if _, hit, _ := m.Get(ctx, "a", fill, nil); !hit || fills.Load() != 1 {
		t.Fatal("a filled entry is a hit")
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if _, hit, _ := m.Get(ctx, "a", fill, nil); hit || fills.Load() != 2 {
		t.Fatal("an expired entry is filled again")
	}
	m.Get(ctx, "b", fill, nil)
	m.Get(ctx, "a", fill, nil) // a is now the most recently used
	m.Get(ctx, "c", fill, nil)
	if m.Len() != 2 {
		t.Fatalf("%d entries, bound 2", m.Len())
	}
	if _, hit, _ := m.Get(ctx, "a", fill, nil); !hit {
		t.Fatal("the most recently used entry was evicted")
	}
	boom := errors.New("boom")
	failing := func(context.Context) (int, error) { fills.Add(1); return 0, boom }
	before := fills.Load()
	m.Get(ctx, "e", failing, nil)
	m.Get(ctx, "e", failing, nil)
	m.Get(ctx, "n", failing, func(err error) bool { return errors.Is(err, boom) })
	if _, _, err := m.Get(ctx, "n", failing, func(error) bool { return true }); !errors.Is(err, boom) || fills.Load()-before != 3 {
		t.Fatalf("errors forgotten (e twice) and kept (n once): %d fills, %v", fills.Load()-before, err)
	}
}

// TestMemoErrorTTL: with an error TTL, an error keepErr does not accept is
// reused for that TTL (one fill for every caller meanwhile), then filled
// again; a negative answer keepErr accepts lives for the whole TTL; both
// count against the bound.
func TestMemoErrorTTL(t *testing.T) {
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	m := newMemo[int](time.Minute, 10*time.Second, 2, clock)
	down, none := errors.New("registry down"), errors.New("no artifact")
	var fills atomic.Int64
	fill := func(err error) func(context.Context) (int, error) {
		return func(context.Context) (int, error) { fills.Add(1); return 0, err }
	}
	isNone := func(err error) bool { return errors.Is(err, none) }
	ctx := context.Background()
	for range 100 {
		if _, _, err := m.Get(ctx, "down", fill(down), isNone); !errors.Is(err, down) {
			t.Fatalf("got %v, want the cached error", err)
		}
	}
	if n := fills.Load(); n != 1 {
		t.Fatalf("100 gets within the error TTL filled %d times, want 1", n)
	}
	advance(10 * time.Second)
	if _, hit, _ := m.Get(ctx, "down", fill(down), isNone); hit || fills.Load() != 2 {
		t.Fatalf("after the error TTL: hit %v, %d fills, want a new fill", hit, fills.Load())
	}
	m.Get(ctx, "none", fill(none), isNone)
	advance(30 * time.Second)
	if _, hit, err := m.Get(ctx, "none", fill(none), isNone); !hit || !errors.Is(err, none) || fills.Load() != 3 {
		t.Fatalf("a negative answer 30s later: hit %v, %v, %d fills; want kept for the TTL", hit, err, fills.Load())
	}
	m.Get(ctx, "other", fill(down), isNone)
	if m.Len() != 2 {
		t.Fatalf("%d entries, bound 2", m.Len())
	}
	// Without an error TTL (0) errors are not kept.
	m0 := newMemo[int](time.Minute, 0, 2, clock)
	before := fills.Load()
	m0.Get(ctx, "down", fill(down), isNone)
	m0.Get(ctx, "down", fill(down), isNone)
	if n := fills.Load() - before; n != 2 {
		t.Fatalf("error TTL 0: %d fills for 2 gets, want 2", n)
	}
}
