package spec

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// decoder walks a yaml.Node tree against a Go type by reflection on the
// `json` tags (the tags upstream decodes with), filling the value and
// recording a problem for every unknown field, duplicate key and wrong
// type, so that one pass reports them all with their lines.
type decoder struct {
	problems  []Problem
	failed    []string            // paths of values that could not be decoded; Validate findings under them are noise
	nErrors   int                 // error-severity problems: the decoded value is not what was written
	pos       map[string]position // path -> source position, to give Validate findings a line
	visits    int
	budget    int // node visits allowed, so aliases cannot expand without bound
	exhausted bool
	ctx       context.Context
	stopped   error // set when ctx ended: decoding stops as if exhausted
}

type position struct{ line, column int }

type pair struct{ key, value *yaml.Node }

func newDecoder(ctx context.Context, root *yaml.Node) *decoder {
	// Aliases may share rules between sets, but an expansion far beyond
	// the document's own size is a "billion laughs" attack.
	budget := 4*countNodes(root) + 10000
	return &decoder{pos: map[string]position{}, budget: budget, ctx: ctx}
}

// ctxEvery is how many node visits pass between checks of the context.
const ctxEvery = 1024

// countNodes counts the nodes written in the document, not following aliases.
func countNodes(n *yaml.Node) int {
	count := 0
	stack := []*yaml.Node{n}
	for len(stack) > 0 {
		n, stack = stack[len(stack)-1], stack[:len(stack)-1]
		count++
		stack = append(stack, n.Content...)
	}
	return count
}

func (d *decoder) at(n *yaml.Node, path string) {
	if _, ok := d.pos[path]; !ok {
		d.pos[path] = position{n.Line, n.Column}
	}
}

func (d *decoder) add(n *yaml.Node, p Problem) {
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	d.problems = append(d.problems, p)
	if p.Severity == SeverityError {
		d.nErrors++
	}
}

// enter counts a visit and resolves aliases; it returns nil once the
// budget is spent.
func (d *decoder) enter(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		d.visits++
		n = n.Alias
	}
	d.visits++
	if d.visits%ctxEvery == 0 && d.stopped == nil && d.ctx.Err() != nil {
		d.stopped = fmt.Errorf("parsing the spec stopped: %w", context.Cause(d.ctx))
		d.exhausted = true
	}
	if d.visits > d.budget && !d.exhausted {
		d.exhausted = true
		d.add(n, errorf("", "the document expands YAML aliases to more than %d nodes (a \"billion laughs\" document?); write the values out instead of repeating *aliases", d.budget))
	}
	if d.exhausted {
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	d.at(n, path) // before resolving an alias: where it is used, not where its anchor is
	if n = d.enter(n); n == nil {
		return
	}
	if isNull(n) {
		return // as encoding/json: null leaves the zero value
	}
	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		d.decode(n, e.Elem(), path)
		v.Set(e)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if !d.is(n, yaml.SequenceNode, v, path) {
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), indexPath(path, i))
		}
		v.Set(s)
	case reflect.Map:
		d.decodeMap(n, v, path)
	case reflect.String:
		if !d.is(n, yaml.ScalarNode, v, path) {
			return
		}
		d.checkPlainString(n, path)
		v.SetString(n.Value)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil || v.OverflowInt(i) {
			d.typeError(n, v, path)
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		var b bool
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&b) != nil {
			d.typeError(n, v, path)
			return
		}
		v.SetBool(b)
	default:
		d.add(n, errorf(path, "%s has a type (%s) this parser cannot fill; report this as a bug", lastSegment(path), v.Type()))
	}
}

// pairs returns a mapping's key/value pairs, with YAML merge keys (<<)
// expanded the way YAML specifies: explicit keys win over merged ones,
// earlier merged mappings over later ones. Duplicate explicit keys are
// reported.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var explicit, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k = d.enter(k); k == nil {
			return nil
		}
		if k.Kind != yaml.ScalarNode {
			d.add(k, errorf(path, "a key of %s is a %s; keys must be plain strings", lastSegment(path), kindName(k)))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merged = append(merged, d.mergeSources(val, path)...)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.add(k, errorf(keyPath(path, k.Value), "duplicate key %q (first at line %d); keep only one", k.Value, first.Line))
			continue
		}
		seen[k.Value] = k
		explicit = append(explicit, pair{k, val})
	}
	for _, p := range merged {
		if _, ok := seen[p.key.Value]; !ok {
			seen[p.key.Value] = p.key
			explicit = append(explicit, p)
		}
	}
	return explicit
}

func (d *decoder) mergeSources(val *yaml.Node, path string) []pair {
	if val = d.enter(val); val == nil {
		return nil
	}
	switch val.Kind {
	case yaml.MappingNode:
		return d.pairs(val, path)
	case yaml.SequenceNode:
		var out []pair
		for _, item := range val.Content {
			if item = d.enter(item); item == nil {
				return out
			}
			if item.Kind != yaml.MappingNode {
				d.add(item, errorf(path, "a << merge list may only hold mappings, got %s", describe(item)))
				continue
			}
			out = append(out, d.pairs(item, path)...)
		}
		return out
	}
	d.add(val, errorf(path, "<< merges a mapping or a list of mappings, got %s", describe(val)))
	return nil
}

// is reports whether n is a node of kind, recording a type error for v at
// path when it is not.
func (d *decoder) is(n *yaml.Node, kind yaml.Kind, v reflect.Value, path string) bool {
	if n.Kind != kind {
		d.typeError(n, v, path)
		return false
	}
	return true
}

func (d *decoder) decodeStruct(n *yaml.Node, v reflect.Value, path string) {
	if !d.is(n, yaml.MappingNode, v, path) {
		return
	}
	fields := jsonFields(v.Type())
	for _, p := range d.pairs(n, path) {
		if d.exhausted {
			return
		}
		idx, ok := fields[p.key.Value]
		fp := fieldPath(path, p.key.Value)
		if !ok {
			fp = keyPath(path, p.key.Value)
			d.add(p.key, errorf(fp, "unknown field %q%s (allowed: %s)", p.key.Value, suggest(p.key.Value, fields), strings.Join(sortedKeys(fields), ", ")))
			continue
		}
		d.at(p.key, fp)
		d.decode(p.value, v.Field(idx), fp)
	}
}

func (d *decoder) decodeMap(n *yaml.Node, v reflect.Value, path string) {
	if !d.is(n, yaml.MappingNode, v, path) {
		return
	}
	m := reflect.MakeMap(v.Type())
	for _, p := range d.pairs(n, path) {
		if d.exhausted {
			return
		}
		kp := keyPath(path, p.key.Value)
		d.at(p.key, kp)
		d.checkPlainString(p.key, kp)
		e := reflect.New(v.Type().Elem()).Elem()
		d.decode(p.value, e, kp)
		m.SetMapIndex(reflect.ValueOf(p.key.Value).Convert(v.Type().Key()), e)
	}
	v.Set(m)
}

// jsonFields maps the json names of t's fields to their indexes.
func jsonFields(t reflect.Type) map[string]int {
	fields := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields[name] = i
	}
	return fields
}
