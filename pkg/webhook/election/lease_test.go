package election

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// TestLeaseBadElection: an election that cannot start is an error
// wrapping ErrLeaderElection, and lead never runs.
func TestLeaseBadElection(t *testing.T) {
	kc, err := kubernetes.NewForConfig(&rest.Config{Host: "https://127.0.0.1:1"}) // never contacted
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		le   Lease
		want string
	}{
		{Lease{Leases: kc.CoordinationV1(), Namespace: "ns", Name: "l", Identity: "me", LeaseDuration: time.Second, RenewDeadline: time.Second, RetryPeriod: 100 * time.Millisecond}, "leaseDuration must be greater than renewDeadline"},
		{Lease{Leases: kc.CoordinationV1(), Namespace: "ns", Name: "l", Identity: "me", LeaseDuration: 2 * time.Second, RenewDeadline: time.Second, RetryPeriod: time.Second}, "renewDeadline must be greater than retryPeriod*JitterFactor"},
		{Lease{Leases: kc.CoordinationV1(), Namespace: "ns", Name: "l", LeaseDuration: 2 * time.Second, RenewDeadline: time.Second, RetryPeriod: 100 * time.Millisecond}, "identity is empty"},
		{Lease{Namespace: "ns", Name: "l", Identity: "me"}, "give a client, a namespace and a name"},
	} {
		err := c.le.Run(context.Background(), func(context.Context) { t.Error("loops ran") })
		if !errors.Is(err, ErrLeaderElection) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.le, err, c.want)
		}
	}
}
