package spec

import (
	"errors"
	"testing"
)

func TestParseProblems(t *testing.T) {
	const E, W = SeverityError, SeverityWarning
	tests := []struct {
		name  string
		in    string
		wants []want
	}{
		{"valid", exprSpec(`{op: In, value: ["Intel", "AMD"]}`), nil},
		{"unknown top-level field", "version: v1alpha1\nbogus: 1\ncompatibilities: []\n", []want{
			{"bogus", 2, E, `unknown field "bogus"`},
			{"compatibilities", 3, E, "compatibilities is missing or empty"},
		}},
		{"unknown field deep in a rule", `version: v1alpha1
compatibilities:
- rules:
  - name: r
    matchFeatures:
    - feature: cpu.model
      matchExpresions:
        vendor_id: {op: Exists}
`, []want{
			{"compatibilities[0].rules[0].matchFeatures[0]", 6, W, "neither matchExpressions nor matchName"},
			{"compatibilities[0].rules[0].matchFeatures[0].matchExpresions", 7, E, `did you mean "matchExpressions"?`},
		}},
		{"unknown field in an expression", exprSpec(`{op: Exists, vlaue: ["x"]}`), []want{
			{exprPath + ".vlaue", 8, E, `unknown field "vlaue"; did you mean "value"?`},
		}},
		{"list expected, string given", "version: v1alpha1\ncompatibilities: everything\n", []want{
			{"compatibilities", 2, E, `compatibilities must be a list, got string "everything"`},
		}},
		{"weight not an integer", `version: v1alpha1
compatibilities:
- weight: "high"
  rules:
  - name: r
    matchFeatures:
    - {feature: cpu.model, matchName: {op: Exists}}
`, []want{
			{"compatibilities[0].weight", 3, E, `weight must be an integer, got string "high"`},
		}},
		{"weight a fraction", `version: v1alpha1
compatibilities:
- weight: 1.5
  rules: [{name: r, matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]}]
`, []want{
			{"compatibilities[0].weight", 3, E, "weight must be an integer, got number 1.5"},
		}},
		{"weight out of range as a float", `version: v1alpha1
compatibilities:
- weight: 1e400
  rules: [{name: r, matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]}]
`, []want{
			{"compatibilities[0].weight", 3, E, "weight must be an integer from -9223372036854775808 to 9223372036854775807, got 1e400, which is out of range"},
		}},
		{"weight out of range as an integer", `version: v1alpha1
compatibilities:
- weight: 99999999999999999999
  rules: [{name: r, matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]}]
`, []want{
			{"compatibilities[0].weight", 3, E, "got 99999999999999999999, which is out of range"},
		}},
		{"value a string, not a list", exprSpec(`{op: In, value: Intel}`), []want{
			{exprPath + ".value", 8, E, `value must be a list, got string "Intel"; write a list: ["Intel"]`},
		}},
		{"rule a list, not a mapping", "version: v1alpha1\ncompatibilities:\n- rules:\n  - [a, b]\n", []want{
			{"compatibilities[0].rules[0]", 4, E, "rules[0] must be a mapping (key: value), got a list"},
		}},
		{"root not a mapping", "- a\n- b\n", []want{
			{"", 1, E, "the spec must be a mapping (key: value), got a list"},
		}},
		{"missing version", "compatibilities:\n- rules: [{name: r, matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]}]\n", []want{
			{"version", 1, E, `version is missing; add "version: v1alpha1"`},
		}},
		{"unsupported version", "version: v1\ncompatibilities:\n- rules: [{name: r, matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]}]\n", []want{
			{"version", 1, E, `unsupported version "v1"; the only supported version is "v1alpha1"`},
		}},
		{"missing compatibilities", "version: v1alpha1\n", []want{
			{"compatibilities", 1, E, "compatibilities is missing or empty"},
		}},
		{"empty compatibilities", "version: v1alpha1\ncompatibilities: []\n", []want{
			{"compatibilities", 2, E, "compatibilities is missing or empty"},
		}},
		{"empty rules", "version: v1alpha1\ncompatibilities:\n- tag: t\n  rules: []\n", []want{
			{"compatibilities[0].rules", 4, E, "rules is missing or empty"},
		}},
		{"missing rules", "version: v1alpha1\ncompatibilities:\n- tag: t\n", []want{
			{"compatibilities[0].rules", 3, E, "rules is missing or empty"},
		}},
		{"rule without matchers", "version: v1alpha1\ncompatibilities:\n- rules:\n  - name: r\n    matchFeatures: []\n", []want{
			{"compatibilities[0].rules[0]", 4, E, "rule has no matchers; add a non-empty matchFeatures or matchAny"},
		}},
		{"matchAny element without matchFeatures", `version: v1alpha1
compatibilities:
- rules:
  - name: r
    matchAny:
    - matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]
    - {}
`, []want{
			{"compatibilities[0].rules[0].matchAny[1]", 7, E, "matchAny element has no matchFeatures"},
		}},
		{"duplicate keys", exprSpec("{op: Exists}\n        vendor_id: {op: DoesNotExist}") + "version: v1alpha1\n", []want{
			{exprPath, 9, E, `duplicate key "vendor_id" (first at line 8)`},
			{"version", 10, E, `duplicate key "version" (first at line 1)`},
		}},
		{"YAML syntax error", "version: v1alpha1\n\tcompatibilities: []\n", []want{
			{"", 2, E, "YAML syntax error: found a tab character"},
		}},
		{"empty input", "", []want{{"", 0, E, "the spec is empty"}}},
		{"comment only", "# nothing\n", []want{{"", 0, E, "the spec is empty"}}},
		{"null document", "\n\n!", []want{{"", 0, E, "the spec is empty"}}},
		{"tagged scalars", "version: !!str v1alpha1\ncompatibilities: !!seq\n- rules: [{name: !foo r, matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]}]\n", []want{
			{"compatibilities[0].rules[0].name", 3, W, `the YAML tag !foo on "r" means nothing to NFD`},
		}},
		{"two documents", "version: v1alpha1\n---\nversion: v1alpha1\n", []want{
			{"", 2, E, "more than one YAML document"},
		}},
		{"JSON input", `{"version": "v1alpha1", "compatibilities": [{"rules": [{"name": "r",
 "matchFeatures": [{"feature": "cpu.model", "matchExpressions": {"vendor_id": {"op": "In"}}}]}]}]}`, []want{
			{exprPath + ".value", 2, E, `op "In" needs at least one value`},
		}},

		// Operators, mirroring NFD's evaluateMatchExpression.
		{"unknown op", exprSpec(`{op: Exist}`), []want{
			{exprPath + ".op", 8, E, `unknown op "Exist" (did you mean "Exists"?); use one of In, NotIn`},
		}},
		{"empty op is match-anything", exprSpec(`{}`), []want{
			{exprPath + ".op", 8, W, `op is empty, which NFD treats as "match anything"`},
		}},
		{"empty op with a value", exprSpec(`{value: ["x"]}`), []want{
			{exprPath + ".op", 8, W, "op is empty"},
			{exprPath + ".value", 8, E, `op "" takes no value, got ["x"]`},
		}},
		{"null expression", exprSpec(`~`), []want{
			{exprPath, 8, E, "expression is empty; give it an op"},
		}},
		{"In without values", exprSpec(`{op: In}`), []want{
			{exprPath + ".value", 8, E, `op "In" needs at least one value`},
		}},
		{"NotIn with empty list", exprSpec(`{op: NotIn, value: []}`), []want{
			{exprPath + ".value", 8, E, `op "NotIn" needs at least one value`},
		}},
		{"InRegexp without values", exprSpec(`{op: InRegexp}`), []want{
			{exprPath + ".value", 8, E, `op "InRegexp" needs at least one value`},
		}},
		{"InRegexp bad pattern", exprSpec(`{op: InRegexp, value: ["^ok$", "[a"]}`), []want{
			{exprPath + ".value[1]", 8, E, `"[a" is not a valid regular expression`},
		}},
		{"Exists with a value", exprSpec(`{op: Exists, value: ["x"]}`), []want{
			{exprPath + ".value", 8, E, `op "Exists" takes no value, got ["x"]; remove value`},
		}},
		{"DoesNotExist with a value", exprSpec(`{op: DoesNotExist, value: ["x"]}`), []want{
			{exprPath + ".value", 8, E, `op "DoesNotExist" takes no value`},
		}},
		{"IsTrue with a value", exprSpec(`{op: IsTrue, value: ["true"]}`), []want{
			{exprPath + ".value", 8, E, `op "IsTrue" takes no value`},
		}},
		{"IsFalse with a value", exprSpec(`{op: IsFalse, value: ["false"]}`), []want{
			{exprPath + ".value", 8, E, `op "IsFalse" takes no value`},
		}},
		{"Gt with two values", exprSpec(`{op: Gt, value: ["1", "2"]}`), []want{
			{exprPath + ".value", 8, E, `op "Gt" needs exactly one integer value, got ["1", "2"]`},
		}},
		{"Le without value", exprSpec(`{op: Le}`), []want{
			{exprPath + ".value", 8, E, `op "Le" needs exactly one integer value, got []`},
		}},
		{"Gt not an integer", exprSpec(`{op: Gt, value: ["a"]}`), []want{
			{exprPath + ".value", 8, E, `op "Gt" needs exactly one integer value, got ["a"]`},
		}},
		{"Ge a version without type", exprSpec(`{op: Ge, value: ["5.4"]}`), []want{
			{exprPath + ".value", 8, E, "add type: version to compare versions"},
		}},
		{"Lt integer", exprSpec(`{op: Lt, value: ["-3"]}`), nil},
		{"GtLt one value", exprSpec(`{op: GtLt, value: ["1"]}`), []want{
			{exprPath + ".value", 8, E, `op "GtLt" needs exactly two integer values, got ["1"]`},
		}},
		{"GtLt bounds reversed", exprSpec(`{op: GtLt, value: ["5", "3"]}`), []want{
			{exprPath + ".value", 8, E, `op "GtLt" needs value[0] < value[1], got ["5", "3"]`},
		}},
		{"GeLe equal bounds", exprSpec(`{op: GeLe, value: ["3", "3"]}`), []want{
			{exprPath + ".value", 8, E, `op "GeLe" needs value[0] < value[1]`},
		}},
		{"GeLe integers", exprSpec(`{op: GeLe, value: ["1", "3"]}`), nil},
		{"GtLt not integers", exprSpec(`{op: GtLt, value: ["1", "x"]}`), []want{
			{exprPath + ".value", 8, E, `op "GtLt" needs exactly two integer values, got ["1", "x"]`},
		}},
		{"version Gt", exprSpec(`{op: Gt, value: ["5.4"], type: version}`), nil},
		{"version with pre-release", exprSpec(`{op: Ge, value: ["6.1.0-rc1"], type: version}`), nil},
		{"version not a version", exprSpec(`{op: Gt, value: ["five"], type: version}`), []want{
			{exprPath + ".value[0]", 8, E, `"five" is not a version`},
		}},
		{"version GtLt", exprSpec(`{op: GtLt, value: ["5.4", "6.1"], type: version}`), nil},
		{"version GtLt reversed", exprSpec(`{op: GtLt, value: ["6.1", "5.4"], type: version}`), []want{
			{exprPath + ".value", 8, W, "never matches"},
		}},
		{"unknown type", exprSpec(`{op: Gt, value: ["5"], type: semver}`), []want{
			{exprPath + ".type", 8, E, `unknown type "semver"; the only type is "version"`},
		}},
		{"type version on In", exprSpec(`{op: In, value: ["5"], type: version}`), []want{
			{exprPath + ".type", 8, W, `ignored for op "In"`},
		}},
		{"unquoted float changes", exprSpec(`{op: In, value: [5.10]}`), []want{
			{exprPath + ".value[0]", 8, W, `reads unquoted 5.10 as "5.1"`},
		}},
		{"unquoted YAML 1.1 boolean", exprSpec(`{op: In, value: [yes]}`), []want{
			{exprPath + ".value[0]", 8, W, "reads unquoted yes as a boolean"},
		}},
		{"unquoted decimal is fine", exprSpec(`{op: Gt, value: [5]}`), nil},

		// Rules and features.
		{"feature name without domain", `version: v1alpha1
compatibilities:
- rules:
  - name: r
    matchFeatures:
    - feature: cpumodel
      matchName: {op: Exists}
`, []want{
			{"compatibilities[0].rules[0].matchFeatures[0].feature", 6, E, "invalid feature name cpumodel (not <domain>.<feature>)"},
		}},
		{"unknown domain", `version: v1alpha1
compatibilities:
- rules:
  - name: r
    matchFeatures:
    - feature: gpu.model
      matchName: {op: Exists}
`, []want{
			{"compatibilities[0].rules[0].matchFeatures[0].feature", 6, W, `unknown feature domain "gpu"`},
		}},
		{"back-reference", `version: v1alpha1
compatibilities:
- rules:
  - name: first
    vars: {cpu-ok: "true"}
    matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]
  - name: second
    matchFeatures:
    - feature: rule.matched
      matchExpressions:
        cpu-ok: {op: IsTrue}
`, nil},
		{"duplicate rule names", `version: v1alpha1
compatibilities:
- rules:
  - name: r
    matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]
  - name: r
    matchFeatures: [{feature: kernel.version, matchName: {op: Exists}}]
`, []want{
			{"compatibilities[0].rules[1].name", 6, W, `rule name "r" is already used by rules[0]`},
		}},
		{"bad varsTemplate", `version: v1alpha1
compatibilities:
- rules:
  - name: r
    varsTemplate: "{{ range .cpu.model }"
    matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]
`, []want{
			{"compatibilities[0].rules[0].varsTemplate", 5, E, "varsTemplate is not a valid Go template"},
		}},
		{"good varsTemplate", `version: v1alpha1
compatibilities:
- rules:
  - name: r
    varsTemplate: "{{ range .cpu.model }}vendor={{ .Value }}\n{{ end }}"
    matchFeatures: [{feature: cpu.model, matchName: {op: Exists}}]
`, nil},
		{"YAML merge keys", `version: v1alpha1
common: &cpu
  feature: cpu.model
compatibilities:
- rules:
  - name: r
    matchFeatures:
    - <<: *cpu
      matchName: {op: Exists}
`, []want{
			{"common", 2, E, `unknown field "common"`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, problems, err := Parse([]byte(tt.in))
			checkProblems(t, problems, tt.wants)
			hasError := false
			for _, w := range tt.wants {
				hasError = hasError || w.sev == E
			}
			if hasError != (err != nil) {
				t.Errorf("err = %v, want an error: %v", err, hasError)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalid) {
					t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
				}
				var ie *InvalidError
				if !errors.As(err, &ie) || len(ie.Problems) == 0 {
					t.Errorf("err %T does not list its problems", err)
				}
			}
			if !hasError && s == nil {
				t.Error("valid spec: Parse returned nil")
			}
		})
	}
}
