package pull

import (
	"fmt"
	"io"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// printOutcome prints the check's one-line reason and, when the image is
// refused or warned about, the full report: every set, rule and
// expression, with what this host has for the failed ones.
func printOutcome(w io.Writer, o *verifier.Outcome) error {
	if o.Decision.Allow && !o.Decision.Warn {
		_, err := fmt.Fprintln(w, o.Reason)
		return err
	}
	label := "REFUSED"
	if o.Decision.Allow {
		label = "WARNING"
	}
	fmt.Fprintf(w, "%s: %s\n\n", label, o.Reason)
	fmt.Fprintf(w, "Image:    %s\n", o.Image)
	fmt.Fprintf(w, "Digest:   %s\n", o.Digest)
	if o.Artifact != "" {
		fmt.Fprintf(w, "Artifact: %s (refers to %s)\n", o.Artifact, o.Subject)
	}
	fmt.Fprintf(w, "Verdict:  %s\n", o.Verdict)
	if o.Err != nil {
		fmt.Fprintf(w, "Error:    %v\n", o.Err)
	}
	fmt.Fprintf(w, "Decision: %s\n", o.Decision)
	if o.Report == nil || (o.Verdict != policy.Incompatible && o.Verdict != policy.Compatible) {
		return nil
	}
	fmt.Fprintln(w)
	return reportTable(w, o.Report)
}

func reportTable(w io.Writer, r *compat.Report) error {
	tw := output.NewTable(w)
	fmt.Fprintln(tw, "SET\tRULE\tRESULT\tEXPRESSION\tHOST HAS")
	for _, s := range r.Sets {
		fmt.Fprintf(tw, "%s\t\t%s\t\t\n", setLabel(s.SetRef), passFail(s.IsMatch))
		for _, rule := range s.Rules {
			fmt.Fprintf(tw, "\t%s\t%s\t\t\n", rule.Name, passFail(rule.IsMatch))
			if rule.Error != "" {
				fmt.Fprintf(tw, "\t\terror\t%s\t\n", rule.Error)
			}
			exprRows(tw, "", rule.Expressions)
			for i, m := range rule.MatchAny {
				exprRows(tw, fmt.Sprintf("matchAny[%d] ", i), m.Expressions)
			}
		}
	}
	return tw.Flush()
}

func exprRows(w io.Writer, prefix string, es []compat.ExprReport) {
	for _, e := range es {
		mark := "✔"
		if !e.IsMatch {
			mark = "✘"
		}
		fmt.Fprintf(w, "\t\t%s\t%s%s\t%s\n", mark, prefix, expression(e), e.Host)
	}
}

func expression(e compat.ExprReport) string {
	var b strings.Builder
	b.WriteString(e.Feature)
	if e.Key != "" {
		b.WriteString("." + e.Key)
	} else if e.MatcherType == compat.MatchNameType {
		b.WriteString(" (name)")
	}
	b.WriteString(" " + e.Op)
	if len(e.Value) > 0 {
		fmt.Fprintf(&b, " %v", e.Value)
	}
	return b.String()
}

func setLabel(s compat.SetRef) string {
	name := fmt.Sprintf("#%d", s.Index)
	if s.Tag != "" {
		name += " " + s.Tag
	}
	return fmt.Sprintf("%s (weight %d)", name, s.Weight)
}

func passFail(ok bool) string {
	if ok {
		return "pass"
	}
	return "FAIL"
}
