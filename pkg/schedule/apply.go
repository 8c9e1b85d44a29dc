package schedule

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// NodeFeatureRules is NFD's NodeFeatureRule resource.
var NodeFeatureRules = nfdv1alpha1.SchemeGroupVersion.WithResource("nodefeaturerules")

// ApplyRule server-side applies the rule as fieldManager, forcing
// ownership of the fields it sends (the rule is nfd-compat's by name).
// Fields it applied before and no longer sends are removed by the API
// server; fields other managers set are kept. It returns what happened:
// "created", "configured" or "unchanged", as kubectl says. schedule
// --apply and the admission webhook both apply through it.
func ApplyRule(ctx context.Context, dc dynamic.Interface, fieldManager string, nfr *nfdv1alpha1.NodeFeatureRule) (string, error) {
	obj := nfr.DeepCopy()
	obj.APIVersion, obj.Kind = nfdv1alpha1.SchemeGroupVersion.String(), "NodeFeatureRule"
	// Without the nulls and empty fields NFD's types encode: the CRD's
	// schema refuses null where it wants an object or array, and an
	// apply configuration should hold only the fields it owns.
	v, err := Pruned(obj)
	if err != nil {
		return "", err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return "", fmt.Errorf("NodeFeatureRule %s: encodes as %T, not an object", nfr.Name, v)
	}
	u := &unstructured.Unstructured{Object: m}
	unstructured.RemoveNestedField(u.Object, "metadata", "creationTimestamp")
	rules := dc.Resource(NodeFeatureRules)
	before := ""
	switch old, err := rules.Get(ctx, nfr.Name, metav1.GetOptions{}); {
	case err == nil:
		before = old.GetResourceVersion()
	case !apierrors.IsNotFound(err):
		return "", explainApply(nfr.Name, err)
	}
	got, err := rules.Apply(ctx, nfr.Name, u, metav1.ApplyOptions{FieldManager: fieldManager, Force: true})
	if err != nil {
		return "", explainApply(nfr.Name, err)
	}
	switch {
	case before == "":
		return "created", nil
	case got.GetResourceVersion() == before:
		return "unchanged", nil
	}
	return "configured", nil
}

func explainApply(name string, err error) error {
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("apply NodeFeatureRule %s: %w; is NFD installed (its CRD nodefeaturerules.nfd.k8s-sigs.io)?", name, err)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("apply NodeFeatureRule %s: %w; the API server did not accept the kubeconfig's credentials (wrong or expired token or certificate)", name, err)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("apply NodeFeatureRule %s: %w; the credentials need get and patch permission on nodefeaturerules.nfd.k8s-sigs.io (cluster-scoped: a ClusterRole bound to the user)", name, err)
	}
	return fmt.Errorf("apply NodeFeatureRule %s: %w", name, err)
}
