package spec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Parse strictly parses a spec written in YAML or JSON and validates it
// statically. It returns the spec (nil if it could not be decoded), every
// problem found, errors and warnings, sorted by line then path, and a
// non-nil *InvalidError when any problem is an error.
func Parse(data []byte) (*Spec, []Problem, error) {
	return ParseContext(context.Background(), data)
}

// ParseContext is Parse checking ctx while it decodes and validates. When
// ctx ends first it returns a nil spec, the problems found so far and an
// error wrapping ctx.Err() that names the stage (parsing or validating):
// the spec is then neither valid nor invalid, and never used.
func ParseContext(ctx context.Context, data []byte) (*Spec, []Problem, error) {
	if len(data) > MaxSpecSize {
		ps := []Problem{errorf("", "the spec is %d bytes, more than the limit of %d bytes; drop unused sets, or share rules with YAML anchors", len(data), MaxSpecSize)}
		return nil, ps, invalid(ps)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("parsing the spec stopped: %w", context.Cause(ctx))
	}
	// The YAML parser itself cannot be interrupted; MaxSpecSize bounds it
	// (tens of milliseconds).
	root, p := parseYAML(data)
	if p != nil {
		ps := []Problem{*p}
		return nil, ps, invalid(ps)
	}

	d := newDecoder(ctx, root)
	var s Spec
	d.decode(root, reflect.ValueOf(&s).Elem(), "")
	if d.stopped != nil {
		return nil, d.problems, d.stopped
	}
	problems := d.problems
	if !d.exhausted && root.Kind == yaml.MappingNode {
		failed := make(map[string]bool, len(d.failed))
		for _, p := range d.failed {
			failed[p] = true
		}
		vps, err := ValidateContext(ctx, &s)
		if err != nil {
			return nil, problems, err
		}
		for _, vp := range vps {
			if coveredByDecodeError(vp.Path, failed) {
				continue
			}
			vp.Line, vp.Column = d.position(vp.Path)
			problems = append(problems, vp)
		}
	}
	sortProblems(problems)
	spec := &s
	if d.nErrors > 0 {
		spec = nil
	}
	return spec, problems, invalid(problems)
}

// parseYAML returns the single document's root node, or the problem that
// kept it from being read.
func parseYAML(data []byte) (root *yaml.Node, problem *Problem) {
	defer func() {
		// The YAML library is third-party code; a crash on hostile input
		// must become an error, not take the caller down.
		if r := recover(); r != nil {
			root, problem = nil, &Problem{Severity: SeverityError, Message: fmt.Sprintf("the YAML parser failed on this input (%v); check the syntax", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Problem{Severity: SeverityError, Message: "the spec is empty; start with \"version: v1alpha1\" and a compatibilities list"}
		}
		return nil, syntaxProblem(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, &Problem{Line: extra.Line, Column: extra.Column, Severity: SeverityError,
			Message: "the input holds more than one YAML document; keep one spec per file (remove the \"---\" separator)"}
	} else if !errors.Is(err, io.EOF) {
		return nil, syntaxProblem(err)
	}
	if len(doc.Content) == 0 || isNull(doc.Content[0]) {
		return nil, &Problem{Severity: SeverityError, Message: "the spec is empty; start with \"version: v1alpha1\" and a compatibilities list"}
	}
	return doc.Content[0], nil
}

// syntaxProblem moves the line yaml.v3 puts in its message ("yaml: line
// 3: did not find expected key") into the Problem.
func syntaxProblem(err error) *Problem {
	p := &Problem{Severity: SeverityError}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, ok := strings.Cut(rest, ": "); ok {
			if line, err := strconv.Atoi(num); err == nil {
				p.Line, msg = line, tail
			}
		}
	}
	p.Message = "YAML syntax error: " + msg + "; fix the syntax there"
	return p
}

// coveredByDecodeError reports whether path is at or below a value that
// failed to decode: what Validate says about its zero value is noise.
func coveredByDecodeError(path string, failed map[string]bool) bool {
	for {
		if failed[path] {
			return true
		}
		if path == "" {
			return false
		}
		path = parentPath(path)
	}
}

// position finds the source position of path, or of its nearest ancestor
// that was written (a missing field is reported where its parent is).
func (d *decoder) position(path string) (line, column int) {
	for {
		if p, ok := d.pos[path]; ok {
			return p.line, p.column
		}
		if path == "" {
			return 0, 0
		}
		path = parentPath(path)
	}
}
