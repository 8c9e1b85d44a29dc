package cluster_test

// No real Kubernetes API server can run on the machines this project is
// built and tested on (no container runtime for kind, no etcd and
// kube-apiserver binaries for envtest), so these tests run client-go's real
// path — kubeconfig file, REST config, TLS, bearer token, HTTP, JSON decoding
// into NFD's generated clientset types, label selectors and Limit/Continue
// pagination across namespaces — against internal/testcluster, an
// in-process server for the NodeFeature and Node list endpoints.

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/internal/testcluster"
	"github.com/nfd-compat/nfd-compat/pkg/cluster"
)

const fixtures = "../features/testdata/"

// objects are worker-1 (plus a third-party object for it in another
// namespace), gpu-node and cpu-node, and an unlabelled object nfd-master ignores.
func objects(t *testing.T) []nfdv1alpha1.NodeFeature {
	objs := testcluster.LoadNodeFeatures(t, fixtures+"nodefeature.yaml")
	objs = append(objs, testcluster.LoadNodeFeatures(t, fixtures+"nodefeature-list.json")...)
	extra := nfdv1alpha1.NodeFeature{ObjectMeta: metav1.ObjectMeta{Name: "aaa-vendor", Namespace: "vendor",
		Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: "worker-1"}}}
	extra.Spec.Features = *nfdv1alpha1.NewFeatures()
	// Overwrites worker-1's kernel.version: third-party objects merge after NFD's own.
	extra.Spec.Features.InsertAttributeFeatures("kernel", "version", map[string]string{"major": "7"})
	extra.Spec.Features.InsertAttributeFeatures("vendor", "driver", map[string]string{"version": "2.1"})
	stray := nfdv1alpha1.NodeFeature{ObjectMeta: metav1.ObjectMeta{Name: "stray", Namespace: "default"}}
	return append([]nfdv1alpha1.NodeFeature{extra, stray}, objs...)
}

func client(t *testing.T, s *testcluster.Server, opts cluster.Options) *cluster.Client {
	t.Helper()
	opts.Kubeconfig = s.Kubeconfig(t)
	c, err := cluster.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNode(t *testing.T) {
	objs := objects(t)
	s := testcluster.New(t, objs, nil)
	c := client(t, s, cluster.Options{PageSize: 1})
	n, err := c.Node(context.Background(), "worker-1")
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "worker-1" || n.Source != "NodeFeature node-feature-discovery/worker-1, vendor/aaa-vendor" {
		t.Fatalf("node %q from %q", n.Name, n.Source)
	}
	kv := n.Features.Attributes["kernel.version"].Elements
	if kv["major"] != "7" || kv["full"] != "6.8.0-45-generic" {
		t.Fatalf("kernel.version = %v: the vendor object's elements must win, merged after NFD's namespace", kv)
	}
	if n.Features.Attributes["vendor.driver"].Elements["version"] != "2.1" || !hasFlag(n.Features.Flags["cpu.cpuid"].Elements, "AVX512F") {
		t.Fatalf("merged features lack the vendor attribute or worker-1's flags: %+v", n.Features)
	}
	reqs := s.Requests()
	// One object per page: two pages with the node's two objects, and a last empty one is not needed.
	if len(reqs) != 2 || !strings.Contains(reqs[0], "labelSelector=nfd.node.kubernetes.io%2Fnode-name%3Dworker-1") ||
		!strings.Contains(reqs[0], "limit=1") || !strings.Contains(reqs[1], "continue=") ||
		!strings.HasPrefix(reqs[0], "/apis/nfd.k8s-sigs.io/v1alpha1/nodefeatures?") {
		t.Fatalf("requests: %q", reqs)
	}

	if _, err := c.Node(context.Background(), "nope"); err == nil || !strings.Contains(err.Error(), `node "nope" has no NodeFeature objects`) {
		t.Fatalf("missing node: %v", err)
	}
}

func TestAllNodes(t *testing.T) {
	objs := objects(t)
	nodes := testcluster.Nodes(objs, func(n string) map[string]string {
		if strings.Contains(n, "gpu") {
			return map[string]string{"accelerator": "nvidia"}
		}
		return nil
	})
	s := testcluster.New(t, objs, append(nodes, testcluster.Nodes([]nfdv1alpha1.NodeFeature{{ObjectMeta: metav1.ObjectMeta{
		Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: "gpu-without-nfd"}}}}, func(string) map[string]string {
		return map[string]string{"accelerator": "nvidia"}
	})...))

	all, err := client(t, s, cluster.Options{PageSize: 2}).AllNodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range all {
		names = append(names, n.Name)
	}
	if strings.Join(names, ",") != "cpu-node,gpu-node,worker-1" {
		t.Fatalf("nodes %v", names)
	}
	if got := len(s.Requests()); got != 2 { // 4 labelled objects, 2 per page
		t.Fatalf("%d requests, want 2: %q", got, s.Requests())
	}

	sel, err := client(t, s, cluster.Options{NodeSelector: "accelerator=nvidia"}).AllNodes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(sel) != 2 || sel[0].Name != "gpu-node" || sel[0].Features == nil || sel[1].Name != "gpu-without-nfd" ||
		sel[1].Features != nil || sel[1].Source != cluster.NoNodeFeatures {
		t.Fatalf("selected: %+v", sel)
	}
	if _, err := client(t, s, cluster.Options{NodeSelector: "accelerator=tpu"}).AllNodes(context.Background()); err == nil {
		t.Fatal("a selector matching no node must fail")
	}
}

// TestExpiredContinue: a continue token the server calls expired restarts
// the list once; twice is an error that says to run again.
func TestExpiredContinue(t *testing.T) {
	s := testcluster.New(t, objects(t), nil)
	c := client(t, s, cluster.Options{PageSize: 1})
	s.ExpireContinue(1)
	all, err := c.AllNodes(context.Background())
	if err != nil || len(all) != 3 {
		t.Fatalf("after one expiry: %d nodes, %v", len(all), err)
	}
	s.ExpireContinue(2)
	if _, err := c.AllNodes(context.Background()); err == nil || !strings.Contains(err.Error(), "run again") {
		t.Fatalf("after two expiries: %v", err)
	}
}

func TestErrors(t *testing.T) {
	s := testcluster.New(t, nil, nil)
	if _, err := client(t, s, cluster.Options{}).AllNodes(context.Background()); err == nil || !strings.Contains(err.Error(), "no NodeFeature objects") {
		t.Fatalf("empty cluster: %v", err)
	}
	t.Setenv("KUBECONFIG", t.TempDir()+"/none")
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("HOME", t.TempDir())
	if _, err := cluster.New(cluster.Options{}); err == nil || !strings.Contains(err.Error(), "--kubeconfig") {
		t.Fatalf("no config: %v", err)
	}
	// KUBECONFIG is honoured.
	t.Setenv("KUBECONFIG", s.Kubeconfig(t))
	if _, err := cluster.New(cluster.Options{}); err != nil {
		t.Fatal(err)
	}
}

func hasFlag(m map[string]nfdv1alpha1.Nil, k string) bool { _, ok := m[k]; return ok }

// TestSelectorPages: node names for --selector come page by page, and an
// expired continue token on the node list restarts it once.
func TestSelectorPages(t *testing.T) {
	objs := objects(t)
	nodes := testcluster.Nodes(objs, func(n string) map[string]string { return map[string]string{"pool": "a"} })
	s := testcluster.New(t, objs, nodes)
	c := client(t, s, cluster.Options{PageSize: 1, NodeSelector: "pool=a"})
	s.ExpireContinue(1)
	all, err := c.AllNodes(context.Background())
	if err != nil || len(all) != 3 {
		t.Fatalf("%d nodes, %v", len(all), err)
	}
	var nodeReqs []string
	for _, r := range s.Requests() {
		if strings.HasPrefix(r, "/api/v1/nodes?") {
			nodeReqs = append(nodeReqs, r)
		}
	}
	// 3 pages, the second expired once: 1 + 1 (expired) + 3.
	if len(nodeReqs) != 5 || !strings.Contains(nodeReqs[0], "labelSelector=pool%3Da") || !strings.Contains(nodeReqs[0], "limit=1") {
		t.Fatalf("node requests: %q", nodeReqs)
	}
}
