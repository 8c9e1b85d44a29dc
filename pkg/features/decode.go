package features

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/pkg/kubefile"
)

// The general decoding path, and the choice of path. The fast paths are in
// decode_json.go (exported features) and decode_yaml.go (NodeFeature YAML);
// each accepts only what this path accepts, with the same features (their
// tests and fuzz targets check it), and leaves everything else, errors
// included, to this path.

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
// (decodeExport), NodeFeature YAML in fewer passes (yamlDocs); anything
// else, or anything those are not sure of, takes the general path: split
// into documents, probe the kind, strict decode, which also words every
// error.
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
	docs, err := kubefile.Split(trimmed)
	if err != nil {
		return nil, err
	}
	if len(docs) == 0 {
		return nil, errors.New("no document in file: " + expectedFormats)
	}
	return decodeJSONDocs(docs)
}

// decodeJSONDocs decodes a file's documents.
func decodeJSONDocs(docs []kubefile.Document) ([]docItem, error) {
	var items []docItem
	for i, doc := range docs {
		found, err := decodeDoc(doc)
		if err != nil {
			if len(docs) > 1 {
				return nil, fmt.Errorf("document %d (line %d): %w", i+1, doc.Line, err)
			}
			return nil, err
		}
		items = append(items, found...)
	}
	return items, nil
}

// decodeDoc decodes one document by its kind: a NodeFeature, a
// NodeFeatureList or List of them; without kind it must be exported
// features.
func decodeDoc(doc kubefile.Document) ([]docItem, error) {
	h, objs, err := doc.Objects()
	if err != nil {
		if errors.Is(err, kubefile.ErrNotObject) {
			return nil, fmt.Errorf("%w: %s", err, expectedFormats)
		}
		return nil, err
	}
	switch h.Kind {
	case "":
		f, err := decodeExported(doc.JSON)
		if err != nil {
			return nil, err
		}
		return []docItem{{features: f}}, nil
	case "NodeFeature":
		nf, err := decodeNodeFeature(objs[0])
		if err != nil {
			return nil, err
		}
		return []docItem{{nodeFeature: nf}}, nil
	case "NodeFeatureList", "List":
		if h.Kind == "NodeFeatureList" && h.APIVersion != nfdAPIVersion {
			return nil, fmt.Errorf("NodeFeatureList has apiVersion %q, expected %q", h.APIVersion, nfdAPIVersion)
		}
		items := make([]docItem, 0, len(objs))
		for _, o := range objs {
			nf, err := decodeNodeFeature(o)
			if err != nil {
				return nil, fmt.Errorf("%s item %d: %w", h.Kind, o.Item, err)
			}
			items = append(items, docItem{nodeFeature: nf})
		}
		return items, nil
	}
	return nil, fmt.Errorf("kind %q is not supported: %s", h.Kind, expectedFormats)
}

// decodeExported strictly decodes exported features, which must name at
// least one of flags, attributes and instances.
func decodeExported(doc []byte) (*Features, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(doc, &probe); err != nil {
		return nil, errors.New("not an object: " + expectedFormats)
	}
	if _, hasKind := probe["kind"]; hasKind {
		return nil, fmt.Errorf("kind %q is not supported: %s", "", expectedFormats)
	}
	if !slices.ContainsFunc([]string{"flags", "attributes", "instances"}, func(k string) bool { _, ok := probe[k]; return ok }) {
		return nil, errors.New("neither a features object nor a Kubernetes object (no kind): " + expectedFormats)
	}
	f := &Features{}
	if err := strictUnmarshal(doc, f); err != nil {
		return nil, fmt.Errorf("invalid exported features: %w", err)
	}
	return Normalize(f), nil
}

// decodeNodeFeature strictly decodes a NodeFeature object; kind and
// apiVersion may come from the NodeFeatureList it is an item of.
func decodeNodeFeature(o kubefile.Object) (*nfdv1alpha1.NodeFeature, error) {
	nf := &nfdv1alpha1.NodeFeature{}
	if err := strictUnmarshal(o.JSON, nf); err != nil {
		return nil, fmt.Errorf("invalid NodeFeature: %w", err)
	}
	if o.Kind != "NodeFeature" {
		return nil, fmt.Errorf("kind %q is not NodeFeature", o.Kind)
	}
	if o.APIVersion != nfdAPIVersion {
		return nil, fmt.Errorf("NodeFeature %q has apiVersion %q, expected %q", nf.Name, o.APIVersion, nfdAPIVersion)
	}
	if nodeFeatureNode(nf) == "" {
		return nil, fmt.Errorf("NodeFeature has neither the %s label nor metadata.name", nfdv1alpha1.NodeFeatureObjNodeNameLabel)
	}
	Normalize(&nf.Spec.Features)
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
