package integration

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/cmd/validatenode"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// testWebhookDrift (after TestWebhookCluster placed the GPU-only image's
// pods gpu-0..3 on gpu-node): the GPU node's NodeFeature loses the nvidia
// module, so nfd-master removes the GPU-only set's label from it. The
// pods stay bound there (required node affinity is
// IgnoredDuringExecution), and both the webhook's drift gauges on
// /metrics and validate-node --cluster IMAGE --pods report exactly them
// as drifted; the fallback image's pods on gpu-node keep their cpu set's
// label and are not.
func testWebhookDrift(t *testing.T, cp *tcp.ControlPlane, wh *webhook.Webhook, metricsURL string, tlsCfg *tls.Config, ns, image string) {
	ctx := context.Background()
	cc, err := cluster.NewForConfig(cp.Config, cluster.Options{})
	if err != nil {
		t.Fatal(err)
	}
	scan, err := wh.CheckDrift(ctx, cc, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if scan.Placed < 4 || len(scan.Drifted) != 0 {
		t.Fatalf("before the change: %d placed pods, drifted %+v; want at least the 4 GPU pods and none drifted", scan.Placed, scan.Drifted)
	}
	placedBefore := scan.Placed

	// The driver is unloaded on the GPU host: nfd-worker would publish this.
	nf, err := cp.Dynamic.Resource(tcp.NodeFeatures).Namespace(tcp.NFDNamespace).Get(ctx, "gpu-node", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nvidia := []string{"spec", "features", "flags", "kernel.loadedmodule", "elements", "nvidia"}
	module, found, _ := unstructured.NestedMap(nf.Object, nvidia...)
	if !found {
		t.Fatal("the gpu-node fixture has no kernel.loadedmodule nvidia")
	}
	unstructured.RemoveNestedField(nf.Object, nvidia...)
	if _, err := cp.Dynamic.Resource(tcp.NodeFeatures).Namespace(tcp.NFDNamespace).Update(ctx, nf, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	gpu, err := cp.Client.CoreV1().Pods(ns).Get(ctx, "gpu-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var dec webhook.Decision
	if err := json.Unmarshal([]byte(gpu.Annotations[webhook.DecisionAnnotation]), &dec); err != nil || len(dec.Images) != 1 || len(dec.Images[0].Sets) != 1 {
		t.Fatalf("gpu-0's decision %q: %v", gpu.Annotations[webhook.DecisionAnnotation], err)
	}
	set, artifact := dec.Images[0].Sets[0], dec.Images[0].Artifact
	// The driver comes back when this subtest ends, so the tests after it
	// see the GPU node as TestWebhookCluster set it up.
	t.Cleanup(func() {
		nf, err := cp.Dynamic.Resource(tcp.NodeFeatures).Namespace(tcp.NFDNamespace).Get(ctx, "gpu-node", metav1.GetOptions{})
		if err == nil {
			err = unstructured.SetNestedMap(nf.Object, module, nvidia...)
		}
		if err == nil {
			_, err = cp.Dynamic.Resource(tcp.NodeFeatures).Namespace(tcp.NFDNamespace).Update(ctx, nf, metav1.UpdateOptions{})
		}
		if err != nil {
			t.Fatalf("putting nvidia back on gpu-node: %v", err)
		}
		poll(t, 60*time.Second, "nfd-master to put "+set+" back on gpu-node", func() error {
			n, err := cp.Client.CoreV1().Nodes().Get(ctx, "gpu-node", metav1.GetOptions{})
			if err != nil {
				return err
			}
			if n.Labels[set] != "true" {
				return fmt.Errorf("gpu-node has no %s=true yet", set)
			}
			return nil
		})
	})
	start := time.Now()
	poll(t, 60*time.Second, "nfd-master to remove "+set+" from gpu-node", func() error {
		n, err := cp.Client.CoreV1().Nodes().Get(ctx, "gpu-node", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if v, ok := n.Labels[set]; ok {
			return fmt.Errorf("gpu-node still has %s=%s", set, v)
		}
		return nil
	})
	t.Logf("nfd-master removed the set label %v after the NodeFeature update", time.Since(start).Round(10*time.Millisecond))

	// The pods keep their node.
	var gpuPods []string
	for i := range 4 {
		name := fmt.Sprintf("gpu-%d", i)
		p, err := cp.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil || p.Spec.NodeName != "gpu-node" || p.DeletionTimestamp != nil {
			t.Fatalf("pod %s after the label went: %v, node %q", name, err, p.Spec.NodeName)
		}
		gpuPods = append(gpuPods, ns+"/"+name)
	}

	scan, err = wh.CheckDrift(ctx, cc, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var drifted []string
	for _, p := range scan.Drifted {
		drifted = append(drifted, p.Namespace+"/"+p.Name)
		if p.Node != "gpu-node" || len(p.Images) != 1 || p.Images[0].Artifact != artifact {
			t.Errorf("drifted pod %+v", p)
		}
	}
	slices.Sort(drifted)
	if !slices.Equal(drifted, gpuPods) || scan.Placed != placedBefore {
		t.Fatalf("drifted %v of %d placed; want %v of %d", drifted, scan.Placed, gpuPods, placedBefore)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	resp, err := hc.Get(metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("\n%s{namespace=%q} 4\n", webhook.DriftedPodsMetric, ns),
		fmt.Sprintf("\n%s %d\n", webhook.PlacedPodsMetric, placedBefore),
		"\n" + webhook.DriftedArtifactsMetric + " 1\n", "\n" + webhook.DriftScanErrorsMetric + " 0\n",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no %q:\n%s", want, body)
		}
	}

	// validate-node --cluster IMAGE --pods: no node passes the GPU-only
	// spec any more (exit 1), and its 4 pods are drifted.
	kc := cp.Kubeconfig(t, tcp.Admin)
	r := must(t, 1, "validate-node", "--cluster", image, "--plain-http", "--no-cache", "--pods", "--kubeconfig", kc, "-o", "json")
	var fr validatenode.FleetResult
	if err := json.Unmarshal([]byte(r.stdout), &fr); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	if fr.Artifact != artifact || fr.PlacedPods == nil || fr.PlacedPods.Drifted != 4 || len(fr.PlacedPods.Pods) != 4 {
		t.Fatalf("validate-node --pods: artifact %s (want %s), placed pods %+v", fr.Artifact, artifact, fr.PlacedPods)
	}
	for _, p := range fr.PlacedPods.Pods {
		if !p.Drifted || p.Node != "gpu-node" || p.NodeVerdict != "incompatible" || !slices.Contains(gpuPods, p.Namespace+"/"+p.Name) || !slices.Equal(p.Sets, []string{set}) {
			t.Errorf("pod report %+v", p)
		}
	}
	r = must(t, 1, "validate-node", "--cluster", image, "--plain-http", "--no-cache", "--pods", "--kubeconfig", kc, "--no-color")
	if !strings.Contains(r.stdout, ns+"/gpu-0") || !strings.Contains(r.stdout, "incompatible: drifted") || !strings.Contains(r.stdout, "4 of 4 pods placed for this artifact drifted") {
		t.Fatalf("table:\n%s", r.stdout)
	}

	// A pod that ended holds no node: not judged any more.
	ended, err := cp.Client.CoreV1().Pods(ns).Get(ctx, "gpu-3", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ended.Status.Phase = corev1.PodSucceeded
	if _, err := cp.Client.CoreV1().Pods(ns).UpdateStatus(ctx, ended, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if scan, err = wh.CheckDrift(ctx, cc, time.Minute); err != nil || len(scan.Drifted) != 3 || scan.Placed != placedBefore-1 {
		t.Fatalf("after gpu-3 succeeded: %d of %d placed drifted (%v); want 3 of %d", len(scan.Drifted), scan.Placed, err, placedBefore-1)
	}
}
