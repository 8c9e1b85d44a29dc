package spec

import (
	"strconv"
	"strings"
)

// Paths look like compatibilities[1].rules[0].matchExpressions.vendor_id;
// map keys that are not plain identifiers are written ["quoted"] so that
// a path always splits back into its segments.

func fieldPath(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

func keyPath(parent, key string) string {
	if key != "" && strings.IndexFunc(key, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-')
	}) < 0 {
		return fieldPath(parent, key)
	}
	return parent + "[" + strconv.Quote(key) + "]"
}

// parentPath drops the last segment of p; "" has no parent.
func parentPath(p string) string {
	if strings.HasSuffix(p, `"]`) {
		if i := strings.LastIndex(p, `["`); i >= 0 {
			return p[:i]
		}
	}
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndex(p, "["); i >= 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndex(p, "."); i >= 0 {
		return p[:i]
	}
	return ""
}

// lastSegment names the value at p in messages.
func lastSegment(p string) string {
	if p == "" {
		return "the spec"
	}
	par := parentPath(p)
	seg := strings.TrimPrefix(p[len(par):], ".")
	if strings.HasPrefix(seg, "[") && par != "" {
		// An item is named with its list: rules[0].
		return lastSegment(par) + seg
	}
	return seg
}
