package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// BenchmarkDriftScan (make bench-cluster): one drift scan of the webhook
// (webhook.ScanDrift: every bound pod, every node's metadata) on a real
// kube-apiserver with $NFD_COMPAT_BENCH_NODES Nodes (default 5,000; each
// with 40 feature labels, half with the set label) and two placed pods
// bound to each.
func BenchmarkDriftScan(b *testing.B) {
	n := 5000
	if v := os.Getenv("NFD_COMPAT_BENCH_NODES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 2 {
			b.Fatalf("NFD_COMPAT_BENCH_NODES=%q: want a number of nodes ≥ 2", v)
		}
	}
	const set = "compat.nfd-compat.io/sha256-aaaaaaaaaaaaaaaaaaaaaaaa.gpu"
	cp := tcp.Start(b, tcp.Options{})
	ctx := context.Background()
	t0 := time.Now()
	nodes := make([]corev1.Node, n)
	for i := range nodes {
		labels := map[string]string{}
		for k := range 40 {
			labels[fmt.Sprintf("feature.node.kubernetes.io/feature-%02d", k)] = "true"
		}
		if i%2 == 0 {
			labels[set] = "true"
		}
		nodes[i] = tcp.NewNode(fmt.Sprintf("n-%05d", i), labels)
	}
	cp.CreateNodes(b, nodes...)
	ann, err := json.Marshal(webhook.Decision{Mode: policy.ModeEnforce, Images: []webhook.ImageDecision{{Image: "registry.example.com/app:v1",
		Outcome: webhook.Outcome{Artifact: "sha256:aaaaaaaaaaaaaaaaaaaaaaaa", Rule: "nfd-compat-sha256-aaaaaaaaaaaaaaaaaaaaaaaa", Sets: []string{set}, Verdict: policy.Compatible}}}})
	if err != nil {
		b.Fatal(err)
	}
	cp.CreateNamespace(b, "drift")
	pods := 2 * n
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < pods; i = int(next.Add(1)) - 1 {
				p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%05d", i), Namespace: "drift", Annotations: map[string]string{webhook.DecisionAnnotation: string(ann)}},
					Spec: corev1.PodSpec{NodeName: nodes[i/2].Name, Containers: []corev1.Container{{Name: "app", Image: "registry.example.com/app:v1"}}}}
				if _, err := cp.Client.CoreV1().Pods("drift").Create(ctx, p, metav1.CreateOptions{}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	b.Logf("%d Nodes and %d pods created in %v", n, pods, time.Since(t0).Round(time.Millisecond))
	c, err := cluster.NewForConfig(cp.Config, cluster.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		scan, err := webhook.ScanDrift(ctx, c, nil)
		if err != nil || scan.Placed != pods || len(scan.Drifted) != pods/2 {
			b.Fatalf("%d placed, %d drifted, %v; want %d and %d", scan.Placed, len(scan.Drifted), err, pods, pods/2)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(n), "nodes")
	b.ReportMetric(float64(pods), "pods")
	b.ReportMetric(float64(peak)/(1<<20), "max-heap-inuse-MiB")
}
