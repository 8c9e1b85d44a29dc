package webhook

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

// TestRunLoopsUnelected: without an election the loops run at once, the
// leader gauge is 1 while they run, and when they return the gauge is 0
// and the drift metrics are gone.
func TestRunLoopsUnelected(t *testing.T) {
	w := unreachableWebhook(t)
	gauge := func() string {
		var b bytes.Buffer
		w.writeLeader(&b)
		return b.String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	inside := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- w.RunLoops(ctx, nil, func(ctx context.Context) {
			w.drift.mu.Lock()
			w.drift.on = true
			w.drift.record(DriftScan{Placed: 3}, time.Unix(100, 0), w.cfg.Log)
			w.drift.mu.Unlock()
			inside <- gauge()
			<-ctx.Done()
		})
	}()
	if g := <-inside; !strings.Contains(g, "\n"+LeaderMetric+" 1\n") {
		t.Fatalf("while the loops run: %q", g)
	}
	var drift strings.Builder
	if err := w.drift.writeText(&drift); err != nil || !strings.Contains(drift.String(), PlacedPodsMetric+" 3") {
		t.Fatalf("drift metrics while leading: %q, %v", drift.String(), err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if g := gauge(); !strings.Contains(g, "\n"+LeaderMetric+" 0\n") {
		t.Fatalf("after the loops: %q", g)
	}
	drift.Reset()
	if err := w.drift.writeText(&drift); err != nil || drift.Len() != 0 {
		t.Fatalf("drift metrics after the loops: %q, %v; want none", drift.String(), err)
	}
}

// unreachableWebhook is a webhook whose API server is never contacted.
func unreachableWebhook(t *testing.T) *Webhook {
	t.Helper()
	dc, err := dynamic.NewForConfig(&rest.Config{Host: "https://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{Dynamic: dc})
	if err != nil {
		t.Fatal(err)
	}
	return w
}
