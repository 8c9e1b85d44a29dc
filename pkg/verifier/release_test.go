package verifier

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestMemoryReleaseRateLimited: a burst of failed checks (an attacker's
// images pulled in a loop) releases memory once a second, not per failure.
func TestMemoryReleaseRateLimited(t *testing.T) {
	var n atomic.Int32
	done := make(chan struct{}, 10)
	m := &memoryReleaser{release: func() { n.Add(1); done <- struct{}{} }}
	t0 := time.Unix(1000, 0)
	for i := range 10 {
		m.afterFailure(t0.Add(time.Duration(i) * 50 * time.Millisecond))
	}
	<-done
	m.afterFailure(t0.Add(1500 * time.Millisecond))
	<-done
	if got := n.Load(); got != 2 {
		t.Fatalf("%d releases for failures over 1.5s, want 2", got)
	}
	var nilReleaser *memoryReleaser
	nilReleaser.afterFailure(t0) // a Verifier built without New: no panic
}
