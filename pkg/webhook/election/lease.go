package election

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationv1 "k8s.io/client-go/kubernetes/typed/coordination/v1"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Defaults of a Lease, those of kube-controller-manager.
const (
	DefaultLeaseDuration = 15 * time.Second
	DefaultRenewDeadline = 10 * time.Second
	DefaultRetryPeriod   = 2 * time.Second
	DefaultLeaseName     = "nfd-compat-webhook"
)

// ErrLeaderElection is wrapped by the errors of an election that cannot
// start.
var ErrLeaderElection = errors.New("leader election")

// Lease elects the one replica that runs the webhook's background loops
// (webhook.Elector): a coordination.k8s.io/v1 Lease Namespace/Name held
// by Identity (client-go's leaderelection with a LeaseLock, released
// when the context ends). The holder renews it every RetryPeriod and
// gives up once it could not for RenewDeadline; another replica takes it
// over once LeaseDuration has passed since its last renewal. It needs
// get, create and update on that Lease.
type Lease struct {
	Leases                                    coordinationv1.LeasesGetter
	Namespace, Name, Identity                 string
	LeaseDuration, RenewDeadline, RetryPeriod time.Duration
	// Log receives gaining and losing the Lease; nil discards it.
	Log logrus.FieldLogger
}

// Run runs lead until ctx ends, only while this replica holds the Lease.
// Losing the Lease cancels lead's context; once lead has returned, the
// replica campaigns again (it does not exit: admission is served by
// every replica, leader or not). It returns an error only for an
// election that cannot start (bad durations, no client or identity).
func (le *Lease) Run(ctx context.Context, lead func(context.Context)) error {
	if le.Leases == nil || le.Namespace == "" || le.Name == "" {
		return fmt.Errorf("%w: give a client, a namespace and a name for the Lease", ErrLeaderElection)
	}
	lease := le.Namespace + "/" + le.Name
	var log logrus.FieldLogger = le.Log
	if log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		log = l
	}
	log = log.WithField("lease", lease).WithField("identity", le.Identity)
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
					lead(lctx)
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
