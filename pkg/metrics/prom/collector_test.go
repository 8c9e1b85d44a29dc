package prom

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
)

// TestCollectorServed: what a registry serves over HTTP (as containerd's
// /v1/metrics does) reads back as the Set's counts.
func TestCollectorServed(t *testing.T) {
	reg := prometheus.NewRegistry()
	set, err := Register(reg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Register(reg)
	if err != nil || again != set {
		t.Fatalf("second Register: %v, same set %v", err, again == set)
	}
	set.ObserveDecision(metrics.Decision{Mode: "enforce", Verdict: "incompatible", Duration: 3 * time.Millisecond})
	set.ObserveDecision(metrics.Decision{Mode: "enforce", Verdict: "compatible", Allow: true, Duration: 700 * time.Microsecond})
	set.ObserveDecision(metrics.Decision{Mode: "warn", Verdict: "error", Allow: true, Warn: true, Duration: 2 * time.Second,
		Err: &httpErr{}})
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	back := metrics.NewSet()
	if skipped, err := back.ReadText(strings.NewReader(string(body))); err != nil || skipped != 0 {
		t.Fatalf("ReadText: %v, %d skipped\n%s", err, skipped, body)
	}
	var want, got strings.Builder
	_ = set.WriteText(&want)
	_ = back.WriteText(&got)
	if want.String() != got.String() {
		t.Fatalf("served:\n%s\nread back:\n%s\nwant:\n%s", body, got.String(), want.String())
	}
	if !strings.Contains(string(body), `nfd_compat_decision_duration_seconds_bucket{mode="enforce",le="0.001"} 1`) {
		t.Fatalf("histogram not as expected:\n%s", body)
	}
}

type httpErr struct{}

func (*httpErr) Error() string   { return "i/o timeout" }
func (*httpErr) Timeout() bool   { return true }
func (*httpErr) Temporary() bool { return true }
