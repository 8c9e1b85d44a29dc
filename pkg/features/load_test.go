package features

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/nfd-compat/nfd-compat/internal/testfiles"
)

func loadOne(t *testing.T, path string) Node {
	t.Helper()
	nodes, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 {
		t.Fatalf("%s: %d nodes, want 1", path, len(nodes))
	}
	return nodes[0]
}

func TestHandMadeFixtures(t *testing.T) {
	gpu := loadOne(t, "testdata/nvidia-gpu.json")
	if gpu.Name != "nvidia-gpu" || gpu.Source != "testdata/nvidia-gpu.json" {
		t.Errorf("node = %q from %q", gpu.Name, gpu.Source)
	}
	var nvidia bool
	for _, d := range gpu.Features.Instances["pci.device"].Elements {
		nvidia = nvidia || (d.Attributes["vendor"] == "10de" && d.Attributes["class"] == "0302")
	}
	if !nvidia {
		t.Error("nvidia-gpu: no pci.device 10de/0302")
	}
	if _, ok := gpu.Features.Flags["kernel.loadedmodule"].Elements["nvidia"]; !ok {
		t.Error("nvidia-gpu: kernel.loadedmodule lacks nvidia")
	}
	for _, fl := range []string{"AVX2", "AVX512F"} {
		if _, ok := gpu.Features.Flags["cpu.cpuid"].Elements[fl]; !ok {
			t.Errorf("nvidia-gpu: cpu.cpuid lacks %s", fl)
		}
	}
	if v := gpu.Features.Attributes["kernel.version"].Elements; v["major"] != "6" || v["minor"] != "8" {
		t.Errorf("nvidia-gpu: kernel.version = %v", v)
	}

	arm := loadOne(t, "testdata/arm64.json").Features
	if arm.Attributes["cpu.model"].Elements["vendor_id"] != "ARM" {
		t.Error("arm64: vendor_id is not ARM")
	}
	for fl := range arm.Flags["cpu.cpuid"].Elements {
		if strings.HasPrefix(fl, "AVX") {
			t.Errorf("arm64: has %s", fl)
		}
	}
	if _, ok := arm.Flags["cpu.cpuid"].Elements["ASIMD"]; !ok {
		t.Error("arm64: no ASIMD")
	}

	old := loadOne(t, "testdata/old-kernel.json").Features
	if v := old.Attributes["kernel.version"].Elements; v["full"] != "4.19.0" || v["major"] != "4" || v["minor"] != "19" {
		t.Errorf("old-kernel: kernel.version = %v", v)
	}

	// The hand-made files are in Write's byte format too.
	for _, name := range []string{"nvidia-gpu.json", "arm64.json", "old-kernel.json"} {
		p := filepath.Join("testdata", name)
		var buf bytes.Buffer
		if err := Write(&buf, loadOne(t, p).Features); err != nil {
			t.Fatal(err)
		}
		if want, _ := os.ReadFile(p); !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("%s is not in Write's format", p)
		}
	}
}

func TestWriteLoadRoundTrip(t *testing.T) {
	for _, src := range []string{"testdata/this-host.json", "testdata/nvidia-gpu.json", "testdata/nodefeature.yaml"} {
		in := loadOne(t, src).Features
		p := filepath.Join(t.TempDir(), "node-a.json")
		var buf bytes.Buffer
		if err := Write(&buf, in); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		out := loadOne(t, p)
		if out.Name != "node-a" {
			t.Errorf("name = %q, want node-a", out.Name)
		}
		if !reflect.DeepEqual(in, out.Features) {
			t.Errorf("%s: round trip changed the features", src)
		}
	}
	if err := Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("Write(nil) gave no error")
	}
}

func TestLoadNodeFeatureYAML(t *testing.T) {
	n := loadOne(t, "testdata/nodefeature.yaml")
	if n.Name != "worker-1" {
		t.Errorf("name = %q", n.Name)
	}
	f := n.Features
	if f.Attributes["kernel.version"].Elements["full"] != "6.8.0-45-generic" {
		t.Errorf("kernel.version = %v", f.Attributes["kernel.version"].Elements)
	}
	if got := f.Instances["pci.device"].Elements; len(got) != 2 || got[0].Attributes["vendor"] != "10de" || got[1].Attributes["device"] != "09a2" {
		t.Errorf("pci.device = %v", got)
	}
	if _, ok := f.Flags["cpu.cpuid"].Elements["AVX512F"]; !ok {
		t.Error("no AVX512F")
	}
}

func TestLoadNodeFeatureJSON(t *testing.T) {
	// The same object as kubectl -o json prints it.
	yml := loadOne(t, "testdata/nodefeature.yaml")
	p := testfiles.Write(t, t.TempDir(), "wk.json", `{
    "apiVersion": "nfd.k8s-sigs.io/v1alpha1",
    "kind": "NodeFeature",
    "metadata": {"name": "nf-1", "namespace": "node-feature-discovery",
        "labels": {"nfd.node.kubernetes.io/node-name": "worker-1"}},
    "spec": {"features": `+mustWrite(t, yml.Features)+`, "labels": {}}
}`)
	n := loadOne(t, p)
	if n.Name != "worker-1" {
		t.Errorf("name = %q, want worker-1 from the node-name label", n.Name)
	}
	if !reflect.DeepEqual(n.Features, yml.Features) {
		t.Error("JSON and YAML NodeFeature differ")
	}
	// Without the label the object name is the node name.
	p = testfiles.Write(t, t.TempDir(), "x.yaml", "apiVersion: nfd.k8s-sigs.io/v1alpha1\nkind: NodeFeature\nmetadata:\n  name: plain\nspec:\n  features: {}\n")
	if n := loadOne(t, p); n.Name != "plain" || n.Features.Flags == nil {
		t.Errorf("node = %+v", n)
	}
}

func mustWrite(t *testing.T, f *Features) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestLoadList(t *testing.T) {
	nodes, err := Load("testdata/nodefeature-list.json")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	if !slices.Equal(names, []string{"gpu-node", "cpu-node"}) {
		t.Fatalf("nodes = %v", names)
	}
	if nodes[0].Features.Instances["pci.device"].Elements[0].Attributes["vendor"] != "10de" {
		t.Error("gpu-node has no nvidia device")
	}
	if nodes[1].Features.Attributes["kernel.version"].Elements["minor"] != "15" {
		t.Error("cpu-node kernel minor is not 15")
	}
	// A typed NodeFeatureList whose items omit apiVersion and kind.
	p := testfiles.Write(t, t.TempDir(), "l.yaml", `apiVersion: nfd.k8s-sigs.io/v1alpha1
kind: NodeFeatureList
metadata: {}
items:
- metadata: {name: n1}
  spec: {features: {flags: {cpu.cpuid: {elements: {AVX: {}}}}}}
`)
	if n := loadOne(t, p); n.Name != "n1" || len(n.Features.Flags["cpu.cpuid"].Elements) != 1 {
		t.Errorf("node = %+v", n)
	}
}

// TestLoadMerge: NodeFeatures of one node merge as nfd-master merges them:
// the nfd namespace first, then by name; later objects win per feature set.
func TestLoadMerge(t *testing.T) {
	doc := func(name, ns, vendor, extra string) string {
		return `apiVersion: nfd.k8s-sigs.io/v1alpha1
kind: NodeFeature
metadata:
  name: ` + name + `
  namespace: ` + ns + `
  labels: {nfd.node.kubernetes.io/node-name: node-x}
spec:
  features:
    attributes:
      cpu.model: {elements: {vendor_id: ` + vendor + `}}
    flags:
      ` + extra + `: {elements: {yes: {}}}
`
	}
	dir := t.TempDir()
	// Written in "wrong" order: third-party objects first.
	p := testfiles.Write(t, dir, "merge.yaml", doc("zz-vendor", "gpu-operator", "ThirdParty", "vendor.b")+"---\n"+
		doc("aa-vendor", "gpu-operator", "AA", "vendor.a")+"---\n"+
		doc("node-x", "node-feature-discovery", "Intel", "nfd.own"))
	n := loadOne(t, p)
	if n.Name != "node-x" {
		t.Errorf("name = %q", n.Name)
	}
	// Order: node-x (nfd namespace), aa-vendor, zz-vendor: zz-vendor wins.
	if got := n.Features.Attributes["cpu.model"].Elements["vendor_id"]; got != "ThirdParty" {
		t.Errorf("vendor_id = %q, want ThirdParty (merged last)", got)
	}
	for _, k := range []string{"vendor.a", "vendor.b", "nfd.own"} {
		if _, ok := n.Features.Flags[k]; !ok {
			t.Errorf("merged features lack %s", k)
		}
	}

	// Across files in LoadPaths too.
	dir2 := t.TempDir()
	testfiles.Write(t, dir2, "1.yaml", doc("node-x", "node-feature-discovery", "Intel", "nfd.own"))
	testfiles.Write(t, dir2, "2.yaml", doc("zz-vendor", "gpu-operator", "ThirdParty", "vendor.b"))
	nodes, err := LoadPaths([]string{dir2})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || nodes[0].Features.Attributes["cpu.model"].Elements["vendor_id"] != "ThirdParty" {
		t.Errorf("nodes = %+v", nodes)
	}
	if !strings.Contains(nodes[0].Source, "1.yaml") || !strings.Contains(nodes[0].Source, "2.yaml") {
		t.Errorf("source = %q, want both files", nodes[0].Source)
	}
}

func TestLoadPaths(t *testing.T) {
	nodes, err := LoadPaths([]string{"testdata", "testdata/hostroot/etc/os-release"})
	if err == nil {
		t.Fatalf("os-release loaded as features: %+v", nodes)
	} else if !strings.Contains(err.Error(), "os-release") {
		t.Errorf("error %q does not name the file", err)
	}

	nodes, err = LoadPaths([]string{"testdata"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range nodes {
		names = append(names, n.Name)
	}
	want := []string{"arm64", "gpu-node", "cpu-node", "worker-1", "nvidia-gpu", "old-kernel", "this-host"}
	if !slices.Equal(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}

	dir := t.TempDir()
	testfiles.Write(t, dir, "notes.txt", "ignored")
	if _, err := LoadPaths([]string{dir}); err == nil || !strings.Contains(err.Error(), "no *.json") {
		t.Errorf("empty dir: err = %v", err)
	}
	if _, err := LoadPaths(nil); err == nil {
		t.Error("LoadPaths(nil) gave no error")
	}
	// The same node twice is an error naming both files.
	testfiles.Write(t, dir, "a.json", `{"flags": {}}`)
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	testfiles.Write(t, sub, "a.json", `{"flags": {}}`)
	if _, err := LoadPaths([]string{dir, sub}); err == nil || !strings.Contains(err.Error(), "described twice") {
		t.Errorf("duplicate node: err = %v", err)
	}
}

func TestLoadBadFiles(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct{ content, want string }{
		"empty.json":     {"  \n", "empty file"},
		"garbage.json":   {"{not json", "invalid JSON"},
		"trailing.json":  {`{"flags": {}} {}`, "after the top-level object"},
		"array.json":     {`[1, 2]`, "not an object"},
		"other.json":     {`{"name": "x", "version": 1}`, "neither a features object"},
		"unknown.json":   {`{"flags": {}, "labels": {}}`, "unknown field"},
		"types.json":     {`{"attributes": {"cpu.model": {"elements": {"family": 6}}}}`, "invalid exported features"},
		"pod.yaml":       {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", `kind "Pod" is not supported`},
		"badyaml.yaml":   {"a: [b\n", "invalid YAML"},
		"text.yaml":      {"just some words\n", "not an object"},
		"nfspec.yaml":    {"apiVersion: nfd.k8s-sigs.io/v1alpha1\nkind: NodeFeature\nmetadata: {name: n}\nspec: {features: {}, bogus: 1}\n", "unknown field"},
		"nfver.yaml":     {"apiVersion: v1\nkind: NodeFeature\nmetadata: {name: n}\nspec: {}\n", "apiVersion"},
		"nfnoname.yaml":  {"apiVersion: nfd.k8s-sigs.io/v1alpha1\nkind: NodeFeature\nmetadata: {}\nspec: {}\n", "neither the nfd.node.kubernetes.io/node-name label"},
		"listitem.json":  {`{"apiVersion": "v1", "kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}]}`, "List item 1"},
		"multidoc.yaml":  {"apiVersion: nfd.k8s-sigs.io/v1alpha1\nkind: NodeFeature\nmetadata: {name: n}\nspec: {}\n---\nkind: Secret\n", "document 2"},
		"nodespec.yaml":  {"flags: {}\nextra: 1\n", "unknown field"},
		"dupkeys.yaml":   {"flags: {}\nflags: {}\n", "invalid YAML"},
		"nonstrkey.yaml": {"flags:\n  1: {elements: {}}\n", ""},
	}
	for name, c := range cases {
		p := testfiles.Write(t, dir, name, c.content)
		nodes, err := Load(p)
		if err == nil {
			if c.want == "" {
				continue // accepted is fine for this one; it only must not panic
			}
			t.Errorf("%s: no error, nodes %+v", name, nodes)
			continue
		}
		if !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q does not name the file", name, err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not say %q", name, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: err = %v", err)
	}
}
