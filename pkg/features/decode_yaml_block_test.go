//go:build unix

package features

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// checkBlockYAML checks readBlockYAML against yaml.v3 on data: when the
// block reader reads it, yaml.v3 reads one document whose tree writes the
// same JSON (keeping all, and keeping by keep) with the same line.
func checkBlockYAML(t *testing.T, data []byte, keep func(string) bool) (accepted bool) {
	t.Helper()
	root, ok := readBlockYAML(data)
	if !ok {
		return false
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("block reader read what yaml.v3 rejects (%v):\n%s", err, data)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		t.Fatalf("block reader read one document, yaml.v3 more:\n%s", data)
	}
	if len(doc.Content) != 1 || doc.Content[0].Line != root.Line {
		t.Fatalf("block reader's root is on line %d, yaml.v3's not:\n%s", root.Line, data)
	}
	for _, k := range []func(string) bool{nil, keep} {
		fast, want := yamlJSON{keep: k}, yamlJSON{keep: k}
		fastOK, wantOK := fast.value(root, 0), want.value(doc.Content[0], 0)
		if fastOK != wantOK || string(fast.buf) != string(want.buf) {
			t.Fatalf("block reader: %v %s\nyaml.v3: %v %s\nfrom:\n%s", fastOK, fast.buf, wantOK, want.buf, data)
		}
	}
	return true
}

// TestBlockYAMLReadsKubectlOutput: NodeFeatures as kubectl and
// sigs.k8s.io/yaml print them take the block reader, with yaml.v3's tree.
func TestBlockYAMLReadsKubectlOutput(t *testing.T) {
	gpu := func(f string) bool { return f == "pci.device" || f == "kernel.loadedmodule" }
	fixture, err := os.ReadFile(filepath.Join("testdata", "nodefeature.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"nodefeature.yaml": fixture, "this-host as NodeFeature": nodeFeatureYAML(t)} {
		if !checkBlockYAML(t, bytes.TrimSpace(data), gpu) {
			t.Errorf("%s: not read by the block reader", name)
		}
	}
}

// nested is n mappings, each the value of the one before.
func nested(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "a:\n")
	}
	b.WriteString(strings.Repeat(" ", n) + "b: c\n")
	return b.String()
}

// TestBlockYAMLLeavesTheRest: what the block reader is not sure of goes to
// yaml.v3; what it reads, it reads as yaml.v3 does.
func TestBlockYAMLLeavesTheRest(t *testing.T) {
	const nf = "apiVersion: nfd.k8s-sigs.io/v1alpha1\nkind: NodeFeature\nmetadata:\n  name: n1\n"
	for _, doc := range []string{
		nf + "spec: {a: b}\n",                     // flow mapping
		nf + "spec:\n  a: &x b\n",                 // anchor
		nf + "spec:\n  a: !!str 5\n",              // tag
		nf + "spec:\n  a: |\n    text\n",          // block scalar
		nf + "spec:\n  a: b\n    c\n",             // multi-line plain scalar
		nf + "spec:\n  a: \"b\\tc\"\n",            // escape
		nf + "spec:\n  a: b # comment\n",          // comment after content
		nf + "---\n" + nf,                         // two documents
		"---\n" + nf,                              // document marker
		nf + "spec:\n\ta: b\n",                    // tab
		nf + "spec:\r\n  a: b\r\n",                // CR
		nf + "spec:\n  a: \"caf\xc3\xa9\"\n",      // non-ASCII
		nf + "spec:\n  a: 'it''s'\n",              // quote in a quoted scalar
		nf + "spec:\n   a: b\n  c: d\n",           // bad indentation
		nf + "spec:\n  <<: {a: b}\n",              // merge key
		nf + "spec:\n  - - a\n",                   // nested inline sequence
		"- a\n- b: c\n   d: e\n",                  // over-indented mapping in an item
		"a:b\n",                                   // a scalar, not a key
		"plain\n",                                 // a scalar document
		"a" + strings.Repeat(" ", 1100) + ": b\n", // a key longer than yaml.v3 takes
		nested(maxBlockDepth + 1),                 // nested deeper than the reader goes
	} {
		if _, ok := readBlockYAML([]byte(doc)); ok {
			t.Errorf("block reader read %q", doc)
		}
	}
	for _, doc := range []string{
		nf,
		nf + "spec:\n  features:\n    attributes:\n      kernel.version:\n        elements:\n          major: \"6\"\n          full: 6.8.0-45-generic\n",
		nf + "spec:\n  features:\n    flags:\n      kernel.loadedmodule:\n        elements:\n          nvidia: {}\n    instances:\n      pci.device:\n        elements:\n        - attributes:\n            vendor: 10de\n        - attributes: {}\n",
		"# comment\n\n" + nf + "  # indented comment\n  generation: 7\n  deleted: true\n  empty:\n  nothing: null\n  when: 2024-05-01T10:00:00Z\n",
		nf + "spec:\n  - a\n",
		nf + "spec:\n  a: b, c [d] {e}\n",
		"items:\n- a\n- 'b c'\n- \"d\"\n-\n- - x\n",
		"items:\n  -   a: 1\n      b: 2\n  -\n    c: 3\n  - []\n",
		"\"quoted key\": v\n'single': w\ntrue: 1\n1: x\n",
		"a: x\na: y\n", // a duplicate key: both reject it alike
		nested(maxBlockDepth - 1),
		"a: http://example.com/x?y=1\nb: it's\nc: 0x1F\nd: .inf\ne: ~\nf: 1_000\ng: 010\n",
	} {
		checkBlockYAML(t, []byte(doc), func(f string) bool { return f == "kernel.version" })
	}
}

// FuzzBlockYAML: the block reader never reads what yaml.v3 would not, and
// builds a tree that writes what yaml.v3's does.
func FuzzBlockYAML(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "nodefeature.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data, "pci.")
	f.Add([]byte("a:\n- b: 1\n  c:\n  - 'x'\n  - \"y\"\nd: {}\ne: []\nf:\n"), "b")
	f.Fuzz(func(t *testing.T, data []byte, prefix string) {
		checkBlockYAML(t, data, func(f string) bool { return strings.HasPrefix(f, prefix) })
	})
}
