package integration

// No Kubernetes API server can run on the machines this project is built
// and tested on (no container runtime for kind, no etcd or kube-apiserver
// binaries for envtest), so `test` and `validate-node --cluster` run against
// internal/testcluster: an in-process TLS server for the NodeFeature and
// Node list endpoints that honours labelSelector, limit and continue. The
// commands run unchanged through client-go's real path: kubeconfig file
// (--kubeconfig and $KUBECONFIG), REST config, bearer token, HTTP, JSON
// decoding into NFD's generated clientset types, pagination across namespaces.

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/internal/testcluster"
	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/ruletools"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// clusterObjects: worker-1 (Intel, NVIDIA GPU, kernel 6.8), gpu-node and
// cpu-node from the fixtures, and generated copies of worker-1.
func clusterObjects(t testing.TB, generated int) []nfdv1alpha1.NodeFeature {
	objs := testcluster.LoadNodeFeatures(t, fixtures+"/nodefeature.yaml")
	base := objs[0]
	objs = append(objs, testcluster.LoadNodeFeatures(t, fixtures+"/nodefeature-list.json")...)
	return append(objs, testcluster.Generate(base, "gen", generated)...)
}

func TestRulesTestCommand(t *testing.T) {
	s := testcluster.New(t, clusterObjects(t, 3), nil)
	kc := s.Kubeconfig(t)
	r := must(t, 0, "test", "-f", ruleFiles+"valid.yaml", "--node", "worker-1", "--kubeconfig", kc, "-o", "json")
	var rep ruletools.RunReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Nodes) != 1 {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	n := rep.Nodes[0]
	if n.Node != "worker-1" || n.Labels["example.com/kernel-major"] != "6" || !n.Groups[0].Member ||
		n.Source != "NodeFeature node-feature-discovery/worker-1" {
		t.Fatalf("test on worker-1: %+v", n)
	}
	// $KUBECONFIG, as kubectl reads it; a third-party object merges in.
	t.Setenv("KUBECONFIG", kc)
	r = must(t, 0, "test", "-f", ruleFiles+"valid.yaml", "--node", "gen-00000")
	if !strings.Contains(r.stdout, "vendor/gen-00000-vendor") {
		t.Fatalf("gen-00000's vendor object is not merged:\n%s", r.stdout)
	}
	r = must(t, 2, "test", "-f", ruleFiles+"valid.yaml", "--node", "nope")
	if !strings.Contains(r.stderr, `node "nope" has no NodeFeature objects`) {
		t.Fatalf("stderr: %s", r.stderr)
	}
	must(t, 2, "test", "-f", ruleFiles+"valid.yaml", "--node", "worker-1", "--kubeconfig", "/does/not/exist")
}

func TestValidateNodeCluster(t *testing.T) {
	objs := clusterObjects(t, 2)
	nodes := testcluster.Nodes(objs, func(n string) map[string]string {
		if strings.HasPrefix(n, "gen-") {
			return map[string]string{"pool": "gen"}
		}
		return map[string]string{"pool": "fixtures"}
	})
	nodes = append(nodes, testcluster.Nodes([]nfdv1alpha1.NodeFeature{{ObjectMeta: metav1.ObjectMeta{
		Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: "bare"}}}}, func(string) map[string]string {
		return map[string]string{"pool": "bare"}
	})...)
	s := testcluster.New(t, objs, nodes)
	kc := s.Kubeconfig(t)

	// gpu-spec needs an NVIDIA GPU with its driver loaded: worker-1, its copies and gpu-node have them.
	r := must(t, 0, "validate-node", "--cluster", "--spec", gpuSpec, "--kubeconfig", kc, "-o", "json")
	var fr validatenode.FleetResult
	if err := json.Unmarshal([]byte(r.stdout), &fr); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	verdicts := map[string]bool{}
	for _, n := range fr.Nodes {
		verdicts[n.Node] = n.Report != nil && n.Compatible
	}
	want := map[string]bool{"cpu-node": false, "gen-00000": true, "gen-00001": true, "gpu-node": true, "worker-1": true}
	if len(verdicts) != len(want) || fr.Compatible != 4 {
		t.Fatalf("verdicts %v, %d compatible; want %v", verdicts, fr.Compatible, want)
	}
	for n, ok := range want {
		if verdicts[n] != ok {
			t.Fatalf("node %s compatible=%v, want %v (all: %v)", n, verdicts[n], ok, verdicts)
		}
	}
	r = must(t, 0, "validate-node", "--cluster", "--spec", gpuSpec, "--kubeconfig", kc, "--no-color")
	if !strings.Contains(r.stdout, "4 of 5 nodes compatible") {
		t.Fatalf("table:\n%s", r.stdout)
	}
	// --selector picks nodes by their Node labels.
	r = must(t, 1, "validate-node", "--cluster", "--spec", gpuSpec, "--kubeconfig", kc, "--selector", "pool=fixtures,kubernetes.io/hostname=cpu-node", "-o", "yaml")
	if !strings.Contains(r.stdout, "node: cpu-node") || strings.Contains(r.stdout, "gen-") {
		t.Fatalf("selector:\n%s", r.stdout)
	}
	must(t, 2, "validate-node", "--cluster", "--spec", gpuSpec, "--kubeconfig", kc, "--selector", "pool=none")
	// A node without NodeFeature objects (no nfd-worker) is an error row, not a verdict.
	r = must(t, 2, "validate-node", "--cluster", "--spec", gpuSpec, "--kubeconfig", kc, "--selector", "pool=bare", "--no-color")
	if !strings.Contains(r.stdout, "bare") || !strings.Contains(r.stdout, "is nfd-worker running there?") {
		t.Fatalf("bare node:\n%s", r.stdout)
	}
	must(t, 2, "validate-node", "--spec", gpuSpec, "--selector", "pool=gen")
}

// BenchmarkValidateNodeCluster: validate-node --cluster over 5,000 nodes'
// NodeFeature objects (plus 1,250 third-party ones) served by the stand-in
// API server in pages of 500.
func BenchmarkValidateNodeCluster(b *testing.B) {
	objs := clusterObjects(b, 5000)
	s := testcluster.New(b, objs, nil)
	copts := cluster.Options{Kubeconfig: s.Kubeconfig(b)}
	spec, err := os.ReadFile(gpuSpec)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var peak uint64
	for b.Loop() {
		var out strings.Builder
		err := validatenode.Run(context.Background(), validatenode.Options{Spec: spec, SpecName: gpuSpec, Cluster: &copts,
			Output: output.JSON, Stdout: &out})
		if err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	b.ReportMetric(float64(len(objs)), "objects")
	b.ReportMetric(float64(peak)/(1<<20), "max-heap-inuse-MiB")
}

// BenchmarkClusterList is the listing and merging part of
// BenchmarkValidateNodeCluster alone.
func BenchmarkClusterList(b *testing.B) {
	objs := clusterObjects(b, 5000)
	s := testcluster.New(b, objs, nil)
	c, err := cluster.New(cluster.Options{Kubeconfig: s.Kubeconfig(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		nodes, err := c.AllNodes(context.Background())
		if err != nil || len(nodes) != 5003 {
			b.Fatalf("%d nodes, %v", len(nodes), err)
		}
	}
}
