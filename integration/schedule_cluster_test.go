package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/yaml"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/features"
)

const (
	twoSetsSpec = "testdata/two-sets-spec.yaml" // gpu (weight 10), cpu (weight 1)
	noneSpec    = "testdata/none-spec.yaml"     // no host here passes
	deployment  = "testdata/deployment.yaml"
	labelPrefix = "compat.nfd-compat.io/"
)

// scheduleHosts are NodeFeature objects of three real hosts: an NVIDIA GPU
// host and an Intel CPU VM (as nfd-worker published them), and an arm64
// host (its exported features).
func scheduleHosts(t *testing.T) []nfdv1alpha1.NodeFeature {
	hosts := tcp.LoadNodeFeatures(t, fixtures+"/nodefeature-list.json") // gpu-node, cpu-node
	arm, err := features.Load(fixtures + "/arm64.json")
	if err != nil || len(arm) != 1 {
		t.Fatalf("arm64.json: %d nodes, %v", len(arm), err)
	}
	nf := nfdv1alpha1.NodeFeature{ObjectMeta: metav1.ObjectMeta{Name: "arm-node", Namespace: tcp.NFDNamespace,
		Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: "arm-node"}}}
	nf.Spec.Features = *arm[0].Features
	return append(hosts, nf)
}

// TestScheduleCluster: schedule's NodeFeatureRule, applied to a real
// cluster, makes nfd-master label exactly the Nodes (per set) that
// validate-node --cluster calls compatible; pods of a Deployment patched by
// schedule --patch are bound by kube-scheduler only to those Nodes,
// preferring the higher-weight set; with no compatible Node they stay
// unschedulable, saying why.
func TestScheduleCluster(t *testing.T) {
	cp := tcp.Start(t, tcp.Options{Scheduler: true})
	hosts := scheduleHosts(t)
	cp.CreateNodeFeatures(t, hosts...)
	for _, h := range hosts {
		cp.CreateNodes(t, tcp.NewNode(h.Name, nil))
	}
	cp.StartNFDMaster(t, "gpu-node", strings.TrimSuffix(labelPrefix, "/"))
	kc := cp.Kubeconfig(t, tcp.Admin)
	ctx := context.Background()

	// What validate-node --cluster says, set by set, as the labels schedule's rule sets.
	want := setLabels(t, must(t, 0, "validate-node", "--cluster", "--spec", twoSetsSpec, "--kubeconfig", kc, "-o", "json").stdout, "team-app")
	if fmt.Sprint(want) != "map[arm-node:[] cpu-node:[compat.nfd-compat.io/team-app.cpu] gpu-node:[compat.nfd-compat.io/team-app.cpu compat.nfd-compat.io/team-app.gpu]]" {
		t.Fatalf("validate-node --cluster verdicts per set: %v; the fixtures must give one host both sets, one only cpu, one none", want)
	}

	applyRule(t, cp, twoSetsSpec, "team/app")
	start := time.Now()
	var got map[string][]string
	poll(t, 30*time.Second, "nfd-master to label the compatible nodes", func() error {
		got = compatLabels(t, cp, "team-app")
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Errorf("labels %v, want %v", got, want)
		}
		return nil
	})
	t.Logf("nfd-master labelled the compatible nodes %v after the rule was created", time.Since(start).Round(10*time.Millisecond))

	// Pods of the patched Deployment, created directly (no controller manager).
	tmpl := patchedTemplate(t, twoSetsSpec, "team/app")
	ns := "sched-app"
	cp.CreateNamespace(t, ns)
	bound := createPods(t, cp, ns, "app", tmpl, 3)
	for p, n := range bound {
		if n != "gpu-node" {
			t.Errorf("pod %s bound to %s, want gpu-node (the only node of the weight-10 set)", p, n)
		}
	}
	// With the GPU host cordoned, the fallback set's node takes new pods;
	// the arm64 host never does.
	setUnschedulable(t, cp, "gpu-node", true)
	for p, n := range createPods(t, cp, ns, "fallback", tmpl, 2) {
		if n != "cpu-node" {
			t.Errorf("pod %s bound to %s with gpu-node cordoned, want cpu-node", p, n)
		}
	}
	setUnschedulable(t, cp, "gpu-node", false)

	// No compatible node: validate-node says so, no node is labelled, and
	// the pod stays unschedulable with the reason in its PodScheduled condition.
	r := must(t, 1, "validate-node", "--cluster", "--spec", noneSpec, "--kubeconfig", kc, "--no-color")
	if !strings.Contains(r.stdout, "0 of 3 nodes compatible") {
		t.Fatalf("validate-node --cluster:\n%s", r.stdout)
	}
	applyRule(t, cp, noneSpec, "team/none")
	none := patchedTemplate(t, noneSpec, "team/none")
	pod := podFrom(ns, "none-0", none)
	if _, err := cp.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, c := awaitUnschedulable(t, cp, ns, "none-0"); !strings.Contains(c.Message, "3 node(s) didn't match Pod's node affinity/selector") {
		t.Fatalf("PodScheduled message: %q", c.Message)
	} else {
		t.Logf("pod none-0: %s: %s", c.Reason, c.Message)
	}
	if l := compatLabels(t, cp, "team-none"); fmt.Sprint(l) != "map[arm-node:[] cpu-node:[] gpu-node:[]]" {
		t.Fatalf("labels of the none rule: %v", l)
	}

	t.Run("apply", func(t *testing.T) { testScheduleApply(t, cp) })
}

// testScheduleApply: schedule --apply creates the rule, is idempotent,
// replaces what it applied before when the spec changes, keeps other
// managers' fields, and says what RBAC it needs.
func testScheduleApply(t *testing.T, cp *tcp.ControlPlane) {
	ctx := context.Background()
	kc := cp.Kubeconfig(t, tcp.Admin)
	apply := func(spec, want string) {
		t.Helper()
		r := must(t, 0, "schedule", "--spec", spec, "--name", "team/applied", "--apply", "--kubeconfig", kc)
		if line := "nodefeaturerule.nfd.k8s-sigs.io/nfd-compat-team-applied " + want + " (field manager nfd-compat)\n"; r.stdout != line {
			t.Fatalf("stdout %q, want %q", r.stdout, line)
		}
	}
	apply(twoSetsSpec, "created")
	apply(twoSetsSpec, "unchanged")
	// Another manager's label on the rule.
	if _, err := cp.Dynamic.Resource(tcp.NodeFeatureRules).Patch(ctx, "nfd-compat-team-applied", types.MergePatchType,
		[]byte(`{"metadata":{"labels":{"owner":"ops"}}}`), metav1.PatchOptions{FieldManager: "ops"}); err != nil {
		t.Fatal(err)
	}
	apply(twoSetsSpec, "unchanged")
	apply(noneSpec, "configured")
	got, err := cp.Dynamic.Resource(tcp.NodeFeatureRules).Get(ctx, "nfd-compat-team-applied", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rules, _, _ := unstructured.NestedSlice(got.Object, "spec", "rules")
	l := got.GetLabels()
	if len(rules) != 1 || !strings.Contains(fmt.Sprint(rules[0]), "team-applied.tpu") || l["owner"] != "ops" || l["app.kubernetes.io/managed-by"] != "nfd-compat" {
		t.Fatalf("after applying the other spec: rules %v, labels %v", rules, l)
	}
	// With --patch: the manifest on stdout, the line on stderr.
	r := must(t, 0, "schedule", "--spec", noneSpec, "--name", "team/applied", "--apply", "--kubeconfig", kc, "--patch", deployment)
	if !strings.Contains(r.stdout, "kind: Deployment") || !strings.Contains(r.stderr, "nfd-compat-team-applied unchanged") {
		t.Fatalf("--apply --patch:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
	}
	r = must(t, 2, "schedule", "--spec", noneSpec, "--name", "team/applied", "--apply", "--kubeconfig", cp.Kubeconfig(t, tcp.NoRBAC))
	if !strings.Contains(r.stderr, `User "nobody" cannot`) || !strings.Contains(r.stderr, "need get and patch permission on nodefeaturerules.nfd.k8s-sigs.io") {
		t.Fatalf("no RBAC: %s", r.stderr)
	}
	must(t, 2, "schedule", "--spec", noneSpec, "--kubeconfig", kc)

	// Without NFD's NodeFeatureRule CRD (deleted last: nothing after needs it).
	crds := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	if err := cp.Dynamic.Resource(crds).Delete(ctx, "nodefeaturerules.nfd.k8s-sigs.io", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	poll(t, 30*time.Second, "the NodeFeatureRule CRD to be gone", func() error {
		if _, err := cp.Dynamic.Resource(tcp.NodeFeatureRules).List(ctx, metav1.ListOptions{}); !apierrors.IsNotFound(err) {
			return fmt.Errorf("list: %v", err)
		}
		return nil
	})
	r = must(t, 2, "schedule", "--spec", noneSpec, "--name", "team/applied", "--apply", "--kubeconfig", kc)
	if !strings.Contains(r.stderr, "is NFD installed (its CRD nodefeaturerules.nfd.k8s-sigs.io)?") {
		t.Fatalf("no CRD: %s", r.stderr)
	}
}

// setLabels turns validate-node --cluster -o json into, per node, the
// labels of the sets that pass, sorted.
func setLabels(t *testing.T, out, repo string) map[string][]string {
	t.Helper()
	var fr validatenode.FleetResult
	if err := json.Unmarshal([]byte(out), &fr); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := map[string][]string{}
	for _, n := range fr.Nodes {
		if n.Report == nil {
			t.Fatalf("node %s: no report: %s", n.Node, n.Error)
		}
		m[n.Node] = []string{}
		for _, s := range n.Sets {
			if s.IsMatch {
				m[n.Node] = append(m[n.Node], labelPrefix+repo+"."+s.Tag)
			}
		}
		slices.Sort(m[n.Node])
	}
	return m
}

// compatLabels are, per node, its labels of repo's sets, sorted.
func compatLabels(t *testing.T, cp *tcp.ControlPlane, repo string) map[string][]string {
	t.Helper()
	nodes, err := cp.Client.CoreV1().Nodes().List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]string{}
	for _, n := range nodes.Items {
		m[n.Name] = []string{}
		for _, k := range slices.Sorted(maps.Keys(n.Labels)) {
			if strings.HasPrefix(k, labelPrefix+repo+".") {
				if n.Labels[k] != "true" {
					t.Fatalf("node %s label %s=%q", n.Name, k, n.Labels[k])
				}
				m[n.Name] = append(m[n.Name], k)
			}
		}
	}
	return m
}

// applyRule creates the NodeFeatureRule schedule -o json emits.
func applyRule(t testing.TB, cp *tcp.ControlPlane, specFile, repo string) {
	t.Helper()
	r := must(t, 0, "schedule", "--spec", specFile, "--name", repo, "-o", "json")
	var out struct {
		Rule map[string]any `json:"nodeFeatureRule"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || out.Rule == nil {
		t.Fatalf("schedule -o json: %v\n%s", err, r.stdout)
	}
	if _, err := cp.Dynamic.Resource(tcp.NodeFeatureRules).Create(context.Background(),
		&unstructured.Unstructured{Object: out.Rule}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create the NodeFeatureRule: %v", err)
	}
}

// patchedTemplate is the pod template of testdata/deployment.yaml after
// schedule --patch.
func patchedTemplate(t testing.TB, specFile, repo string) corev1.PodTemplateSpec {
	t.Helper()
	r := must(t, 0, "schedule", "--spec", specFile, "--name", repo, "--patch", deployment)
	var d appsv1.Deployment
	if err := yaml.UnmarshalStrict([]byte(r.stdout), &d); err != nil {
		t.Fatalf("patched deployment: %v\n%s", err, r.stdout)
	}
	if a := d.Spec.Template.Spec.Affinity; a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		t.Fatalf("no required node affinity in the patched deployment:\n%s", r.stdout)
	}
	return d.Spec.Template
}

func podFrom(ns, name string, tmpl corev1.PodTemplateSpec) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: tmpl.Labels}, Spec: *tmpl.Spec.DeepCopy()}
}

// createPods creates n pods from tmpl and waits until kube-scheduler bound
// them all; it returns pod → node.
func createPods(t *testing.T, cp *tcp.ControlPlane, ns, prefix string, tmpl corev1.PodTemplateSpec, n int) map[string]string {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		if _, err := cp.Client.CoreV1().Pods(ns).Create(ctx, podFrom(ns, fmt.Sprintf("%s-%d", prefix, i), tmpl), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	bound := map[string]string{}
	poll(t, 30*time.Second, "kube-scheduler to bind the "+prefix+" pods", func() error {
		for i := range n {
			name := fmt.Sprintf("%s-%d", prefix, i)
			p, err := cp.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if p.Spec.NodeName == "" {
				return fmt.Errorf("pod %s not bound: %+v", name, p.Status.Conditions)
			}
			bound[name] = p.Spec.NodeName
		}
		return nil
	})
	return bound
}

// awaitUnschedulable waits until kube-scheduler marks pod name unschedulable
// and returns the pod and its PodScheduled condition; the test fails if the
// pod is bound.
func awaitUnschedulable(t *testing.T, cp *tcp.ControlPlane, ns, name string) (*corev1.Pod, corev1.PodCondition) {
	t.Helper()
	var (
		pod  *corev1.Pod
		cond corev1.PodCondition
	)
	poll(t, 30*time.Second, "pod "+name+" to be marked unschedulable", func() error {
		p, err := cp.Client.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Spec.NodeName != "" {
			t.Fatalf("pod %s bound to %s: no node is compatible", name, p.Spec.NodeName)
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				pod, cond = p, c
				return nil
			}
		}
		return fmt.Errorf("conditions %+v", p.Status.Conditions)
	})
	return pod, cond
}

func setUnschedulable(t *testing.T, cp *tcp.ControlPlane, node string, on bool) {
	t.Helper()
	patch := fmt.Sprintf(`{"spec":{"unschedulable":%v}}`, on)
	if _, err := cp.Client.CoreV1().Nodes().Patch(context.Background(), node, types.StrategicMergePatchType,
		[]byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// poll calls f every 100 ms until it returns nil; after timeout the test
// fails with f's last error.
func poll(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s: %v", timeout, what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
