package compat

import (
	"fmt"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/nodefeaturerule"
)

// rule evaluates one rule with NFD and explains the result. It returns the
// rule's variables for back-references.
func (e *evaluation) rule(r *nfdv1alpha1.GroupRule) (RuleReport, map[string]string) {
	rr := RuleReport{Name: r.Name}
	out, err := executeGroupRule(r, e.features)
	if err != nil {
		rr.Error = err.Error()
	} else if out.MatchStatus != nil {
		rr.IsMatch = out.MatchStatus.IsMatch
	}

	// When NFD says the rule matched, every matchFeatures term matched: no need
	// to evaluate them again. matchAny elements are always explained, since
	// NFD's status does not say which of them matched.
	rr.Expressions, _ = e.explainTerms(r.MatchFeatures, rr.IsMatch)
	if len(r.MatchAny) > 0 {
		rr.MatchAny = make([]MatchAnyReport, len(r.MatchAny))
		for i := range r.MatchAny {
			rr.MatchAny[i].Expressions, rr.MatchAny[i].IsMatch = e.explainTerms(r.MatchAny[i].MatchFeatures, false)
		}
	}
	return rr, out.Vars
}

// executeGroupRule runs NFD's evaluator with failFast=false, as upstream's
// node-validator does. A panic inside NFD (e.g. a null expression in a
// matchExpressions map) becomes an error: one bad rule must not take down a
// pull-time verifier.
func executeGroupRule(r *nfdv1alpha1.GroupRule, f *nfdv1alpha1.Features) (out nodefeaturerule.GroupRuleOutput, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nodefeaturerule.GroupRuleOutput{}, fmt.Errorf("evaluating rule %q: %v", r.Name, p)
		}
	}()
	return nodefeaturerule.ExecuteGroupRule(r, f, false)
}
