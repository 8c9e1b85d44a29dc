package compat

import (
	"fmt"
	"strconv"
	"strings"
)

// Failures returns one human line per failed expression of the set, e.g.
// "kernel.version.major: Gt [5] — host has 4" or "pci.device: no instance with
// vendor=10de class=0302 (...)". A failed instance term or a missing feature
// gives one line, not one per expression.
func (s SetReport) Failures() []string {
	var out []string
	for _, r := range s.Rules {
		if r.IsMatch {
			continue
		}
		n := len(out)
		if r.Error != "" {
			out = append(out, "rule "+r.Name+": error: "+r.Error)
		}
		out = appendFailures(out, "", r.Expressions)
		if !anyMatch(r.MatchAny) {
			for i, m := range r.MatchAny {
				out = appendFailures(out, "matchAny["+strconv.Itoa(i)+"]: ", m.Expressions)
			}
		}
		if len(out) == n {
			// NFD failed the rule but no single expression explains it.
			out = append(out, "rule "+r.Name+": did not match")
		}
	}
	return out
}

func anyMatch(ms []MatchAnyReport) bool {
	for _, m := range ms {
		if m.IsMatch {
			return true
		}
	}
	return false
}

func appendFailures(out []string, prefix string, exprs []ExprReport) []string {
	var prev *ExprReport
	for i := range exprs {
		e := &exprs[i]
		if e.IsMatch {
			continue
		}
		// Term-level descriptions repeat on every expression of the term.
		if prev != nil && prev.Feature == e.Feature && prev.Host == e.Host && termLevel(e.Host) {
			continue
		}
		out = append(out, prefix+failureLine(e))
		prev = e
	}
	return out
}

func termLevel(host string) bool {
	return host == hostFeatureMissing || strings.HasPrefix(host, hostNoInstance)
}

func failureLine(e *ExprReport) string {
	switch {
	case e.Host == hostFeatureMissing:
		return e.Feature + ": feature not present on host"
	case strings.HasPrefix(e.Host, hostNoInstance):
		return e.Feature + ": " + e.Host
	}
	var b strings.Builder
	b.WriteString(e.Feature)
	if e.Key != "" {
		b.WriteByte('.')
		b.WriteString(e.Key)
	}
	b.WriteString(": ")
	if e.MatcherType == MatchNameType {
		b.WriteString("matchName ")
	}
	b.WriteString(e.Op)
	if len(e.Value) > 0 {
		fmt.Fprintf(&b, " %v", e.Value)
	}
	if e.Type != "" {
		b.WriteString(" (" + e.Type + ")")
	}
	b.WriteString(" — ")
	switch {
	case e.Host == hostNotPresent, e.Host == hostPresent:
		b.WriteString(e.Host + " on host")
	case strings.HasPrefix(e.Host, hostNoName), isErrorHost(e.Host):
		b.WriteString(e.Host)
	default:
		b.WriteString("host has " + e.Host)
	}
	return b.String()
}

// maxSummaryFailures caps the failures quoted per set in Summary.
const maxSummaryFailures = 3

// Summary is one readable line: "compatible (best set #1 tag=gpu weight=10)"
// or "incompatible: set #0 (gpu): kernel.version.major: Gt [5] — host has 4; ...".
func (r *Report) Summary() string {
	if r == nil {
		return "no report"
	}
	if r.Compatible && r.BestSet != nil {
		var b strings.Builder
		b.WriteString("compatible (best set #")
		b.WriteString(strconv.Itoa(r.BestSet.Index))
		if r.BestSet.Tag != "" {
			b.WriteString(" tag=" + r.BestSet.Tag)
		}
		b.WriteString(" weight=" + strconv.Itoa(r.BestSet.Weight) + ")")
		return b.String()
	}
	if len(r.Sets) == 0 {
		return "incompatible: no compatibility set considered"
	}
	parts := make([]string, 0, len(r.Sets))
	for _, s := range r.Sets {
		name := "set #" + strconv.Itoa(s.Index)
		if s.Tag != "" {
			name += " (" + s.Tag + ")"
		}
		f := s.Failures()
		if extra := len(f) - maxSummaryFailures; extra > 0 {
			f = append(f[:maxSummaryFailures:maxSummaryFailures], "+"+strconv.Itoa(extra)+" more")
		}
		parts = append(parts, name+": "+strings.Join(f, "; "))
	}
	// Sets are separated by " | " since failures within a set use "; ".
	return "incompatible: " + strings.Join(parts, " | ")
}
