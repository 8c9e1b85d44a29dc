package webhook

import (
	"bytes"
	"context"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
)

// LeaderMetric is the /metrics gauge: 1 while this replica runs the
// background loops (garbage collection, drift scans), else 0.
const LeaderMetric = "nfd_compat_webhook_leader"

// Elector runs lead only while this replica is the leader, until ctx
// ends, campaigning again after losing it (election.Lease); its error is
// for an election that cannot start.
type Elector interface {
	Run(ctx context.Context, lead func(context.Context)) error
}

// RunLoops runs loops until ctx ends: with e nil, at once and once; else
// only while this replica leads (e.Run). While loops run, LeaderMetric is
// 1; when they return, the drift gauges are dropped from /metrics (only
// the replica that scans exports them).
func (w *Webhook) RunLoops(ctx context.Context, e Elector, loops func(context.Context)) error {
	if e == nil {
		w.lead(ctx, loops)
		return nil
	}
	return e.Run(ctx, func(lctx context.Context) { w.lead(lctx, loops) })
}

// lead runs loops under ctx with LeaderMetric 1, then drops the drift
// gauges.
func (w *Webhook) lead(ctx context.Context, loops func(context.Context)) {
	w.leading.Store(true)
	defer func() {
		w.leading.Store(false)
		w.drift.reset()
	}()
	loops(ctx)
}

// Leading reports whether this replica runs the background loops now.
func (w *Webhook) Leading() bool { return w.leading.Load() }

// writeLeader writes LeaderMetric.
func (w *Webhook) writeLeader(b *bytes.Buffer) {
	var v int64
	if w.Leading() {
		v = 1
	}
	metrics.Value(b, LeaderMetric, "gauge", "1 while this replica runs the NodeFeatureRule garbage collector and the drift scans (it holds the leader Lease, or leader election is off), else 0.", v)
}
