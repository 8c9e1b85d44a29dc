package main

import (
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/tools/leaderelection"

	"github.com/nfd-compat/nfd-compat/pkg/webhook/election"
)

// serviceAccountNamespace is where the kubelet mounts the pod's namespace.
const serviceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"

// leaderFlags are the -leader-elect flags, as kube components name them.
type leaderFlags struct {
	elect                   *bool
	lease, renew, retry     *time.Duration
	name, namespace         *string
	namespaceFile, hostname func() (string, error)
}

func addLeaderFlags(fs *flag.FlagSet) *leaderFlags {
	return &leaderFlags{
		elect:         fs.Bool("leader-elect", true, "run the NodeFeatureRule garbage collector and the drift scans only in the replica holding a coordination.k8s.io Lease (admission is served by every replica); off: every replica runs them"),
		lease:         fs.Duration("leader-elect-lease-duration", election.DefaultLeaseDuration, "how long the other replicas wait, after the leader's last renewal, before taking the Lease over"),
		renew:         fs.Duration("leader-elect-renew-deadline", election.DefaultRenewDeadline, "how long the leader tries to renew the Lease before it stops its loops (under the lease duration)"),
		retry:         fs.Duration("leader-elect-retry-period", election.DefaultRetryPeriod, "interval between tries to acquire or renew the Lease"),
		name:          fs.String("leader-elect-resource-name", election.DefaultLeaseName, "name of the Lease"),
		namespace:     fs.String("leader-elect-resource-namespace", "", "namespace of the Lease; empty: the pod's ($POD_NAMESPACE, else the service account's namespace file)"),
		namespaceFile: func() (string, error) { b, err := os.ReadFile(serviceAccountNamespace); return string(b), err },
		hostname:      os.Hostname,
	}
}

// election validates the flags and returns the election, nil when
// -leader-elect is off. Leases is left for the caller.
func (f *leaderFlags) election() (*election.Lease, error) {
	if !*f.elect {
		return nil, nil
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"-leader-elect-lease-duration", *f.lease}, {"-leader-elect-renew-deadline", *f.renew}, {"-leader-elect-retry-period", *f.retry}} {
		if d.v <= 0 {
			return nil, fmt.Errorf("%s %v: give a positive duration such as %v", d.name, d.v,
				map[string]time.Duration{"-leader-elect-lease-duration": election.DefaultLeaseDuration, "-leader-elect-renew-deadline": election.DefaultRenewDeadline, "-leader-elect-retry-period": election.DefaultRetryPeriod}[d.name])
		}
	}
	if *f.lease <= *f.renew {
		return nil, fmt.Errorf("-leader-elect-lease-duration %v must be longer than -leader-elect-renew-deadline %v: the leader must give up before another replica may take the Lease over", *f.lease, *f.renew)
	}
	if min := time.Duration(leaderelection.JitterFactor * float64(*f.retry)); *f.renew <= min {
		return nil, fmt.Errorf("-leader-elect-renew-deadline %v must be longer than %v (%.1f × -leader-elect-retry-period %v): the leader must get more than one try to renew", *f.renew, min, leaderelection.JitterFactor, *f.retry)
	}
	if errs := validation.IsDNS1123Subdomain(*f.name); len(errs) > 0 {
		return nil, fmt.Errorf("-leader-elect-resource-name %q: %s (default %s)", *f.name, strings.Join(errs, "; "), election.DefaultLeaseName)
	}
	ns := strings.TrimSpace(*f.namespace)
	if ns == "" {
		ns = os.Getenv("POD_NAMESPACE")
	}
	if ns == "" {
		if b, err := f.namespaceFile(); err == nil {
			ns = strings.TrimSpace(b)
		}
	}
	if ns == "" {
		return nil, fmt.Errorf("-leader-elect-resource-namespace: not given, no $POD_NAMESPACE and no %s (not in a pod): give the namespace of the Lease, or -leader-elect=false", serviceAccountNamespace)
	}
	if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
		return nil, fmt.Errorf("-leader-elect-resource-namespace %q: %s", ns, strings.Join(errs, "; "))
	}
	host, err := f.hostname()
	if err != nil {
		return nil, fmt.Errorf("-leader-elect: the identity is the hostname: %w", err)
	}
	suffix := make([]byte, 8)
	if _, err := rand.Read(suffix); err != nil {
		return nil, fmt.Errorf("-leader-elect: random identity suffix: %w", err)
	}
	return &election.Lease{Namespace: ns, Name: *f.name, Identity: host + "_" + hex.EncodeToString(suffix),
		LeaseDuration: *f.lease, RenewDeadline: *f.renew, RetryPeriod: *f.retry}, nil
}
