package pull

import (
	"fmt"
	"io"

	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/policy"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/verifier"
)

// printOutcome prints the check's one-line reason and, when the image is
// refused or warned about, the full report: every set, rule and
// expression, with what this host has for the failed ones.
func printOutcome(w io.Writer, o *verifier.Outcome) error {
	if o.Decision.Allow && !o.Decision.Warn {
		_, err := fmt.Fprintln(w, safetext.Escape(o.Reason))
		return err
	}
	label := "REFUSED"
	if o.Decision.Allow {
		label = "WARNING"
	}
	fmt.Fprintf(w, "%s: %s\n\n", label, safetext.Escape(o.Reason))
	fmt.Fprintf(w, "Image:    %s\n", safetext.Escape(o.Image))
	fmt.Fprintf(w, "Digest:   %s\n", safetext.Escape(o.Digest))
	if o.Artifact != "" {
		fmt.Fprintf(w, "Artifact: %s (refers to %s)\n", safetext.Escape(o.Artifact), safetext.Escape(o.Subject))
	}
	fmt.Fprintf(w, "Verdict:  %s\n", o.Verdict)
	if o.Err != nil {
		fmt.Fprintf(w, "Error:    %s\n", safetext.EscapeText(o.Err.Error()))
	}
	fmt.Fprintf(w, "Decision: %s\n", o.Decision)
	if o.Report == nil || (o.Verdict != policy.Incompatible && o.Verdict != policy.Compatible) {
		return nil
	}
	fmt.Fprintln(w)
	return output.WriteReport(w, o.Report, false)
}
