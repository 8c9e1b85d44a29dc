package spec_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nfd-compat/nfd-compat/internal/testspec"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// firstError returns the first error-severity problem.
func firstError(t *testing.T, data []byte) spec.Problem {
	t.Helper()
	_, problems, err := spec.Parse(data)
	if err == nil {
		t.Fatalf("accepted; problems %v", problems)
	}
	for _, p := range problems {
		if p.Severity == spec.SeverityError {
			return p
		}
	}
	t.Fatalf("no error problem in %v", problems)
	return spec.Problem{}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name       string
		data       []byte
		path, want string
		line       int
	}{
		{"sets", testspec.Generate(testspec.Sets, spec.MaxSets+1), "compatibilities",
			fmt.Sprintf("%d compatibility sets, more than the limit of %d", spec.MaxSets+1, spec.MaxSets), 2},
		{"rules", testspec.Generate(testspec.Rules, spec.MaxRules+1), "compatibilities[0].rules",
			fmt.Sprintf("%d rules in one set, more than the limit of %d", spec.MaxRules+1, spec.MaxRules), 5},
		{"size", testspec.Generate(testspec.Values, 9), "", fmt.Sprintf("more than the limit of %d bytes", spec.MaxSpecSize), 0},
		{"work", testspec.Generate(testspec.Regexps, 20), "compatibilities[0].rules[19].matchFeatures[0].matchExpressions.k19",
			fmt.Sprintf("total work exceeds the limit of %d units", spec.MaxWork), 105},
		{"program", testspec.SmallAttack(), "compatibilities[0].rules[0].matchFeatures[0].matchExpressions.vendor_id.value[0]",
			fmt.Sprintf("compiles to about 280140 instructions, more than the limit of %d", spec.MaxRegexpProgram), 8},
		{"pattern", []byte(spec.ExprSpec(`{op: InRegexp, value: ["` + strings.Repeat("a", spec.MaxRegexpLength+1) + `"]}`)),
			"compatibilities[0].rules[0].matchFeatures[0].matchExpressions.vendor_id.value[0]",
			fmt.Sprintf("%d bytes, more than the limit of %d", spec.MaxRegexpLength+1, spec.MaxRegexpLength), 8},
		{"compiled", []byte(spec.ExprSpec(`{op: InRegexp, value: ["[a-z]{0,600}"]}`)),
			"compatibilities[0].rules[0].matchFeatures[0].matchExpressions.vendor_id.value[0]",
			"instructions, more than the limit of 1000", 8},
		{"values", []byte(spec.ExprSpec(`{op: In, value: [` + strings.Repeat(`"a", `, spec.MaxValues) + `"b"]}`)),
			"compatibilities[0].rules[0].matchFeatures[0].matchExpressions.vendor_id.value",
			fmt.Sprintf("%d values, more than the limit of %d", spec.MaxValues+1, spec.MaxValues), 8},
		{"expressions", []byte(spec.ExprSpec("{op: Exists}\n" + keys(spec.MaxExpressions))),
			"compatibilities[0].rules[0].matchFeatures[0].matchExpressions",
			fmt.Sprintf("%d expressions in one term, more than the limit of %d", spec.MaxExpressions+1, spec.MaxExpressions), 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			p := firstError(t, tt.data)
			if d := time.Since(start); d > time.Second {
				t.Errorf("refusing took %v", d)
			}
			if p.Path != tt.path || p.Line != tt.line || !strings.Contains(p.Message, tt.want) {
				t.Errorf("problem %+v\nwant path %q, line %d, message containing %q", p, tt.path, tt.line, tt.want)
			}
		})
	}
}

func keys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "        k%d: {op: Exists}\n", i)
	}
	return b.String()
}

// The spec of issue 8 (3.7 MB, 140 huge regexps) is refused at once.
func TestIssue8AttackRefusedAtOnce(t *testing.T) {
	for name, data := range map[string][]byte{"attack": testspec.Attack(), "small": testspec.SmallAttack()} {
		start := time.Now()
		firstError(t, data)
		if d := time.Since(start); d > 200*time.Millisecond {
			t.Errorf("%s: refusing took %v", name, d)
		}
	}
}

// Specs at the limits are valid.
func TestAtLimitsValid(t *testing.T) {
	for _, data := range [][]byte{
		testspec.Generate(testspec.Sets, spec.MaxSets),
		testspec.Generate(testspec.Rules, spec.MaxRules),
		testspec.Generate(testspec.Regexps, 19),
		testspec.Generate(testspec.Values, 8),
	} {
		if _, problems, err := spec.Parse(data); err != nil {
			t.Errorf("%v\n%v", err, problems)
		}
	}
}

func TestParseHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, _, err := spec.ParseContext(ctx, testspec.Generate(testspec.Regexps, 19))
	if s != nil || !errors.Is(err, context.Canceled) || errors.Is(err, spec.ErrInvalid) {
		t.Fatalf("spec %v, err %v; want no spec and a Canceled error that is not ErrInvalid", s != nil, err)
	}
	if !strings.Contains(err.Error(), "the spec stopped") {
		t.Errorf("err %q does not name the stage", err)
	}
	// Validation stops between expressions.
	// A deadline already past ends the context at once (a timer that has
	// not fired yet on a loaded machine would leave ctx.Err() nil).
	ctx, cancel = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := spec.ValidateContext(ctx, &spec.Spec{Version: "v1alpha1"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ValidateContext after the deadline: %v", err)
	}
}
