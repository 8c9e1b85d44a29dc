package webhook

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func gcRule(name, label string, created time.Time, lastUsed string) unstructured.Unstructured {
	var u unstructured.Unstructured
	u.SetName(name)
	u.SetCreationTimestamp(metav1.NewTime(created))
	if label != "" {
		u.SetLabels(map[string]string{ArtifactLabel: label})
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
		gcPod(t, "", ImageDecision{Image: "a", Rule: "by-name"}),
		gcPod(t, "", ImageDecision{Image: "b", Artifact: "sha256:" + hexA + "cccc"}),
		gcPod(t, "not json"),
		gcPod(t, ""),
	}
	log := logrus.New()
	log.SetLevel(logrus.PanicLevel)
	var got []string
	for _, r := range staleRules(rules, pods, now, grace, log) {
		got = append(got, r.GetName())
	}
	if want := []string{"used-long-ago", "bad-last-used", "unused"}; !slices.Equal(got, want) {
		t.Fatalf("stale rules %v, want %v", got, want)
	}
	// The clock decides: 25 hours earlier, the unused rules were created
	// 23 hours before, within the grace.
	got = nil
	for _, r := range staleRules(rules, pods, now.Add(-25*time.Hour), grace, log) {
		got = append(got, r.GetName())
	}
	if len(got) != 0 {
		t.Fatalf("a day earlier: stale rules %v, want none", got)
	}
	// Grace zero: every unreferenced rule of ours, however young.
	got = nil
	for _, r := range staleRules(rules, pods, now, 0, log) {
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
		{Platform: "linux/amd64", Artifact: "sha256:" + hexA},
		{Platform: "linux/arm64", Rule: "arm64-rule"},
		{Platform: "linux/s390x", Verdict: "missing"},
	}})}
	var got []string
	for _, r := range staleRules(rules, pods, now, time.Hour, logrus.New()) {
		got = append(got, r.GetName())
	}
	if want := []string{"unused"}; !slices.Equal(got, want) {
		t.Fatalf("stale rules %v, want %v", got, want)
	}
}
