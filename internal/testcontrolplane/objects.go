package testcontrolplane

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// crdFile is NFD's CRDs, copied into the binaries' directory by make from
// the NFD module nfd-master is built from (deployment/base/nfd-crds/).
const crdFile = "nfd-api-crds.yaml"

// Resources of NFD's API.
var (
	NodeFeatures     = nfdv1alpha1.SchemeGroupVersion.WithResource("nodefeatures")
	NodeFeatureRules = nfdv1alpha1.SchemeGroupVersion.WithResource("nodefeaturerules")
	crds             = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
)

// installCRDs creates NFD's CRDs and waits until their resources are served.
func (cp *ControlPlane) installCRDs(t testing.TB, apiserver *process) {
	t.Helper()
	objs, err := ReadObjects(filepath.Join(cp.bins, crdFile))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, u := range objs {
		if u.GetKind() != "CustomResourceDefinition" {
			continue
		}
		if _, err := cp.Dynamic.Resource(crds).Create(ctx, &u, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create CRD %s: %v", u.GetName(), err)
		}
	}
	for _, r := range []schema.GroupVersionResource{NodeFeatures, NodeFeatureRules} {
		if err := waitFor("CRD "+r.Resource, 30*time.Second, apiserver, func() error {
			_, err := cp.Dynamic.Resource(r).List(ctx, metav1.ListOptions{Limit: 1})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}

// CreateNamespace creates a namespace unless it exists. Namespaces cannot
// be deleted without a controller manager: tests use fresh names.
func (cp *ControlPlane) CreateNamespace(t testing.TB, name string) {
	t.Helper()
	_, err := cp.Client.CoreV1().Namespaces().Create(context.Background(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create namespace %s: %v", name, err)
	}
}

// NewNode returns a Node that kube-scheduler can place pods on and
// nfd-master can label: status.allocatable (pods, cpu, memory) and an
// annotation (nfd-master cannot patch a Node without any).
func NewNode(name string, labels map[string]string) corev1.Node {
	l := map[string]string{corev1.LabelHostname: name}
	for k, v := range labels {
		l[k] = v
	}
	res := corev1.ResourceList{corev1.ResourcePods: resource.MustParse("110"),
		corev1.ResourceCPU: resource.MustParse("8"), corev1.ResourceMemory: resource.MustParse("32Gi")}
	return corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l, Annotations: map[string]string{"nfd-compat.test/created": "true"}},
		Status: corev1.NodeStatus{Capacity: res, Allocatable: res,
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "Test"}}},
	}
}

// CreateNodes creates the Nodes and sets their status.
func (cp *ControlPlane) CreateNodes(t testing.TB, nodes ...corev1.Node) {
	t.Helper()
	ctx := context.Background()
	parallel(t, len(nodes), func(i int) error {
		n := nodes[i].DeepCopy()
		status := n.Status
		created, err := cp.Client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create node %s: %w", n.Name, err)
		}
		created.Status = status
		if _, err := cp.Client.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("node %s status: %w", n.Name, err)
		}
		return nil
	})
}

// parallel runs f(0..n-1) on a few goroutines (thousands of objects for
// the benchmarks) and fails t with the first error.
func parallel(t testing.TB, n int, f func(i int) error) {
	t.Helper()
	const workers = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  atomic.Int64
	)
	for range min(workers, n) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

// CreateNodeFeatures creates the NodeFeature objects, and their namespaces.
func (cp *ControlPlane) CreateNodeFeatures(t testing.TB, nfs ...nfdv1alpha1.NodeFeature) {
	t.Helper()
	ctx := context.Background()
	seen := map[string]bool{}
	for _, nf := range nfs {
		if !seen[nf.Namespace] {
			cp.CreateNamespace(t, nf.Namespace)
			seen[nf.Namespace] = true
		}
	}
	parallel(t, len(nfs), func(i int) error {
		nf := nfs[i].DeepCopy()
		nf.APIVersion, nf.Kind = nfdv1alpha1.SchemeGroupVersion.String(), "NodeFeature"
		// Fixtures are as kubectl prints them: drop what the server sets.
		nf.ResourceVersion, nf.UID, nf.Generation, nf.ManagedFields = "", "", 0, nil
		nf.CreationTimestamp = metav1.Time{}
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(nf)
		if err != nil {
			return err
		}
		if _, err := cp.Dynamic.Resource(NodeFeatures).Namespace(nf.Namespace).Create(ctx,
			&unstructured.Unstructured{Object: obj}, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create NodeFeature %s/%s: %w", nf.Namespace, nf.Name, err)
		}
		return nil
	})
}

// StartNFDMaster starts nfd-master in NFDNamespace. nodeName must name an
// existing Node (nfd-master exits otherwise); extraLabelNs lets it write
// labels under other prefixes than NFD's own.
func (cp *ControlPlane) StartNFDMaster(t testing.TB, nodeName string, extraLabelNs ...string) {
	t.Helper()
	ports, err := freePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-kubeconfig=" + cp.Kubeconfig(t, Admin), "-port=" + strconv.Itoa(ports[0]),
		"-config=" + filepath.Join(cp.dir, "no-nfd-master.conf"), "-feature-gates=NodeFeatureGroupAPI=true"}
	if len(extraLabelNs) > 0 {
		// One flag: nfd-master's set flags keep only their last value.
		args = append(args, "-extra-label-ns="+strings.Join(extraLabelNs, ","))
	}
	p := start(t, cp.dir, "nfd-master", filepath.Join(cp.bins, "nfd-master"),
		[]string{"NODE_NAME=" + nodeName, "KUBERNETES_NAMESPACE=" + NFDNamespace}, args...)
	cp.procs = append(cp.procs, p)
	// Up once it serves its health endpoint.
	if err := waitFor("nfd-master", 30*time.Second, p, func() error {
		return probe("http://127.0.0.1:" + strconv.Itoa(ports[0]) + "/healthz")
	}); err != nil {
		t.Fatal(err)
	}
}

// probe GETs url and wants 200.
func probe(url string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}
