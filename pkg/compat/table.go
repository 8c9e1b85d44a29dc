package compat

import (
	"fmt"
	"io"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// WriteTable prints the report for people: every set, rule and expression,
// with what the host has for the failed ones; ANSI colours when color is set
// (only for terminals).
func (r *Report) WriteTable(w io.Writer, color bool) error {
	p := output.Color(color)
	tw := output.NewTable(w)
	fmt.Fprintln(tw, "SET\tRULE\tRESULT\tEXPRESSION\tHOST HAS")
	for _, s := range r.Sets {
		fmt.Fprintf(tw, "%s\t\t%s\t\t\n", output.Escape(s.SetRef.String()), verdict(p, s.IsMatch))
		for _, rule := range s.Rules {
			fmt.Fprintf(tw, "\t%s\t%s\t\t\n", output.Escape(rule.Name), verdict(p, rule.IsMatch))
			if rule.Error != "" {
				fmt.Fprintf(tw, "\t\t%s\t%s\t\n", p.Red("error"), output.Escape(rule.Error))
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

func exprRows(w io.Writer, p output.Color, prefix string, es []ExprReport) {
	for _, e := range es {
		mark := p.Green("✔")
		if !e.IsMatch {
			mark = p.Red("✘")
		}
		fmt.Fprintf(w, "\t\t%s\t%s%s\t%s\n", mark, prefix, output.Escape(e.String()), output.Escape(e.Host))
	}
}

// verdict is a colored pass or FAIL.
func verdict(c output.Color, ok bool) string {
	if ok {
		return c.Green("pass")
	}
	return c.Red("FAIL")
}
