package compat

import (
	"fmt"
	"strings"
)

// String names a set as reports print it: "#0 gpu (weight 10)".
func (s SetRef) String() string {
	name := fmt.Sprintf("#%d", s.Index)
	if s.Tag != "" {
		name += " " + s.Tag
	}
	return fmt.Sprintf("%s (weight %d)", name, s.Weight)
}

// String prints the expression as written: "kernel.version.major Gt [5]".
func (e ExprReport) String() string {
	var b strings.Builder
	b.WriteString(e.Feature)
	if e.Key != "" {
		b.WriteString("." + e.Key)
	} else if e.MatcherType == MatchNameType {
		b.WriteString(" (name)")
	}
	b.WriteString(" " + e.Op)
	if len(e.Value) > 0 {
		fmt.Fprintf(&b, " %v", e.Value)
	}
	if e.Type != "" {
		b.WriteString(" type=" + e.Type)
	}
	return b.String()
}
