package cluster_test

// These tests run client-go's real path — kubeconfig file, REST config, TLS,
// bearer token, HTTP, decoding into NFD's types, label selectors and
// Limit/Continue pagination across namespaces — against a real etcd and
// kube-apiserver with NFD's CRDs (internal/testcontrolplane). Request URIs
// are observed, and an expired continue token injected, by a proxy in front
// of the real server: the real one expires a token only when etcd compacts
// in the middle of a list, which a test cannot time.

import (
	"context"
	"os"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/features"
)

const fixtures = "../features/testdata/"

// objects are worker-1 (plus a third-party object for it in another
// namespace), gpu-node and cpu-node, and an unlabelled object nfd-master ignores.
func objects(t *testing.T) []nfdv1alpha1.NodeFeature {
	objs := tcp.LoadNodeFeatures(t, fixtures+"nodefeature.yaml")
	objs = append(objs, tcp.LoadNodeFeatures(t, fixtures+"nodefeature-list.json")...)
	extra := nfdv1alpha1.NodeFeature{ObjectMeta: metav1.ObjectMeta{Name: "aaa-vendor", Namespace: "vendor",
		Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: "worker-1"}}}
	extra.Spec.Features = *nfdv1alpha1.NewFeatures()
	// Overwrites worker-1's kernel.version: third-party objects merge after NFD's own.
	extra.Spec.Features.InsertAttributeFeatures("kernel", "version", map[string]string{"major": "7"})
	extra.Spec.Features.InsertAttributeFeatures("vendor", "driver", map[string]string{"version": "2.1"})
	stray := nfdv1alpha1.NodeFeature{ObjectMeta: metav1.ObjectMeta{Name: "stray", Namespace: "default"}}
	return append([]nfdv1alpha1.NodeFeature{extra, stray}, objs...)
}

func client(t *testing.T, kubeconfig string, opts cluster.Options) *cluster.Client {
	t.Helper()
	opts.Kubeconfig = kubeconfig
	c, err := cluster.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCluster runs on one control plane, in order: the empty cluster first,
// then with the fixtures' objects and Nodes.
func TestCluster(t *testing.T) {
	cp := tcp.Start(t, tcp.Options{})
	admin := cp.Kubeconfig(t, tcp.Admin)
	ctx := context.Background()

	t.Run("empty", func(t *testing.T) {
		if _, err := client(t, admin, cluster.Options{}).AllNodes(ctx); err == nil || !strings.Contains(err.Error(), "no NodeFeature objects") {
			t.Fatalf("empty cluster: %v", err)
		}
	})

	objs := objects(t)
	cp.CreateNodeFeatures(t, objs...)
	for _, n := range []string{"worker-1", "cpu-node"} {
		cp.CreateNodes(t, tcp.NewNode(n, map[string]string{"pool": "a"}))
	}
	for _, n := range []string{"gpu-node", "gpu-without-nfd"} {
		cp.CreateNodes(t, tcp.NewNode(n, map[string]string{"pool": "a", "accelerator": "nvidia"}))
	}

	t.Run("node", func(t *testing.T) {
		p := cp.Proxy(t)
		c := client(t, p.Kubeconfig(t, tcp.Admin), cluster.Options{PageSize: 1})
		n, err := c.Node(ctx, "worker-1")
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
		// One object per page: the node's two objects take (at least) two requests.
		reqs := p.Requests()
		if len(reqs) < 2 || !strings.Contains(reqs[0], "labelSelector=nfd.node.kubernetes.io%2Fnode-name%3Dworker-1") ||
			!strings.Contains(reqs[0], "limit=1") || !strings.Contains(reqs[1], "continue=") ||
			!strings.HasPrefix(reqs[0], "/apis/nfd.k8s-sigs.io/v1alpha1/nodefeatures?") {
			t.Fatalf("requests: %q", reqs)
		}
		if _, err := c.Node(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `node "nope" has no NodeFeature objects`) {
			t.Fatalf("missing node: %v", err)
		}
	})

	t.Run("all", func(t *testing.T) {
		p := cp.Proxy(t)
		all, err := client(t, p.Kubeconfig(t, tcp.Admin), cluster.Options{PageSize: 2}).AllNodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(all); got != "cpu-node,gpu-node,worker-1" {
			t.Fatalf("nodes %v", got)
		}
		// 4 labelled objects (the existence selector leaves out the stray one), 2 per page.
		if reqs := p.Requests(); len(reqs) < 2 || !strings.Contains(reqs[0], "labelSelector=nfd.node.kubernetes.io%2Fnode-name") {
			t.Fatalf("requests %q", reqs)
		}
		sel, err := client(t, admin, cluster.Options{NodeSelector: "accelerator=nvidia"}).AllNodes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(sel) != 2 || sel[0].Name != "gpu-node" || sel[0].Features == nil || sel[1].Name != "gpu-without-nfd" ||
			sel[1].Features != nil || sel[1].Source != cluster.NoNodeFeatures {
			t.Fatalf("selected: %+v", sel)
		}
		// Set-based and existence selectors as the real API server parses them.
		sel, err = client(t, admin, cluster.Options{NodeSelector: "accelerator,pool in (a,b),kubernetes.io/hostname!=gpu-without-nfd"}).AllNodes(ctx)
		if err != nil || names(sel) != "gpu-node" {
			t.Fatalf("set-based selector: %v, %v", names(sel), err)
		}
		if _, err := client(t, admin, cluster.Options{NodeSelector: "accelerator=tpu"}).AllNodes(ctx); err == nil {
			t.Fatal("a selector matching no node must fail")
		}
	})

	// A continue token the server calls expired restarts the list once;
	// twice is an error that says to run again.
	t.Run("expired-continue", func(t *testing.T) {
		p := cp.Proxy(t)
		c := client(t, p.Kubeconfig(t, tcp.Admin), cluster.Options{PageSize: 1})
		p.ExpireContinue(1)
		if all, err := c.AllNodes(ctx); err != nil || len(all) != 3 {
			t.Fatalf("after one expiry: %d nodes, %v", len(all), err)
		}
		p.ExpireContinue(2)
		if _, err := c.AllNodes(ctx); err == nil || !strings.Contains(err.Error(), "run again") {
			t.Fatalf("after two expiries: %v", err)
		}
	})

	// Node names for --selector come page by page, and an expired continue
	// token on the node list restarts it once.
	t.Run("selector-pages", func(t *testing.T) {
		p := cp.Proxy(t)
		c := client(t, p.Kubeconfig(t, tcp.Admin), cluster.Options{PageSize: 1, NodeSelector: "pool=a"})
		p.ExpireContinue(1)
		all, err := c.AllNodes(ctx)
		if err != nil || len(all) != 4 {
			t.Fatalf("%d nodes, %v", len(all), err)
		}
		var nodeReqs []string
		for _, r := range p.Requests() {
			if strings.HasPrefix(r, "/api/v1/nodes?") {
				nodeReqs = append(nodeReqs, r)
			}
		}
		// 4 nodes a page each, the second request expired once: at least 1 + 1 + 4.
		if len(nodeReqs) < 6 || !strings.Contains(nodeReqs[0], "labelSelector=pool%3Da") || !strings.Contains(nodeReqs[0], "limit=1") {
			t.Fatalf("node requests: %q", nodeReqs)
		}
	})

	// A user without RBAC permission, and a token the server does not
	// know, get errors that say what to fix.
	t.Run("rbac", func(t *testing.T) {
		nobody := cp.Kubeconfig(t, tcp.NoRBAC)
		_, err := client(t, nobody, cluster.Options{}).AllNodes(ctx)
		if err == nil || !strings.Contains(err.Error(), `User "nobody" cannot list resource "nodefeatures"`) ||
			!strings.Contains(err.Error(), "need list permission on NodeFeature objects in all namespaces") {
			t.Fatalf("no RBAC: %v", err)
		}
		_, err = client(t, nobody, cluster.Options{NodeSelector: "pool=a"}).AllNodes(ctx)
		if err == nil || !strings.Contains(err.Error(), `cannot list resource "nodes"`) || !strings.Contains(err.Error(), "need list permission on nodes") {
			t.Fatalf("no RBAC for nodes: %v", err)
		}
		if strings.Contains(err.Error(), "nodes in all namespaces") {
			t.Fatalf("nodes are cluster-scoped: %v", err)
		}
		// A token the server does not know is not a permission problem.
		badToken := cp.Kubeconfig(t, tcp.NoRBAC)
		data, err := os.ReadFile(badToken)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(badToken, []byte(strings.ReplaceAll(string(data), cp.Token(tcp.NoRBAC), "not-a-known-token")), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = client(t, badToken, cluster.Options{}).AllNodes(ctx)
		if err == nil || !strings.Contains(err.Error(), "Unauthorized") || !strings.Contains(err.Error(), "did not accept the kubeconfig's credentials") ||
			strings.Contains(err.Error(), "permission") {
			t.Fatalf("unknown token: %v", err)
		}
	})

	t.Run("kubeconfig", func(t *testing.T) {
		t.Setenv("KUBECONFIG", t.TempDir()+"/none")
		t.Setenv("KUBERNETES_SERVICE_HOST", "")
		t.Setenv("HOME", t.TempDir())
		if _, err := cluster.New(cluster.Options{}); err == nil || !strings.Contains(err.Error(), "--kubeconfig") {
			t.Fatalf("no config: %v", err)
		}
		// KUBECONFIG is honoured.
		t.Setenv("KUBECONFIG", admin)
		c, err := cluster.New(cluster.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Node(ctx, "gpu-node"); err != nil {
			t.Fatal(err)
		}
	})
}

func names(nodes []features.Node) string {
	var out []string
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return strings.Join(out, ",")
}

func hasFlag(m map[string]nfdv1alpha1.Nil, k string) bool { _, ok := m[k]; return ok }
