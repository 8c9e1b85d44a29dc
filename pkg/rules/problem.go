package rules

import (
	"fmt"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Problem is one finding about a rules file, located by file, document
// line, object, rule and field.
type Problem struct {
	// Source is the file the object came from ("<stdin>" for -).
	Source string `json:"source,omitempty"`
	// Line is the 1-based line where the object's document starts; 0 when unknown.
	Line int `json:"line,omitempty"`
	// Object is Kind/name, or Kind/namespace/name for a NodeFeatureGroup.
	Object string `json:"object,omitempty"`
	// Rule is the rule's name, or #index when it has none.
	Rule string `json:"rule,omitempty"`
	// Field is the path inside the object, e.g. spec.rules[0].labels["gpu"].
	Field    string        `json:"field,omitempty"`
	Severity spec.Severity `json:"severity"`
	// Message says what is wrong and how to fix it.
	Message string `json:"message"`
}

// String renders the problem as
// "file:line: Kind/name: rule "r": field: [warning: ]message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Source != "" {
		b.WriteString(p.Source)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Object != "" {
		b.WriteString(p.Object + ": ")
	}
	if p.Rule != "" {
		fmt.Fprintf(&b, "rule %q: ", p.Rule)
	}
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	if p.Severity == spec.SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// HasErrors reports whether any problem has error severity.
func HasErrors(ps []Problem) bool {
	for _, p := range ps {
		if p.Severity == spec.SeverityError {
			return true
		}
	}
	return false
}

// at locates problems of one object.
type at struct {
	obj  *Object
	rule string
}

func (a at) problem(sev spec.Severity, field, format string, args ...any) Problem {
	p := Problem{Rule: a.rule, Field: field, Severity: sev, Message: fmt.Sprintf(format, args...)}
	if a.obj != nil {
		p.Source, p.Line, p.Object = a.obj.Source, a.obj.Line, a.obj.ID()
	}
	return p
}

func (a at) errorf(field, format string, args ...any) Problem {
	return a.problem(spec.SeverityError, field, format, args...)
}

func (a at) warnf(field, format string, args ...any) Problem {
	return a.problem(spec.SeverityWarning, field, format, args...)
}
