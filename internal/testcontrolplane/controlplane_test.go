package testcontrolplane

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// TestControlPlane: the control plane serves NFD's API with RBAC for the
// token users, nfd-master starts on a created Node, and when the test ends
// no component's process (group) is left.
func TestControlPlane(t *testing.T) {
	var pids []int
	t.Run("run", func(t *testing.T) {
		cp := Start(t, Options{Scheduler: true})
		cp.CreateNodes(t, NewNode("n1", map[string]string{"pool": "a"}))
		cp.CreateNodeFeatures(t, nfdv1alpha1.NodeFeature{ObjectMeta: metav1.ObjectMeta{Name: "n1", Namespace: "vendor-x",
			Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: "n1"}}})
		cp.StartNFDMaster(t, "n1")
		ctx := context.Background()
		n, err := cp.Client.CoreV1().Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if n.Status.Allocatable.Pods().Value() != 110 || n.Labels["pool"] != "a" {
			t.Fatalf("node n1: allocatable %v, labels %v", n.Status.Allocatable, n.Labels)
		}
		nobody, err := kubernetes.NewForConfig(cp.restConfig(NoRBAC))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nobody.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) ||
			!strings.Contains(err.Error(), `"nobody"`) {
			t.Fatalf("the user without RBAC lists nodes: %v", err)
		}
		for _, p := range cp.procs {
			pids = append(pids, p.cmd.Process.Pid)
		}
	})
	if len(pids) != 4 {
		t.Fatalf("%d processes started, want etcd, kube-apiserver, kube-scheduler, nfd-master", len(pids))
	}
	for _, pid := range pids {
		// Cleanup waited for each process: its group is gone.
		deadline := time.Now().Add(5 * time.Second)
		for syscall.Kill(-pid, 0) == nil && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("process group %d still exists after the test: %v", pid, err)
		}
	}
}
