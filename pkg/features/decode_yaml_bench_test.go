//go:build unix

package features

import (
	"bytes"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/yaml"
)

// BenchmarkDecodeNodeFeatureYAML measures the YAML fast path (yamlDocs)
// against the general path on one NodeFeature in YAML holding a real export
// (this-host.json, 84 KB as JSON), as kubectl prints it: "fast" and
// "fast-keep" are what Load and LoadPathsKeeping (GPU spec) do; "general"
// and "general-keep" are the general path they would otherwise take
// (split, decode into any, marshal, strict decode; then prune). On a shared
// machine compare cpu-ms/op and allocations, not ns/op.
func BenchmarkDecodeNodeFeatureYAML(b *testing.B) {
	data := nodeFeatureYAML(b)
	trimmed := bytes.TrimSpace(data)
	gpu := func(f string) bool { return f == "pci.device" || f == "kernel.loadedmodule" }
	for _, c := range []struct {
		name   string
		decode func() error
	}{
		{"fast", func() error { _, err := decodeFileKeeping(data, nil); return err }},
		{"fast-keep", func() error { _, err := decodeFileKeeping(data, gpu); return err }},
		{"general", func() error { _, err := decodeDocs(trimmed); return err }},
		{"general-keep", func() error {
			items, err := decodeDocs(trimmed)
			for i := range items {
				it := fileItem{docItem: items[i]}
				it.prune(gpu)
			}
			return err
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				if err := c.decode(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// nodeFeatureYAML is testdata/this-host.json as a NodeFeature in YAML.
func nodeFeatureYAML(b testing.TB) []byte {
	b.Helper()
	nodes, err := Load(filepath.Join("testdata", "this-host.json"))
	if err != nil {
		b.Fatal(err)
	}
	nf := nfdv1alpha1.NodeFeature{
		TypeMeta: metav1.TypeMeta{APIVersion: nfdv1alpha1.SchemeGroupVersion.String(), Kind: "NodeFeature"},
		ObjectMeta: metav1.ObjectMeta{Name: "this-host", Namespace: "node-feature-discovery",
			Labels: map[string]string{nfdv1alpha1.NodeFeatureObjNodeNameLabel: "this-host"}},
		Spec: nfdv1alpha1.NodeFeatureSpec{Features: *nodes[0].Features},
	}
	data, err := yaml.Marshal(&nf)
	if err != nil {
		b.Fatal(err)
	}
	if _, ok := yamlDocs(bytes.TrimSpace(data), nil); !ok {
		b.Fatal("the fixture does not take the YAML fast path")
	}
	return data
}
