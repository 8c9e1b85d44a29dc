package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// testWebhookPlatforms: a multi-arch image (linux/amd64 with the GPU-only
// spec, linux/arm64 with the ARM-CPU spec) on a cluster that gains two
// arm64 nodes with NodeFeatures: arm-cpu (an ARM CPU, passes the arm64
// spec) and arm-gpu (a copy of the GPU host: passes the amd64 spec, not
// the arm64 one). Its arm64 pods bind only to arm-cpu, its other pods only
// to gpu-node or arm-cpu: each node judged by its own architecture's spec.
func testWebhookPlatforms(t *testing.T, cp *tcp.ControlPlane, reg *testregistry.Registry, hosts []nfdv1alpha1.NodeFeature, ns string) {
	ctx := context.Background()
	arm := func(name string, from nfdv1alpha1.NodeFeature, vendor string) {
		nf := *from.DeepCopy()
		nf.ObjectMeta = metav1.ObjectMeta{Name: name, Namespace: from.Namespace, Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: name}}
		if vendor != "" {
			nf.Spec.Features.Attributes["cpu.model"].Elements["vendor_id"] = vendor
		}
		cp.CreateNodeFeatures(t, nf)
		cp.CreateNodes(t, tcp.NewNode(name, map[string]string{"zone": name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "arm64"}))
	}
	byName := map[string]nfdv1alpha1.NodeFeature{}
	for _, h := range hosts {
		byName[h.Name] = h
	}
	arm("arm-cpu", byName["cpu-node"], "ARM")
	arm("arm-gpu", byName["gpu-node"], "")

	repo := reg.Repo(t, "multiarch")
	_, ms, err := testimage.PushIndex(ctx, repo, "v1", []string{"linux/amd64", "linux/arm64"})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range []string{"testdata/gpu-only-spec.yaml", "testdata/arm-spec.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := artifact.Attach(ctx, repo, ms[i], data, artifact.AttachOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	image := reg.Ref("multiarch", "v1")
	tmpl := corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}}
	armOnly := *tmpl.DeepCopy()
	armOnly.Spec.NodeSelector = map[string]string{corev1.LabelArchStable: "arm64"}
	for p, n := range createPods(t, cp, ns, "arm64", armOnly, 3) {
		if n != "arm-cpu" {
			t.Errorf("arm64 pod %s of the multi-arch image bound to %s, want arm-cpu (arm-gpu fails the arm64 spec)", p, n)
		}
	}
	for p, n := range createPods(t, cp, ns, "multi", tmpl, 4) {
		if n != "gpu-node" && n != "arm-cpu" {
			t.Errorf("pod %s of the multi-arch image bound to %s, want gpu-node (amd64 spec) or arm-cpu (arm64 spec)", p, n)
		}
	}
	got, err := cp.Client.CoreV1().Pods(ns).Get(ctx, "arm64-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var dec webhook.Decision
	if err := json.Unmarshal([]byte(got.Annotations[webhook.DecisionAnnotation]), &dec); err != nil {
		t.Fatal(err)
	}
	if len(dec.Images) != 1 || len(dec.Images[0].Platforms) != 2 {
		t.Fatalf("decision %+v: want one image with two platforms", dec)
	}
	rules := map[string]bool{}
	for i, want := range []string{"linux/amd64", "linux/arm64"} {
		p := dec.Images[0].Platforms[i]
		if p.Platform != want || p.Verdict != policy.Compatible || p.Rule == "" || len(p.Sets) != 1 {
			t.Errorf("platform %d: %+v, want %s placed by its own rule", i, p, want)
		}
		if _, err := cp.Dynamic.Resource(tcp.NodeFeatureRules).Get(ctx, p.Rule, metav1.GetOptions{}); err != nil {
			t.Errorf("platform %s's rule: %v", p.Platform, err)
		}
		rules[p.Rule] = true
	}
	if len(rules) != 2 {
		t.Errorf("the platforms share a rule: %v", rules)
	}
	// arm-gpu is a real trap: nfd-master labels it with the amd64 spec's
	// set, which an arm64 node's pod must not count.
	amd := webhook.RuleRepository(dec.Images[0].Platforms[0].Artifact)
	poll(t, 30*time.Second, "nfd-master to label the amd64 spec's set", func() error {
		want := fmt.Sprintf("map[arm-cpu:[] arm-gpu:[%[1]s%[2]s.gpu] cpu-node:[] gpu-node:[%[1]s%[2]s.gpu]]", labelPrefix, amd)
		if got := fmt.Sprint(compatLabels(t, cp, amd)); got != want {
			return fmt.Errorf("labels %s, want %s", got, want)
		}
		return nil
	})
}
