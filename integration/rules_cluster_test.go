package integration

// `test --node` and `validate-node --cluster` run against a real etcd and
// kube-apiserver with NFD's CRDs (internal/testcontrolplane), through
// client-go's real path: kubeconfig file (--kubeconfig and $KUBECONFIG), REST
// config, bearer token, HTTP, decoding into NFD's types, pagination across
// namespaces, RBAC.

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/ruletools"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// clusterObjects: worker-1 (Intel, NVIDIA GPU, kernel 6.8), gpu-node and
// cpu-node from the fixtures, and generated copies of worker-1.
func clusterObjects(t testing.TB, generated int) []nfdv1alpha1.NodeFeature {
	objs := tcp.LoadNodeFeatures(t, fixtures+"/nodefeature.yaml")
	base := objs[0]
	objs = append(objs, tcp.LoadNodeFeatures(t, fixtures+"/nodefeature-list.json")...)
	return append(objs, tcp.Generate(base, "gen", generated)...)
}

func TestRulesTestCommand(t *testing.T) {
	cp := tcp.Start(t, tcp.Options{})
	cp.CreateNodeFeatures(t, clusterObjects(t, 3)...)
	kc := cp.Kubeconfig(t, tcp.Admin)
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
	// A user the API server knows but RBAC grants nothing.
	r = must(t, 2, "test", "-f", ruleFiles+"valid.yaml", "--node", "worker-1", "--kubeconfig", cp.Kubeconfig(t, tcp.NoRBAC))
	if !strings.Contains(r.stderr, `User "nobody" cannot list resource "nodefeatures"`) || !strings.Contains(r.stderr, "need list permission on NodeFeature objects") {
		t.Fatalf("stderr: %s", r.stderr)
	}
}

func TestValidateNodeCluster(t *testing.T) {
	objs := clusterObjects(t, 2)
	nodes := tcp.Nodes(objs, func(n string) map[string]string {
		if strings.HasPrefix(n, "gen-") {
			return map[string]string{"pool": "gen"}
		}
		return map[string]string{"pool": "fixtures"}
	})
	nodes = append(nodes, tcp.NewNode("bare", map[string]string{"pool": "bare"}))
	cp := tcp.Start(t, tcp.Options{})
	cp.CreateNodeFeatures(t, objs...)
	cp.CreateNodes(t, nodes...)
	kc := cp.Kubeconfig(t, tcp.Admin)

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
	// An existence selector and a set-based one, parsed by the real API server.
	r = must(t, 0, "validate-node", "--cluster", "--spec", gpuSpec, "--kubeconfig", kc, "--selector", "pool,pool notin (bare,fixtures)", "-o", "json")
	if err := json.Unmarshal([]byte(r.stdout), &fr); err != nil || len(fr.Nodes) != 2 || fr.Nodes[0].Node != "gen-00000" || fr.Nodes[1].Node != "gen-00001" {
		t.Fatalf("set-based selector: %v\n%s", err, r.stdout)
	}
	// RBAC: listing nodes for --selector needs its own permission.
	r = must(t, 2, "validate-node", "--cluster", "--spec", gpuSpec, "--kubeconfig", cp.Kubeconfig(t, tcp.NoRBAC), "--selector", "pool=gen")
	if !strings.Contains(r.stderr, `cannot list resource "nodes"`) || !strings.Contains(r.stderr, "need list permission on nodes") {
		t.Fatalf("stderr: %s", r.stderr)
	}
}

// BenchmarkValidateNodeCluster: validate-node --cluster over 5,000 nodes'
// NodeFeature objects (plus 1,250 third-party ones) served by a real
// kube-apiserver in pages of 500 (make bench-cluster).
func BenchmarkValidateNodeCluster(b *testing.B) {
	objs := clusterObjects(b, 5000)
	cp := tcp.Start(b, tcp.Options{})
	cp.CreateNodeFeatures(b, objs...)
	copts := cluster.Options{Kubeconfig: cp.Kubeconfig(b, tcp.Admin)}
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
	cp := tcp.Start(b, tcp.Options{})
	cp.CreateNodeFeatures(b, clusterObjects(b, 5000)...)
	c, err := cluster.New(cluster.Options{Kubeconfig: cp.Kubeconfig(b, tcp.Admin)})
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
