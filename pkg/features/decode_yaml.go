package features

import (
	"bytes"
	"encoding/json"
	"io"

	"go.yaml.in/yaml/v3"

	"github.com/nfd-compat/nfd-compat/pkg/kubefile"
)

// The YAML fast path: NodeFeature objects in YAML, as kubectl prints them,
// turned into JSON from yaml.Node trees directly, dropping the feature sets
// the caller does not keep as it goes. The tree of kubectl's one block
// document comes from readBlockYAML, anything else's from yaml.v3.
// BenchmarkDecodeNodeFeatureYAML (a NodeFeature holding an 84 KB export):
// 2.8-4.7 CPU-ms per file (yaml.v3 trees: 5.5-6.5) instead of the general
// path's 7.4-9.2, and 1.4-2.0 (yaml.v3 trees: 3.2-4.1) instead of 7.5-10.5
// keeping only a GPU spec's features (docs/validate-node.md).

// yamlDocs is kubefile.Split for YAML in fewer passes: each document is parsed
// into a yaml.Node tree and written out as JSON directly, instead of being
// decoded into maps of `any` and marshalled. With keep, the feature sets a
// NodeFeature names under spec.features that keep rejects are left out —
// after checking their shape, so that a file wrong in them is still
// rejected. It returns !ok for anything it is not sure of (an alias, a
// merge key, a duplicate key, a non-string key, a shape it does not know
// for a dropped set, a syntax error): the caller then takes the general
// path, which decides and words the error. Scalars other than strings are
// decoded and marshalled one by one exactly as the general path does.
func yamlDocs(data []byte, keep func(string) bool) (docs []kubefile.Document, ok bool) {
	defer func() {
		// A crash of the third-party parser: the general path recovers
		// from it too, and words the error.
		if recover() != nil {
			docs, ok = nil, false
		}
	}()
	// The one block document kubectl prints: read without yaml.v3's parser.
	if root, ok := readBlockYAML(data); ok {
		w := yamlJSON{keep: keep}
		if !w.value(root, 0) {
			return nil, false
		}
		return []kubefile.Document{{JSON: w.buf, Line: root.Line}}, true
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			return docs, true
		}
		if err != nil || doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
			return nil, false
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
			continue // empty document, e.g. a trailing "---"
		}
		w := yamlJSON{keep: keep}
		if !w.value(root, 0) {
			return nil, false
		}
		docs = append(docs, kubefile.Document{JSON: w.buf, Line: root.Line})
	}
}

// yamlJSON writes a yaml.Node tree as JSON.
type yamlJSON struct {
	buf  []byte
	keep func(string) bool
}

// Where a mapping is in a NodeFeature, for pruning: the document (0),
// spec (1), spec.features (2), a map of feature sets (3, with the type).
const (
	inDoc = iota
	inSpec
	inFeatures
	inFlags
	inAttributes
	inInstances
	elsewhere
)

func (w *yamlJSON) value(n *yaml.Node, where int) bool {
	switch n.Kind {
	case yaml.MappingNode:
		return n.ShortTag() == "!!map" && w.mapping(n, where)
	case yaml.SequenceNode:
		if n.ShortTag() != "!!seq" {
			return false
		}
		w.buf = append(w.buf, '[')
		for i, c := range n.Content {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if !w.value(c, elsewhere) {
				return false
			}
		}
		w.buf = append(w.buf, ']')
		return true
	case yaml.ScalarNode:
		if n.ShortTag() == "!!str" {
			w.str(n.Value)
			return true
		}
		// As the general path: decode into any, marshal.
		var v any
		if n.Decode(&v) != nil {
			return false
		}
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		w.buf = append(w.buf, b...)
		return true
	}
	return false // an alias, or a node the general path may treat otherwise
}

func (w *yamlJSON) mapping(n *yaml.Node, where int) bool {
	if !stringKeys(n) {
		return false
	}
	w.buf = append(w.buf, '{')
	first := true
	for i := 0; i < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		next := elsewhere
		switch {
		case where == inDoc && key == "spec":
			next = inSpec
		case where == inSpec && key == "features":
			next = inFeatures
		case where == inFeatures && key == "flags":
			next = inFlags
		case where == inFeatures && key == "attributes":
			next = inAttributes
		case where == inFeatures && key == "instances":
			next = inInstances
		case where >= inFlags && where <= inInstances && w.keep != nil && !w.keep(key):
			if !validYAMLSet(val, where) {
				return false
			}
			continue
		}
		if !first {
			w.buf = append(w.buf, ',')
		}
		first = false
		w.str(key)
		w.buf = append(w.buf, ':')
		if !w.value(val, next) {
			return false
		}
	}
	w.buf = append(w.buf, '}')
	return true
}

// str writes s as a JSON string (json.Marshal's escaping, invalid UTF-8
// included).
func (w *yamlJSON) str(s string) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // never fails for a string
			w.buf = append(w.buf, b...)
			return
		}
	}
	// Printable ASCII that json.Marshal would not escape.
	w.buf = append(w.buf, '"')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '"')
}

// stringKeys reports whether n's keys are all distinct strings (no merge
// key), as the general path needs them to be.
func stringKeys(n *yaml.Node) bool {
	var seen map[string]struct{}
	if len(n.Content) > 16 {
		seen = make(map[string]struct{}, len(n.Content)/2)
	}
	for i := 0; i < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			return false
		}
		if seen != nil {
			if _, dup := seen[k.Value]; dup {
				return false
			}
			seen[k.Value] = struct{}{}
			continue
		}
		for j := 0; j < i; j += 2 {
			if n.Content[j].Value == k.Value {
				return false
			}
		}
	}
	return true
}

// validYAMLSet checks the shape of a feature set left out: a subset of what
// strictly decoding it would accept (exact-case keys, strings as strings).
func validYAMLSet(n *yaml.Node, where int) bool {
	isNull := func(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }
	isStr := func(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" }
	// fields: a mapping whose keys are all name.
	fields := func(n *yaml.Node, name string, value func(*yaml.Node) bool) bool {
		if n.Kind != yaml.MappingNode || !stringKeys(n) {
			return false
		}
		for i := 0; i < len(n.Content); i += 2 {
			if n.Content[i].Value != name || !value(n.Content[i+1]) {
				return false
			}
		}
		return true
	}
	stringMap := func(n *yaml.Node) bool {
		if isNull(n) {
			return true
		}
		if n.Kind != yaml.MappingNode || !stringKeys(n) {
			return false
		}
		for i := 1; i < len(n.Content); i += 2 {
			if !isStr(n.Content[i]) {
				return false
			}
		}
		return true
	}
	switch where {
	case inFlags:
		return fields(n, "elements", func(e *yaml.Node) bool {
			if isNull(e) {
				return true
			}
			if e.Kind != yaml.MappingNode || !stringKeys(e) {
				return false
			}
			for i := 1; i < len(e.Content); i += 2 {
				if v := e.Content[i]; v.Kind != yaml.MappingNode || len(v.Content) != 0 {
					return false
				}
			}
			return true
		})
	case inAttributes:
		return fields(n, "elements", stringMap)
	case inInstances:
		return fields(n, "elements", func(e *yaml.Node) bool {
			if isNull(e) {
				return true
			}
			if e.Kind != yaml.SequenceNode {
				return false
			}
			for _, inst := range e.Content {
				if !fields(inst, "attributes", stringMap) {
					return false
				}
			}
			return true
		})
	}
	return false
}
