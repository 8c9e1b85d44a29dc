package integration

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	tcp "github.com/nfd-compat/nfd-compat/internal/testcontrolplane"
	"github.com/nfd-compat/nfd-compat/pkg/metrics"
	"github.com/nfd-compat/nfd-compat/pkg/schedule"
	"github.com/nfd-compat/nfd-compat/pkg/webhook"
)

// TestWebhookRuleGC: on the real API server, a garbage collection pass
// (clock an hour ahead, grace 30 minutes) deletes only the webhook's rule
// no pod references; the rule a pod's placement annotation names, the one
// a pod without the annotation names in its node affinity, the one last
// used within the grace, a NodeFeatureRule without the webhook's label and
// one with its label applied by another field manager stay.
func TestWebhookRuleGC(t *testing.T) {
	cp := tcp.Start(t, tcp.Options{})
	ctx := context.Background()
	applyBy := func(manager, name string, labels, annotations map[string]string) {
		t.Helper()
		nfr := &nfdv1alpha1.NodeFeatureRule{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: annotations},
			Spec: nfdv1alpha1.NodeFeatureRuleSpec{Rules: []nfdv1alpha1.Rule{{Name: "r", Labels: map[string]string{
				"compat.nfd-compat.io/" + strings.TrimPrefix(name, "nfd-compat-") + ".gpu": "true"}}}}}
		if _, err := schedule.ApplyRule(ctx, cp.Dynamic, manager, nfr); err != nil {
			t.Fatal(err)
		}
	}
	rule := func(name string, labels, annotations map[string]string) {
		t.Helper()
		applyBy(webhook.DefaultFieldManager, name, labels, annotations)
	}
	now := time.Now().Add(time.Hour)
	rule("nfd-compat-sha256-aaaaaaaaaaaaaaaaaaaaaaaa", map[string]string{webhook.ArtifactLabel: "aaaaaaaaaaaaaaaaaaaaaaaa"}, nil)
	rule("nfd-compat-sha256-bbbbbbbbbbbbbbbbbbbbbbbb", map[string]string{webhook.ArtifactLabel: "bbbbbbbbbbbbbbbbbbbbbbbb"}, nil)
	rule("nfd-compat-sha256-cccccccccccccccccccccccc", map[string]string{webhook.ArtifactLabel: "cccccccccccccccccccccccc"},
		map[string]string{webhook.LastUsedAnnotation: now.Add(-time.Minute).UTC().Format(time.RFC3339)})
	rule("nfd-compat-sha256-dddddddddddddddddddddddd", map[string]string{webhook.ArtifactLabel: "dddddddddddddddddddddddd"}, nil)
	rule("someone-elses", map[string]string{"team": "gpu"}, nil)
	applyBy("nfd-compat", "applied-by-schedule", map[string]string{webhook.ArtifactLabel: "eeeeeeeeeeeeeeeeeeeeeeee"}, nil)

	cp.CreateNamespace(t, "gc")
	ann, err := json.Marshal(webhook.Decision{Mode: "enforce", Images: []webhook.ImageDecision{{Image: "example.invalid/a:v1",
		Outcome: webhook.Outcome{Artifact: "sha256:aaaaaaaaaaaaaaaaaaaaaaaa", Rule: "nfd-compat-sha256-aaaaaaaaaaaaaaaaaaaaaaaa"}}}})
	if err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "uses-a", Namespace: "gc", Annotations: map[string]string{webhook.DecisionAnnotation: string(ann)}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/a:v1"}}}}
	if _, err := cp.Client.CoreV1().Pods("gc").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A pod without the annotation (admitted while it was stripped, or
	// copied from an admitted pod) whose affinity names d's label.
	copied := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "affinity-d", Namespace: "gc"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/d:v1"}},
			Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{{
					Key: "compat.nfd-compat.io/sha256-dddddddddddddddddddddddd.gpu", Operator: corev1.NodeSelectorOpIn, Values: []string{"true"}}}}}}}}}}
	if _, err := cp.Client.CoreV1().Pods("gc").Create(ctx, copied, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	log := logrus.New()
	log.SetOutput(testWriter{t})
	wh, err := webhook.New(webhook.Config{Dynamic: cp.Dynamic, Log: log, CacheTTL: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	deleted, err := wh.CollectRules(ctx, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"nfd-compat-sha256-bbbbbbbbbbbbbbbbbbbbbbbb"}; !slices.Equal(deleted, want) {
		t.Fatalf("deleted %v, want %v", deleted, want)
	}
	l, err := cp.Dynamic.Resource(tcp.NodeFeatureRules).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, r := range l.Items {
		left = append(left, r.GetName())
	}
	slices.Sort(left)
	if want := []string{"applied-by-schedule", "nfd-compat-sha256-aaaaaaaaaaaaaaaaaaaaaaaa", "nfd-compat-sha256-cccccccccccccccccccccccc",
		"nfd-compat-sha256-dddddddddddddddddddddddd", "someone-elses"}; !slices.Equal(left, want) {
		t.Fatalf("rules left %v, want %v", left, want)
	}
	if got := wh.Stats().RulesDeleted; got != 1 {
		t.Fatalf("RulesDeleted %d, want 1", got)
	}
	rec := httptest.NewRecorder()
	webhook.NewServer("", wh, nil, metrics.NewSet()).Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if want := "\n" + webhook.RulesDeletedMetric + " 1\n"; !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("/metrics has no %q:\n%s", want, rec.Body)
	}

	// The pod gone, its rule goes at the next pass; the one the other
	// pod's affinity names and the foreign ones never.
	if err := cp.Client.CoreV1().Pods("gc").Delete(ctx, "uses-a", metav1.DeleteOptions{GracePeriodSeconds: new(int64)}); err != nil {
		t.Fatal(err)
	}
	poll(t, 30*time.Second, "the pod to be gone", func() error {
		_, err := cp.Client.CoreV1().Pods("gc").Get(ctx, "uses-a", metav1.GetOptions{})
		if err == nil {
			return errors.New("still there")
		}
		return nil
	})
	deleted, err = wh.CollectRules(ctx, 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"nfd-compat-sha256-aaaaaaaaaaaaaaaaaaaaaaaa"}; !slices.Equal(deleted, want) {
		t.Fatalf("second pass deleted %v, want %v", deleted, want)
	}
	for _, name := range []string{"someone-elses", "applied-by-schedule", "nfd-compat-sha256-dddddddddddddddddddddddd"} {
		if _, err := cp.Dynamic.Resource(tcp.NodeFeatureRules).Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Fatalf("rule %s: %v", name, err)
		}
	}
}
