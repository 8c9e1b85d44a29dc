package testcontrolplane

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/yaml"
)

// LoadNodeFeatures reads NodeFeature objects from a YAML or JSON file
// holding one object or a List/NodeFeatureList of them.
func LoadNodeFeatures(t testing.TB, path string) []nfdv1alpha1.NodeFeature {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var probe struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(js, &probe); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	raws := probe.Items
	if probe.Kind == "NodeFeature" {
		raws = []json.RawMessage{js}
	}
	out := make([]nfdv1alpha1.NodeFeature, len(raws))
	for i, r := range raws {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			t.Fatalf("%s item %d: %v", path, i, err)
		}
	}
	return out
}

// Generate returns n NodeFeature objects copied from base, for nodes named
// prefix-00000 ... in NFD's namespace, each labelled with its node name.
// Every fourth node also gets a third-party object in namespace "vendor"
// that adds the attribute vendor.driver (version=1.<i%10>).
func Generate(base nfdv1alpha1.NodeFeature, prefix string, n int) []nfdv1alpha1.NodeFeature {
	out := make([]nfdv1alpha1.NodeFeature, 0, n+n/4)
	for i := range n {
		name := fmt.Sprintf("%s-%05d", prefix, i)
		nf := *base.DeepCopy()
		nf.ObjectMeta = metav1.ObjectMeta{Name: name, Namespace: "node-feature-discovery",
			Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: name}}
		out = append(out, nf)
		if i%4 == 0 {
			extra := nfdv1alpha1.NodeFeature{ObjectMeta: metav1.ObjectMeta{Name: name + "-vendor", Namespace: "vendor",
				Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: name}}}
			extra.Spec.Features = *nfdv1alpha1.NewFeatures()
			extra.Spec.Features.InsertAttributeFeatures("vendor", "driver", map[string]string{"version": fmt.Sprintf("1.%d", i%10)})
			out = append(out, extra)
		}
	}
	return out
}

// Nodes returns Nodes (NewNode) for the node names of nfs, labelled with
// extra(name).
func Nodes(nfs []nfdv1alpha1.NodeFeature, extra func(name string) map[string]string) []corev1.Node {
	var nodes []corev1.Node
	seen := map[string]bool{}
	for _, nf := range nfs {
		name := nf.Labels[nfdv1alpha1.NodeFeatureObjNodeNameLabel]
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		nodes = append(nodes, NewNode(name, extra(name)))
	}
	return nodes
}
