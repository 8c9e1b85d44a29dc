package webhook

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/nfd-compat/nfd-compat/pkg/policy"
)

// TestParseLabelSelector: JSON, YAML and kubectl -l syntax give the same
// selectors as Kubernetes; a misspelt field, an unknown operator or a bad
// key is an error naming the selector.
func TestParseLabelSelector(t *testing.T) {
	for in, want := range map[string]string{
		`{"matchLabels":{"team":"gpu"}}`:                                        "team=gpu",
		"matchExpressions: [{key: env, operator: In, values: [prod, staging]}]": "env in (prod,staging)",
		"env in (prod),!legacy":                                                 "env in (prod),!legacy",
		"team=gpu":                                                              "team=gpu",
		`{"matchExpressions":[{"key":"x","operator":"Exists"}]}`:                "x",
	} {
		sel, err := ParseLabelSelector(in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		s, err := metav1.LabelSelectorAsSelector(sel)
		if err != nil || s.String() != want {
			t.Errorf("%s: %v %v, want %s", in, s, err, want)
		}
	}
	for in, want := range map[string]string{
		`{"matchLabel":{"team":"gpu"}}`:                                         `unknown field "matchLabel"`,
		`{"matchExpressions":[{"key":"x","operator":"Within","values":["a"]}]}`: `"Within" is not a valid label selector operator`,
		"a=b=c":                                "label selector",
		"bad key!=x":                           "label selector",
		`{"matchLabels":{"team":"has space"}}`: "label selector",
	} {
		if _, err := ParseLabelSelector(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
	// In a Config, a selector Kubernetes refuses is ErrConfig naming it.
	_, err := New(Config{Dynamic: newTestWebhook(t, nil).cfg.Dynamic,
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "In"}}}})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "namespace selector") {
		t.Fatalf("In without values: %v", err)
	}
}

// TestAdmitPodSelector: only pods whose labels match the pod selector are
// decided (here: an image of a registry not allowed, so on_error=allow
// warns); the others are untouched, with no namespace read.
func TestAdmitPodSelector(t *testing.T) {
	sel, err := ParseLabelSelector("nfd-compat.io/place=yes")
	if err != nil {
		t.Fatal(err)
	}
	w := newTestWebhook(t, func(c *Config) { c.PodSelector = sel })
	ctx := context.Background()
	on := podOf("registry.example.com/app:v1")
	on.Labels = map[string]string{"nfd-compat.io/place": "yes"}
	if r := w.Admit(ctx, review(t, "default", on)); !r.Allowed || r.Patch == nil || len(r.Warnings) != 1 {
		t.Fatalf("selected pod: allowed %v, patch %s, warnings %q", r.Allowed, r.Patch, r.Warnings)
	}
	off := podOf("registry.example.com/app:v1")
	off.Labels = map[string]string{"nfd-compat.io/place": "no"}
	for _, p := range []*corev1.Pod{off, podOf("registry.example.com/app:v1")} {
		if r := w.Admit(ctx, review(t, "default", p)); !r.Allowed || r.Patch != nil || len(r.Warnings) != 0 {
			t.Fatalf("pod not selected: allowed %v, patch %s, warnings %q", r.Allowed, r.Patch, r.Warnings)
		}
	}
	if n := w.Stats().NamespaceLookups; n != 0 {
		t.Fatalf("%d namespace reads without a namespace selector", n)
	}
}

// TestAdmitNamespaceUnreadable: with a namespace selector and an API
// server that cannot be reached, on_error decides: allow admits the pod
// untouched with a warning, deny refuses it; the error is not cached.
func TestAdmitNamespaceUnreadable(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"nfd-compat.io/place": "yes"}}
	ctx := context.Background()
	w := newTestWebhook(t, func(c *Config) { c.NamespaceSelector = sel })
	for range 2 {
		r := w.Admit(ctx, review(t, "team", podOf("registry.example.com/app:v1")))
		if !r.Allowed || r.Patch != nil || len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "cannot read the namespace's labels: namespace team") ||
			!strings.Contains(r.Warnings[0], "allowed by on_error=allow") {
			t.Fatalf("on_error=allow: allowed %v, patch %s, warnings %q", r.Allowed, r.Patch, r.Warnings)
		}
	}
	if n := w.Stats().NamespaceLookups; n != 2 {
		t.Fatalf("%d namespace reads for 2 pods, want 2 (errors are not cached)", n)
	}
	w = newTestWebhook(t, func(c *Config) { c.NamespaceSelector = sel; c.Policy.OnError = policy.Deny })
	if r := w.Admit(ctx, review(t, "team", podOf("registry.example.com/app:v1"))); r.Allowed || !strings.Contains(r.Result.Message, "refused by on_error=deny") {
		t.Fatalf("on_error=deny: %+v", r.Result)
	}
	// An empty selector selects everything and reads nothing.
	w = newTestWebhook(t, func(c *Config) { c.NamespaceSelector = &metav1.LabelSelector{} })
	if r := w.Admit(ctx, review(t, "team", podOf("registry.example.com/app:v1"))); r.Patch == nil || w.Stats().NamespaceLookups != 0 {
		t.Fatalf("empty selector: patch %s, %d namespace reads", r.Patch, w.Stats().NamespaceLookups)
	}
}
