package spec

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/validate"
)

// Validate runs the static checks on an already-decoded spec. Problems
// carry paths but no lines; Parse adds those.
func Validate(s *Spec) []Problem {
	ps, _ := ValidateContext(context.Background(), s)
	return ps
}

// ValidateContext is Validate checking ctx between sets, rules, terms and
// expressions. When ctx ends first it returns the problems found so far and
// an error wrapping ctx.Err() (naming the validation stage): the spec is
// then not known to be valid.
func ValidateContext(ctx context.Context, s *Spec) ([]Problem, error) {
	v := &validator{ctx: ctx, budget: MaxWork}
	ps := v.spec(s)
	if v.err != nil {
		return ps, v.err
	}
	return ps, nil
}

// validator carries what the checks share: the context, and the work
// budget the expressions spend.
type validator struct {
	ctx context.Context
	err error // set once ctx ended; every check then returns at once
	// budget is the work left (see MaxWork); <0 means unlimited.
	budget int
	// overBudget is set once the budget was exceeded and reported.
	overBudget bool
}

// stopped reports whether the validation must stop: ctx ended or the work
// budget is spent.
func (v *validator) stopped() bool {
	if v.err == nil && v.ctx.Err() != nil {
		v.err = fmt.Errorf("validating the spec stopped: %w", context.Cause(v.ctx))
	}
	return v.err != nil || v.overBudget
}

// spend takes n work units for the expression at path; when the budget is
// spent it returns the problem to report (once).
func (v *validator) spend(path string, n int) []Problem {
	if v.budget < 0 || v.overBudget {
		return nil
	}
	v.budget -= n
	if v.budget >= 0 {
		return nil
	}
	v.overBudget = true
	return []Problem{errorf(path, "the spec's total work exceeds the limit of %d units (one per expression, one per value and one per compiled regular expression instruction) at this expression; use fewer or simpler expressions, values and regular expressions", MaxWork)}
}

// overLimit is the problem of a list at path holding n items, more than limit.
func overLimit(path string, n, limit int, what, fix string) Problem {
	return errorf(path, "%d %s, more than the limit of %d; %s", n, what, limit, fix)
}

func (v *validator) spec(s *Spec) []Problem {
	if v.stopped() {
		return nil
	}
	if s == nil {
		return []Problem{errorf("", "the spec is empty; start with \"version: %s\" and a compatibilities list", compatv1alpha1.Version)}
	}
	var ps []Problem
	switch s.Version {
	case "":
		ps = append(ps, errorf("version", "version is missing; add \"version: %s\"", compatv1alpha1.Version))
	case compatv1alpha1.Version:
	default:
		ps = append(ps, errorf("version", "unsupported version %q; the only supported version is %q", s.Version, compatv1alpha1.Version))
	}
	switch n := len(s.Compatibilties); {
	case n == 0:
		ps = append(ps, errorf("compatibilities", "compatibilities is missing or empty; add at least one compatibility set with rules"))
	case n > MaxSets:
		// Items past a limit are not checked: that is the work bounded.
		return append(ps, overLimit("compatibilities", n, MaxSets, "compatibility sets", "merge sets or drop the ones no host needs"))
	}
	for i, c := range s.Compatibilties {
		if v.stopped() {
			break
		}
		ps = append(ps, v.set(indexPath("compatibilities", i), c)...)
	}
	return ps
}

func (v *validator) set(path string, c compatv1alpha1.Compatibility) []Problem {
	var ps []Problem
	rulesPath := fieldPath(path, "rules")
	switch n := len(c.Rules); {
	case n == 0:
		ps = append(ps, errorf(rulesPath, "rules is missing or empty; add at least one rule with matchFeatures or matchAny"))
	case n > MaxRules:
		return append(ps, overLimit(rulesPath, n, MaxRules, "rules in one set", "merge rules or split the set"))
	}
	names := map[string]int{}
	for j, r := range c.Rules {
		if v.stopped() {
			break
		}
		rp := indexPath(rulesPath, j)
		if r.Name != "" {
			if first, dup := names[r.Name]; dup {
				ps = append(ps, warnf(fieldPath(rp, "name"), "rule name %q is already used by rules[%d] of this set; give each rule its own name so reports and back-references are unambiguous", r.Name, first))
			} else {
				names[r.Name] = j
			}
		}
		ps = append(ps, v.rule(rp, r)...)
	}
	return ps
}

func (v *validator) rule(path string, r nfdv1alpha1.GroupRule) []Problem {
	var ps []Problem
	if r.Name == "" {
		ps = append(ps, warnf(fieldPath(path, "name"), "rule has no name; add one so reports and back-references (rule.matched) can refer to it"))
	}
	if len(r.MatchFeatures) == 0 && len(r.MatchAny) == 0 {
		ps = append(ps, errorf(path, "rule has no matchers; add a non-empty matchFeatures or matchAny"))
	}
	if r.VarsTemplate != "" {
		for _, err := range validate.Template(r.VarsTemplate) {
			ps = append(ps, errorf(fieldPath(path, "varsTemplate"), "varsTemplate is not a valid Go template: %v; fix the template syntax", err))
		}
	}
	return append(ps, v.matchers(path, r.MatchFeatures, r.MatchAny)...)
}

// matchers checks a rule's matchFeatures and matchAny; path is the rule's.
func (v *validator) matchers(path string, matchFeatures nfdv1alpha1.FeatureMatcher, matchAny []nfdv1alpha1.MatchAnyElem) []Problem {
	ps := v.matcher(fieldPath(path, "matchFeatures"), matchFeatures)
	anyPath := fieldPath(path, "matchAny")
	if n := len(matchAny); n > MaxTerms {
		return append(ps, overLimit(anyPath, n, MaxTerms, "matchAny elements", "merge elements or split the rule"))
	}
	for k, elem := range matchAny {
		if v.stopped() {
			break
		}
		ep := indexPath(anyPath, k)
		if len(elem.MatchFeatures) == 0 {
			ps = append(ps, errorf(ep, "matchAny element has no matchFeatures; add matchFeatures or remove the element"))
		}
		ps = append(ps, v.matcher(fieldPath(ep, "matchFeatures"), elem.MatchFeatures)...)
	}
	return ps
}

// knownDomain reports the feature domains NFD's sources and rules produce.
func knownDomain(d string) bool {
	switch d {
	case "cpu", "kernel", "local", "memory", "network", "pci", "storage", "system", "usb", "custom", "rule":
		return true
	}
	return false
}

func (v *validator) matcher(path string, m nfdv1alpha1.FeatureMatcher) []Problem {
	var ps []Problem
	if n := len(m); n > MaxTerms {
		return append(ps, overLimit(path, n, MaxTerms, "terms", "merge terms on the same feature or split the rule"))
	}
	for i, term := range m {
		if v.stopped() {
			break
		}
		tp := indexPath(path, i)
		fp := fieldPath(tp, "feature")
		// One term at a time, so NFD's findings keep their index.
		if errs := validate.MatchFeatures(nfdv1alpha1.FeatureMatcher{term}); len(errs) > 0 {
			for _, err := range errs {
				ps = append(ps, errorf(fp, "%v; write the feature as <domain>.<feature>, e.g. \"cpu.model\"", err))
			}
		} else {
			// NFD looks features up lower-cased.
			domain, name, _ := strings.Cut(strings.ToLower(term.Feature), ".")
			switch {
			case !knownDomain(domain):
				ps = append(ps, warnf(fp, "unknown feature domain %q; NFD discovers cpu, custom, kernel, local, memory, network, pci, rule, storage, system and usb, so this term never matches unless a custom source provides it", domain))
			case domain == "rule" && name != "matched":
				ps = append(ps, warnf(fp, "feature %q does not exist; back-references use \"rule.matched\"", term.Feature))
			}
		}
		if term.MatchExpressions == nil && term.MatchName == nil {
			ps = append(ps, warnf(tp, "term has neither matchExpressions nor matchName, so it matches whenever feature %q exists; add one to check values", term.Feature))
		}
		if term.MatchExpressions != nil {
			ep := fieldPath(tp, "matchExpressions")
			if n := len(*term.MatchExpressions); n > MaxExpressions {
				ps = append(ps, overLimit(ep, n, MaxExpressions, "expressions in one term", "split them over several terms on the same feature"))
				continue
			}
			keys := make([]string, 0, len(*term.MatchExpressions))
			for k := range *term.MatchExpressions {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				if v.stopped() {
					break
				}
				ps = append(ps, v.expression(keyPath(ep, k), (*term.MatchExpressions)[k])...)
			}
		}
		if term.MatchName != nil && !v.stopped() {
			ps = append(ps, v.expression(fieldPath(tp, "matchName"), term.MatchName)...)
		}
	}
	return ps
}

// quoteList renders values as a YAML flow list: ["5", "3"].
func quoteList(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
