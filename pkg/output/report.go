package output

import (
	"fmt"
	"io"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

// WriteReport prints a compatibility report for people: every set, rule and expression,
// with what the host has for the failed ones; ANSI colours when color is set
// (only for terminals).
func WriteReport(w io.Writer, r *compat.Report, color bool) error {
	p := Color(color)
	tw := NewTable(w)
	fmt.Fprintln(tw, "SET\tRULE\tRESULT\tEXPRESSION\tHOST HAS")
	for _, s := range r.Sets {
		fmt.Fprintf(tw, "%s\t\t%s\t\t\n", safetext.Escape(s.SetRef.String()), verdict(p, s.IsMatch))
		for _, rule := range s.Rules {
			fmt.Fprintf(tw, "\t%s\t%s\t\t\n", safetext.Escape(rule.Name), verdict(p, rule.IsMatch))
			if rule.Error != "" {
				fmt.Fprintf(tw, "\t\t%s\t%s\t\n", p.Red("error"), safetext.Escape(rule.Error))
			}
			exprRows(tw, p, "", rule.Expressions)
			for i, m := range rule.MatchAny {
				exprRows(tw, p, fmt.Sprintf("matchAny[%d] ", i), m.Expressions)
			}
		}
	}
	return tw.Flush()
}

func exprRows(w io.Writer, p Color, prefix string, es []compat.ExprReport) {
	for _, e := range es {
		mark := p.Green("✔")
		if !e.IsMatch {
			mark = p.Red("✘")
		}
		fmt.Fprintf(w, "\t\t%s\t%s%s\t%s\n", mark, prefix, safetext.Escape(e.String()), safetext.Escape(e.Host))
	}
}

// verdict is a colored pass or FAIL.
func verdict(c Color, ok bool) string {
	if ok {
		return c.Green("pass")
	}
	return c.Red("FAIL")
}
