package compat

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

func BenchmarkEvaluate(b *testing.B) {
	for _, c := range []struct{ spec, host string }{
		{"gpu.yaml", "gpu"}, // compatible: fast path, nothing re-evaluated
		{"gpu.yaml", "old"}, // incompatible: every failure explained
		{"operators.yaml", "x86"},
	} {
		b.Run(c.spec+"/"+c.host, func(b *testing.B) {
			s, f := loadSpec(b, c.spec), loadFeatures(b, c.host)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Evaluate(s, f, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fleet makes n distinct feature sets from the fixtures, varying the kernel
// and the GPU vendor so that verdicts differ across nodes.
func fleet(b *testing.B, n int) []*nfdv1alpha1.Features {
	hosts := []string{"gpu", "arm", "old", "x86"}
	out := make([]*nfdv1alpha1.Features, n)
	for i := range out {
		f := loadFeatures(b, hosts[i%len(hosts)])
		major, minor := strconv.Itoa(4+i%4), strconv.Itoa(i%20)
		kv := f.Attributes["kernel.version"].Elements
		kv["major"], kv["minor"], kv["full"] = major, minor, major+"."+minor+".0"
		if inst := f.Instances["pci.device"].Elements; len(inst) > 1 && i%7 == 0 {
			inst[1].Attributes["vendor"] = "1002"
		}
		out[i] = f
	}
	return out
}

// BenchmarkFleet evaluates one spec against 5,000 nodes on all CPUs, as a
// fleet-wide check would, keeping every report.
func BenchmarkFleet(b *testing.B) {
	const nodes = 5000
	s := loadSpec(b, "gpu.yaml")
	feats := fleet(b, nodes)
	workers := runtime.GOMAXPROCS(0)
	var elapsed time.Duration
	var allocated, retained uint64
	var compatible atomic.Int64
	b.ReportAllocs()
	for b.Loop() {
		reports := make([]*Report, nodes)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < nodes; i = int(next.Add(1) - 1) {
					r, err := Evaluate(s, feats[i], Options{})
					if err != nil {
						b.Error(err)
						return
					}
					if r.Compatible {
						compatible.Add(1)
					}
					reports[i] = r
				}
			})
		}
		wg.Wait()
		elapsed += time.Since(start)
		runtime.ReadMemStats(&after)
		allocated += after.TotalAlloc - before.TotalAlloc
		runtime.GC()
		runtime.ReadMemStats(&after)
		retained += after.HeapAlloc - before.HeapAlloc
		runtime.KeepAlive(reports)
	}
	runs := float64(b.N)
	b.ReportMetric(nodes*runs/elapsed.Seconds(), "nodes/s")
	b.ReportMetric(float64(allocated)/runs/nodes, "B-alloc/node")
	b.ReportMetric(float64(retained)/runs/(1<<20), "MiB-reports/5000")
	b.ReportMetric(float64(compatible.Load())/runs, "compatible/5000")
}

// BenchmarkNFDFloor runs only NFD's evaluator over the same specs: the cost
// Evaluate cannot go below. Compare with BenchmarkEvaluate run alongside.
func BenchmarkNFDFloor(b *testing.B) {
	for _, c := range []struct{ spec, host string }{
		{"gpu.yaml", "gpu"}, {"gpu.yaml", "old"}, {"operators.yaml", "x86"},
	} {
		b.Run(c.spec+"/"+c.host, func(b *testing.B) {
			s, f := loadSpec(b, c.spec), loadFeatures(b, c.host)
			b.ReportAllocs()
			for b.Loop() {
				ev := newEvaluation(context.Background(), f)
				for i := range s.Compatibilties {
					for j := range s.Compatibilties[i].Rules {
						out, _ := executeGroupRule(&s.Compatibilties[i].Rules[j], ev.features)
						ev.features.InsertAttributeFeatures("rule", "matched", out.Vars)
					}
				}
			}
		})
	}
}
