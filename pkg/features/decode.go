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
func decodeFile(data []byte) ([]docItem, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty file: " + expectedFormats)
	}
	docs, err := splitDocs(trimmed)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, errors.New("no document in file: " + expectedFormats)
	}
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
