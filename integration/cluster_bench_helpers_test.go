package integration

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
)

// The cluster benchmarks' shared parts (make bench-cluster, make
// bench-webhook): a real control plane with thousands of Nodes and their
// NodeFeatures, and pod create → bound timing.

// benchNodeCount is $NFD_COMPAT_BENCH_NODES, the Node count of the cluster
// benchmarks (default 5,000).
func benchNodeCount(b *testing.B) int {
	b.Helper()
	v := os.Getenv("NFD_COMPAT_BENCH_NODES")
	if v == "" {
		return 5000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 2 {
		b.Fatalf("NFD_COMPAT_BENCH_NODES=%q: want a number of nodes ≥ 2", v)
	}
	return n
}

// benchCluster starts a control plane with kube-scheduler, creates n
// Nodes named bnode-00000 ..., every gpuEvery-th with the GPU host's
// NodeFeature and the others with the CPU VM's, as nfd-worker would report
// them (no vendor objects), and starts nfd-master allowed to write
// labelPrefix. The kinds are interleaved by name: nfd-master labels in
// name order, and a cluster's node names do not sort by hardware.
func benchCluster(b *testing.B, n, gpuEvery int) (*tcp.ControlPlane, []nfdv1alpha1.NodeFeature) {
	b.Helper()
	hosts := map[string]nfdv1alpha1.NodeFeature{}
	for _, h := range tcp.LoadNodeFeatures(b, fixtures+"/nodefeature-list.json") {
		hosts[h.Name] = h
	}
	gpuHost, okG := hosts["gpu-node"]
	cpuHost, okC := hosts["cpu-node"]
	if !okG || !okC {
		b.Fatalf("%s/nodefeature-list.json: want hosts gpu-node and cpu-node", fixtures)
	}
	objs := make([]nfdv1alpha1.NodeFeature, 0, n)
	for i := range n {
		h := cpuHost
		if i%gpuEvery == 0 {
			h = gpuHost
		}
		objs = append(objs, tcp.Generate(h, fmt.Sprintf("bnode-%05d", i), 1)[0]) // named bnode-NNNNN-00000
	}
	cp := tcp.Start(b, tcp.Options{Scheduler: true})
	t0 := time.Now()
	cp.CreateNodeFeatures(b, objs...)
	cp.CreateNodes(b, tcp.Nodes(objs, func(string) map[string]string { return nil })...)
	b.Logf("%d Nodes and NodeFeatures created in %v", len(objs), time.Since(t0).Round(time.Millisecond))
	cp.StartNFDMaster(b, objs[0].Name, "compat.nfd-compat.io")
	return cp, objs
}

// benchGPUNode tells whether a Node of benchCluster is a GPU host.
func benchGPUNode(name string, gpuEvery int) bool {
	var i, j int
	if _, err := fmt.Sscanf(name, "bnode-%05d-%05d", &i, &j); err != nil {
		return false
	}
	return i%gpuEvery == 0
}

// count is the number of Nodes matching a label selector.
func count(b *testing.B, cp *tcp.ControlPlane, selector string) int {
	b.Helper()
	l, err := cp.Client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{LabelSelector: selector, ResourceVersion: "0"})
	if err != nil {
		b.Fatal(err)
	}
	return len(l.Items)
}

// podTimes are one pod's create call (client → API server → admission →
// etcd → client), its create → bound time (from before the call to the
// watch event showing spec.nodeName) and the Node it was bound to.
type podTimes struct {
	Create, Bind time.Duration
	Node         string
}

// createAndBind creates pods one after another from one client and waits
// (up to timeout) until kube-scheduler has bound each; it returns their
// times in the order given. A goroutine reads the watch meanwhile, so a
// bind is timed when its event arrives, not when the creation loop looks.
func createAndBind(b *testing.B, cp *tcp.ControlPlane, pods []*corev1.Pod, timeout time.Duration) []podTimes {
	b.Helper()
	ctx := context.Background()
	if len(pods) == 0 {
		return nil
	}
	ns := pods[0].Namespace
	w, err := cp.Client.CoreV1().Pods(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Stop()
	var (
		mu      sync.Mutex
		created = map[string]time.Time{}
		bindAt  = map[string]time.Duration{}
		nodes   = map[string]string{}
		all     = make(chan struct{})
	)
	go func() {
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if ev.Type == watch.Error || !ok || p.Spec.NodeName == "" {
				continue
			}
			now := time.Now()
			mu.Lock()
			if c, ok := created[p.Name]; ok {
				if _, done := bindAt[p.Name]; !done {
					bindAt[p.Name], nodes[p.Name] = now.Sub(c), p.Spec.NodeName
					if len(bindAt) == len(pods) {
						close(all)
					}
				}
			}
			mu.Unlock()
		}
	}()
	out := make([]podTimes, len(pods))
	for i, p := range pods {
		if p.Namespace != ns {
			b.Fatalf("pod %s/%s: all pods must be in namespace %s", p.Namespace, p.Name, ns)
		}
		start := time.Now()
		mu.Lock()
		created[p.Name] = start
		mu.Unlock()
		if _, err := cp.Client.CoreV1().Pods(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			b.Fatalf("create pod %s/%s: %v", ns, p.Name, err)
		}
		out[i].Create = time.Since(start)
	}
	select {
	case <-all:
	case <-time.After(timeout):
		mu.Lock()
		n := len(bindAt)
		mu.Unlock()
		b.Fatalf("%d of %d pods in %s bound in %v", n, len(pods), ns, timeout)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, p := range pods {
		out[i].Bind, out[i].Node = bindAt[p.Name], nodes[p.Name]
	}
	return out
}

// msPercentile is percentile over durations, in milliseconds.
func msPercentile(ds []time.Duration, p int) float64 {
	ms := make([]float64, len(ds))
	for i, d := range ds {
		ms[i] = float64(d.Microseconds()) / 1000
	}
	return percentile(ms, p)
}
