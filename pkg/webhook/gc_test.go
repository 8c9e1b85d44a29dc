package webhook

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// gcRule is a rule applied by the webhook's field manager (another one if
// manager is set) with the set label sha256-<label>.gpu.
func gcRule(name, label string, created time.Time, lastUsed string, manager ...string) unstructured.Unstructured {
	var u unstructured.Unstructured
	u.SetName(name)
	u.SetCreationTimestamp(metav1.NewTime(created))
	m := DefaultFieldManager
	if len(manager) > 0 {
		m = manager[0]
	}
	u.SetManagedFields([]metav1.ManagedFieldsEntry{{Manager: "kubectl"}, {Manager: m, Operation: metav1.ManagedFieldsOperationApply}})
	if label != "" {
		u.SetLabels(map[string]string{ArtifactLabel: label})
	}
	if err := unstructured.SetNestedSlice(u.Object, []any{map[string]any{"name": "gpu",
		"labels": map[string]any{"compat.nfd-compat.io/sha256-" + label + ".gpu": "true"}}}, "spec", "rules"); err != nil {
		panic(err)
	}
	if lastUsed != "" {
		u.SetAnnotations(map[string]string{LastUsedAnnotation: lastUsed})
	}
	return u
}

func gcPod(t *testing.T, annotation string, images ...ImageDecision) unstructured.Unstructured {
	var u unstructured.Unstructured
	u.SetNamespace("ns")
	u.SetName("p")
	if annotation == "" && images != nil {
		b, err := json.Marshal(Decision{Mode: "enforce", Images: images})
		if err != nil {
			t.Fatal(err)
		}
		annotation = string(b)
	}
	if annotation != "" {
		u.SetAnnotations(map[string]string{DecisionAnnotation: annotation})
	}
	return u
}

// TestStaleRules: the decision of the garbage collector with a fixed
// clock: referenced rules (by name or by artifact), rules created or used
// within the grace and rules without the webhook's label are kept.
func TestStaleRules(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	grace := 24 * time.Hour
	old, recent := now.Add(-48*time.Hour), now.Add(-time.Hour)
	hexA, hexB := "aaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbb"
	rules := []unstructured.Unstructured{
		gcRule("by-name", "1111", old, ""),
		gcRule("by-artifact", hexA+"cccc", old, ""),
		gcRule("young", "2222", recent, ""),
		gcRule("used-recently", "3333", old, recent.Format(time.RFC3339)),
		gcRule("used-long-ago", "4444", old, now.Add(-25*time.Hour).Format(time.RFC3339)),
		gcRule("bad-last-used", "5555", old, "yesterday"),
		gcRule("foreign", "", old, ""),
		gcRule("unused", hexB, old, ""),
	}
	pods := []unstructured.Unstructured{
		gcPod(t, "", ImageDecision{Image: "a", Outcome: Outcome{Rule: "by-name"}}),
		gcPod(t, "", ImageDecision{Image: "b", Outcome: Outcome{Artifact: "sha256:" + hexA + "cccc"}}),
		gcPod(t, "not json"),
		gcPod(t, ""),
	}
	log := logrus.New()
	log.SetLevel(logrus.PanicLevel)
	var got []string
	for _, r := range staleRules(rules, pods, now, grace, DefaultFieldManager, log) {
		got = append(got, r.GetName())
	}
	if want := []string{"used-long-ago", "bad-last-used", "unused"}; !slices.Equal(got, want) {
		t.Fatalf("stale rules %v, want %v", got, want)
	}
	// The clock decides: 25 hours earlier, the unused rules were created
	// 23 hours before, within the grace.
	got = nil
	for _, r := range staleRules(rules, pods, now.Add(-25*time.Hour), grace, DefaultFieldManager, log) {
		got = append(got, r.GetName())
	}
	if len(got) != 0 {
		t.Fatalf("a day earlier: stale rules %v, want none", got)
	}
	// Grace zero: every unreferenced rule of ours, however young.
	got = nil
	for _, r := range staleRules(rules, pods, now, 0, DefaultFieldManager, log) {
		got = append(got, r.GetName())
	}
	if want := []string{"young", "used-recently", "used-long-ago", "bad-last-used", "unused"}; !slices.Equal(got, want) {
		t.Fatalf("grace 0: stale rules %v, want %v", got, want)
	}
}

func TestRuleGCInterval(t *testing.T) {
	for _, c := range []struct{ grace, interval, want time.Duration }{
		{24 * time.Hour, 0, time.Hour},
		{time.Hour, 0, 15 * time.Minute},
		{time.Minute, 0, time.Minute},
		{24 * time.Hour, 5 * time.Minute, 5 * time.Minute},
		{24 * time.Hour, time.Second, time.Minute},
	} {
		if got := RuleGCInterval(c.grace, c.interval); got != c.want {
			t.Errorf("RuleGCInterval(%v, %v) = %v, want %v", c.grace, c.interval, got, c.want)
		}
	}
}

// TestStaleRulesPlatforms: the rules an index's platforms name (by rule
// or by artifact) in a pod's annotation are kept; the others go.
func TestStaleRulesPlatforms(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	old := now.Add(-48 * time.Hour)
	hexA := "aaaaaaaaaaaaaaaaaaaaaaaa"
	rules := []unstructured.Unstructured{
		gcRule("arm64-rule", "1111", old, ""),
		gcRule("amd64-by-artifact", hexA, old, ""),
		gcRule("unused", "2222", old, ""),
	}
	pods := []unstructured.Unstructured{gcPod(t, "", ImageDecision{Image: "multi", Platforms: []PlatformDecision{
		{Platform: "linux/amd64", Outcome: Outcome{Artifact: "sha256:" + hexA}},
		{Platform: "linux/arm64", Outcome: Outcome{Rule: "arm64-rule"}},
		{Platform: "linux/s390x", Outcome: Outcome{Verdict: "missing"}},
	}})}
	var got []string
	for _, r := range staleRules(rules, pods, now, time.Hour, DefaultFieldManager, logrus.New()) {
		got = append(got, r.GetName())
	}
	if want := []string{"unused"}; !slices.Equal(got, want) {
		t.Fatalf("stale rules %v, want %v", got, want)
	}
}

// affinityPod is a pod without the webhook's annotation whose node
// affinity (or nodeSelector) names node label keys.
func affinityPod(t *testing.T, required, preferred []string, nodeSelector map[string]string) unstructured.Unstructured {
	t.Helper()
	pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "copied"}, Spec: corev1.PodSpec{NodeSelector: nodeSelector}}
	na := &corev1.NodeAffinity{}
	if required != nil {
		na.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{}
		for _, k := range required {
			na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms = append(na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms,
				corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpExists}, {Key: k, Operator: corev1.NodeSelectorOpIn, Values: []string{"true"}}}})
		}
	}
	for _, k := range preferred {
		na.PreferredDuringSchedulingIgnoredDuringExecution = append(na.PreferredDuringSchedulingIgnoredDuringExecution,
			corev1.PreferredSchedulingTerm{Weight: 10, Preference: corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: k, Operator: corev1.NodeSelectorOpExists}}}})
	}
	pod.Spec.Affinity = &corev1.Affinity{NodeAffinity: na}
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&pod)
	if err != nil {
		t.Fatal(err)
	}
	return unstructured.Unstructured{Object: obj}
}

// TestStaleRulesAffinity: a rule is kept for a pod without the webhook's
// annotation whose node affinity (a required term, a preferred term) or
// nodeSelector names one of its labels, or a label of the same artifact
// under another prefix or set; a pod naming other labels keeps nothing.
// Rules the webhook did not apply (another field manager, or without
// ArtifactLabel) are never stale.
func TestStaleRulesAffinity(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	old := now.Add(-48 * time.Hour)
	hex := func(c string) string { return strings.Repeat(c, 24) }
	rules := []unstructured.Unstructured{
		gcRule("required", hex("1"), old, ""),
		gcRule("preferred", hex("2"), old, ""),
		gcRule("node-selector", hex("3"), old, ""),
		gcRule("other-prefix", hex("4"), old, ""),
		gcRule("unused", hex("5"), old, ""),
		gcRule("schedule-apply", hex("6"), old, "", "nfd-compat"),
		gcRule("no-label", "", old, ""),
	}
	label := func(c, set string) string { return "compat.nfd-compat.io/sha256-" + hex(c) + "." + set }
	pods := []unstructured.Unstructured{
		affinityPod(t, []string{"kubernetes.io/arch", label("1", "gpu")}, nil, nil),
		affinityPod(t, nil, []string{label("2", "gpu")}, nil),
		affinityPod(t, nil, nil, map[string]string{label("3", "gpu"): "true"}),
		affinityPod(t, []string{"example.com/sha256-" + hex("4") + ".cpu"}, nil, nil),
		affinityPod(t, []string{"topology.kubernetes.io/zone", label("9", "gpu")}, []string{"example.com/ssd"}, map[string]string{"disk": "ssd"}),
	}
	log := logrus.New()
	log.SetLevel(logrus.PanicLevel)
	var got []string
	for _, r := range staleRules(rules, pods, now, time.Hour, DefaultFieldManager, log) {
		got = append(got, r.GetName())
	}
	if want := []string{"unused"}; !slices.Equal(got, want) {
		t.Fatalf("stale rules %v, want %v", got, want)
	}
	// Without the pods, every rule of the webhook goes; the others never.
	got = nil
	for _, r := range staleRules(rules, nil, now, time.Hour, DefaultFieldManager, log) {
		got = append(got, r.GetName())
	}
	if want := []string{"required", "preferred", "node-selector", "other-prefix", "unused"}; !slices.Equal(got, want) {
		t.Fatalf("no pods: stale rules %v, want %v", got, want)
	}
}
