package cluster_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/pkg/cluster"
)

// TestPodsAndNodeLabels: on a real API server, Pods with BoundPods pages
// through (page size 2) every pod bound to a node that has not ended, in
// all namespaces, and NodeLabels returns the (selected) nodes' labels; a
// user without RBAC is told which permission to grant.
func TestPodsAndNodeLabels(t *testing.T) {
	cp := tcp.Start(t, tcp.Options{})
	ctx := context.Background()
	cp.CreateNodes(t, tcp.NewNode("a", map[string]string{"pool": "x", "example.com/set": "true"}), tcp.NewNode("b", map[string]string{"pool": "y"}))
	var want []string
	for i, ns := range []string{"one", "two"} {
		cp.CreateNamespace(t, ns)
		for j, node := range []string{"a", "b", "", "a"} {
			name := fmt.Sprintf("p%d", j)
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
				Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Image: "example.invalid/x:v1"}}}}
			created, err := cp.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if j == 3 { // ended: no longer holds its node
				created.Status.Phase = []corev1.PodPhase{corev1.PodSucceeded, corev1.PodFailed}[i]
				if _, err := cp.Client.CoreV1().Pods(ns).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if node != "" {
				want = append(want, ns+"/"+name+"@"+node)
			}
		}
	}
	c := client(t, cp.Kubeconfig(t, tcp.Admin), cluster.Options{PageSize: 2})
	var got []string
	if err := c.Pods(ctx, cluster.BoundPods, func(p *corev1.Pod) error {
		got = append(got, p.Namespace+"/"+p.Name+"@"+p.Spec.NodeName)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("bound pods %v, want %v", got, want)
	}
	labels, err := c.NodeLabels(ctx)
	if err != nil || len(labels) != 2 || labels["a"]["example.com/set"] != "true" || labels["b"]["pool"] != "y" {
		t.Fatalf("node labels %v, %v", labels, err)
	}
	sel, err := client(t, cp.Kubeconfig(t, tcp.Admin), cluster.Options{NodeSelector: "pool=y"}).NodeLabels(ctx)
	if err != nil || len(sel) != 1 || sel["b"] == nil {
		t.Fatalf("node labels with pool=y: %v, %v", sel, err)
	}
	err = client(t, cp.Kubeconfig(t, tcp.NoRBAC), cluster.Options{}).Pods(ctx, cluster.BoundPods, func(*corev1.Pod) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "need list permission on pods in all namespaces") {
		t.Fatalf("without RBAC: %v", err)
	}
}
