package webhook

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// switchedRegistry is go-containerregistry's registry behind a switch of
// its state (registryUp, registry503, registryDrops, registryHangs).
func switchedRegistry(t *testing.T) (*testregistry.Registry, *atomic.Int32) {
	state := new(atomic.Int32)
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
			case registryHangs:
				<-r.Context().Done()
			default:
				next.ServeHTTP(rw, r)
			}
		})
	})
	return reg, state
}

// Registry states of switchedRegistry.
const (
	registryUp int32 = iota
	registry503
	registryDrops // accepts the connection and closes it unanswered
	registryHangs // never answers (a black hole, until the client gives up)
)

// TestAdmitRegistryDownCached: 1,000 pods of an image whose registry is
// down (answering 503, or dropping connections) cost one lookup and the
// requests of one attempt, not 1,000; once the error TTL has passed, the
// registry (back up) is asked again and its "no artifact" answer is kept
// for the whole TTL. Without an error TTL every pod tries again.
func TestAdmitRegistryDownCached(t *testing.T) {
	ctx := context.Background()
	reg, state := switchedRegistry(t)
	for _, repo := range []string{"plain", "other"} {
		if _, err := testimage.Push(ctx, reg.Repo(t, repo), "v1"); err != nil {
			t.Fatal(err)
		}
	}
	w, advance := errorTTLWebhook(t)
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
		// Both images are of one registry: past the first case's error
		// TTL, the second's lookup is the breaker's probe.
		advance(DefaultErrorTTL)
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

// TestAdmitRegistryDownPerHost: while a registry does not answer (503,
// dropped connections, a black hole), pods of 20 different images of it
// cost one lookup, not 20 (for the black hole: one policy timeout): the others are
// answered at once (ErrRegistryDown, decided by on_error, the reason naming
// the host and the first failure) and not cached as their own errors. A
// registry that answers, even 404, is not marked down; another registry is
// unaffected; past the error TTL one probe finds the registry back and
// every image is looked up again.
func TestAdmitRegistryDownPerHost(t *testing.T) {
	ctx := context.Background()
	reg, state := switchedRegistry(t)
	other, _ := switchedRegistry(t)
	const images = 20
	for i := range images {
		if _, err := testimage.Push(ctx, reg.Repo(t, fmt.Sprintf("app%d", i)), "v1"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := testimage.Push(ctx, other.Repo(t, "app"), "v1"); err != nil {
		t.Fatal(err)
	}
	w, advance := errorTTLWebhook(t)
	// admit admits one pod of image and returns its decision's reason if
	// it was the on_error one ("" if it was not).
	admit := func(image string) string {
		t.Helper()
		r := w.Admit(ctx, review(t, "default", podOf(image)))
		if !r.Allowed {
			t.Fatalf("%s: refused: %v", image, r.Result)
		}
		if len(r.Warnings) == 1 && strings.Contains(r.Warnings[0], "allowed by on_error=allow") {
			return r.Warnings[0]
		}
		return ""
	}
	stats := func() (lookups, down int64) { s := w.Stats(); return s.RegistryLookups, s.RegistryDownAnswers }

	// A 404 is an answer: the next image is still looked up.
	if got := admit(reg.Ref("absent", "v1")); got == "" {
		t.Fatal("an absent image's lookup did not fail")
	}
	if admit(reg.Ref("app0", "v1")) != "" {
		t.Fatal("app0 (no spec) was decided by on_error")
	}
	if l, d := stats(); l != 2 || d != 0 {
		t.Fatalf("after a 404: %d lookups, %d down answers, want 2 and 0", l, d)
	}

	for _, c := range []struct {
		name  string
		state int32
	}{{"503", registry503}, {"dropped connections", registryDrops}, {"black hole", registryHangs}} {
		// A lookup's fill can outlive the pod that started it (the
		// 503 case's retries reach the policy timeout): let it end
		// before the clock moves.
		waitFills(t, w.images)
		advance(DefaultCacheTTL) // app0's answer and the last case's state expire
		state.Store(c.state)
		l0, d0 := stats()
		requests := reg.Requests()
		for i := range images {
			reason := admit(reg.Ref(fmt.Sprintf("app%d", i), "v1"))
			if reason == "" {
				t.Fatalf("%s: app%d not decided by on_error", c.name, i)
			}
			if i > 0 && !strings.Contains(reason, ErrRegistryDown.Error()) {
				t.Fatalf("%s: app%d's reason does not say the registry is down: %s", c.name, i, reason)
			}
		}
		l, d := stats()
		t.Logf("registry %s: %d images, %d lookups, %d answered as down, %d registry requests", c.name, images, l-l0, d-d0, reg.Requests()-requests)
		if l-l0 != 1 || d-d0 != images-1 {
			t.Fatalf("registry %s: %d images cost %d lookups (%d answered as down), want 1 (%d)", c.name, images, l-l0, d-d0, images-1)
		}
		// Another registry is asked as usual.
		if admit(other.Ref("app", "v1")) != "" {
			t.Fatalf("%s: the other registry's image was decided by on_error", c.name)
		}
		// The answers were not cached per image: still down, within the
		// TTL, each pod is answered again at once, without a request.
		advance(DefaultErrorTTL / 2)
		requests = reg.Requests()
		admit(reg.Ref("app3", "v1"))
		if reg.Requests() != requests {
			t.Fatalf("%s: within the error TTL the registry was asked", c.name)
		}
	}

	// Back up: past the TTL one probe clears the host, then each image
	// is looked up (and no longer decided by on_error).
	waitFills(t, w.images)
	state.Store(registryUp)
	advance(DefaultErrorTTL)
	l0, d0 := stats()
	for i := range images {
		if reason := admit(reg.Ref(fmt.Sprintf("app%d", i), "v1")); reason != "" {
			t.Fatalf("registry up: app%d: %s", i, reason)
		}
	}
	if l, d := stats(); l-l0 != images || d != d0 {
		t.Fatalf("registry up: %d lookups, %d more down answers, want %d and 0", l-l0, d-d0, images)
	}
}

// waitFills waits until no fill of m is running.
func waitFills[V any](t *testing.T, m *memo[V]) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		m.mu.Lock()
		running := 0
		for _, e := range m.entries {
			select {
			case <-e.done:
			default:
				running++
			}
		}
		m.mu.Unlock()
		if running == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d cache fills still running after 10s", running)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// errorTTLWebhook is a webhook of the test registries with the default
// error TTL on a fake clock, and the clock's advance.
func errorTTLWebhook(t *testing.T) (*Webhook, func(time.Duration)) {
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
	return w, advance
}
