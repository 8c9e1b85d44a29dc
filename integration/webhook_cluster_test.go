package integration

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testpki"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/target"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// TestWebhookCluster: kube-apiserver calls the webhook over TLS by URL
// (a test CA in caBundle); pods of an image whose spec only a GPU host
// passes are bound by kube-scheduler only to the GPU node, with no manual
// step (the webhook applies the rule, nfd-master labels, the scheduler
// binds); a CPU-fallback image's pods prefer the GPU node; a pod's own
// node affinity is kept; a spec-less image and an excluded namespace are
// untouched; a spec no node passes leaves the pod unschedulable; warn mode
// adds no affinity; many pods of one image cost one registry lookup. The
// shipped manifests are installed as pasted, the webhook's address aside.
// A registry that is down follows on_error within the decision timeout
// (testWebhookRegistryDown: webhooks with on_error allow and deny).
// Then arm64 nodes join: a multi-arch image's pods land only on nodes
// passing their own architecture's spec (testWebhookPlatforms).
func TestWebhookCluster(t *testing.T) {
	cp := tcp.Start(t, tcp.Options{Scheduler: true})
	hosts := tcp.LoadNodeFeatures(t, fixtures+"/nodefeature-list.json") // gpu-node, cpu-node
	cp.CreateNodeFeatures(t, hosts...)
	for _, h := range hosts {
		cp.CreateNodes(t, tcp.NewNode(h.Name, map[string]string{"zone": h.Name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64"}))
	}
	cp.StartNFDMaster(t, "gpu-node", strings.TrimSuffix(labelPrefix, "/"))
	ctx := context.Background()

	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	push := func(repo, specFile string) string { return pushImage(t, reg, repo, specFile) }
	gpuOnly, fallback, plain := push("gpuonly", "testdata/gpu-only-spec.yaml"), push("fallback", twoSetsSpec), push("plain", "")
	nowhere := push("nowhere", noneSpec)

	pol := policy.Default()
	pol.Timeout = policy.Duration(5 * time.Second)
	log := logrus.New()
	log.SetOutput(testWriter{t})
	set := metrics.NewSet()
	wh, err := webhook.New(webhook.Config{Observer: set, Policy: pol, AllowedRegistries: []string{reg.Host},
		ExcludeNamespaces: []string{"kube-system", "excluded", regDownAllowNS, regDownDenyNS}, Target: target.Options{PlainHTTP: true},
		CacheTTL: time.Minute, Dynamic: cp.Dynamic, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	ns := "webhook-app"
	addr, caPEM := serveWebhook(t, cp, wh, set, ns, plain+"-nosuchtag", nil)
	cp.CreateNamespace(t, "excluded")
	tmpl := func(image string) corev1.PodTemplateSpec {
		return corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}}}
	}

	base := wh.Stats()
	start := time.Now()
	bound := createPods(t, cp, ns, "gpu", tmpl(gpuOnly), 4)
	t.Logf("4 pods of a new GPU-only image bound %v after creation (rule applied by the webhook, labels by nfd-master)", time.Since(start).Round(10*time.Millisecond))
	for p, n := range bound {
		if n != "gpu-node" {
			t.Errorf("pod %s of the GPU-only image bound to %s, want gpu-node", p, n)
		}
	}
	got, err := cp.Client.CoreV1().Pods(ns).Get(ctx, "gpu-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var dec webhook.Decision
	if err := json.Unmarshal([]byte(got.Annotations[webhook.DecisionAnnotation]), &dec); err != nil {
		t.Fatalf("decision annotation %q: %v", got.Annotations[webhook.DecisionAnnotation], err)
	}
	if len(dec.Images) != 1 || !strings.HasPrefix(dec.Images[0].Artifact, "sha256:") || !strings.HasPrefix(dec.Images[0].Rule, "nfd-compat-sha256-") ||
		len(dec.Images[0].Sets) != 1 || dec.Images[0].Verdict != policy.Compatible {
		t.Fatalf("decision %+v", dec)
	}
	rule, err := cp.Dynamic.Resource(tcp.NodeFeatureRules).Get(ctx, dec.Images[0].Rule, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the rule the annotation names: %v", err)
	}
	if rule.GetAnnotations()[webhook.ArtifactAnnotation] != dec.Images[0].Artifact {
		t.Fatalf("rule annotations %v", rule.GetAnnotations())
	}
	// Its last use, for the rule garbage collector: set at the apply.
	if used, err := time.Parse(time.RFC3339, rule.GetAnnotations()[webhook.LastUsedAnnotation]); err != nil || time.Since(used) > webhook.LastUsedResolution+time.Minute || used.Truncate(webhook.LastUsedResolution) != used {
		t.Fatalf("rule annotation %s: %v (%v)", webhook.LastUsedAnnotation, used, err)
	}

	// The CPU-fallback image's first pod creates its rule; it may land on
	// either node: the scheduler may run before nfd-master has labelled
	// both (cold start; only compatible nodes are ever chosen). Once the
	// labels are in place, its pods prefer the GPU node (weight 100 vs 10).
	for p, n := range createPods(t, cp, ns, "first", tmpl(fallback), 1) {
		if n != "gpu-node" && n != "cpu-node" {
			t.Errorf("pod %s of the fallback image bound to %s", p, n)
		}
	}
	first, err := cp.Client.CoreV1().Pods(ns).Get(ctx, "first-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fdec webhook.Decision
	if err := json.Unmarshal([]byte(first.Annotations[webhook.DecisionAnnotation]), &fdec); err != nil || len(fdec.Images) != 1 {
		t.Fatalf("fallback decision %q: %v", first.Annotations[webhook.DecisionAnnotation], err)
	}
	part := webhook.RuleRepository(fdec.Images[0].Artifact)
	poll(t, 30*time.Second, "nfd-master to label the fallback's sets", func() error {
		want := fmt.Sprintf("map[cpu-node:[%[1]s%[2]s.cpu] gpu-node:[%[1]s%[2]s.cpu %[1]s%[2]s.gpu]]", labelPrefix, part)
		if got := fmt.Sprint(compatLabels(t, cp, part)); got != want {
			return fmt.Errorf("labels %s, want %s", got, want)
		}
		return nil
	})
	for p, n := range createPods(t, cp, ns, "fallback", tmpl(fallback), 2) {
		if n != "gpu-node" {
			t.Errorf("pod %s of the fallback image bound to %s, want gpu-node (preferred)", p, n)
		}
	}
	// A pod's own affinity is kept: zone=cpu-node and the fallback's cpu set: only the CPU VM.
	own := tmpl(fallback)
	own.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"cpu-node"}}}}}}}}
	for p, n := range createPods(t, cp, ns, "own", own, 1) {
		if n != "cpu-node" {
			t.Errorf("pod %s with its own zone=cpu-node affinity bound to %s", p, n)
		}
	}
	// Untouched: a spec-less image, and any image in an excluded namespace.
	for _, c := range []struct{ ns, image string }{{ns, plain}, {"excluded", gpuOnly}} {
		p, err := cp.Client.CoreV1().Pods(c.ns).Create(ctx, podFrom(c.ns, "untouched", tmpl(c.image)), metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Spec.Affinity != nil || p.Annotations[webhook.DecisionAnnotation] != "" {
			t.Errorf("%s/%s (%s) was changed: affinity %+v, annotations %v", c.ns, p.Name, c.image, p.Spec.Affinity, p.Annotations)
		}
	}
	// A spec no node satisfies: admitted with its affinity, and left
	// unschedulable by kube-scheduler, saying why.
	if _, err := cp.Client.CoreV1().Pods(ns).Create(ctx, podFrom(ns, "nowhere", tmpl(nowhere)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if p, c := awaitUnschedulable(t, cp, ns, "nowhere"); !strings.Contains(c.Message, "didn't match Pod's node affinity/selector") ||
		p.Annotations[webhook.DecisionAnnotation] == "" {
		t.Fatalf("pod nowhere: PodScheduled message %q, annotations %v", c.Message, p.Annotations)
	}

	// Warn mode (a second webhook on the same cluster, asked directly):
	// a warning and the annotation, the rule applied, no affinity.
	warnPol := *pol
	warnPol.Mode = policy.ModeWarn
	warn, err := webhook.New(webhook.Config{Policy: &warnPol, AllowedRegistries: []string{reg.Host},
		Target: target.Options{PlainHTTP: true}, Dynamic: cp.Dynamic, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(podFrom(ns, "warned", tmpl(gpuOnly)))
	if err != nil {
		t.Fatal(err)
	}
	r := warn.Admit(ctx, &admissionv1.AdmissionRequest{UID: "w", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Operation: admissionv1.Create, Namespace: ns, Object: runtime.RawExtension{Raw: raw}})
	if !r.Allowed || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "mode=warn: "+gpuOnly+" would be placed on nodes with one of the labels "+dec.Images[0].Sets[0]) ||
		strings.Contains(string(r.Patch), "affinity") || !strings.Contains(string(r.Patch), webhook.DecisionAnnotation[:6]) {
		t.Fatalf("warn mode: allowed %v, warnings %q, patch %s", r.Allowed, r.Warnings, r.Patch)
	}

	// /metrics over the same TLS port: the decisions by verdict.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := hc.Get("https://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !strings.Contains(string(body), `verdict="compatible"`) || !strings.Contains(string(body), `verdict="missing"`) {
		t.Errorf("/metrics (%v):\n%s", err, body)
	}
	// 1,000 more replicas of a placed image: no registry request, no apply.
	reqs, stats := reg.Requests(), wh.Stats()
	rawPod, err := json.Marshal(podFrom(ns, "replica", tmpl(gpuOnly)))
	if err != nil {
		t.Fatal(err)
	}
	lat := make([]time.Duration, 0, 1000)
	for range 1000 {
		start := time.Now()
		r := wh.Admit(ctx, &admissionv1.AdmissionRequest{UID: "r", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Operation: admissionv1.Create, Namespace: ns, Object: runtime.RawExtension{Raw: rawPod}})
		lat = append(lat, time.Since(start))
		if !r.Allowed || r.Patch == nil {
			t.Fatalf("replica: %+v", r)
		}
	}
	slices.Sort(lat)
	if d, s := reg.Requests()-reqs, wh.Stats(); d != 0 || s != stats {
		t.Errorf("1,000 replicas cost %d registry requests and %+v → %+v", d, stats, s)
	}
	t.Logf("1,000 warm admissions: 0 registry requests, P50 %v, P99 %v", lat[500], lat[990])

	t.Run("imagePullSecrets", func(t *testing.T) { testWebhookPullSecrets(t, cp, log) })
	if s := wh.Stats(); s.RegistryLookups-base.RegistryLookups != 4 || s.RuleApplies != 3 {
		t.Errorf("stats %+v (before the pods %+v): want 4 registry lookups (one per image) and 3 rule applies (one per artifact) for 11 pods", s, base)
	}
	t.Run("drift", func(t *testing.T) {
		testWebhookDrift(t, cp, wh, "https://"+addr+"/metrics", &tls.Config{RootCAs: pool}, ns, gpuOnly)
	})
	// Webhooks of their own (on_error allow and deny), the shipped
	// configuration's other namespaces: the one above excludes theirs.
	t.Run("registry down", func(t *testing.T) { testWebhookRegistryDown(t, cp, log) })
	// Last: it adds nodes the placements above do not expect.
	t.Run("platforms", func(t *testing.T) { testWebhookPlatforms(t, cp, reg, hosts, ns) })
}

// testWebhookPullSecrets: with PullSecrets, a pod's imagePullSecrets open
// a private registry; the same image without the secret is not answered
// from that cache entry (on_error decides).
func testWebhookPullSecrets(t *testing.T, cp *tcp.ControlPlane, log *logrus.Logger) {
	ctx := context.Background()
	priv := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.BasicAuth(user, password))
	repo := priv.AuthRepo(t, "private", user, password)
	desc, err := testimage.Push(ctx, repo, "v1")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/gpu-only-spec.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := artifact.Attach(ctx, repo, desc, data, artifact.AttachOptions{}); err != nil {
		t.Fatal(err)
	}
	ns := "webhook-secrets"
	cp.CreateNamespace(t, ns)
	cfgJSON := fmt.Sprintf(`{"auths":{%q:{"auth":%q}}}`, "http://"+priv.Host, base64.StdEncoding.EncodeToString([]byte(user+":"+password)))
	if _, err := cp.Client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "regcred"},
		Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte(cfgJSON)}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	pol := policy.Default()
	pol.OnError = policy.Deny
	ws, err := webhook.New(webhook.Config{Policy: pol, PullSecrets: true, AllowedRegistries: []string{priv.Host},
		Target: target.Options{PlainHTTP: true}, Dynamic: cp.Dynamic, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	admit := func(secrets ...string) *admissionv1.AdmissionResponse {
		pod := podFrom(ns, "p", corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: priv.Ref("private", "v1")}}}})
		for _, s := range secrets {
			pod.Spec.ImagePullSecrets = append(pod.Spec.ImagePullSecrets, corev1.LocalObjectReference{Name: s})
		}
		raw, err := json.Marshal(pod)
		if err != nil {
			t.Fatal(err)
		}
		return ws.Admit(ctx, &admissionv1.AdmissionRequest{UID: "s", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Operation: admissionv1.Create, Namespace: ns, Object: runtime.RawExtension{Raw: raw}})
	}
	if r := admit("missing", "regcred"); !r.Allowed || !strings.Contains(string(r.Patch), "nodeAffinity") {
		t.Fatalf("with the pull secret (after a missing one): allowed %v, %+v, patch %s", r.Allowed, r.Result, r.Patch)
	}
	for _, secrets := range [][]string{nil, {"missing"}} {
		r := admit(secrets...)
		if r.Allowed || !strings.Contains(r.Result.Message, "refused by on_error=deny") || !strings.Contains(r.Result.Message, "wants credentials and none were found") {
			t.Fatalf("secrets %v: want no-credentials refused by on_error, got allowed %v, %+v", secrets, r.Allowed, r.Result)
		}
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// webhookPKI writes a CA and a serving certificate for 127.0.0.1 signed by
// it; it returns the CA's PEM and the pair's files.
func webhookPKI(t testing.TB) ([]byte, string, string) {
	t.Helper()
	now := time.Now()
	ca, err := testpki.Issue(&x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "webhook test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testpki.Issue(&x509.Certificate{SerialNumber: big.NewInt(2),
		Subject: pkix.Name{CommonName: "nfd-compat-webhook"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}, ca)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := srv.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return ca.CertPEM, certFile, keyFile
}

// webhookManifests are what the user applies (docs/webhook.md).
const webhookManifests = "../contrib/kubernetes/webhook/webhook.yaml"

var manifestResources = map[string]schema.GroupVersionResource{
	"Namespace":                    {Version: "v1", Resource: "namespaces"},
	"ServiceAccount":               {Version: "v1", Resource: "serviceaccounts"},
	"Service":                      {Version: "v1", Resource: "services"},
	"ClusterRole":                  {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles"},
	"ClusterRoleBinding":           {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings"},
	"Role":                         {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles"},
	"RoleBinding":                  {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings"},
	"Deployment":                   {Group: "apps", Version: "v1", Resource: "deployments"},
	"MutatingWebhookConfiguration": {Group: "admissionregistration.k8s.io", Version: "v1", Resource: "mutatingwebhookconfigurations"},
}

// installWebhookManifests creates every object of the shipped manifests as
// pasted (the API server validates each), except that the
// MutatingWebhookConfiguration calls the test's webhook by URL with the
// test's CA instead of the in-cluster Service.
func installWebhookManifests(t testing.TB, cp *tcp.ControlPlane, url string, caPEM []byte) {
	t.Helper()
	ctx := context.Background()
	objs, err := tcp.ReadObjects(webhookManifests)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, u := range objs {
		gvr, ok := manifestResources[u.GetKind()]
		if !ok {
			t.Fatalf("%s: kind %s: add it to manifestResources", webhookManifests, u.GetKind())
		}
		kinds[u.GetKind()] = true
		if u.GetKind() == "MutatingWebhookConfiguration" {
			callByURL(t, &u, url, caPEM)
		}
		var r dynamic.ResourceInterface = cp.Dynamic.Resource(gvr)
		if ns := u.GetNamespace(); ns != "" {
			r = cp.Dynamic.Resource(gvr).Namespace(ns)
		}
		if _, err := r.Create(ctx, &u, metav1.CreateOptions{}); err != nil {
			t.Fatalf("%s: create %s %s: %v", webhookManifests, u.GetKind(), u.GetName(), err)
		}
	}
	if len(kinds) != len(manifestResources) {
		t.Fatalf("%s holds %v, want every kind of %v", webhookManifests, kinds, manifestResources)
	}
}

// callByURL makes every webhook of a MutatingWebhookConfiguration call url,
// trusting caPEM, instead of the in-cluster Service.
func callByURL(t testing.TB, u *unstructured.Unstructured, url string, caPEM []byte) {
	t.Helper()
	hooks, _, err := unstructured.NestedSlice(u.Object, "webhooks")
	if err != nil || len(hooks) == 0 {
		t.Fatalf("%s: MutatingWebhookConfiguration %s has no webhooks (%v)", webhookManifests, u.GetName(), err)
	}
	for i := range hooks {
		h := hooks[i].(map[string]any)
		h["clientConfig"] = map[string]any{"url": url, "caBundle": base64.StdEncoding.EncodeToString(caPEM)}
	}
	if err := unstructured.SetNestedSlice(u.Object, hooks, "webhooks"); err != nil {
		t.Fatal(err)
	}
}
