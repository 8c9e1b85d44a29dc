package integration

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// BenchmarkScheduleCluster (make bench-cluster): on a real control plane with
// $NFD_COMPAT_BENCH_NODES Nodes (default 5,000; every other one a copy of
// the GPU host, the others of the CPU VM), the time from creating schedule's NodeFeatureRule to
// nfd-master having labelled every compatible Node, and pod create → bound
// (P50, P99) for 100 pods with the emitted affinity. It runs once
// (-benchtime=1x); the figures are custom metrics.
func BenchmarkScheduleCluster(b *testing.B) {
	n := benchNodeCount(b)
	cp, objs := benchCluster(b, n, 2)

	for b.Loop() {
		start := time.Now()
		applyRule(b, cp, twoSetsSpec, "bench/app")
		var gpuAt, allAt time.Duration
		for gpuAt == 0 || allAt == 0 {
			if time.Since(start) > 60*time.Minute {
				b.Fatalf("nfd-master did not label all nodes in an hour")
			}
			gpu, cpu := count(b, cp, "compat.nfd-compat.io/bench-app.gpu=true"), count(b, cp, "compat.nfd-compat.io/bench-app.cpu=true")
			if gpu == (n+1)/2 && gpuAt == 0 {
				gpuAt = time.Since(start)
			}
			if cpu == n && allAt == 0 {
				allAt = time.Since(start)
			}
			time.Sleep(500 * time.Millisecond)
		}
		b.ReportMetric(allAt.Seconds(), "s-label-all")
		b.ReportMetric(gpuAt.Seconds(), "s-label-gpu-set")

		tmpl := patchedTemplate(b, twoSetsSpec, "bench/app")
		ns := "bench-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		cp.CreateNamespace(b, ns)
		const pods = 100
		ps := make([]*corev1.Pod, pods)
		for i := range ps {
			ps[i] = podFrom(ns, fmt.Sprintf("p-%03d", i), tmpl)
		}
		var lat []time.Duration
		for _, t := range createAndBind(b, cp, ps, 5*time.Minute) {
			lat = append(lat, t.Bind)
		}
		b.ReportMetric(msPercentile(lat, 50), "ms-bind-p50")
		b.ReportMetric(msPercentile(lat, 99), "ms-bind-p99")
	}
	b.ReportMetric(float64(len(objs)), "nodes")
}
