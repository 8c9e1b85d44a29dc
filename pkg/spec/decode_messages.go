package spec

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/nfd-compat/nfd-compat/pkg/closest"
)

// How decoding problems are worded: what was expected, what the source
// holds, and the likely fix.

// isYAML11Bool reports plain words YAML 1.1 parsers (NFD's sigs.k8s.io/yaml
// among them) read as booleans, while YAML 1.2 reads them as strings.
func isYAML11Bool(s string) bool {
	switch strings.ToLower(s) {
	case "y", "yes", "n", "no", "on", "off":
		return true
	}
	return false
}

// checkPlainString warns about unquoted scalars that NFD's own parser
// (sigs.k8s.io/yaml: YAML 1.1, numbers and booleans coerced to strings)
// reads as a different string than the one written, e.g. 5.10 as "5.1".
func (d *decoder) checkPlainString(n *yaml.Node, path string) {
	if n.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return
	}
	var reading string
	switch n.ShortTag() {
	case "!!str":
		if !isYAML11Bool(n.Value) {
			return
		}
		reading = "a boolean (\"true\" or \"false\")"
	case "!!int":
		if i, err := strconv.Atoi(n.Value); err == nil && strconv.Itoa(i) == n.Value {
			return
		}
		reading = "a number in another notation"
	case "!!float":
		f, err := strconv.ParseFloat(n.Value, 64)
		if err == nil && strconv.FormatFloat(f, 'g', -1, 32) == n.Value {
			return
		}
		reading = "a number"
		if err == nil {
			reading = strconv.Quote(strconv.FormatFloat(f, 'g', -1, 32))
		}
	case "!!bool":
		if n.Value == "true" || n.Value == "false" {
			return
		}
		reading = "a boolean (\"true\" or \"false\")"
	default:
		d.add(n, warnf(path, "the YAML tag %s on %q means nothing to NFD; remove it", n.ShortTag(), n.Value))
		return
	}
	d.add(n, warnf(path, "NFD's YAML parser reads unquoted %s as %s; quote it to keep it as written: %q", n.Value, reading, n.Value))
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// suggest names the allowed field closest to a misspelt one.
func suggest(name string, fields map[string]int) string {
	if len(name) > 64 {
		return ""
	}
	if best := closest.Name(name, sortedKeys(fields)); best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	return ""
}

func (d *decoder) typeError(n *yaml.Node, v reflect.Value, path string) {
	name := lastSegment(path)
	msg := fmt.Sprintf("%s must be %s, got %s", name, expected(v.Type()), describe(n))
	switch {
	case v.Kind() == reflect.Int && outOfRange(n):
		msg = fmt.Sprintf("%s must be an integer from %d to %d, got %s, which is out of range; use a smaller whole number", name, math.MinInt, math.MaxInt, n.Value)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String && n.Kind == yaml.ScalarNode:
		msg += fmt.Sprintf("; write a list: [%q]", n.Value)
	case v.Kind() == reflect.Int && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str":
		msg += "; write a whole number without quotes, e.g. 10"
	case v.Kind() == reflect.Slice && n.Kind == yaml.MappingNode:
		msg += "; start each item with \"- \""
	}
	d.add(n, Problem{Path: path, Severity: SeverityError, Message: msg})
	d.failed = append(d.failed, path)
}

// outOfRange reports an unquoted number too large for an int (YAML reads
// 99999999999999999999 as a float) or for a float (YAML reads 1e400 as a
// string).
func outOfRange(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return false
	}
	v := strings.ReplaceAll(n.Value, "_", "")
	if _, err := strconv.ParseInt(v, 0, 64); errors.Is(err, strconv.ErrRange) {
		return true
	}
	_, err := strconv.ParseFloat(v, 64)
	return errors.Is(err, strconv.ErrRange)
}

func expected(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "a mapping (key: value)"
	case reflect.Slice:
		return "a list"
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Bool:
		return "true or false"
	}
	return t.String()
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "scalar"
}

// describe renders what the source holds, for "got ..." in messages.
func describe(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		return "a " + kindName(n)
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:37] + "..."
	}
	switch n.ShortTag() {
	case "!!str":
		return "string " + strconv.Quote(v)
	case "!!int":
		return "integer " + v
	case "!!float":
		return "number " + v
	case "!!bool":
		return "boolean " + v
	case "!!null":
		return "null"
	}
	return strings.TrimPrefix(n.ShortTag(), "!!") + " " + strconv.Quote(v)
}
