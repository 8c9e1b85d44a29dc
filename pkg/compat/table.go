package compat

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteTable prints the report for people: every set, rule and expression,
// with what the host has for the failed ones; ANSI colours when color is set
// (only for terminals).
func (r *Report) WriteTable(w io.Writer, color bool) error {
	p := paint(color)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SET\tRULE\tRESULT\tEXPRESSION\tHOST HAS")
	for _, s := range r.Sets {
		fmt.Fprintf(tw, "%s\t\t%s\t\t\n", s.SetRef, p.verdict(s.IsMatch))
		for _, rule := range s.Rules {
			fmt.Fprintf(tw, "\t%s\t%s\t\t\n", rule.Name, p.verdict(rule.IsMatch))
			if rule.Error != "" {
				fmt.Fprintf(tw, "\t\t%s\t%s\t\n", p.red("error"), rule.Error)
			}
			exprRows(tw, p, "", rule.Expressions)
			for i, m := range rule.MatchAny {
				exprRows(tw, p, fmt.Sprintf("matchAny[%d] ", i), m.Expressions)
			}
		}
	}
	return tw.Flush()
}

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

func exprRows(w io.Writer, p paint, prefix string, es []ExprReport) {
	for _, e := range es {
		mark := p.green("✔")
		if !e.IsMatch {
			mark = p.red("✘")
		}
		fmt.Fprintf(w, "\t\t%s\t%s%s\t%s\n", mark, prefix, e, e.Host)
	}
}

// paint wraps text in an ANSI colour when enabled.
type paint bool

func (p paint) green(s string) string { return p.wrap("32", s) }
func (p paint) red(s string) string   { return p.wrap("31", s) }

func (p paint) wrap(code, s string) string {
	if !p {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (p paint) verdict(ok bool) string {
	if ok {
		return p.green("pass")
	}
	return p.red("FAIL")
}
