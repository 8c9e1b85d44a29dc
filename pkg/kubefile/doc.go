// Package kubefile reads files of Kubernetes objects as kubectl and NFD write
// them: one JSON value (a file starting with "{", the sniff kubectl's
// YAMLOrJSONDecoder in k8s.io/apimachinery/pkg/util/yaml makes), or YAML
// with any number of documents, each turned into JSON with the line it
// starts on; and, per document, the objects in it: the document itself, or
// the items of a List or typed list (FooList) with their kind and apiVersion
// defaulted from the list as the API server does. What each object is and
// how strictly it is decoded stays with the caller (pkg/features for
// NodeFeatures and exported features, pkg/rules for NodeFeatureRules and
// NodeFeatureGroups).
package kubefile
