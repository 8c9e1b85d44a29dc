package features

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// checkOnePass checks decodeExport against the general path on data: when
// the one pass accepts, the general path accepts too and decodes the same
// features (pruned by keep); it never accepts what the general path rejects.
func checkOnePass(t *testing.T, data []byte, keep func(string) bool) (accepted bool) {
	t.Helper()
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return false
	}
	fast, ok := decodeExport(trimmed, keep)
	items, err := decodeDocs(trimmed)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("one pass accepted what the general path rejects (%v):\n%s", err, data)
	}
	if len(items) != 1 || items[0].features == nil {
		t.Fatalf("one pass accepted a file the general path reads as %d items:\n%s", len(items), data)
	}
	want := fileItem{docItem: items[0]}
	if keep != nil {
		want.prune(keep)
	}
	if !reflect.DeepEqual(fast, want.features) {
		t.Fatalf("one pass decoded\n%+v\nthe general path\n%+v\nfrom:\n%s", fast, want.features, data)
	}
	return true
}

func TestDecodeExportMatchesGeneralPath(t *testing.T) {
	gpu := func(f string) bool { return f == "pci.device" || f == "kernel.loadedmodule" }
	none := func(string) bool { return false }
	for _, name := range []string{"this-host.json", "nvidia-gpu.json", "arm64.json", "old-kernel.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, keep := range []func(string) bool{nil, gpu, none} {
			if !checkOnePass(t, data, keep) {
				t.Errorf("%s: a real export took the general path", name)
			}
		}
	}
	// Accepted by the general path; the one pass may take it or not, but
	// must agree.
	for _, doc := range []string{
		`{"flags":{}}`,
		`{"flags":null,"attributes":{}}`,
		`{"flags":{"a":{"elements":null}},"flags":{"b":{"elements":{"x":{}}}}}`,
		`{"attributes":{"a":{"elements":{"k":"v"}},"a":{"elements":{"k2":"v2"}}}}`,
		`{"instances":{"pci.device":{"elements":[{"attributes":{"vendor":"10de"}},{"attributes":null}]}}}`,
		`{"instances":{"pci.device":{"elements":null}}}`,
		` { "attributes" : { "kernel.version" : { "elements" : { "full" : "6.1\"x\\" } } } } `,
		`{"flags":{"kernel.loadedmodule":{"Elements":{"nvidia":{}}}}}`,
		`{"fl\u0061gs":{"k":{"elements":{}}}}`,
		`{"flags":{}, "Attributes":{}}`,
		`{"attributes":{"kernel.config":{"elements":{"X":null}}}}`,
		// Kept sets the cursor's readers leave to encoding/json.
		`{"attributes":{"a":{"Elements":{"k":"v"}}}}`,
		`{"attributes":{"a":{"elements":{"k":"v"},"elements":{"k2":"v2"}}}}`,
		`{"attributes":{"a":{"elements":{"k":"v"},"elements":null}}}`,
		`{"attributes":{"a":{"elements":{"k":"v\u00e9","k\n":"x"}}}}`,
		"{\"attributes\":{\"a\":{\"elements\":{\"k\":\"caf\xc3\xa9\",\"bad\":\"\xff\"}}}}",
		`{"attributes":{"a":null,"b":{},"c":{"elements":{}},"d":{"elements":null}}}`,
		`{"flags":{"a":{"elements":{"x":{},"y":{}}},"b":{"elements":{"x":null}},"c":{"elements":{}}}}`,
		`{"instances":{"a":{"elements":[]},"b":{"elements":[{},{"attributes":null},{"attributes":{}},{"attributes":{"k":"v"}}]}}}`,
		`{"instances":{"a":{"elements":[{"Attributes":{"k":"v"}}]},"b":{"elements":[{"attributes":{"k":"v"},"attributes":{"k2":"v"}}]}}}`,
		`{"attributes":{"a":{"elements":{"k":"v","k":"w"}}}}`,
		// A set name in invalid UTF-8: encoding/json replaces it (found by
		// a random differential run; the one pass stored it raw before).
		"{\"attributes\":{\"\xff\":{\"elements\":{\"k\":\"v\"}},\"b\":{\"elements\":null}}}",
		"{\"flags\":{\"caf\xc3\xa9\":{\"elements\":{}}}}",
	} {
		for _, keep := range []func(string) bool{nil, gpu, none, func(string) bool { return true }} {
			checkOnePass(t, []byte(doc), keep)
		}
	}
}

// TestDecodeExportStrictOnDroppedFeatures: a feature the caller drops is
// not stored, but a file that is wrong in it is still rejected, with the
// general path's message and the file named.
func TestDecodeExportStrictOnDroppedFeatures(t *testing.T) {
	keepNothing := func(string) bool { return false }
	dir := t.TempDir()
	for _, tc := range []struct{ doc, wantErr string }{
		{`{"attributes":{"kernel.config":{"elements":{"X":5}}}}`, "cannot unmarshal number"},
		{`{"attributes":{"kernel.config":{"elements":["X"]}}}`, "cannot unmarshal array"},
		{`{"attributes":{"kernel.config":{"elements":{},"extra":1}}}`, `unknown field "extra"`},
		{`{"flags":{"kernel.loadedmodule":{"elements":{"nvidia":{"x":1}}}}}`, `unknown field "x"`},
		{`{"flags":{"kernel.loadedmodule":{"elements":{"nvidia":true}}}}`, "cannot unmarshal bool"},
		{`{"instances":{"pci.device":{"elements":[{"attributes":{"vendor":1}}]}}}`, "cannot unmarshal number"},
		{`{"instances":{"pci.device":{"elements":{}}}}`, "cannot unmarshal object"},
		{`{"instances":{"pci.device":"x"}}`, "cannot unmarshal string"},
		{`{"attributes":{"kernel.config":{"elements":{}}}} {}`, "data after the top-level object"},
		{`{"attributes":{"kernel.config":{"elements":{}}}`, "invalid JSON"},
		{`{"attributes":{},"kind":"NodeFeature"}`, "invalid NodeFeature"},
		{`{"Flags":{}}`, "neither a features object nor a Kubernetes object"},
		{`{}`, "neither a features object nor a Kubernetes object"},
		{`{"attributes":{},"metadata":{}}`, `unknown field "metadata"`},
		// Syntax errors in a dropped set: the one pass checks syntax itself
		// (no json.Valid scan first).
		{"{\"attributes\":{\"kernel.config\":{\"elements\":{\"X\":\"a\tb\"}}}}", "invalid JSON"},
		{`{"attributes":{"kernel.config":{"elements":{"X":"a\qb"}}}}`, "invalid JSON"},
		{`{"attributes":{"kernel.config":{"elements":{"X":"\u00g1"}}}}`, "invalid JSON"},
		{`{"attributes":{"kernel.config":{"elements":{"X":"\u00"}}}}`, "invalid JSON"},
		{`{"attributes":{"kernel.config":{"elements":nullnull}}}`, "invalid JSON"},
		{`{"attributes":{"kernel.config":{"elements":{"X":"y"},}}}`, "invalid JSON"},
	} {
		p := filepath.Join(dir, "node.json")
		if err := os.WriteFile(p, []byte(tc.doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, ok := decodeExport([]byte(tc.doc), keepNothing); ok {
			t.Errorf("one pass accepted %s", tc.doc)
		}
		_, err := LoadPathsKeeping([]string{p}, keepNothing)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want %q naming %s", tc.doc, err, tc.wantErr, p)
		}
	}
}

// TestDecodeExportKeptSyntax: a kept set is checked by encoding/json, and
// what the cursor skipped over must be exactly the one value it decoded.
func TestDecodeExportKeptSyntax(t *testing.T) {
	keepAll := func(string) bool { return true }
	for _, doc := range []string{
		`{"attributes":{"a":nullnull}}`,
		`{"attributes":{"a":null null}}`,
		`{"attributes":{"a":{"elements":{"k":"v"}}x}}`,
		`{"attributes":{"a":{"elements":{"k":"v\x"}}}}`,
		"{\"attributes\":{\"a\":{\"elements\":{\"k\":\"v\x01\"}}}}",
	} {
		if _, ok := decodeExport([]byte(doc), keepAll); ok {
			t.Errorf("one pass accepted %s", doc)
		}
		if _, err := decodeFileKeeping([]byte(doc), keepAll); err == nil {
			t.Errorf("%s accepted", doc)
		}
	}
	// Escapes JSON has are accepted, and decoded as encoding/json does.
	checkOnePass(t, []byte(`{"attributes":{"a":{"elements":{"k":"\"\\\/\b\f\n\r\t\u00e9"}},"b":{"elements":{"k":"\u00E9"}}}}`), func(f string) bool { return f == "a" })
	if !checkOnePass(t, []byte(`{"attributes":{"a":null,"b":{"elements":{"k":"\u00E9\/"}}}}`), func(f string) bool { return f == "a" }) {
		t.Error("escapes in a dropped set took the general path")
	}
}

// FuzzDecodeExport: on any input, the one pass never accepts what the
// general path rejects, and decodes what it accepts the same way.
func FuzzDecodeExport(f *testing.F) {
	for _, name := range []string{"nvidia-gpu.json", "arm64.json", "old-kernel.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, "pci.")
	}
	f.Add([]byte(`{"flags":{"a":{"elements":{"x":{}}}},"attributes":{"b":{"elements":{"k":"v"}}}}`), "a")
	f.Add([]byte(`{"instances":{"pci.device":{"elements":[{"attributes":{"vendor":"10de"}}]}}}`), "x")
	f.Fuzz(func(t *testing.T, data []byte, prefix string) {
		checkOnePass(t, data, nil)
		checkOnePass(t, data, func(f string) bool { return strings.HasPrefix(f, prefix) })
	})
}

// checkYAMLDocs checks yamlDocs against the general path on data, as
// checkOnePass does for exported features.
func checkYAMLDocs(t *testing.T, data []byte, keep func(string) bool) (accepted bool) {
	t.Helper()
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] == '{' {
		return false
	}
	docs, ok := yamlDocs(trimmed, keep)
	if !ok || len(docs) == 0 {
		return false
	}
	fast, err := decodeJSONDocs(docs)
	if err != nil {
		return false // decodeFileKeeping then takes the general path
	}
	general, err := decodeDocs(trimmed)
	if err != nil {
		t.Fatalf("YAML path accepted what the general path rejects (%v):\n%s", err, data)
	}
	if len(general) != len(fast) {
		t.Fatalf("YAML path read %d items, the general path %d:\n%s", len(fast), len(general), data)
	}
	for i := range general {
		g, f := fileItem{docItem: general[i]}, fileItem{docItem: fast[i]}
		if keep != nil {
			g.prune(keep)
			f.prune(keep)
		}
		if !reflect.DeepEqual(g.docItem, f.docItem) {
			t.Fatalf("item %d: YAML path decoded\n%+v\nthe general path\n%+v\nfrom:\n%s", i, f.docItem, g.docItem, data)
		}
	}
	return true
}

func TestYAMLDocsMatchGeneralPath(t *testing.T) {
	gpu := func(f string) bool { return f == "pci.device" || f == "kernel.loadedmodule" }
	none := func(string) bool { return false }
	data, err := os.ReadFile(filepath.Join("testdata", "nodefeature.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, keep := range []func(string) bool{nil, gpu, none} {
		if !checkYAMLDocs(t, data, keep) {
			t.Error("nodefeature.yaml took the general path")
		}
	}
	const nf = "apiVersion: nfd.k8s-sigs.io/v1alpha1\nkind: NodeFeature\nmetadata:\n  name: n1\n"
	for _, doc := range []string{
		nf + "spec:\n  features:\n    attributes:\n      kernel.config:\n        elements: {X: y, N: \"1\"}\n",
		nf + "  creationTimestamp: 2024-05-01T10:00:00Z\n  generation: 3\nspec:\n  features: {}\n",
		nf + "spec:\n  features:\n    flags:\n      kernel.loadedmodule:\n        elements: {nvidia: {}}\n    instances:\n      pci.device:\n        elements:\n        - attributes: {vendor: 10de}\n",
		"---\n" + nf + "---\n",
		nf + "spec:\n  labels: {a: b}\n---\n" + strings.Replace(nf, "n1", "n2", 1),
		"kind: List\napiVersion: v1\nitems:\n- " + strings.ReplaceAll(nf, "\n", "\n  ") + "spec: {}\n",
		"flags: {a: {elements: {x: {}}}}\n",
		nf + "spec:\n  features:\n    attributes:\n      kernel.config:\n        elements: !!map {X: !!str 5}\n",
	} {
		for _, keep := range []func(string) bool{nil, gpu, none} {
			checkYAMLDocs(t, []byte(doc), keep)
		}
	}
}

// TestYAMLStrictOnDroppedFeatures: NodeFeature YAML wrong in a feature the
// caller drops is still rejected, with the file named.
func TestYAMLStrictOnDroppedFeatures(t *testing.T) {
	keepNothing := func(string) bool { return false }
	const nf = "apiVersion: nfd.k8s-sigs.io/v1alpha1\nkind: NodeFeature\nmetadata:\n  name: n1\nspec:\n  features:\n"
	dir := t.TempDir()
	for _, tc := range []struct{ doc, wantErr string }{
		{nf + "    attributes:\n      kernel.config:\n        elements: {X: 5}\n", "cannot unmarshal number"},
		{nf + "    attributes:\n      kernel.config:\n        elements: {X: y}\n        extra: 1\n", `unknown field "extra"`},
		{nf + "    flags:\n      kernel.loadedmodule:\n        elements: {nvidia: {x: 1}}\n", `unknown field "x"`},
		{nf + "    instances:\n      pci.device:\n        elements: [{attributes: {vendor: [1]}}]\n", "cannot unmarshal array"},
		{nf + "    attributes:\n      kernel.config:\n        elements: {X: y, X: n}\n", "already defined"},
		{nf + "    attributes:\n      a: &x {elements: {X: y}}\n      b: *x\n      c: {<<: *x}\n    bogus: 1\n", `unknown field "bogus"`},
	} {
		p := filepath.Join(dir, "node.yaml")
		if err := os.WriteFile(p, []byte(tc.doc), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadPathsKeeping([]string{p}, keepNothing)
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: err = %v, want %q naming %s", tc.doc, err, tc.wantErr, p)
		}
	}
}

// FuzzYAMLDocs: the YAML path never accepts what the general path rejects,
// and decodes what it accepts the same way.
func FuzzYAMLDocs(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "nodefeature.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, "pci.")
	f.Add([]byte("apiVersion: nfd.k8s-sigs.io/v1alpha1\nkind: NodeFeature\nmetadata: {name: n}\nspec: {features: {attributes: {a: {elements: {k: v}}}}}\n"), "b")
	f.Fuzz(func(t *testing.T, data []byte, prefix string) {
		checkYAMLDocs(t, data, nil)
		checkYAMLDocs(t, data, func(f string) bool { return strings.HasPrefix(f, prefix) })
	})
}
