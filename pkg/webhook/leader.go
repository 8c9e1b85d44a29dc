package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"

	"github.com/nfd-compat/nfd-compat/pkg/metrics"
)

// LeaderMetric is the /metrics gauge: 1 while this replica runs the
// background loops (garbage collection, drift scans), else 0.
const LeaderMetric = "nfd_compat_webhook_leader"

// Defaults of LeaderElection, those of kube-controller-manager.
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
	DefaultLeaseName     = "nfd-compat-webhook"
)

// ErrLeaderElection is wrapped by the errors of RunLoops' election.
var ErrLeaderElection = errors.New("leader election")

// LeaderElection is how RunLoops elects the one replica that runs the
// background loops: a coordination.k8s.io/v1 Lease Namespace/Name held
// by Identity (client-go's leaderelection with a LeaseLock, released
// when the context ends). The holder renews it every RetryPeriod and
// gives up once it could not for RenewDeadline; another replica takes it
// over once LeaseDuration has passed since its last renewal. It needs
// get, create and update on that Lease.
type LeaderElection struct {
	Leases                                    coordinationv1.LeasesGetter
	Namespace, Name, Identity                 string
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
}

// RunLoops runs loops until ctx ends: with le nil, at once and once;
// with le, only while this replica holds the Lease. Losing the Lease
// cancels the loops' context; once they have returned, the replica
// campaigns again (it does not exit: admission is served by every
// replica, leader or not). While loops run, LeaderMetric is 1; when
// they return, the drift gauges are dropped from /metrics (only the
// replica that scans exports them). It returns an error only for an
// election that cannot start (bad durations, no client or identity).
func (w *Webhook) RunLoops(ctx context.Context, le *LeaderElection, loops func(context.Context)) error {
	if le == nil {
		w.lead(ctx, loops)
		return nil
	}
	if le.Leases == nil || le.Namespace == "" || le.Name == "" {
		return fmt.Errorf("%w: give a client, a namespace and a name for the Lease", ErrLeaderElection)
	}
	lease := le.Namespace + "/" + le.Name
	log := w.cfg.Log.WithField("lease", lease).WithField("identity", le.Identity)
	for ctx.Err() == nil {
		var (
			mu      sync.Mutex
			closed  bool
			running bool
			done    = make(chan struct{})
		)
		elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
			Lock: &resourcelock.LeaseLock{LeaseMeta: metav1.ObjectMeta{Namespace: le.Namespace, Name: le.Name},
				Client: le.Leases, LockConfig: resourcelock.ResourceLockConfig{Identity: le.Identity}},
			LeaseDuration: le.LeaseDuration, RenewDeadline: le.RenewDeadline, RetryPeriod: le.RetryPeriod,
			ReleaseOnCancel: true, Name: lease,
			Callbacks: leaderelection.LeaderCallbacks{
				// client-go starts this in a goroutine: it may run after
				// Run returned, with lctx already done.
				OnStartedLeading: func(lctx context.Context) {
					mu.Lock()
					if closed || lctx.Err() != nil {
						mu.Unlock()
						return
					}
					running = true
					mu.Unlock()
					defer close(done)
					log.Info("leading: garbage collection and drift scans run in this replica")
					w.lead(lctx, loops)
				},
				OnStoppedLeading: func() {},
				OnNewLeader: func(id string) {
					if id != le.Identity {
						log.WithField("leader", id).Info("another replica leads: it runs garbage collection and drift scans")
					}
				},
			},
		})
		if err != nil {
			return fmt.Errorf("%w: Lease %s: %v", ErrLeaderElection, lease, err)
		}
		elector.Run(ctx)
		mu.Lock()
		closed = true
		wasRunning := running
		mu.Unlock()
		if wasRunning {
			<-done
			if ctx.Err() == nil {
				log.Warn("lost the Lease: garbage collection and drift scans stopped here; admission goes on, campaigning again")
			}
		}
	}
	return nil
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
