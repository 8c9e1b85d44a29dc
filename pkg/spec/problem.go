package spec

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Severity tells whether a problem makes the spec invalid.
type Severity string

const (
	// SeverityError makes the spec invalid.
	SeverityError Severity = "error"
	// SeverityWarning is worth fixing but the spec still works.
	SeverityWarning Severity = "warning"
)

// Problem is one finding about a spec, located by path and, when parsed
// from source, by line and column.
type Problem struct {
	// Path locates the value, e.g. compatibilities[1].rules[0].matchFeatures[2].matchExpressions.vendor_id.
	Path string `json:"path"`
	// Line is 1-based; 0 when unknown (Validate on a decoded spec).
	Line int `json:"line,omitempty"`
	// Column is 1-based; 0 when unknown.
	Column   int      `json:"column,omitempty"`
	Severity Severity `json:"severity"`
	// Message says what is wrong and how to fix it.
	Message string `json:"message"`
}

// String renders the problem as "line 12: path: message"; warnings carry a
// "warning: " prefix before the message.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	if p.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ErrInvalid is matched by errors.Is for every *InvalidError.
var ErrInvalid = errors.New("invalid compatibility spec")

// InvalidError lists every error-severity problem of a spec.
type InvalidError struct {
	Problems []Problem
}

func (e *InvalidError) Error() string {
	switch len(e.Problems) {
	case 0:
		return ErrInvalid.Error()
	case 1:
		return ErrInvalid.Error() + ": " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d errors:", ErrInvalid, len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *InvalidError) Unwrap() error { return ErrInvalid }

// invalid returns an *InvalidError for the error-severity problems, or nil.
func invalid(problems []Problem) error {
	var errs []Problem
	for _, p := range problems {
		if p.Severity == SeverityError {
			errs = append(errs, p)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &InvalidError{Problems: errs}
}

// sortProblems orders by line, then path; equal keys keep discovery order.
func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Line != ps[j].Line {
			return ps[i].Line < ps[j].Line
		}
		return ps[i].Path < ps[j].Path
	})
}

func errorf(path, format string, args ...any) Problem {
	return Problem{Path: path, Severity: SeverityError, Message: fmt.Sprintf(format, args...)}
}

func warnf(path, format string, args ...any) Problem {
	return Problem{Path: path, Severity: SeverityWarning, Message: fmt.Sprintf(format, args...)}
}
