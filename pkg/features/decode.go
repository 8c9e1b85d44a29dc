package features

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// expectedFormats is said in every "what is this file" error.
const expectedFormats = "expected `nfd export features` JSON (an object with flags, attributes, instances) " +
	"or a NodeFeature, NodeFeatureList or List of NodeFeatures (YAML or JSON, as kubectl prints them)"

// nfdAPIVersion is the apiVersion of NodeFeature objects.
var nfdAPIVersion = nfdv1alpha1.SchemeGroupVersion.String()

// docItem is one thing found in a file: exported features, or a NodeFeature.
type docItem struct {
	features    *Features                // `nfd export features` JSON
	nodeFeature *nfdv1alpha1.NodeFeature // a NodeFeature object
}

// decodeFile splits data into JSON or YAML documents and decodes each.
func decodeFile(data []byte) ([]docItem, error) { return decodeFileKeeping(data, nil) }

// decodeFileKeeping is decodeFile, dropping from exported features the
// features keep rejects (nil keeps all) while decoding them when it can.
// An `nfd export features` file, the common case, is decoded in one pass
// (decodeExport); anything else, or anything that pass is not sure of,
// takes the general path: split into documents, probe the kind, strict
// decode, which also words every error.
func decodeFileKeeping(data []byte, keep func(string) bool) ([]docItem, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty file: " + expectedFormats)
	}
	if trimmed[0] == '{' {
		if f, ok := decodeExport(trimmed, keep); ok {
			return []docItem{{features: f}}, nil
		}
	} else if docs, ok := yamlDocs(trimmed, keep); ok && len(docs) > 0 {
		if items, err := decodeJSONDocs(docs); err == nil {
			return items, nil
		}
		// The general path words the error.
	}
	return decodeDocs(trimmed)
}

// decodeDocs is the general path of decodeFile, on trimmed non-empty data.
func decodeDocs(trimmed []byte) ([]docItem, error) {
	docs, err := splitDocs(trimmed)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, errors.New("no document in file: " + expectedFormats)
	}
	return decodeJSONDocs(docs)
}

// decodeJSONDocs decodes a file's documents, JSON each.
func decodeJSONDocs(docs [][]byte) ([]docItem, error) {
	var items []docItem
	for i, doc := range docs {
		found, err := decodeDoc(doc)
		if err != nil {
			if len(docs) > 1 {
				return nil, fmt.Errorf("document %d: %w", i+1, err)
			}
			return nil, err
		}
		items = append(items, found...)
	}
	return items, nil
}

// splitDocs returns the file's documents as JSON. A file starting with "{"
// is one JSON value; anything else is read as (possibly multi-document) YAML.
func splitDocs(data []byte) ([][]byte, error) {
	if data[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("invalid JSON: %w", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("invalid JSON: data after the top-level object")
		}
		return [][]byte{raw}, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs [][]byte
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("invalid YAML: %w", err)
		}
		if v == nil {
			continue // empty document, e.g. a trailing "---"
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("YAML document cannot be represented as JSON (non-string keys?): %w", err)
		}
		docs = append(docs, b)
	}
}

// decodeDoc decodes one JSON document by its shape: "kind" says which
// Kubernetes object it is; without "kind" it must be exported features.
func decodeDoc(doc []byte) ([]docItem, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(doc, &probe); err != nil {
		return nil, errors.New("not an object: " + expectedFormats)
	}
	rawKind, hasKind := probe["kind"]
	if !hasKind {
		if !slices.ContainsFunc([]string{"flags", "attributes", "instances"}, func(k string) bool { _, ok := probe[k]; return ok }) {
			return nil, errors.New("neither a features object nor a Kubernetes object (no kind): " + expectedFormats)
		}
		f := &Features{}
		if err := strictUnmarshal(doc, f); err != nil {
			return nil, fmt.Errorf("invalid exported features: %w", err)
		}
		return []docItem{{features: normalize(f)}}, nil
	}
	var kind string
	if err := json.Unmarshal(rawKind, &kind); err != nil {
		return nil, fmt.Errorf("kind is not a string: %s", rawKind)
	}
	switch kind {
	case "NodeFeature":
		nf, err := decodeNodeFeature(doc, false)
		if err != nil {
			return nil, err
		}
		return []docItem{{nodeFeature: nf}}, nil
	case "NodeFeatureList", "List":
		return decodeList(doc, kind)
	}
	return nil, fmt.Errorf("kind %q is not supported: %s", kind, expectedFormats)
}

// decodeList decodes a kubectl List or a NodeFeatureList of NodeFeatures.
func decodeList(doc []byte, kind string) ([]docItem, error) {
	var list struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   json.RawMessage   `json:"metadata"`
		Items      []json.RawMessage `json:"items"`
	}
	if err := strictUnmarshal(doc, &list); err != nil {
		return nil, fmt.Errorf("invalid %s: %w", kind, err)
	}
	if kind == "NodeFeatureList" && list.APIVersion != nfdAPIVersion {
		return nil, fmt.Errorf("NodeFeatureList has apiVersion %q, expected %q", list.APIVersion, nfdAPIVersion)
	}
	items := make([]docItem, 0, len(list.Items))
	for i, raw := range list.Items {
		// Items of a typed list may omit apiVersion and kind; a List's items carry them.
		nf, err := decodeNodeFeature(raw, kind == "NodeFeatureList")
		if err != nil {
			return nil, fmt.Errorf("%s item %d: %w", kind, i+1, err)
		}
		items = append(items, docItem{nodeFeature: nf})
	}
	return items, nil
}

// decodeNodeFeature strictly decodes a NodeFeature object.
func decodeNodeFeature(raw []byte, typeOptional bool) (*nfdv1alpha1.NodeFeature, error) {
	nf := &nfdv1alpha1.NodeFeature{}
	if err := strictUnmarshal(raw, nf); err != nil {
		return nil, fmt.Errorf("invalid NodeFeature: %w", err)
	}
	if !(typeOptional && nf.Kind == "") && nf.Kind != "NodeFeature" {
		return nil, fmt.Errorf("kind %q is not NodeFeature", nf.Kind)
	}
	if !(typeOptional && nf.APIVersion == "") && nf.APIVersion != nfdAPIVersion {
		return nil, fmt.Errorf("NodeFeature %q has apiVersion %q, expected %q", nf.Name, nf.APIVersion, nfdAPIVersion)
	}
	if nodeFeatureNode(nf) == "" {
		return nil, fmt.Errorf("NodeFeature has neither the %s label nor metadata.name", nfdv1alpha1.NodeFeatureObjNodeNameLabel)
	}
	normalize(&nf.Spec.Features)
	return nf, nil
}

// nodeFeatureNode is the node a NodeFeature describes: its node-name label,
// which nfd-master selects by, else its object name.
func nodeFeatureNode(nf *nfdv1alpha1.NodeFeature) string {
	if n := strings.TrimSpace(nf.Labels[nfdv1alpha1.NodeFeatureObjNodeNameLabel]); n != "" {
		return n
	}
	return nf.Name
}

// strictUnmarshal rejects unknown fields, so that a file of another kind is
// not read as empty features.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// normalize replaces missing top-level maps by empty ones, as NFD's
// NewFeatures has them, so that callers can insert without checks. Element
// lists are kept as written ("elements": null stays nil) so that a round trip
// compares equal.
func normalize(f *Features) *Features {
	if f.Flags == nil {
		f.Flags = map[string]nfdv1alpha1.FlagFeatureSet{}
	}
	if f.Attributes == nil {
		f.Attributes = map[string]nfdv1alpha1.AttributeFeatureSet{}
	}
	if f.Instances == nil {
		f.Instances = map[string]nfdv1alpha1.InstanceFeatureSet{}
	}
	return f
}

// decodeExport decodes data as `nfd export features` JSON in one pass,
// leaving out the features keep rejects (nil keeps all). It returns ok only
// when the general path (splitDocs, decodeDoc) would accept data with the
// same features; on anything else — a syntax error, trailing data, a key
// other than exactly flags, attributes or instances at the top (a "kind", a
// key in another case or escaped, none at all), a null, a type error — it
// returns !ok and the caller takes the general path, which decides and
// words the error. So this pass can be stricter than that path, never
// looser.
//
// A kept feature set is decoded strictly, as the general path decodes it.
// A dropped one is not stored, but its shape is still checked (the checks
// below): a file that is garbage somewhere is rejected whatever the spec
// needs.
func decodeExport(data []byte, keep func(string) bool) (f *Features, ok bool) {
	if keep == nil {
		return decodeExportAll(data)
	}
	// json.Valid is one scan of the whole file; then a cursor walks it,
	// decoding only the sets kept.
	if !json.Valid(data) {
		return nil, false
	}
	f = &Features{}
	c := &cursor{b: data}
	if !c.eat('{') || c.eat('}') {
		return nil, false // {}: not recognisably features
	}
	for {
		key, ok := c.str()
		if !ok || !c.eat(':') {
			return nil, false
		}
		switch string(key) {
		case "flags":
			ok = keepSets(c, &f.Flags, keep, flagSetShape)
		case "attributes":
			ok = keepSets(c, &f.Attributes, keep, attributeSetShape)
		case "instances":
			ok = keepSets(c, &f.Instances, keep, instanceSetShape)
		default:
			return nil, false
		}
		if !ok {
			return nil, false
		}
		if !c.eat(',') {
			break
		}
	}
	if !c.eat('}') {
		return nil, false
	}
	if c.ws(); c.i != len(c.b) {
		return nil, false
	}
	return normalize(f), true
}

// keepSets reads the object of feature sets at c into *m (merging, as
// encoding/json does for a repeated key): each kept set decoded strictly,
// each dropped one only checked by shape.
func keepSets[S any](c *cursor, m *map[string]S, keep func(string) bool, shape func(*cursor) bool) bool {
	if !c.eat('{') {
		return false // null or not an object: the general path decides
	}
	if *m == nil {
		*m = map[string]S{}
	}
	if c.eat('}') {
		return true
	}
	for {
		raw, ok := c.str()
		if !ok || bytes.IndexByte(raw, '\\') >= 0 || !c.eat(':') {
			return false // an escaped name: the general path unescapes it
		}
		if name := string(raw); keep(name) {
			c.ws()
			start := c.i
			if !c.skipValue() {
				return false
			}
			var s S
			dec := json.NewDecoder(bytes.NewReader(c.b[start:c.i]))
			dec.DisallowUnknownFields()
			if dec.Decode(&s) != nil {
				return false
			}
			(*m)[name] = s
		} else if !shape(c) {
			return false
		}
		if !c.eat(',') {
			return c.eat('}')
		}
	}
}

// decodeExportAll is decodeExport keeping everything: a strict decode of
// each set as it streams by, with the top-level keys checked exactly.
func decodeExportAll(data []byte) (f *Features, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	f = &Features{}
	seen := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		switch key, _ := t.(string); key {
		case "flags":
			ok = decodeSets(dec, &f.Flags)
		case "attributes":
			ok = decodeSets(dec, &f.Attributes)
		case "instances":
			ok = decodeSets(dec, &f.Instances)
		default:
			return nil, false
		}
		if !ok {
			return nil, false
		}
		seen = true
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false // data after the object (or a syntax error in it)
	}
	if !seen {
		return nil, false // {}: not recognisably features
	}
	return normalize(f), true
}

// decodeSets decodes the object of feature sets at dec into *m (merging, as
// encoding/json does for a repeated key), each set strictly.
func decodeSets[S any](dec *json.Decoder, m *map[string]S) bool {
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false // null or not an object: the general path decides
	}
	if *m == nil {
		*m = map[string]S{}
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		var s S
		if err := dec.Decode(&s); err != nil {
			return false
		}
		(*m)[t.(string)] = s // an object's keys are strings
	}
	t, err := dec.Token()
	return err == nil && t == json.Delim('}')
}

// The checks below accept a subset of what strictly decoding into
// nfdv1alpha1's FlagFeatureSet, AttributeFeatureSet and InstanceFeatureSet
// accepts: exact-case field names, no nulls except for elements and
// attributes, nothing else. What they reject goes to the general path.

// flagSetShape: {"elements": null | {NAME: {}, ...}}.
func flagSetShape(c *cursor) bool {
	return c.fields("elements", func(c *cursor) bool {
		return c.null() || c.object(func(c *cursor) bool { return c.object(nil) })
	})
}

// attributeSetShape: {"elements": null | {NAME: "value", ...}}.
func attributeSetShape(c *cursor) bool { return c.fields("elements", stringMap) }

// instanceSetShape: {"elements": null | [{"attributes": null | {NAME: "value", ...}}, ...]}.
func instanceSetShape(c *cursor) bool {
	return c.fields("elements", func(c *cursor) bool {
		return c.null() || c.array(func(c *cursor) bool { return c.fields("attributes", stringMap) })
	})
}

func stringMap(c *cursor) bool {
	return c.null() || c.object(func(c *cursor) bool { _, ok := c.str(); return ok })
}

// cursor reads JSON that json.Valid has already found well formed, so it
// only needs to tell shapes apart, not to report syntax errors.
type cursor struct {
	b []byte
	i int
}

func (c *cursor) ws() {
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case ' ', '\t', '\n', '\r':
			c.i++
		default:
			return
		}
	}
}

func (c *cursor) eat(ch byte) bool {
	c.ws()
	if c.i < len(c.b) && c.b[c.i] == ch {
		c.i++
		return true
	}
	return false
}

func (c *cursor) null() bool {
	c.ws()
	if bytes.HasPrefix(c.b[c.i:], []byte("null")) {
		c.i += 4
		return true
	}
	return false
}

// str reads a string and returns its raw (still escaped) bytes.
func (c *cursor) str() ([]byte, bool) {
	if !c.eat('"') {
		return nil, false
	}
	start := c.i
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case '\\':
			c.i += 2
		case '"':
			s := c.b[start:c.i]
			c.i++
			return s, true
		default:
			c.i++
		}
	}
	return nil, false
}

// object reads an object whose every value member reads; nil member: the
// object must be empty.
func (c *cursor) object(member func(*cursor) bool) bool {
	if !c.eat('{') {
		return false
	}
	if c.eat('}') {
		return true
	}
	if member == nil {
		return false
	}
	for {
		if _, ok := c.str(); !ok || !c.eat(':') || !member(c) {
			return false
		}
		if !c.eat(',') {
			return c.eat('}')
		}
	}
}

// fields reads an object whose keys are all exactly name (repeated or not)
// and whose values value reads.
func (c *cursor) fields(name string, value func(*cursor) bool) bool {
	if !c.eat('{') {
		return false
	}
	if c.eat('}') {
		return true
	}
	for {
		k, ok := c.str()
		if !ok || string(k) != name || !c.eat(':') || !value(c) {
			return false
		}
		if !c.eat(',') {
			return c.eat('}')
		}
	}
}

// skipValue skips any value.
func (c *cursor) skipValue() bool {
	c.ws()
	if c.i >= len(c.b) {
		return false
	}
	switch c.b[c.i] {
	case '"':
		_, ok := c.str()
		return ok
	case '{', '[':
		depth := 0
		for c.i < len(c.b) {
			switch c.b[c.i] {
			case '"':
				if _, ok := c.str(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					c.i++
					return true
				}
			}
			c.i++
		}
		return false
	}
	for c.i < len(c.b) { // a number, true, false or null
		switch c.b[c.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return true
		}
		c.i++
	}
	return true
}

func (c *cursor) array(elem func(*cursor) bool) bool {
	if !c.eat('[') {
		return false
	}
	if c.eat(']') {
		return true
	}
	for {
		if !elem(c) {
			return false
		}
		if !c.eat(',') {
			return c.eat(']')
		}
	}
}

// yamlDocs is splitDocs for YAML in fewer passes: each document is parsed
// into a yaml.Node tree and written out as JSON directly, instead of being
// decoded into maps of `any` and marshalled. With keep, the feature sets a
// NodeFeature names under spec.features that keep rejects are left out —
// after checking their shape, so that a file wrong in them is still
// rejected. It returns !ok for anything it is not sure of (an alias, a
// merge key, a duplicate key, a non-string key, a shape it does not know
// for a dropped set, a syntax error): the caller then takes the general
// path, which decides and words the error. Scalars other than strings are
// decoded and marshalled one by one exactly as the general path does.
func yamlDocs(data []byte, keep func(string) bool) (docs [][]byte, ok bool) {
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
		docs = append(docs, w.buf)
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
	b, _ := json.Marshal(s) // never fails for a string
	w.buf = append(w.buf, b...)
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
