package validatenode

import (
	"fmt"
	"io"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/compat"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
)

func sourceLine(src *specSource) string {
	if src.image != "" {
		return safetext.Escape(fmt.Sprintf("%s (artifact %s)", src.image, src.artifact))
	}
	return safetext.Escape(src.name)
}

// hostTable prints one node's report: the verdict first, then every set,
// rule and expression with what the host has for failures.
func hostTable(w io.Writer, src *specSource, r NodeReport, color bool) error {
	p := output.Color(color)
	fmt.Fprintf(w, "Image:   %s\n", sourceLine(src))
	fmt.Fprintf(w, "Node:    %s\n", safetext.Escape(r.Node))
	if r.Report == nil {
		_, err := fmt.Fprintf(w, "Verdict: %s\n", p.Red("error: "+safetext.Escape(r.Error)))
		return err
	}
	fmt.Fprintf(w, "Verdict: %s\n\n", p.Bold(safetext.Escape(verdictLine(r.Report))))
	return output.WriteReport(w, r.Report, color)
}

func verdictLine(r *compat.Report) string {
	if r.Compatible {
		return "COMPATIBLE, best set " + r.BestSet.String()
	}
	return "INCOMPATIBLE: no compatibility set passes"
}

// fleetTable prints one row per node.
func fleetTable(w io.Writer, src *specSource, reports []NodeReport, color bool) error {
	p := output.Color(color)
	fmt.Fprintf(w, "Image: %s\n\n", sourceLine(src))
	tw := output.NewTable(w)
	fmt.Fprintln(tw, "NODE\tVERDICT\tBEST SET\tFAILED (FIRST SET)")
	ok := 0
	for _, r := range reports {
		switch {
		case r.Report == nil:
			fmt.Fprintf(tw, "%s\t%s\t-\t%s\n", safetext.Escape(r.Node), p.Red("error"), safetext.Escape(r.Error))
		case r.Compatible:
			ok++
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", safetext.Escape(r.Node), p.Green("compatible"), safetext.Escape(r.BestSet.String()))
		default:
			fmt.Fprintf(tw, "%s\t%s\t-\t%s\n", safetext.Escape(r.Node), p.Red("incompatible"), safetext.Escape(firstFailures(r.Report, 2)))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d of %d nodes compatible\n", ok, len(reports))
	return err
}

func firstFailures(r *compat.Report, n int) string {
	if len(r.Sets) == 0 {
		return ""
	}
	f := r.Sets[0].Failures()
	if len(f) > n {
		f = append(f[:n], fmt.Sprintf("(+%d more)", len(f)-n))
	}
	return strings.Join(f, "; ")
}
