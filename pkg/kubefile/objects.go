package kubefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// ErrNotObject is returned by Objects for a document that is not a JSON
// object (a list, a scalar, plain text).
var ErrNotObject = errors.New("not an object")

// Object is one object of a document: the document itself, or one item of
// the List or typed list it is.
type Object struct {
	JSON []byte
	// Kind and APIVersion are the object's own; for an item of a typed list
	// (FooList) that omits them, Foo and the list's apiVersion.
	Kind, APIVersion string
	// Defaulted says Kind or APIVersion came from the typed list.
	Defaulted bool
	// Item is the 1-based index in the list; 0 for a whole document.
	Item int
}

// Header is what a document says it is.
type Header struct {
	Kind, APIVersion string
	// Name is metadata.name, for messages.
	Name string
	// List says the document is a List or a typed list (its kind ends in
	// "List"): Objects then returns its items.
	List bool
}

// probe reads the type fields of an object, leniently.
type probe struct {
	APIVersion string                `json:"apiVersion"`
	Kind       string                `json:"kind"`
	Metadata   struct{ Name string } `json:"metadata"`
}

// Objects returns what d is and its objects: d itself, or, for a List or
// typed list, its items (an item that is not an object, or has no string
// kind, has Kind ""). A list is decoded strictly:
// besides apiVersion, kind, metadata and items it may have nothing.
func (d Document) Objects() (Header, []Object, error) {
	var p probe
	if err := json.Unmarshal(d.JSON, &p); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field == "" {
			return Header{}, nil, fmt.Errorf("%w (it is a JSON %s)", ErrNotObject, te.Value)
		}
		return Header{}, nil, fmt.Errorf("%w with string kind, apiVersion and metadata.name: %v", ErrNotObject, strings.TrimPrefix(err.Error(), "json: "))
	}
	h := Header{Kind: p.Kind, APIVersion: p.APIVersion, Name: p.Metadata.Name, List: strings.HasSuffix(p.Kind, "List")}
	if !h.List {
		return h, []Object{{JSON: d.JSON, Kind: p.Kind, APIVersion: p.APIVersion}}, nil
	}
	var list struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   json.RawMessage   `json:"metadata"`
		Items      []json.RawMessage `json:"items"`
	}
	dec := json.NewDecoder(bytes.NewReader(d.JSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return h, nil, fmt.Errorf("invalid %s: %w", h.Kind, err)
	}
	typed := strings.TrimSuffix(h.Kind, "List")
	if h.Kind == "List" {
		typed = ""
	}
	objs := make([]Object, 0, len(list.Items))
	for i, raw := range list.Items {
		var ip probe
		_ = json.Unmarshal(raw, &ip) // an item that is no object has no kind; its caller's decode words that
		o := Object{JSON: raw, Kind: ip.Kind, APIVersion: ip.APIVersion, Item: i + 1}
		if typed != "" && o.Kind == "" {
			o.Kind, o.Defaulted = typed, true
		}
		if typed != "" && o.APIVersion == "" {
			o.APIVersion, o.Defaulted = h.APIVersion, true
		}
		objs = append(objs, o)
	}
	return h, objs, nil
}
