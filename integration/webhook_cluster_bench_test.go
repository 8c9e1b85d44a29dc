package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	nfdmetrics "github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

const (
	benchWarmPods   = 1000 // replicas of one placed image, created back to back
	benchPacedPods  = 100  // replicas, each created once the last is bound
	benchColdImages = 10   // new images, one after another
	benchColdPods   = 10   // pods of each new image
	benchPlainPods  = 200  // pods the API server does not send to the webhook
	gpuOnlySpec     = "testdata/gpu-only-spec.yaml"
)

// BenchmarkWebhookCluster (make bench-webhook; docs/webhook.md): the
// webhook at scale on the real control plane, as TestWebhookCluster runs
// it (kube-apiserver calls it over TLS by URL; kube-scheduler; nfd-master;
// go-containerregistry's registry), with $NFD_COMPAT_BENCH_NODES Nodes
// (default 5,000; a tenth copies of the GPU host, the rest of the CPU VM).
// It measures, once (-benchtime=1x), as custom metrics and a printed table:
//
//   - admission latency P50/P99, in the webhook's handler (timed around
//     /mutate) and as the API server's round trip (the pod create call),
//     cold (the first pod of a new image: registry lookup and rule apply)
//     and warm (its replicas);
//   - pod create → bound P50/P99, warm (the rule's labels on every node:
//     benchWarmPods replicas) and cold (benchColdImages new images of
//     benchColdPods pods each, every one created right after the last
//     image's pods were bound: rule applied, nfd-master labels, the
//     scheduler retries and binds);
//   - the same create call and bind without the webhook (a namespace its
//     configuration excludes), the share of the API server and scheduler;
//   - registry requests per 1,000 pods, counted at the registry.
func BenchmarkWebhookCluster(b *testing.B) {
	n := benchNodeCount(b)
	const gpuEvery = 10
	gpu := (n + gpuEvery - 1) / gpuEvery
	// Every pod through the webhook may land on a GPU host (preferred or
	// required), 110 pods each (tcp.NewNode).
	if through := 1 + benchWarmPods + benchPacedPods + benchColdImages*benchColdPods; gpu*110 < through {
		b.Fatalf("NFD_COMPAT_BENCH_NODES=%d: %d GPU hosts cannot hold %d pods; want at least %d nodes", n, gpu, through, (through+109)/110*gpuEvery)
	}
	cp, objs := benchCluster(b, n, gpuEvery)
	reg := testregistry.Start(b, testregistry.GGCRReferrers)
	warmImage, plain := pushImage(b, reg, "warm", twoSetsSpec), pushImage(b, reg, "plain", "")
	var coldImages []string
	for i := range benchColdImages {
		spec := twoSetsSpec // any node passes, GPU hosts preferred
		if i%2 == 0 {
			spec = gpuOnlySpec // only a GPU host passes
		}
		coldImages = append(coldImages, pushImage(b, reg, fmt.Sprintf("cold%02d", i), spec))
	}

	pol := policy.Default()
	pol.Timeout = policy.Duration(5 * time.Second)
	log := logrus.New() // JSON to nowhere: formatted as in production, not printed
	log.SetFormatter(&logrus.JSONFormatter{})
	log.SetOutput(io.Discard)
	set := nfdmetrics.NewSet()
	wh, err := webhook.New(webhook.Config{Observer: set, Policy: pol, AllowedRegistries: []string{reg.Host},
		Target: target.Options{PlainHTTP: true}, CacheTTL: time.Minute, Dynamic: cp.Dynamic, Log: log})
	if err != nil {
		b.Fatal(err)
	}
	timer := &handlerTimer{}
	const ns = "bench-webhook"
	serveWebhook(b, cp, wh, set, ns, plain+"-nosuchtag", timer.wrap)
	tmpl := func(image string) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}}
	}
	pods := func(ns, prefix, image string, count int) []*corev1.Pod {
		out := make([]*corev1.Pod, count)
		for i := range out {
			out[i] = podFrom(ns, fmt.Sprintf("%s-%04d", prefix, i), tmpl(image))
		}
		return out
	}

	for b.Loop() {
		var r webhookBench
		// Without the webhook: the manifests' namespaceSelector excludes
		// the webhook's own namespace, so the API server does not call it.
		calls := timer.len()
		for _, t := range createAndBind(b, cp, pods("nfd-compat", "plain", plain, benchPlainPods), 5*time.Minute) {
			r.plainCreate, r.plainBind = append(r.plainCreate, t.Create), append(r.plainBind, t.Bind)
		}
		if c := timer.len() - calls; c != 0 {
			b.Fatalf("the API server called the webhook %d times for pods of its excluded namespace", c)
		}

		// A new image: one pod (cold), then every node labelled.
		labels := watchLabels(b, cp)
		reqs0, start := reg.Requests(), time.Now()
		cold := func(image, prefix string, count int, gpuOnly bool) {
			calls, t0 := timer.len(), time.Now()
			ts := createAndBind(b, cp, pods(ns, prefix, image, count), 5*time.Minute)
			// What the first pod waited for: a compatible node labelled,
			// then the scheduler's retry.
			sets := podSets(b, cp, ns, prefix+"-0000")
			at := labels.first(sets)
			if at.IsZero() {
				b.Fatalf("%s: pods bound, but no node seen with one of %v", image, sets)
			}
			first := at.Sub(t0)
			r.coldLabel, r.coldRetry = append(r.coldLabel, first), append(r.coldRetry, ts[0].Bind-first)
			adm := timer.since(calls)
			if len(adm) != count {
				b.Fatalf("%s: %d webhook calls for %d pods", image, len(adm), count)
			}
			r.coldAdmit, r.coldCreate = append(r.coldAdmit, adm[0]), append(r.coldCreate, ts[0].Create)
			r.warmAdmitOfCold = append(r.warmAdmitOfCold, adm[1:]...)
			for i, t := range ts {
				r.coldBind = append(r.coldBind, t.Bind)
				if gpuOnly && !benchGPUNode(t.Node, gpuEvery) {
					b.Fatalf("%s: pod %d of a GPU-only image bound to %s", image, i, t.Node)
				}
			}
			b.Logf("%s: first admission %v, first compatible node labelled after %v, binds %v", image, adm[0], first.Round(time.Millisecond), bindTimes(ts))
		}
		cold(warmImage, "first", 1, false)
		var gpuSel, cpuSel string
		for _, set := range podSets(b, cp, ns, "first-0000") {
			if strings.HasSuffix(set, ".gpu") {
				gpuSel = set
			} else if strings.HasSuffix(set, ".cpu") {
				cpuSel = set
			}
		}
		if gpuSel == "" || cpuSel == "" {
			b.Fatalf("%s: sets %v, want the gpu and the cpu set", warmImage, podSets(b, cp, ns, "first-0000"))
		}
		for count(b, cp, gpuSel) < gpu || count(b, cp, cpuSel) < n {
			if time.Since(start) > 60*time.Minute {
				b.Fatalf("nfd-master did not label all nodes in an hour")
			}
			time.Sleep(time.Second)
		}
		r.labelAll = time.Since(start)

		// Warm: replicas of the image whose labels are in place.
		calls, reqs := timer.len(), reg.Requests()
		sched, gc := runtimeHistogram(schedLatencies), runtimeHistogram(gcPauses)
		ts := createAndBind(b, cp, pods(ns, "warm", warmImage, benchWarmPods), 10*time.Minute)
		r.warmSchedP99 = runtimeHistogram(schedLatencies).since(sched, 99)
		afterGC := runtimeHistogram(gcPauses)
		r.warmGCs, r.warmGCMax = afterGC.count(gc), afterGC.since(gc, 100)
		r.warmAdmit = timer.since(calls)
		r.warmRequests = reg.Requests() - reqs
		for _, t := range ts {
			r.warmCreate, r.warmBind = append(r.warmCreate, t.Create), append(r.warmBind, t.Bind)
			if benchGPUNode(t.Node, gpuEvery) {
				r.warmOnGPU++
			}
		}

		// Warm, one pod at a time: each created once the last is bound
		// (the latency without queueing behind other pods).
		for i := range benchPacedPods {
			t := createAndBind(b, cp, pods(ns, fmt.Sprintf("paced%04d", i), warmImage, 1), time.Minute)[0]
			r.pacedCreate, r.pacedBind = append(r.pacedCreate, t.Create), append(r.pacedBind, t.Bind)
		}
		r.pacedAdmit = timer.since(timer.len() - benchPacedPods)

		// Cold: new images one after another (nfd-master relabels every
		// node for each new rule meanwhile).
		for i, image := range coldImages {
			cold(image, fmt.Sprintf("cold%02d", i), benchColdPods, i%2 == 0)
		}
		r.pods = 1 + benchWarmPods + benchPacedPods + benchColdImages*benchColdPods
		r.requests = reg.Requests() - reqs0
		r.stats = wh.Stats()
		r.report(b, len(objs), gpu)
	}
}

// webhookBench are BenchmarkWebhookCluster's samples.
type webhookBench struct {
	coldAdmit, coldCreate, warmAdmit, warmAdmitOfCold, warmCreate, plainCreate []time.Duration
	coldBind, warmBind, plainBind, coldLabel, coldRetry                        []time.Duration
	pacedAdmit, pacedCreate, pacedBind                                         []time.Duration
	labelAll                                                                   time.Duration
	pods, warmOnGPU                                                            int
	requests, warmRequests                                                     int64
	stats                                                                      webhook.Stats
	warmSchedP99, warmGCMax                                                    time.Duration
	warmGCs                                                                    uint64
}

func (r *webhookBench) report(b *testing.B, nodes, gpu int) {
	rows := []struct {
		name, unit string
		ds         []time.Duration
	}{
		{"admission, webhook handler, cold (first pod of an image)", "adm-cold", r.coldAdmit},
		{"admission, webhook handler, warm (replicas)", "adm-warm", r.warmAdmit},
		{"admission, webhook handler, warm, one at a time", "adm-paced", r.pacedAdmit},
		{"admission, webhook handler, warm (2nd+ pods of new images)", "adm-warm-new", r.warmAdmitOfCold},
		{"pod create call, cold (API server round trip)", "create-cold", r.coldCreate},
		{"pod create call, warm", "create-warm", r.warmCreate},
		{"pod create call, warm, one at a time", "create-paced", r.pacedCreate},
		{"pod create call, no webhook", "create-nowebhook", r.plainCreate},
		{"pod create → bound, warm (labels in place)", "bind-warm", r.warmBind},
		{"pod create → bound, warm, one at a time", "bind-paced", r.pacedBind},
		{"pod create → bound, cold (new image)", "bind-cold", r.coldBind},
		{"  cold: create → first compatible node labelled", "cold-label", r.coldLabel},
		{"  cold: labelled → first pod bound (scheduler retry)", "cold-retry", r.coldRetry},
		{"pod create → bound, no webhook (no affinity)", "bind-nowebhook", r.plainBind},
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "BenchmarkWebhookCluster: %d Nodes (%d GPU hosts), %d pods through the webhook\n", nodes, gpu, r.pods)
	fmt.Fprintf(&sb, "%-60s %7s %10s %10s\n", "", "samples", "P50 ms", "P99 ms")
	for _, row := range rows {
		p50, p99 := msPercentile(row.ds, 50), msPercentile(row.ds, 99)
		fmt.Fprintf(&sb, "%-60s %7d %10.2f %10.2f\n", row.name, len(row.ds), p50, p99)
		b.ReportMetric(p50, "ms-"+row.unit+"-p50")
		b.ReportMetric(p99, "ms-"+row.unit+"-p99")
	}
	perK := func(reqs int64, pods int) float64 { return float64(reqs) * 1000 / float64(pods) }
	fmt.Fprintf(&sb, "registry requests: %d for %d pods (%.1f per 1,000 pods); warm replicas: %d for %d (%.1f per 1,000)\n",
		r.requests, r.pods, perK(r.requests, r.pods), r.warmRequests, benchWarmPods, perK(r.warmRequests, benchWarmPods))
	fmt.Fprintf(&sb, "the webhook's process during the warm replicas (runtime/metrics): goroutine scheduling latency P99 %v; %d GC pauses, longest %v\n",
		r.warmSchedP99, r.warmGCs, r.warmGCMax)
	b.ReportMetric(float64(r.warmSchedP99.Microseconds())/1000, "ms-goroutine-wait-p99")
	fmt.Fprintf(&sb, "warm replicas on a GPU host (the preferred set): %d of %d\n", r.warmOnGPU, benchWarmPods)
	fmt.Fprintf(&sb, "webhook: %d registry lookups, %d rule applies; first rule → every node labelled: %v\n",
		r.stats.RegistryLookups, r.stats.RuleApplies, r.labelAll.Round(100*time.Millisecond))
	b.ReportMetric(perK(r.requests, r.pods), "registry-req/1000pods")
	b.ReportMetric(perK(r.warmRequests, benchWarmPods), "registry-req/1000warm")
	b.ReportMetric(r.labelAll.Seconds(), "s-label-all")
	b.ReportMetric(float64(nodes), "nodes")
	fmt.Print(sb.String())
}

// handlerTimer times the webhook server's /mutate requests, from the
// handler's start to its response written (TLS and the API server's side
// not included).
type handlerTimer struct {
	mu sync.Mutex
	ds []time.Duration
}

func (h *handlerTimer) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/mutate" {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		next.ServeHTTP(w, r)
		d := time.Since(start)
		h.mu.Lock()
		h.ds = append(h.ds, d)
		h.mu.Unlock()
	})
}

func (h *handlerTimer) len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ds)
}

// since returns the times of the requests from the i-th on.
func (h *handlerTimer) since(i int) []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.ds[i:]...)
}

// podSets are the set labels of a pod's only image, from the webhook's
// placement annotation.
func podSets(b *testing.B, cp *tcp.ControlPlane, ns, name string) []string {
	b.Helper()
	p, err := cp.Client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var dec webhook.Decision
	if err := json.Unmarshal([]byte(p.Annotations[webhook.DecisionAnnotation]), &dec); err != nil || len(dec.Images) != 1 || len(dec.Images[0].Sets) == 0 {
		b.Fatalf("pod %s/%s: placement annotation %q (%v)", ns, name, p.Annotations[webhook.DecisionAnnotation], err)
	}
	return dec.Images[0].Sets
}

// labelTimes records when each label under labelPrefix first appeared on
// any Node.
type labelTimes struct {
	mu sync.Mutex
	at map[string]time.Time
}

// watchLabels watches the Nodes until b ends.
func watchLabels(b *testing.B, cp *tcp.ControlPlane) *labelTimes {
	b.Helper()
	w, err := cp.Client.CoreV1().Nodes().Watch(context.Background(), metav1.ListOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(w.Stop)
	l := &labelTimes{at: map[string]time.Time{}}
	go func() {
		for ev := range w.ResultChan() {
			n, ok := ev.Object.(*corev1.Node)
			if !ok {
				continue
			}
			now := time.Now()
			l.mu.Lock()
			for k := range n.Labels {
				if _, seen := l.at[k]; !seen && strings.HasPrefix(k, labelPrefix) {
					l.at[k] = now
				}
			}
			l.mu.Unlock()
		}
	}()
	return l
}

// first is the earliest time one of the labels appeared (zero if none
// has).
func (l *labelTimes) first(labels []string) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	var t time.Time
	for _, k := range labels {
		if f, ok := l.at[k]; ok && (t.IsZero() || f.Before(t)) {
			t = f
		}
	}
	return t
}

func bindTimes(ts []podTimes) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.Bind.Round(time.Millisecond).String()
	}
	return strings.Join(s, " ")
}

// The Go runtime's histograms of the process the webhook runs in (with the
// benchmark's client): how long goroutines waited, runnable, for a CPU,
// and the stop-the-world GC pauses.
const (
	schedLatencies = "/sched/latencies:seconds"
	gcPauses       = "/sched/pauses/total/gc:seconds"
)

// runtimeSnapshot is one reading of a runtime/metrics histogram.
type runtimeSnapshot struct {
	counts  []uint64
	buckets []float64
}

func runtimeHistogram(name string) runtimeSnapshot {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return runtimeSnapshot{}
	}
	h := s[0].Value.Float64Histogram()
	return runtimeSnapshot{counts: append([]uint64(nil), h.Counts...), buckets: h.Buckets}
}

// count is the number of events after before.
func (g runtimeSnapshot) count(before runtimeSnapshot) uint64 {
	if len(g.counts) == 0 || len(before.counts) != len(g.counts) {
		return 0
	}
	var n uint64
	for i := range g.counts {
		n += g.counts[i] - before.counts[i]
	}
	return n
}

// since is the p-th percentile of the events after before (the upper bound
// of its bucket).
func (g runtimeSnapshot) since(before runtimeSnapshot, p int) time.Duration {
	if len(g.counts) == 0 || len(before.counts) != len(g.counts) {
		return 0
	}
	var total uint64
	d := make([]uint64, len(g.counts))
	for i := range g.counts {
		d[i] = g.counts[i] - before.counts[i]
		total += d[i]
	}
	want := (total*uint64(p) + 99) / 100
	var n uint64
	for i, c := range d {
		n += c
		if c > 0 && n >= want {
			upper := g.buckets[i+1]
			if math.IsInf(upper, 1) { // the last bucket: its lower bound
				upper = g.buckets[i]
			}
			return time.Duration(upper * float64(time.Second))
		}
	}
	return 0
}
