package integration

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
)

// stall is a registry Middleware that, once on, stops answering the requests
// it matches: it holds them until the client gives up (the request's context
// ends), as a registry behind a dead proxy or a full network buffer does. It
// counts the requests it is holding.
type stall struct {
	on      atomic.Bool
	match   func(*http.Request) bool
	holding atomic.Int64
}

func (s *stall) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if s.on.Load() && s.match(req) {
			s.holding.Add(1)
			defer s.holding.Add(-1)
			<-req.Context().Done()
			return
		}
		next.ServeHTTP(w, req)
	})
}

// TestValidateNodeTimeout: a registry that stops answering, at the first
// request or in the middle (after the image resolved), makes validate-node
// --timeout 2s give up with exit 2 and a message naming the timeout; nothing
// is left running: no request held open on the registry, no goroutine.
func TestValidateNodeTimeout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		match func(*http.Request) bool
	}{
		{"every request", func(*http.Request) bool { return true }},
		{"referrers only", func(req *http.Request) bool { return strings.Contains(req.URL.Path, "/referrers/") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &stall{match: tc.match}
			reg := testregistry.Start(t, testregistry.GGCRReferrers, st.middleware)
			p := registryPlace(reg)
			if _, err := testimage.Push(context.Background(), p.store(t, "slow"), "v1"); err != nil {
				t.Fatal(err)
			}
			must(t, 0, args("attach-spec", p.flags, p.ref("slow", "v1"), demoSpec)...)
			st.on.Store(true)

			baseline := runtime.NumGoroutine()
			start := time.Now()
			done := make(chan result, 1)
			go func() {
				done <- run(t, "", args("validate-node", p.flags, p.ref("slow", "v1"), "--timeout", "2s", "--no-color")...)
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(60 * time.Second): // a hang, not a speed limit
				t.Fatal("validate-node --timeout 2s still running after 60s")
			}
			took := time.Since(start)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "--timeout 2s") {
				t.Errorf("message does not name the timeout:\n%s", r.stderr)
			}
			if took < 2*time.Second {
				t.Errorf("gave up after %v, before the 2s timeout", took)
			}
			t.Logf("gave up after %v: %s", took.Round(time.Millisecond), strings.TrimSpace(r.stderr))

			// The client hung up: the registry holds nothing, and the
			// goroutines (ours and the server's) are gone.
			waitFor(t, "requests held by the registry to end", func() bool { return st.holding.Load() == 0 })
			waitFor(t, "goroutines to return to the baseline", func() bool { return runtime.NumGoroutine() <= baseline })
		})
	}
}

// waitFor polls cond for up to 10 seconds and fails with the goroutine dump.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("timed out waiting for %s; goroutines:\n%s", what, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}
