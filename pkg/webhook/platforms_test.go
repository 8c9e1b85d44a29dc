package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/nfd-compat/nfd-compat/internal/testimage"
	"github.com/nfd-compat/nfd-compat/internal/testregistry"
	"github.com/nfd-compat/nfd-compat/pkg/artifact"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

const armSets = `version: v1alpha1
compatibilities:
- tag: sve
  weight: 5
  rules:
  - name: sve
    matchFeatures:
    - feature: cpu.cpuid
      matchExpressions:
        SVE: {op: Exists}
- tag: base
  weight: 1
  rules:
  - name: arm
    matchFeatures:
    - feature: cpu.model
      matchExpressions:
        vendor_id: {op: In, value: ["ARM"]}
`

const oneSet = `version: v1alpha1
compatibilities:
- tag: x
  rules:
  - name: x
    matchFeatures:
    - feature: kernel.version
      matchExpressions:
        major: {op: Gt, value: ["4"]}
`

// multiArch pushes repo:v1, an index of linux/amd64 (twoSets), linux/arm64
// (armSets), linux/s390x (no spec) and windows/amd64, and returns the set
// label prefixes of the amd64 and arm64 artifacts.
func multiArch(t *testing.T, reg *testregistry.Registry, repo string) (amd, arm string) {
	t.Helper()
	ctx := context.Background()
	r := reg.Repo(t, repo)
	_, ms, err := testimage.PushIndex(ctx, r, "v1", []string{"linux/amd64", "linux/arm64", "linux/s390x", "windows/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := artifact.Attach(ctx, r, ms[0], []byte(twoSets), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := artifact.Attach(ctx, r, ms[1], []byte(armSets), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return "compat.nfd-compat.io/" + RuleRepository(a.Digest.String()) + ".", "compat.nfd-compat.io/" + RuleRepository(b.Digest.String()) + "."
}

func dryRun(req *admissionv1.AdmissionRequest) *admissionv1.AdmissionRequest {
	yes := true
	req.DryRun = &yes
	return req
}

// admitted applies an answer's patch to pod and returns the result.
func admitted(t *testing.T, pod *corev1.Pod, r *admissionv1.AdmissionResponse) *corev1.Pod {
	t.Helper()
	if !r.Allowed || r.Patch == nil {
		t.Fatalf("allowed %v, patch %s, result %+v", r.Allowed, r.Patch, r.Result)
	}
	patch, err := jsonpatch.DecodePatch(r.Patch)
	if err != nil {
		t.Fatal(err)
	}
	out, err := patch.Apply([]byte(jsonOf(t, pod)))
	if err != nil {
		t.Fatalf("apply %s: %v", r.Patch, err)
	}
	var got corev1.Pod
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	return &got
}

func node(os, arch string, labels ...string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: os + "-" + arch, Labels: map[string]string{
		corev1.LabelOSStable: os, corev1.LabelArchStable: arch}}}
	for _, l := range labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			v = "true"
		}
		n.Labels[k] = v
	}
	return n
}

// fits reports whether the scheduler's own matcher admits node for pod's
// required node affinity, and the node's preferred score.
func fits(t *testing.T, pod *corev1.Pod, n *corev1.Node) (bool, int64) {
	t.Helper()
	na := pod.Spec.Affinity.NodeAffinity
	sel, err := nodeaffinity.NewNodeSelector(na.RequiredDuringSchedulingIgnoredDuringExecution)
	if err != nil {
		t.Fatalf("the required affinity is invalid: %v", err)
	}
	pref, err := nodeaffinity.NewPreferredSchedulingTerms(na.PreferredDuringSchedulingIgnoredDuringExecution)
	if err != nil {
		t.Fatalf("the preferred affinity is invalid: %v", err)
	}
	return sel.Match(n), pref.Score(n)
}

func decisionOf(t *testing.T, pod *corev1.Pod) Decision {
	t.Helper()
	var d Decision
	if err := json.Unmarshal([]byte(pod.Annotations[DecisionAnnotation]), &d); err != nil {
		t.Fatalf("annotation %q: %v", pod.Annotations[DecisionAnnotation], err)
	}
	return d
}

func registryWebhook(t *testing.T, mut func(*Config)) *Webhook {
	return newTestWebhook(t, func(c *Config) {
		c.AllowedRegistries = []string{"127.0.0.1:*"}
		c.Target.PlainHTTP = true
		if mut != nil {
			mut(c)
		}
	})
}

// TestAdmitIndexPerPlatform: each linux platform of an index is judged by
// its own spec: an arm64 node by the arm64 spec's sets, an amd64 node by
// the amd64 one's, each with its os/arch; the platform without a spec is
// admitted on its os/arch with no further term (on_missing=allow); the
// windows platform is not judged; preferred terms score per platform; the
// annotation says per platform what was decided; a second pod costs no
// registry request; the patched pod admitted again keeps its affinity.
func TestAdmitIndexPerPlatform(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	amd, arm := multiArch(t, reg, "multi")
	image := reg.Ref("multi", "v1")
	w := registryWebhook(t, nil)
	pod := admitted(t, podOf(image), w.Admit(ctx, dryRun(review(t, "default", podOf(image)))))

	for _, c := range []struct {
		node  *corev1.Node
		fits  bool
		score int64
	}{
		{node("linux", "amd64", amd+"gpu"), true, 100},
		{node("linux", "amd64", amd+"cpu"), true, 10},
		{node("linux", "amd64", arm+"sve", arm+"base"), false, 0},
		{node("linux", "arm64", arm+"sve", arm+"base"), true, 100},
		{node("linux", "arm64", arm+"base"), true, 20},
		{node("linux", "arm64", amd+"gpu", amd+"cpu"), false, 0},
		{node("linux", "arm64"), false, 0},
		{node("linux", "s390x"), true, 0},
		{node("windows", "amd64", amd+"gpu"), false, 0},
		{node("linux", "ppc64le", amd+"gpu", arm+"sve"), false, 0},
	} {
		got, score := fits(t, pod, c.node)
		if got != c.fits || (got && score != c.score) {
			t.Errorf("node %v: fits %v score %d, want %v %d", c.node.Labels, got, score, c.fits, c.score)
		}
	}
	d := decisionOf(t, pod)
	if len(d.Images) != 1 || len(d.Images[0].Platforms) != 3 {
		t.Fatalf("decision %+v: want one image with 3 linux platforms", d)
	}
	want := map[string]string{
		"linux/amd64": "compatible allowed by mode=enforce " + amd + "gpu",
		"linux/arm64": "compatible allowed by mode=enforce " + arm + "sve",
		"linux/s390x": "missing allowed by on_missing=allow ",
	}
	for _, p := range d.Images[0].Platforms {
		first := ""
		if len(p.Sets) > 0 {
			first = p.Sets[0]
		}
		if got := fmt.Sprintf("%s %s %s", p.Verdict, p.Decision, first); got != want[p.Platform] {
			t.Errorf("platform %s: %q, want %q", p.Platform, got, want[p.Platform])
		}
		if (p.Verdict == policy.Compatible) != (p.Rule != "" && p.Artifact != "") {
			t.Errorf("platform %s: rule %q artifact %q", p.Platform, p.Rule, p.Artifact)
		}
	}
	if p := d.Images[0].Platforms[2]; !strings.Contains(p.Reason, "no compatibility artifact") {
		t.Errorf("s390x's reason %q", p.Reason)
	}

	before := reg.Requests()
	again := admitted(t, pod, w.Admit(ctx, dryRun(review(t, "default", pod))))
	if reg.Requests() != before || w.Stats().RegistryLookups != 1 {
		t.Errorf("a second pod cost %d registry requests, %d lookups in all; want 0 and 1", reg.Requests()-before, w.Stats().RegistryLookups)
	}
	if a, b := jsonOf(t, pod.Spec.Affinity), jsonOf(t, again.Spec.Affinity); a != b {
		t.Errorf("admitted again, the affinity changed:\n%s\nwas\n%s", b, a)
	}

	deny := registryWebhook(t, func(c *Config) { c.Policy.OnMissing = policy.Deny })
	pod = admitted(t, podOf(image), deny.Admit(ctx, dryRun(review(t, "default", podOf(image)))))
	if ok, _ := fits(t, pod, node("linux", "s390x")); ok {
		t.Error("on_missing=deny: the s390x node, whose platform has no spec, is admitted")
	}
	if ok, _ := fits(t, pod, node("linux", "arm64", arm+"base")); !ok {
		t.Error("on_missing=deny: the arm64 node passing the arm64 spec is not admitted")
	}
	if p := decisionOf(t, pod).Images[0].Platforms[2]; p.Decision != "refused by on_missing=deny" {
		t.Errorf("on_missing=deny: s390x decided %q", p.Decision)
	}

	one := registryWebhook(t, func(c *Config) { c.Platform = &ocispec.Platform{OS: "linux", Architecture: "arm64"} })
	pod = admitted(t, podOf(image), one.Admit(ctx, dryRun(review(t, "default", podOf(image)))))
	if ok, _ := fits(t, pod, node("linux", "amd64", amd+"gpu")); ok {
		t.Error("-platform linux/arm64: an amd64 node is admitted")
	}
	if ok, _ := fits(t, pod, node("linux", "arm64", arm+"base")); !ok || len(decisionOf(t, pod).Images[0].Platforms) != 1 {
		t.Errorf("-platform linux/arm64: the arm64 node is not admitted, or more than one platform judged: %s", pod.Annotations[DecisionAnnotation])
	}
}

// TestAdmitIndexWithOthers: an index image, a single-manifest image and
// the pod's own affinity combine: a node must pass the pod's term, one
// platform's spec of the index and the other image's set; past
// MaxRequiredTerms the pod is decided by on_error.
func TestAdmitIndexWithOthers(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	amd, arm := multiArch(t, reg, "multi")
	single := reg.Repo(t, "single")
	desc, err := testimage.Push(ctx, single, "v1")
	if err != nil {
		t.Fatal(err)
	}
	a, err := artifact.Attach(ctx, single, desc, []byte(oneSet), artifact.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x := "compat.nfd-compat.io/" + RuleRepository(a.Digest.String()) + ".x"
	zones := func(n int) *corev1.Pod {
		p := podOf(reg.Ref("multi", "v1"), reg.Ref("single", "v1"))
		var terms []corev1.NodeSelectorTerm
		for i := range n {
			terms = append(terms, corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{fmt.Sprint("z", i)}}}})
		}
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms}}}
		return p
	}
	w := registryWebhook(t, nil)
	pod := admitted(t, zones(2), w.Admit(ctx, dryRun(review(t, "default", zones(2)))))
	for _, c := range []struct {
		node *corev1.Node
		fits bool
	}{
		{node("linux", "arm64", arm+"base", x, "zone=z1"), true},
		{node("linux", "amd64", amd+"cpu", x, "zone=z0"), true},
		{node("linux", "s390x", x, "zone=z0"), true},
		{node("linux", "arm64", arm+"base", "zone=z1"), false},
		{node("linux", "arm64", arm+"base", x, "zone=z9"), false},
		{node("linux", "arm64", amd+"cpu", x, "zone=z1"), false},
		{node("linux", "s390x", "zone=z0"), false},
	} {
		if got, _ := fits(t, pod, c.node); got != c.fits {
			t.Errorf("node %v: fits %v, want %v", c.node.Labels, got, c.fits)
		}
	}
	// 5 terms of the index (2 amd64 sets, 2 arm64, s390x) times 1 set times
	// 12 zones is 60; 13 zones is 65.
	if n := len(pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms); n != 10 {
		t.Errorf("%d required terms, want 2 zones x 5 platform terms", n)
	}
	if r := w.Admit(ctx, dryRun(review(t, "default", zones(12)))); r.Patch == nil || len(r.Warnings) > 0 {
		t.Errorf("12 zones: patch %s, warnings %q", r.Patch, r.Warnings)
	}
	deny := registryWebhook(t, func(c *Config) { c.Policy.OnError = policy.Deny })
	if r := deny.Admit(ctx, dryRun(review(t, "default", zones(13)))); r.Allowed || !strings.Contains(r.Result.Message, "more than 64 required node selector terms") {
		t.Errorf("13 zones, on_error=deny: allowed %v, %+v", r.Allowed, r.Result)
	}
}

// TestAdmitIndexBounds: an index with more linux platforms than
// MaxPlatforms is decided by on_error without a referrers request per
// platform; an index none of whose platforms has a spec is on_missing's
// (the pod untouched under allow).
func TestAdmitIndexBounds(t *testing.T) {
	ctx := context.Background()
	reg := testregistry.Start(t, testregistry.GGCRReferrers)
	var plats []string
	for i := range MaxPlatforms + 1 {
		plats = append(plats, fmt.Sprintf("linux/arch%d", i))
	}
	if _, _, err := testimage.PushIndex(ctx, reg.Repo(t, "wide"), "v1", plats); err != nil {
		t.Fatal(err)
	}
	if _, _, err := testimage.PushIndex(ctx, reg.Repo(t, "bare"), "v1", []string{"linux/amd64", "linux/arm64"}); err != nil {
		t.Fatal(err)
	}
	odd := reg.Repo(t, "odd")
	_, ms, err := testimage.PushIndex(ctx, odd, "v1", []string{"linux/amd64", "linux/x\x1b[31my", "linux/arm/v7 x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := artifact.Attach(ctx, odd, ms[0], []byte(twoSets), artifact.AttachOptions{}); err != nil {
		t.Fatal(err)
	}
	w := registryWebhook(t, func(c *Config) { c.Policy.OnError = policy.Deny })
	before := reg.Requests()
	r := w.Admit(ctx, dryRun(review(t, "default", podOf(reg.Ref("wide", "v1")))))
	if r.Allowed || !strings.Contains(r.Result.Message, "too many platforms in the index: 17 linux platforms, at most 16") {
		t.Fatalf("17 platforms: allowed %v, %+v", r.Allowed, r.Result)
	}
	if n := reg.Requests() - before; n > 2 {
		t.Errorf("17 platforms cost %d registry requests, want the resolve alone", n)
	}
	// Platforms no node can have (not label values) are not judged, and
	// their text reaches neither the affinity nor the annotation.
	r = w.Admit(ctx, dryRun(review(t, "default", podOf(reg.Ref("odd", "v1")))))
	if !r.Allowed || strings.Contains(string(r.Patch), "x\\u001b") || strings.Contains(string(r.Patch), "v7 x") {
		t.Fatalf("odd platforms: allowed %v, patch %s", r.Allowed, r.Patch)
	}
	if p := admitted(t, podOf(reg.Ref("odd", "v1")), r); len(decisionOf(t, p).Images[0].Platforms) != 1 {
		t.Fatalf("odd platforms judged: %s", p.Annotations[DecisionAnnotation])
	}
	for range 2 {
		if r := w.Admit(ctx, dryRun(review(t, "default", podOf(reg.Ref("bare", "v1"))))); !r.Allowed || r.Patch != nil {
			t.Fatalf("index without specs: allowed %v, patch %s", r.Allowed, r.Patch)
		}
	}
	if n := w.Stats().RegistryLookups; n != 3 {
		t.Errorf("%d lookups, want 3: the index without specs is answered from the cache the second time", n)
	}
}

// TestRequirementBound: one index whose platforms' sets alone make more
// than MaxRequiredTerms terms is an error (on_error decides), as is one
// whose every os/arch is refused; the variants of an os/arch multiply.
func TestRequirementBound(t *testing.T) {
	w := newTestWebhook(t, nil)
	var five strings.Builder
	five.WriteString("version: v1alpha1\ncompatibilities:\n")
	for i := range 5 {
		fmt.Fprintf(&five, "- tag: s%d\n  weight: %d\n  rules:\n  - name: r\n    matchFeatures:\n    - feature: cpu.model\n      matchExpressions:\n        id: {op: In, value: [\"%d\"]}\n", i, i+1, i)
	}
	s, _, err := spec.Parse([]byte(five.String()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := schedule.Generate(s, schedule.Options{Repository: RuleRepository(digestA)})
	if err != nil {
		t.Fatal(err)
	}
	p := &placement{Artifact: digestA, Result: res}
	wide := &answer{}
	for i := range MaxPlatforms {
		wide.Platforms = append(wide.Platforms, platformAnswer{Platform: ocispec.Platform{OS: "linux", Architecture: fmt.Sprint("a", i)}, Placement: p})
	}
	if _, err := w.affinity(&corev1.Pod{}, []ImageDecision{{Image: "wide", answer: wide}}); err == nil || !strings.Contains(err.Error(), "wide: the platforms' sets of one image make more than 64") {
		t.Fatalf("16 platforms x 5 sets: %v", err)
	}
	// arm/v6 and arm/v7: a node of arch arm must pass a set of each.
	arm := &answer{Platforms: []platformAnswer{
		{Platform: ocispec.Platform{OS: "linux", Architecture: "arm", Variant: "v6"}, Placement: placed(t, digestA)},
		{Platform: ocispec.Platform{OS: "linux", Architecture: "arm", Variant: "v7"}, Placement: placed(t, digestB)},
	}}
	aff, err := w.affinity(&corev1.Pod{}, []ImageDecision{{answer: arm}})
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{Affinity: aff}}
	la, lb := "compat.nfd-compat.io/sha256-aaaaaaaaaaaaaaaaaaaaaaaa.", "compat.nfd-compat.io/sha256-bbbbbbbbbbbbbbbbbbbbbbbb."
	if ok, _ := fits(t, pod, node("linux", "arm", la+"cpu")); ok {
		t.Error("an arm node passing only v6's spec is admitted")
	}
	if ok, _ := fits(t, pod, node("linux", "arm", la+"cpu", lb+"gpu")); !ok {
		t.Error("an arm node passing both variants' specs is not admitted")
	}
	// Every os/arch refused (a variant without a spec, on_missing=deny).
	arm.Platforms[1].Placement = nil
	deny := newTestWebhook(t, func(c *Config) { c.Policy.OnMissing = policy.Deny })
	if _, err := deny.affinity(&corev1.Pod{}, []ImageDecision{{answer: arm}}); err == nil || !strings.Contains(err.Error(), "no platform of the image may be placed: linux/arm") {
		t.Fatalf("every os/arch refused: %v", err)
	}
}
