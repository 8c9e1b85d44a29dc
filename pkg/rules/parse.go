package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/pkg/kubefile"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Kinds this package reads.
const (
	KindRule  = "NodeFeatureRule"
	KindGroup = "NodeFeatureGroup"
)

// MaxSize bounds a rules file; NFD's objects live in etcd, whose default
// request limit is 1.5 MiB, so anything near this is not a real rule file.
const MaxSize = 8 << 20

var apiVersion = nfdv1alpha1.SchemeGroupVersion.String()

// Object is one NodeFeatureRule or NodeFeatureGroup and where it was read.
// Exactly one of Rule and Group is set.
type Object struct {
	Source string
	// Line is where the object's YAML document (or List item's document) starts.
	Line  int
	Rule  *nfdv1alpha1.NodeFeatureRule
	Group *nfdv1alpha1.NodeFeatureGroup
}

// Kind is NodeFeatureRule or NodeFeatureGroup.
func (o *Object) Kind() string {
	if o.Group != nil {
		return KindGroup
	}
	return KindRule
}

// ID names the object in messages: Kind/name, or Kind/namespace/name for a
// namespaced NodeFeatureGroup.
func (o *Object) ID() string {
	if o.Group != nil {
		if o.Group.Namespace != "" {
			return KindGroup + "/" + o.Group.Namespace + "/" + o.Group.Name
		}
		return KindGroup + "/" + o.Group.Name
	}
	return KindRule + "/" + o.Rule.Name
}

// Parse reads NodeFeatureRule and NodeFeatureGroup objects from YAML (several
// documents allowed) or JSON (a file starting with "{"), also inside List,
// NodeFeatureRuleList and NodeFeatureGroupList (kubefile reads the
// documents and lists). Decoding is strict: an unknown or mistyped field is
// a problem of its object, which is then left out. A document that is not
// one of these kinds is a problem too. source names the file in problems.
func Parse(data []byte, source string) ([]Object, []Problem) {
	if len(data) > MaxSize {
		return nil, []Problem{{Source: source, Severity: spec.SeverityError, Message: fmt.Sprintf("file is %d bytes, over the %d byte limit; split it", len(data), MaxSize)}}
	}
	docs, err := kubefile.Split(data)
	if err != nil {
		return nil, []Problem{{Source: source, Severity: spec.SeverityError, Message: err.Error() + "; fix the syntax"}}
	}
	var objs []Object
	var ps []Problem
	for _, d := range docs {
		o, p := decodeDoc(d, source)
		objs = append(objs, o...)
		ps = append(ps, p...)
	}
	if len(objs) == 0 && len(ps) == 0 {
		ps = append(ps, Problem{Source: source, Severity: spec.SeverityError, Message: "no NodeFeatureRule or NodeFeatureGroup in the file; the file is empty"})
	}
	return objs, ps
}

func decodeDoc(d kubefile.Document, source string) ([]Object, []Problem) {
	line := d.Line
	bad := func(format string, args ...any) []Problem {
		return []Problem{{Source: source, Line: line, Severity: spec.SeverityError, Message: fmt.Sprintf(format, args...)}}
	}
	h, items, err := d.Objects()
	if err != nil {
		return nil, bad("%v; expected a NodeFeatureRule or NodeFeatureGroup, or a List of them", err)
	}
	switch {
	case h.Kind == KindRule || h.Kind == KindGroup:
		o, p := decodeObject(items[0], source, line)
		if o == nil {
			return nil, p
		}
		return []Object{*o}, p
	case h.List:
		var objs []Object
		var ps []Problem
		for _, item := range items {
			if item.Kind != KindRule && item.Kind != KindGroup {
				ps = append(ps, bad("%s item %d has kind %q; only NodeFeatureRule and NodeFeatureGroup are read", h.Kind, item.Item, item.Kind)...)
				continue
			}
			o, p := decodeObject(item, source, line)
			ps = append(ps, p...)
			if o != nil {
				objs = append(objs, *o)
			}
		}
		return objs, ps
	case h.Kind == "":
		return nil, bad("document has no kind; expected kind: NodeFeatureRule or NodeFeatureGroup (apiVersion: %s)", apiVersion)
	}
	return nil, bad("kind %q (%s) is not NodeFeatureRule or NodeFeatureGroup; remove it from the file or check the kind", h.Kind, h.Name)
}

// decodeObject strictly decodes one object. Type problems are reported but
// the object is kept when it decodes.
// The apiVersion may come from the typed list item is in.
func decodeObject(item kubefile.Object, source string, line int) (*Object, []Problem) {
	raw, kind := item.JSON, item.Kind
	o := &Object{Source: source, Line: line}
	var target any
	if kind == KindRule {
		o.Rule = &nfdv1alpha1.NodeFeatureRule{}
		target = o.Rule
	} else {
		o.Group = &nfdv1alpha1.NodeFeatureGroup{}
		target = o.Group
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		var name struct{ Metadata struct{ Name string } }
		_ = json.Unmarshal(raw, &name)
		return nil, []Problem{{Source: source, Line: line, Object: kind + "/" + name.Metadata.Name, Severity: spec.SeverityError,
			Message: "cannot decode: " + decodeMessage(err) + "; fix the field's name or type (see `kubectl explain " + strings.ToLower(kind) + "s.spec`)"}}
	}
	var ps []Problem
	a := at{obj: o}
	if item.APIVersion != apiVersion {
		ps = append(ps, a.errorf("apiVersion", "%q is not NFD's API version; use %q", typeMeta(o), apiVersion))
	}
	return o, ps
}

func typeMeta(o *Object) string {
	if o.Group != nil {
		return o.Group.APIVersion
	}
	return o.Rule.APIVersion
}

// decodeMessage drops encoding/json's "json: " prefix and names the Go type
// by its JSON meaning.
func decodeMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "json: ")
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %s: got a %s, expected %s", te.Field, te.Value, jsonType(te.Type.Kind().String()))
	}
	return msg
}

func jsonType(goKind string) string {
	switch goKind {
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "a list"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	return "a number"
}
