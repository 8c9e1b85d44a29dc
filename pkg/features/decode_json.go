package features

import (
	"bytes"
	"encoding/json"
	"io"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// The JSON fast path: `nfd export features` files, the common case of a
// fleet directory, decoded in one pass instead of the general path's split,
// probe and strict decode (0.9 ms instead of 1.4 ms for a plain strict
// decode of an 84 KB export; see BenchmarkDecodeExport), dropping the
// feature sets the caller does not keep as it goes. Keeping a GPU spec's
// features it is one walk of the file (0.07-0.12 ms; 0.37-0.48 ms with a
// json.Valid scan first and encoding/json for the kept sets).

// decodeExport decodes data as `nfd export features` JSON in one pass,
// leaving out the features keep rejects (nil keeps all). It returns ok only
// when the general path (kubefile.Split, decodeDoc) would accept data with the
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
	// One walk with a cursor that checks the syntax of what it reads (so
	// no json.Valid scan first: that was a third of the fleet's JSON CPU),
	// decoding only the sets kept.
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
			ok = keepSets(c, &f.Flags, keep, flagSetShape, readFlagSet)
		case "attributes":
			ok = keepSets(c, &f.Attributes, keep, attributeSetShape, readAttributeSet)
		case "instances":
			ok = keepSets(c, &f.Instances, keep, instanceSetShape, readInstanceSet)
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
	return Normalize(f), true
}

// keepSets reads the object of feature sets at c into *m (merging, as
// encoding/json does for a repeated key): each kept set decoded strictly —
// by read when it is in the plain shape read knows, else by encoding/json —
// and each dropped one only checked by shape.
func keepSets[S any](c *cursor, m *map[string]S, keep func(string) bool, shape func(*cursor) bool, read func(*cursor) (S, bool)) bool {
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
		c.ws()
		name, ok := c.plainStr()
		if !ok || !c.eat(':') {
			// An escaped or non-ASCII name: the general path unescapes it
			// (and replaces invalid UTF-8, as encoding/json does).
			return false
		}
		if keep(name) {
			c.ws()
			start := c.i
			if s, ok := read(c); ok {
				(*m)[name] = s
				if !c.eat(',') {
					return c.eat('}')
				}
				continue
			}
			c.i = start
			if !c.skipValue() {
				return false
			}
			var s S
			dec := json.NewDecoder(bytes.NewReader(c.b[start:c.i]))
			dec.DisallowUnknownFields()
			// The whole of the skipped value must be the one decoded:
			// skipValue does not check syntax ("nullnull" is one value
			// to it, two to the decoder).
			if dec.Decode(&s) != nil || dec.InputOffset() != int64(c.i-start) {
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
	return Normalize(f), true
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

// The readers below decode a kept feature set in the shape `nfd export
// features` writes — exactly one "elements" key, plain strings (no escape,
// ASCII) — as strict decoding with encoding/json would, without reflection
// (that was most of a fleet's JSON CPU). On anything else they return !ok
// and keepSets lets encoding/json decode the set, which decides.

func readFlagSet(c *cursor) (s nfdv1alpha1.FlagFeatureSet, ok bool) {
	ok = c.elements(func(c *cursor) bool {
		if c.null() {
			return true
		}
		s.Elements = map[string]nfdv1alpha1.Nil{}
		return c.members(func(c *cursor, key string) bool {
			s.Elements[key] = nfdv1alpha1.Nil{}
			return c.eat('{') && c.eat('}')
		})
	})
	return s, ok
}

func readAttributeSet(c *cursor) (s nfdv1alpha1.AttributeFeatureSet, ok bool) {
	ok = c.elements(func(c *cursor) bool {
		m, ok := c.plainStringMap()
		s.Elements = m
		return ok
	})
	return s, ok
}

func readInstanceSet(c *cursor) (s nfdv1alpha1.InstanceFeatureSet, ok bool) {
	ok = c.elements(func(c *cursor) bool {
		if c.null() {
			return true
		}
		if !c.eat('[') {
			return false
		}
		s.Elements = []nfdv1alpha1.InstanceFeature{} // [] decodes to an empty slice
		if c.eat(']') {
			return true
		}
		for {
			var inst nfdv1alpha1.InstanceFeature
			if !c.eat('{') {
				return false
			}
			if !c.eat('}') {
				if key, ok := c.plainStr(); !ok || key != "attributes" || !c.eat(':') {
					return false
				}
				if inst.Attributes, ok = c.plainStringMap(); !ok || !c.eat('}') {
					return false
				}
			}
			s.Elements = append(s.Elements, inst)
			if !c.eat(',') {
				return c.eat(']')
			}
		}
	})
	return s, ok
}

// elements reads {} or {"elements": VALUE} with value reading VALUE.
func (c *cursor) elements(value func(*cursor) bool) bool {
	if !c.eat('{') {
		return false
	}
	if c.eat('}') {
		return true
	}
	if key, ok := c.plainStr(); !ok || key != "elements" || !c.eat(':') || !value(c) {
		return false
	}
	return c.eat('}')
}

// plainStringMap reads null or {"name": "value", ...} of plain strings.
func (c *cursor) plainStringMap() (m map[string]string, ok bool) {
	if c.null() {
		return nil, true
	}
	m = map[string]string{}
	ok = c.members(func(c *cursor, key string) bool {
		v, ok := c.plainStr()
		m[key] = v
		return ok
	})
	return m, ok
}

// members reads {} or {"key": VALUE, ...} with plain keys, member reading
// each VALUE.
func (c *cursor) members(member func(c *cursor, key string) bool) bool {
	if !c.eat('{') {
		return false
	}
	if c.eat('}') {
		return true
	}
	for {
		key, ok := c.plainStr()
		if !ok || !c.eat(':') || !member(c, key) {
			return false
		}
		if !c.eat(',') {
			return c.eat('}')
		}
	}
}

// plainStr reads a string that means its raw bytes: no escape, ASCII only
// (encoding/json would replace invalid UTF-8).
func (c *cursor) plainStr() (string, bool) {
	raw, ok := c.str()
	if !ok {
		return "", false
	}
	for _, b := range raw {
		if b == '\\' || b >= 0x80 {
			return "", false
		}
	}
	return string(raw), true
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

// cursor reads JSON and tells shapes apart. It does not report syntax
// errors, but it accepts only well-formed JSON: punctuation and literals are
// read exactly, str checks a string's escapes and control characters, and
// the one thing it skips unchecked (skipValue, for a kept set) is then
// decoded by encoding/json, which checks it.
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

// str reads a string and returns its raw (still escaped) bytes. It accepts
// what json.Valid accepts in a string: no control character, only JSON's
// escapes (invalid UTF-8 is accepted, as encoding/json does).
func (c *cursor) str() ([]byte, bool) {
	if !c.eat('"') {
		return nil, false
	}
	start := c.i
	for c.i < len(c.b) {
		switch ch := c.b[c.i]; {
		case ch == '"':
			s := c.b[start:c.i]
			c.i++
			return s, true
		case ch == '\\':
			if !c.escape() {
				return nil, false
			}
		case ch < 0x20:
			return nil, false
		default:
			c.i++
		}
	}
	return nil, false
}

// escape reads one escape sequence at c.i (the backslash).
func (c *cursor) escape() bool {
	if c.i+1 >= len(c.b) {
		return false
	}
	switch c.b[c.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		c.i += 2
		return true
	case 'u':
		if c.i+6 > len(c.b) {
			return false
		}
		for _, h := range c.b[c.i+2 : c.i+6] {
			if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
				return false
			}
		}
		c.i += 6
		return true
	}
	return false
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
