package webhook

import (
	"context"
	"encoding/json"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
	"github.com/nfd-compat/nfd-compat/pkg/target"
)

const twoSets = `version: v1alpha1
compatibilities:
- tag: gpu
  weight: 10
  rules:
  - name: gpu
    matchFeatures:
    - feature: pci.device
      matchExpressions:
        vendor: {op: In, value: ["10de"]}
- tag: cpu
  weight: 1
  rules:
  - name: x86
    matchFeatures:
    - feature: cpu.model
      matchExpressions:
        vendor_id: {op: In, value: ["Intel", "AMD"]}
`

func placed(t testing.TB, digest string) *placement {
	t.Helper()
	s, _, err := spec.Parse([]byte(twoSets))
	if err != nil {
		t.Fatal(err)
	}
	res, err := schedule.Generate(s, schedule.Options{Repository: RuleRepository(digest)})
	if err != nil {
		t.Fatal(err)
	}
	return &placement{Artifact: digest, Result: res}
}

// newTestWebhook talks to an API server that is not there: applying a rule fails.
func newTestWebhook(t *testing.T, mut func(*Config)) *Webhook {
	t.Helper()
	dc, err := dynamic.NewForConfig(&rest.Config{Host: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.Default()
	pol.Timeout = policy.Duration(3 * time.Second)
	cfg := Config{Policy: pol, Dynamic: dc, ExcludeNamespaces: []string{"kube-system"}, CacheTTL: time.Minute}
	if mut != nil {
		mut(&cfg)
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

const digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
const digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

// TestAffinityMerge: every existing required term keeps its expressions and
// gains each set of every image (so each image needs one of its sets), the
// pod's preferred terms stay and the sets' are added with weights 100 and 10.
func TestAffinityMerge(t *testing.T) {
	w := newTestWebhook(t, nil)
	pod := &corev1.Pod{Spec: corev1.PodSpec{Affinity: &corev1.Affinity{
		PodAntiAffinity: &corev1.PodAntiAffinity{},
		NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
				{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}},
				{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"b"}}}},
			}},
			PreferredDuringSchedulingIgnoredDuringExecution: []corev1.PreferredSchedulingTerm{{Weight: 7, Preference: corev1.NodeSelectorTerm{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "ssd", Operator: corev1.NodeSelectorOpExists}}}}},
		}}}}
	a, b := placed(t, digestA), placed(t, digestB)
	aff, err := w.affinity(pod, []ImageDecision{{answer: &answer{Single: a}}, {}, {answer: &answer{Single: b}}})
	if err != nil {
		t.Fatal(err)
	}
	if aff.PodAntiAffinity == nil || pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions[0].Key != "zone" {
		t.Fatal("the pod's other affinities are kept and the pod itself is not changed")
	}
	terms := aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 2*2*2 {
		t.Fatalf("%d required terms, want 2 zones x 2 sets of a x 2 sets of b", len(terms))
	}
	la, lb := "compat.nfd-compat.io/sha256-aaaaaaaaaaaaaaaaaaaaaaaa.", "compat.nfd-compat.io/sha256-bbbbbbbbbbbbbbbbbbbbbbbb."
	for _, term := range terms {
		var zone, hasA, hasB int
		for _, e := range term.MatchExpressions {
			switch {
			case e.Key == "zone":
				zone++
			case strings.HasPrefix(e.Key, la) && e.Operator == corev1.NodeSelectorOpIn:
				hasA++
			case strings.HasPrefix(e.Key, lb) && e.Operator == corev1.NodeSelectorOpIn:
				hasB++
			}
		}
		if zone != 1 || hasA != 1 || hasB != 1 {
			t.Errorf("term %v: want one zone, one set of a, one set of b", term.MatchExpressions)
		}
	}
	var weights []int32
	for _, p := range aff.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		weights = append(weights, p.Weight)
	}
	if got := strings.Trim(strings.Join(strings.Fields(strings.Trim(jsonOf(t, weights), "[]")), ""), ""); got != "7,100,10,100,10" {
		t.Errorf("preferred weights %s, want the pod's 7 then 100,10 per image", got)
	}
	// Too many images with sets: decided by on_error, not a giant pod.
	many := make([]ImageDecision, 7)
	for i := range many {
		many[i].answer = &answer{Single: placed(t, "sha256:"+strings.Repeat(string(rune('a'+i)), 64))}
	}
	if _, err := w.affinity(&corev1.Pod{}, many); err == nil || !strings.Contains(err.Error(), "more than 64 required node selector terms") {
		t.Fatalf("2^7 terms: %v", err)
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPodPatch: the JSONPatch applies to pods with and without affinity and
// annotations, and gives the merged affinity and the annotation.
func TestPodPatch(t *testing.T) {
	w := newTestWebhook(t, nil)
	for name, pod := range map[string]*corev1.Pod{
		"bare": {ObjectMeta: metav1.ObjectMeta{Name: "p"}},
		"with": {ObjectMeta: metav1.ObjectMeta{Name: "p", Annotations: map[string]string{"x": "y"}},
			Spec: corev1.PodSpec{Affinity: &corev1.Affinity{PodAffinity: &corev1.PodAffinity{}}}},
	} {
		aff, err := w.affinity(pod, []ImageDecision{{answer: &answer{Single: placed(t, digestA)}}})
		if err != nil {
			t.Fatal(err)
		}
		p, err := podPatch(pod, aff, `{"mode":"enforce"}`)
		if err != nil {
			t.Fatal(err)
		}
		patch, err := jsonpatch.DecodePatch(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out, err := patch.Apply([]byte(jsonOf(t, pod)))
		if err != nil {
			t.Fatalf("%s: apply %s: %v", name, p, err)
		}
		var got corev1.Pod
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if got.Annotations[DecisionAnnotation] != `{"mode":"enforce"}` || got.Spec.Affinity == nil ||
			len(got.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms) != 2 {
			t.Fatalf("%s: patched pod %s", name, out)
		}
		if name == "with" && (got.Annotations["x"] != "y" || got.Spec.Affinity.PodAffinity == nil) {
			t.Fatalf("with: the pod's own annotation and affinity are lost: %s", out)
		}
	}
}

func review(t *testing.T, ns string, pod *corev1.Pod) *admissionv1.AdmissionRequest {
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	return &admissionv1.AdmissionRequest{UID: "u1", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Operation: admissionv1.Create, Namespace: ns, Object: runtime.RawExtension{Raw: raw}}
}

func podOf(images ...string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}}
	for i, img := range images {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "c" + string(rune('0'+i)), Image: img})
	}
	return p
}

// TestAdmitUntouched: excluded namespaces, pods with nodeName, mode=off and
// images without a spec get no patch; the registry is contacted only for the last.
func TestAdmitUntouched(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	if _, err := testimage.Push(ctx, reg.Repo(t, "plain"), "v1"); err != nil {
		t.Fatal(err)
	}
	plain := reg.Ref("plain", "v1")
	pushed := reg.Requests()
	w := newTestWebhook(t, func(c *Config) { c.AllowedRegistries = []string{"127.0.0.1:*"}; c.Target.PlainHTTP = true })
	bound := podOf(plain)
	bound.Spec.NodeName = "n1"
	yes := true
	ds := podOf(plain)
	ds.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "d", UID: "1", Controller: &yes}}
	for name, req := range map[string]*admissionv1.AdmissionRequest{
		"excluded namespace": review(t, "kube-system", podOf(plain)),
		"nodeName":           review(t, "default", bound),
		"DaemonSet pod":      review(t, "default", ds),
	} {
		if r := w.Admit(ctx, req); !r.Allowed || r.Patch != nil || reg.Requests() != pushed {
			t.Errorf("%s: allowed %v, patch %s, %d registry requests", name, r.Allowed, r.Patch, reg.Requests()-pushed)
		}
	}
	for range 3 {
		if r := w.Admit(ctx, review(t, "default", podOf(plain))); !r.Allowed || r.Patch != nil || len(r.Warnings) > 0 {
			t.Fatalf("image without a spec: allowed %v, patch %s, warnings %v", r.Allowed, r.Patch, r.Warnings)
		}
	}
	if n := w.Stats().RegistryLookups; n != 1 {
		t.Errorf("3 pods of a spec-less image cost %d lookups, want 1 (negative answers are cached)", n)
	}
	places := newTestWebhook(t, func(c *Config) {
		c.AllowedRegistries = []string{"127.0.0.1:*"}
		c.Target.PlainHTTP = true
		c.PlaceDaemonSetPods = true
	})
	if places.Admit(ctx, review(t, "default", ds)); places.Stats().RegistryLookups != 1 {
		t.Error("with PlaceDaemonSetPods, a DaemonSet pod's image is looked up")
	}
	deny := newTestWebhook(t, func(c *Config) {
		c.AllowedRegistries = []string{"127.0.0.1:*"}
		c.Target.PlainHTTP = true
		c.Policy.OnMissing = policy.Deny
	})
	if r := deny.Admit(ctx, review(t, "default", podOf(plain))); r.Allowed || !strings.Contains(r.Result.Message, "refused by on_missing=deny") {
		t.Fatalf("on_missing=deny: %+v", r.Result)
	}
}

// TestAdmitRegistryNotAllowed: an image of a registry not allowed is never
// fetched; on_error decides (allow: a warning, deny: refused).
func TestAdmitRegistryNotAllowed(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	img := reg.Ref("app", "v1")
	w := newTestWebhook(t, func(c *Config) { c.AllowedRegistries = []string{"registry.example.com"} })
	r := w.Admit(ctx, review(t, "default", podOf(img)))
	if !r.Allowed || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "registry not in the webhook's allowed registries") || reg.Requests() != 0 {
		t.Fatalf("on_error=allow: allowed %v, warnings %q, %d registry requests", r.Allowed, r.Warnings, reg.Requests())
	}
	w = newTestWebhook(t, func(c *Config) { c.Policy.OnError = policy.Deny })
	r = w.Admit(ctx, review(t, "default", podOf(img)))
	if r.Allowed || !strings.Contains(r.Result.Message, "refused by on_error=deny") || reg.Requests() != 0 {
		t.Fatalf("on_error=deny: %+v, %d registry requests", r.Result, reg.Requests())
	}
}

// TestAdmitRegistryHangs: a registry that never answers is decided by
// on_error within the policy's timeout.
func TestAdmitRegistryHangs(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	w := newTestWebhook(t, func(c *Config) {
		c.AllowedRegistries = []string{"127.0.0.1:*"}
		c.Target.PlainHTTP = true
		c.Policy.OnError = policy.Deny
		c.Policy.Timeout = policy.Duration(500 * time.Millisecond)
	})
	start := time.Now()
	r := w.Admit(context.Background(), review(t, "default", podOf(ln.Addr().String()+"/app:v1")))
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("took %v with a 500ms timeout", took)
	}
	if r.Allowed || !strings.Contains(r.Result.Message, "refused by on_error=deny") || !strings.Contains(r.Result.Message, "no answer from "+ln.Addr().String()+" within the policy's timeout 500ms") {
		t.Fatalf("hanging registry: %+v", r.Result)
	}
}

// TestAffinityIdempotent: a pod admitted again (reinvocationPolicy
// IfNeeded, or a copy of an admitted pod) gets the same affinity, not its
// image's terms twice.
func TestAffinityIdempotent(t *testing.T) {
	w := newTestWebhook(t, nil)
	pod := &corev1.Pod{}
	once, err := w.affinity(pod, []ImageDecision{{answer: &answer{Single: placed(t, digestA)}}})
	if err != nil {
		t.Fatal(err)
	}
	pod.Spec.Affinity = once
	twice, err := w.affinity(pod, []ImageDecision{{answer: &answer{Single: placed(t, digestA)}}})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := jsonOf(t, once), jsonOf(t, twice); a != b {
		t.Fatalf("admitted twice:\n%s\nonce:\n%s", b, a)
	}
}

// BenchmarkAdmitWarm: one admission of a pod whose image's placement and
// rule are cached (every replica after the first), reported with its P99.
func BenchmarkAdmitWarm(b *testing.B) {
	dc, err := dynamic.NewForConfig(&rest.Config{Host: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	w, err := New(Config{Dynamic: dc, AllowedRegistries: []string{"registry.example.com"}, CacheTTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	p := placed(b, digestA)
	image := "registry.example.com/team/app:v1"
	w.images.Get(ctx, "registry.example.com/team/app:v1", func(context.Context) (*answer, error) { return &answer{Single: p}, nil }, nil)
	w.rules.Get(ctx, p.Result.NodeFeatureRule.Name, func(context.Context) (string, error) { return "created", nil }, nil)
	raw, err := json.Marshal(podOf(image, "registry.example.com/team/app:v1"))
	if err != nil {
		b.Fatal(err)
	}
	req := &admissionv1.AdmissionRequest{UID: "u", Kind: metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Operation: admissionv1.Create, Namespace: "default", Object: runtime.RawExtension{Raw: raw}}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		r := w.Admit(ctx, req)
		lat = append(lat, time.Since(start))
		if r.Patch == nil {
			b.Fatal("no patch")
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	if w.Stats().RegistryLookups != 0 {
		b.Fatal("the warm path looked an image up")
	}
}

// TestAdmitRedacts: a registry that quotes the webhook's credentials in its
// error body never gets them into the admission answer.
func TestAdmitRedacts(t *testing.T) {
	reg := testregistry.Start(t, testregistry.GGCRReferrers, testregistry.EchoAuthorization(401))
	w := newTestWebhook(t, func(c *Config) {
		c.AllowedRegistries = []string{"127.0.0.1:*"}
		c.Target.PlainHTTP = true
		c.Target.Credentials = &target.Credentials{Username: "user", Password: "s3cretPassw0rd"}
		c.Policy.OnError = policy.Deny
	})
	r := w.Admit(context.Background(), review(t, "default", podOf(reg.Ref("app", "v1"))))
	out := jsonOf(t, r)
	if r.Allowed || strings.Contains(out, "s3cretPassw0rd") || strings.Contains(out, "dXNlcjpzM2NyZXRQYXNzdzByZA") {
		t.Fatalf("answer holds the credentials or allowed: %s", out)
	}
}
