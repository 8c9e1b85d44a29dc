package features_test

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/pkg/features"
)

func nodeFeature(ns, name string, attrs map[string]string) *nfdv1alpha1.NodeFeature {
	nf := &nfdv1alpha1.NodeFeature{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	nf.Spec.Features.Attributes = map[string]nfdv1alpha1.AttributeFeatureSet{"a.b": {Elements: attrs}}
	return nf
}

// TestMergeNodeFeatures: nfd-master's order (its namespace first, then by
// name, then by namespace), later objects overwriting earlier ones element
// by element, the inputs untouched.
func TestMergeNodeFeatures(t *testing.T) {
	objs := []*nfdv1alpha1.NodeFeature{
		nodeFeature("vendor", "a", map[string]string{"k": "vendor/a", "v": "1"}),
		nodeFeature("zz", "a", map[string]string{"k": "zz/a"}),
		nodeFeature("nfd", "z", map[string]string{"k": "nfd/z", "n": "1"}),
		nodeFeature("aa", "b", map[string]string{"k": "aa/b"}),
	}
	before := make([]*nfdv1alpha1.NodeFeature, len(objs))
	for i, o := range objs {
		before[i] = o.DeepCopy()
	}
	f, order := features.MergeNodeFeatures(objs, "nfd")
	if want := []int{2, 0, 1, 3}; !reflect.DeepEqual(order, want) {
		t.Errorf("order = %v, want %v (nfd/z, vendor/a, zz/a, aa/b)", order, want)
	}
	if got, want := f.Attributes["a.b"].Elements, map[string]string{"k": "aa/b", "v": "1", "n": "1"}; !reflect.DeepEqual(got, want) {
		t.Errorf("merged = %v, want %v", got, want)
	}
	if f.Flags == nil || f.Instances == nil {
		t.Error("merged features are not normalised")
	}
	if !reflect.DeepEqual(objs, before) {
		t.Error("MergeNodeFeatures modified its inputs")
	}
	f.Attributes["a.b"].Elements["k"] = "changed"
	if objs[2].Spec.Features.Attributes["a.b"].Elements["k"] != "nfd/z" {
		t.Error("the merged features share maps with the first object")
	}
}

func TestNormalize(t *testing.T) {
	f := features.Normalize(&features.Features{Attributes: map[string]nfdv1alpha1.AttributeFeatureSet{"x": {}}})
	if f.Flags == nil || f.Instances == nil || len(f.Attributes) != 1 || f.Attributes["x"].Elements != nil {
		t.Errorf("Normalize = %+v: want empty flags and instances, attributes kept as written", f)
	}
}
