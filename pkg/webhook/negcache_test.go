package webhook

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// Registry states of TestAdmitRegistryDownCached.
const (
	registryUp int32 = iota
	registry503
	registryDrops // accepts the connection and closes it unanswered
)

// TestAdmitRegistryDownCached: 1,000 pods of an image whose registry is
// down (answering 503, or dropping connections) cost one lookup and the
// requests of one attempt, not 1,000; once the error TTL has passed, the
// registry (back up) is asked again and its "no artifact" answer is kept
// for the whole TTL. Without an error TTL every pod tries again.
func TestAdmitRegistryDownCached(t *testing.T) {
	ctx := context.Background()
	var state atomic.Int32
	reg := testregistry.Start(t, testregistry.GGCRReferrers, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			switch state.Load() {
			case registry503:
				http.Error(rw, "down for maintenance", http.StatusServiceUnavailable)
			case registryDrops:
				c, _, err := rw.(http.Hijacker).Hijack()
				if err == nil {
					c.Close()
				}
			default:
				next.ServeHTTP(rw, r)
			}
		})
	})
	for _, repo := range []string{"plain", "other"} {
		if _, err := testimage.Push(ctx, reg.Repo(t, repo), "v1"); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Unix(1_000_000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	w := newTestWebhook(t, func(c *Config) {
		c.AllowedRegistries = []string{"127.0.0.1:*"}
		c.Target.PlainHTTP = true
		c.ErrorTTL = DefaultErrorTTL
		c.Now = clock
	})
	// admit admits n pods of image at once and counts those answered
	// with the error (allowed by on_error, warned, annotated).
	admit := func(image string, n int) (errors int) {
		t.Helper()
		var wg sync.WaitGroup
		var errs atomic.Int64
		for range n {
			wg.Go(func() {
				r := w.Admit(ctx, review(t, "default", podOf(image)))
				switch {
				case !r.Allowed:
					t.Errorf("%s: refused: %v", image, r.Result)
				case r.Patch != nil && len(r.Warnings) == 1 && strings.Contains(r.Warnings[0], "allowed by on_error=allow"):
					errs.Add(1)
				case r.Patch != nil || len(r.Warnings) > 0:
					t.Errorf("%s: patch %s, warnings %q", image, r.Patch, r.Warnings)
				}
			})
		}
		wg.Wait()
		return int(errs.Load())
	}
	for _, c := range []struct {
		name  string
		state int32
		image string
	}{{"503", registry503, reg.Ref("plain", "v1")}, {"dropped connections", registryDrops, reg.Ref("other", "v1")}} {
		state.Store(c.state)
		lookups, requests := w.Stats().RegistryLookups, reg.Requests()
		if n := admit(c.image, 1000); n != 1000 {
			t.Fatalf("%s: %d of 1000 pods annotated with the error", c.name, n)
		}
		gotLookups, gotRequests := w.Stats().RegistryLookups-lookups, reg.Requests()-requests
		t.Logf("registry %s: 1000 pods, %d lookup, %d registry requests", c.name, gotLookups, gotRequests)
		// One attempt: oras-go retries a 5xx, at most 5 times.
		if gotLookups != 1 || gotRequests == 0 || gotRequests > 6 {
			t.Fatalf("registry %s: 1000 pods cost %d lookups and %d registry requests, want 1 and one attempt's few", c.name, gotLookups, gotRequests)
		}
	}
	// Still within the error TTL, the registry back up is not asked yet.
	state.Store(registryUp)
	advance(DefaultErrorTTL - time.Second)
	requests := reg.Requests()
	admit(reg.Ref("plain", "v1"), 10)
	if reg.Requests() != requests {
		t.Fatalf("within the error TTL: %d registry requests", reg.Requests()-requests)
	}
	advance(time.Second)
	if n := admit(reg.Ref("plain", "v1"), 1000); n != 0 {
		t.Fatalf("registry up, no spec: %d pods patched, want none", n)
	}
	lookups := w.Stats().RegistryLookups
	advance(DefaultCacheTTL - time.Second)
	admit(reg.Ref("plain", "v1"), 100)
	if w.Stats().RegistryLookups != lookups {
		t.Fatal("the no-artifact answer is not kept for the cache TTL")
	}

	// Without an error TTL, each pod after a failure tries again
	// (dropped connections: each attempt fails at once).
	state.Store(registryDrops)
	w0 := newTestWebhook(t, func(c *Config) { c.AllowedRegistries = []string{"127.0.0.1:*"}; c.Target.PlainHTTP = true })
	for range 5 {
		w0.Admit(ctx, review(t, "default", podOf(reg.Ref("plain", "v1"))))
	}
	if n := w0.Stats().RegistryLookups; n != 5 {
		t.Fatalf("error TTL 0: 5 pods, %d lookups, want 5", n)
	}
}
