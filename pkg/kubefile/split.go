package kubefile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Document is one document of a file, as JSON.
type Document struct {
	JSON []byte
	// Line is the line (1-based) of the file the document's content starts
	// on; 1 for a JSON file.
	Line int
}

// Split returns data's documents as JSON: data starting with "{" (after
// white space) is one JSON value; anything else is read as YAML, empty
// documents (a trailing "---") left out. A syntax error, or YAML that JSON
// cannot represent (a non-string key), is an error saying the line.
func Split(data []byte) ([]Document, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		return splitJSON(data)
	}
	return splitYAML(data)
}

func splitJSON(data []byte) ([]Document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("invalid JSON at line %d: %w", lineAt(data, se.Offset), err)
		}
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("invalid JSON at line %d: data after the top-level object", lineAt(data, dec.InputOffset()))
	}
	lead := len(data) - len(bytes.TrimLeft(data, " \t\r\n"))
	return []Document{{JSON: raw, Line: lineAt(data, int64(lead))}}, nil
}

// lineAt is the 1-based line of byte offset off in data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

func splitYAML(data []byte) (docs []Document, err error) {
	defer func() {
		// Third-party parser: a crash on hostile input is an error, not a panic.
		if r := recover(); r != nil {
			docs, err = nil, fmt.Errorf("the YAML parser failed on this input: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		if len(n.Content) == 0 || (n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null") {
			continue // empty document, e.g. a trailing "---"
		}
		line := n.Content[0].Line
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("invalid YAML in the document at line %d: %s", line, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("document at line %d cannot be read as JSON (non-string keys?): %v", line, err)
		}
		docs = append(docs, Document{JSON: b, Line: line})
	}
}
