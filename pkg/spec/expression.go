package spec

import (
	"fmt"
	"strconv"
	"strings"

	semver "github.com/Masterminds/semver/v3"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/pkg/closest"
)

// The checks below mirror evaluateMatchExpression in NFD's
// pkg/apis/nfd/nodefeaturerule/expression.go. NFD applies them lazily, only
// when a feature is present and the expression is reached, so a broken
// expression can sit unnoticed until some host trips over it; here they all
// run up front.

const opList = "In, NotIn, InRegexp, Exists, DoesNotExist, Gt, Ge, Lt, Le, GtLt, GeLe, IsTrue, IsFalse"

// opArity is the number of values an op takes: min and max, max -1 for no limit.
func opArity(op nfdv1alpha1.MatchOp) (lo, hi int, ok bool) {
	switch op {
	case nfdv1alpha1.MatchAny, nfdv1alpha1.MatchExists, nfdv1alpha1.MatchDoesNotExist,
		nfdv1alpha1.MatchIsTrue, nfdv1alpha1.MatchIsFalse:
		return 0, 0, true
	case nfdv1alpha1.MatchIn, nfdv1alpha1.MatchNotIn, nfdv1alpha1.MatchInRegexp:
		return 1, -1, true
	case nfdv1alpha1.MatchGt, nfdv1alpha1.MatchGe, nfdv1alpha1.MatchLt, nfdv1alpha1.MatchLe:
		return 1, 1, true
	case nfdv1alpha1.MatchGtLt, nfdv1alpha1.MatchGeLe:
		return 2, 2, true
	}
	return 0, 0, false
}

func isComparison(op nfdv1alpha1.MatchOp) bool {
	lo, _, _ := opArity(op)
	return lo > 0 && op != nfdv1alpha1.MatchIn && op != nfdv1alpha1.MatchNotIn && op != nfdv1alpha1.MatchInRegexp
}

func (v *validator) expression(path string, e *nfdv1alpha1.MatchExpression) []Problem {
	if e != nil && len(e.Value) > MaxValues {
		return []Problem{overLimit(fieldPath(path, "value"), len(e.Value), MaxValues, "values", "split them over several expressions or rules, or use InRegexp")}
	}
	ps, work := v.checkExpression(path, e)
	return append(ps, v.spend(path, work)...)
}

// checkExpression checks one expression and returns the work it costs
// (see MaxWork). Regexps stop being compiled once the budget is spent.
func (v *validator) checkExpression(path string, e *nfdv1alpha1.MatchExpression) ([]Problem, int) {
	if e == nil {
		return []Problem{errorf(path, "expression is empty; give it an op, e.g. {op: Exists}")}, 1
	}
	work := 1 + len(e.Value)
	lo, hi, ok := opArity(e.Op)
	if !ok {
		return []Problem{errorf(fieldPath(path, "op"), "unknown op %q%s; use one of %s", e.Op, suggestOp(e.Op), opList)}, work
	}
	var ps []Problem
	switch {
	case e.Type != nfdv1alpha1.TypeEmpty && e.Type != nfdv1alpha1.TypeVersion:
		ps = append(ps, errorf(fieldPath(path, "type"), "unknown type %q; the only type is %q (for Gt, Ge, Lt, Le, GtLt and GeLe), or leave type out to compare integers", e.Type, nfdv1alpha1.TypeVersion))
	case e.Type == nfdv1alpha1.TypeVersion && !isComparison(e.Op):
		ps = append(ps, warnf(fieldPath(path, "type"), "type %q only affects Gt, Ge, Lt, Le, GtLt and GeLe and is ignored for op %q; remove it", e.Type, e.Op))
	}
	if e.Op == nfdv1alpha1.MatchAny {
		ps = append(ps, warnf(fieldPath(path, "op"), "op is empty, which NFD treats as \"match anything\"; set an explicit op such as Exists"))
	}

	// Value problems point at value, so that a value that failed to decode
	// hides them.
	path = fieldPath(path, "value")
	n := len(e.Value)
	what := "value"
	if isComparison(e.Op) {
		what = "integer value"
		if e.Type == nfdv1alpha1.TypeVersion {
			what = "version value"
		}
	}
	switch {
	case hi == 0 && n > 0:
		return append(ps, errorf(path, "op %q takes no value, got %s; remove value", e.Op, quoteList(e.Value))), work
	case hi == -1 && n < lo:
		return append(ps, errorf(path, "op %q needs at least one value; add value: [\"...\"]", e.Op)), work
	case hi > 0 && (n < lo || n > hi):
		return append(ps, errorf(path, "op %q needs exactly %s %s%s, got %s", e.Op, countWord(lo), what, plural(lo), quoteList(e.Value))), work
	}

	switch {
	case e.Op == nfdv1alpha1.MatchInRegexp:
		for i, pattern := range e.Value {
			if v.stopped() || v.budget >= 0 && work > v.budget {
				break
			}
			insts, problem := regexpProgram(pattern)
			if problem != "" {
				ps = append(ps, errorf(indexPath(path, i), "%s", problem))
			}
			work += insts
		}
	case isComparison(e.Op) && e.Type == nfdv1alpha1.TypeVersion:
		ps = append(ps, checkVersions(path, e)...)
	case isComparison(e.Op) && e.Type == nfdv1alpha1.TypeEmpty:
		ps = append(ps, checkIntegers(path, e)...)
	}
	return ps, work
}

func checkIntegers(path string, e *nfdv1alpha1.MatchExpression) []Problem {
	ints := make([]int, len(e.Value))
	for i, v := range e.Value {
		x, err := strconv.Atoi(v)
		if err != nil {
			return []Problem{errorf(path, "op %q needs exactly %s integer value%s, got %s; use whole numbers, or add type: version to compare versions",
				e.Op, countWord(len(e.Value)), plural(len(e.Value)), quoteList(e.Value))}
		}
		ints[i] = x
	}
	// NFD refuses GtLt and GeLe when the bounds are not increasing.
	if len(ints) == 2 && ints[0] >= ints[1] {
		return []Problem{errorf(path, "op %q needs value[0] < value[1], got %s; put the lower bound first", e.Op, quoteList(e.Value))}
	}
	return nil
}

func checkVersions(path string, e *nfdv1alpha1.MatchExpression) []Problem {
	vs := make([]*semver.Version, len(e.Value))
	for i, v := range e.Value {
		sv, err := semver.NewVersion(v)
		if err != nil {
			return []Problem{errorf(indexPath(path, i), "%q is not a version (%v); type: version needs values like \"5.15\" or \"1.2.3\"", v, err)}
		}
		// As NFD, ignore the pre-release part.
		bare, err := sv.SetPrerelease("")
		if err != nil {
			bare = *sv
		}
		vs[i] = &bare
	}
	if len(vs) == 2 {
		lo, hi := vs[0], vs[1]
		if (e.Op == nfdv1alpha1.MatchGtLt && !lo.LessThan(hi)) || (e.Op == nfdv1alpha1.MatchGeLe && lo.GreaterThan(hi)) {
			return []Problem{warnf(path, "op %q with bounds %s never matches; put the lower version first", e.Op, quoteList(e.Value))}
		}
	}
	return nil
}

func suggestOp(op nfdv1alpha1.MatchOp) string {
	for _, known := range strings.Split(opList, ", ") {
		if strings.EqualFold(known, string(op)) || (len(op) > 3 && closest.Distance(strings.ToLower(known), strings.ToLower(string(op))) <= closest.MaxEdits) {
			return fmt.Sprintf(" (did you mean %q?)", known)
		}
	}
	return ""
}

func countWord(n int) string {
	switch n {
	case 1:
		return "one"
	case 2:
		return "two"
	}
	return strconv.Itoa(n)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
