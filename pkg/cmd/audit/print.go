package audit

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nfd-compat/nfd-compat/pkg/output"
)

// printTable writes the summary for a terminal.
func printTable(w io.Writer, s Summary) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "Audit log: %s\n", strings.Join(s.Files, ", "))
	span := "no records"
	if s.First != nil {
		span = fmt.Sprintf("%s to %s", s.First.Format(time.RFC3339), s.Last.Format(time.RFC3339))
	}
	if s.Since != nil {
		span += " (since " + s.Since.Format(time.RFC3339) + ")"
	}
	fmt.Fprintf(&b, "Records: %d, %s\n", s.Records, span)
	if s.Skipped > 0 {
		fmt.Fprintf(&b, "Skipped: %d lines that are not audit records, e.g.", s.Skipped)
		for _, l := range s.SkippedLines {
			fmt.Fprintf(&b, " %s:%d (%s)", l.File, l.Line, l.Why)
		}
		b.WriteString("\n")
	}
	if _, err := w.Write(b.Bytes()); err != nil {
		return err
	}
	sections := []func(io.Writer, Summary) error{printCounts, printWould, printRefused, printRecent}
	for _, p := range sections {
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		if err := p(w, s); err != nil {
			return err
		}
	}
	return nil
}

func printCounts(w io.Writer, s Summary) error {
	t := output.NewTable(w)
	fmt.Fprintln(t, "DECISION\tVERDICT\tCOUNT")
	for _, c := range s.Counts {
		fmt.Fprintf(t, "%s\t%s\t%d\n", c.Decision, c.Verdict, c.Count)
	}
	return t.Flush()
}

func printImages(w io.Writer, title, none string, ims []Image, other int) error {
	if len(ims) == 0 {
		_, err := fmt.Fprintln(w, none)
		return err
	}
	fmt.Fprintln(w, title)
	t := output.NewTable(w)
	fmt.Fprintln(t, "COUNT\tLAST\tIMAGE\tVERDICT\tREASON")
	for _, im := range ims {
		fmt.Fprintf(t, "%d\t%s\t%s\t%s\t%s\n", im.Count, im.Last.Format(time.RFC3339), im.Image, im.Verdict, im.Reason)
	}
	if err := t.Flush(); err != nil {
		return err
	}
	if other > 0 {
		_, err := fmt.Fprintf(w, "(%d more decisions on images past the first %d not listed)\n", other, MaxImages)
		return err
	}
	return nil
}

func printWould(w io.Writer, s Summary) error {
	return printImages(w, "Enforce mode would have refused (allowed by warn mode):",
		"Enforce mode would have refused nothing.", s.WouldRefuse, s.OtherImages)
}

func printRefused(w io.Writer, s Summary) error {
	return printImages(w, "Refused:", "Refused: none.", s.Refused, 0)
}

func printRecent(w io.Writer, s Summary) error {
	for _, sec := range []struct {
		title string
		es    []Entry
	}{{"Recent refusals (newest first):", s.RecentRefusals}, {"Recent warnings (newest first):", s.RecentWarnings}} {
		if len(sec.es) == 0 {
			continue
		}
		fmt.Fprintln(w, sec.title)
		t := output.NewTable(w)
		fmt.Fprintln(t, "TIME\tIMAGE\tVERDICT\tBY\tREASON")
		for _, e := range sec.es {
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\n", e.Time.Format(time.RFC3339), e.Image, e.Verdict, e.By, e.Reason)
		}
		if err := t.Flush(); err != nil {
			return err
		}
	}
	return nil
}
