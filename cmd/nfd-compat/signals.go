package main

import (
	"context"
	"os"
	"os/signal"
	"sync"
	"time"
)

// signalDelay is how long a command runs before Ctrl-C and SIGTERM cancel
// its context instead of ending the process.
const signalDelay = 100 * time.Millisecond

// notifyAfter returns a context that sigs cancel (with os/signal's cause,
// "interrupt signal received") once the process has run for delay (from
// the start when delay is not positive: main gives validate-node alone a
// delay, since it writes nothing), so that
// a command waiting on a registry or a feature source stops where it is and
// says so. Before that the signals end the process at once, as they do
// while Go initialises the packages: os/signal's first Notify starts a
// thread of its own (locked to its goroutine), about 0.5 ms of a
// validate-node that finishes in 10 ms (docs/validate-node.md,
// Performance), which a command done within delay never pays. stop
// releases it all.
func notifyAfter(parent context.Context, delay time.Duration, sigs ...os.Signal) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	// watch starts os/signal's watch; the returned func ends it.
	watch := func() func() {
		sctx, stopNotify := signal.NotifyContext(ctx, sigs...)
		unhook := context.AfterFunc(sctx, func() { cancel(context.Cause(sctx)) })
		return func() { unhook(); stopNotify() }
	}
	if delay <= 0 {
		unwatch := watch()
		return ctx, func() { unwatch(); cancel(context.Canceled) }
	}
	var (
		mu      sync.Mutex
		stopped bool
		unwatch = func() {}
	)
	timer := time.AfterFunc(delay, func() {
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			unwatch = watch()
		}
	})
	return ctx, func() {
		timer.Stop()
		mu.Lock()
		stopped = true
		unwatch()
		mu.Unlock()
		cancel(context.Canceled)
	}
}
