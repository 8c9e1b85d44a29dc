package compat

import (
	"slices"
	"strconv"
	"strings"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// Host descriptions with a fixed meaning; Failures phrases them.
const (
	hostFeatureMissing = "feature not present"
	hostNotPresent     = "not present"
	hostPresent        = "present"
	hostNoInstance     = "no instance with "
	hostNoName         = "no name matches"
	hostError          = "error: "
	// maxListed caps the instances or names quoted in a description.
	maxListed = 5
)

func errorHost(err error) string { return hostError + err.Error() }

func isErrorHost(h string) bool { return strings.HasPrefix(h, hostError) }

func onlyInstances(hf hostFeature) bool { return hf.isInst && !hf.isFlag && !hf.isAttr }

// elementHost says what the host has for the element an expression failed on.
func elementHost(key string, hf hostFeature) string {
	if v, ok := hf.attrs[key]; ok {
		if v == "" {
			return strconv.Quote(v)
		}
		return v
	}
	if _, ok := hf.flags[key]; ok {
		return hostPresent
	}
	return hostNotPresent
}

// failingFirst orders keys with the failed expressions first, each group sorted.
func failingFirst(keys []string, exprs []ExprReport) []string {
	out := make([]string, 0, len(keys))
	for i, k := range keys {
		if !exprs[i].IsMatch {
			out = append(out, k)
		}
	}
	for i, k := range keys {
		if exprs[i].IsMatch {
			out = append(out, k)
		}
	}
	return out
}

// instancesHost describes a failed instance term, e.g. "no instance with
// vendor=10de class=0302 (host has 3 instances: vendor=8086 class=0600, ...)".
func instancesHost(set *nfdv1alpha1.MatchExpressionSet, keys []string, hf hostFeature) string {
	var b strings.Builder
	b.WriteString(hostNoInstance)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeExpr(&b, k, (*set)[k])
	}
	n := len(hf.instances)
	switch n {
	case 0:
		b.WriteString(" (host has no instances)")
		return b.String()
	case 1:
		b.WriteString(" (host has 1 instance: ")
	default:
		b.WriteString(" (host has ")
		b.WriteString(strconv.Itoa(n))
		b.WriteString(" instances: ")
	}
	for i, inst := range hf.instances[:min(n, maxListed)] {
		if i > 0 {
			b.WriteString(", ")
		}
		writeInstance(&b, keys, inst.Attributes)
	}
	if n > maxListed {
		b.WriteString(", ...")
	}
	b.WriteByte(')')
	return b.String()
}

// writeExpr writes a compact form of an expression: key=v for In with one
// value, key=a|b for several, "key Op [values]" otherwise.
func writeExpr(b *strings.Builder, key string, e *nfdv1alpha1.MatchExpression) {
	b.WriteString(key)
	switch {
	case e == nil:
		b.WriteString(" null")
	case e.Op == nfdv1alpha1.MatchIn && len(e.Value) > 0:
		b.WriteByte('=')
		b.WriteString(strings.Join(e.Value, "|"))
	default:
		b.WriteByte(' ')
		b.WriteString(string(e.Op))
		if len(e.Value) > 0 {
			b.WriteString(" [")
			b.WriteString(strings.Join(e.Value, " "))
			b.WriteByte(']')
		}
	}
}

// writeInstance writes the attributes of an instance named by keys.
func writeInstance(b *strings.Builder, keys []string, attrs map[string]string) {
	written := false
	for _, k := range keys {
		v, ok := attrs[k]
		if !ok {
			continue
		}
		if written {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		written = true
	}
	if !written {
		b.WriteString("{}")
	}
}

// namesHost describes a failed matchName: which element names the host has.
func namesHost(hf hostFeature) string {
	names := hf.names()
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) == 0 {
		return hostNoName + " (host has no names)"
	}
	var b strings.Builder
	b.WriteString(hostNoName)
	b.WriteString(" (host has ")
	b.WriteString(strconv.Itoa(len(names)))
	b.WriteString(" names: ")
	b.WriteString(strings.Join(names[:min(len(names), maxListed)], ", "))
	if len(names) > maxListed {
		b.WriteString(", ...")
	}
	b.WriteByte(')')
	return b.String()
}
