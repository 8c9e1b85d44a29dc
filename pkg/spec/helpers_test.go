package spec

import (
	"strings"
	"testing"
)

// exprPath is where exprSpec puts its expression.
const exprPath = "compatibilities[0].rules[0].matchFeatures[0].matchExpressions.vendor_id"

// exprSpec returns a valid spec whose only expression, vendor_id of
// cpu.model, is expr; expr sits on line 8.
func exprSpec(expr string) string {
	return `version: v1alpha1
compatibilities:
- rules:
  - name: r
    matchFeatures:
    - feature: cpu.model
      matchExpressions:
        vendor_id: ` + expr + "\n"
}

// ExprSpec is exprSpec for the package's external tests.
var ExprSpec = exprSpec

// want is an expected problem; msg must be a substring of its message.
type want struct {
	path string
	line int
	sev  Severity
	msg  string
}

// checkProblems asserts that got holds exactly the wanted problems, in order.
func checkProblems(t *testing.T, got []Problem, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Errorf("got %d problems, want %d:\n%s", len(got), len(wants), dump(got))
		return
	}
	for i, w := range wants {
		p := got[i]
		if p.Path != w.path || p.Line != w.line || p.Severity != w.sev || !strings.Contains(p.Message, w.msg) {
			t.Errorf("problem %d = %+v\nwant path=%q line=%d severity=%s message containing %q", i, p, w.path, w.line, w.sev, w.msg)
		}
	}
}

func dump(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("\t" + string(p.Severity) + " " + p.String() + "\n")
	}
	return b.String()
}
