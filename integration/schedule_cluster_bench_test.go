package integration

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
)

// BenchmarkScheduleCluster (make bench-cluster): on a real control plane with
// $NFD_COMPAT_BENCH_NODES Nodes (default 5,000; half copies of the GPU host,
// half of the CPU VM), the time from creating schedule's NodeFeatureRule to
// nfd-master having labelled every compatible Node, and pod create → bound
// (P50, P99) for 100 pods with the emitted affinity. It runs once
// (-benchtime=1x); the figures are custom metrics.
func BenchmarkScheduleCluster(b *testing.B) {
	n := 5000
	if v := os.Getenv("NFD_COMPAT_BENCH_NODES"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 2 {
			b.Fatalf("NFD_COMPAT_BENCH_NODES=%q: want a number of nodes ≥ 2", v)
		}
	}
	hosts := tcp.LoadNodeFeatures(b, fixtures+"/nodefeature-list.json") // gpu-node, cpu-node
	var objs []nfdv1alpha1.NodeFeature
	for _, h := range hosts {
		for _, nf := range tcp.Generate(h, "b"+h.Name, n/2) {
			if nf.Namespace == tcp.NFDNamespace { // no vendor objects: the hosts as nfd-worker sees them
				objs = append(objs, nf)
			}
		}
	}
	cp := tcp.Start(b, tcp.Options{Scheduler: true})
	t0 := time.Now()
	cp.CreateNodeFeatures(b, objs...)
	cp.CreateNodes(b, tcp.Nodes(objs, func(string) map[string]string { return nil })...)
	b.Logf("%d Nodes and NodeFeatures created in %v", len(objs), time.Since(t0).Round(time.Millisecond))
	cp.StartNFDMaster(b, objs[0].Name, "compat.nfd-compat.io")
	ctx := context.Background()

	for b.Loop() {
		start := time.Now()
		applyRule(b, cp, twoSetsSpec, "bench/app")
		var gpuAt, allAt time.Duration
		for gpuAt == 0 || allAt == 0 {
			if time.Since(start) > 60*time.Minute {
				b.Fatalf("nfd-master did not label all nodes in an hour")
			}
			gpu, cpu := count(b, cp, "compat.nfd-compat.io/bench-app.gpu=true"), count(b, cp, "compat.nfd-compat.io/bench-app.cpu=true")
			if gpu == n/2 && gpuAt == 0 {
				gpuAt = time.Since(start)
			}
			if cpu == 2*(n/2) && allAt == 0 {
				allAt = time.Since(start)
			}
			time.Sleep(500 * time.Millisecond)
		}
		b.ReportMetric(allAt.Seconds(), "s-label-all")
		b.ReportMetric(gpuAt.Seconds(), "s-label-gpu-set")

		tmpl := patchedTemplate(b, twoSetsSpec, "bench/app")
		ns := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		cp.CreateNamespace(b, ns)
		w, err := cp.Client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
		if err != nil {
			b.Fatal(err)
		}
		const pods = 100
		created := map[string]time.Time{}
		for i := range pods {
			name := fmt.Sprintf("p-%03d", i)
			created[name] = time.Now()
			if _, err := cp.Client.CoreV1().Pods(ns).Create(ctx, podFrom(ns, name, tmpl), metav1.CreateOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		var lat []time.Duration
		deadline := time.After(5 * time.Minute)
		for len(lat) < pods {
			select {
			case ev := <-w.ResultChan():
				p, ok := ev.Object.(*corev1.Pod)
				if ev.Type == watch.Modified && ok && p.Spec.NodeName != "" {
					if c, ok := created[p.Name]; ok {
						lat = append(lat, time.Since(c))
						delete(created, p.Name)
					}
				}
			case <-deadline:
				b.Fatalf("%d of %d pods bound in 5 minutes", len(lat), pods)
			}
		}
		w.Stop()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[pods/2].Microseconds())/1000, "ms-bind-p50")
		b.ReportMetric(float64(lat[pods*99/100].Microseconds())/1000, "ms-bind-p99")
	}
	b.ReportMetric(float64(len(objs)), "nodes")
}

func count(b *testing.B, cp *tcp.ControlPlane, selector string) int {
	b.Helper()
	l, err := cp.Client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{LabelSelector: selector, ResourceVersion: "0"})
	if err != nil {
		b.Fatal(err)
	}
	return len(l.Items)
}
