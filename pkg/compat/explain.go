package compat

import (
	"fmt"
	"slices"
	"strings"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/nodefeaturerule"
)

// explainTerms reports every expression of terms and whether all terms match.
// With known set, the caller already knows from NFD that all terms match and
// nothing is evaluated. Once e's context ends the rest is left unevaluated
// (the evaluation then returns no report).
func (e *evaluation) explainTerms(terms nfdv1alpha1.FeatureMatcher, known bool) ([]ExprReport, bool) {
	if len(terms) == 0 {
		return nil, true
	}
	n := 0
	for i := range terms {
		n += exprCount(&terms[i])
	}
	out := make([]ExprReport, 0, n)
	all := true
	for i := range terms {
		if e.stopped() != nil {
			return out, false
		}
		var ok bool
		out, ok = e.explainTerm(&terms[i], known, out)
		all = all && ok
	}
	return out, all
}

func exprCount(t *nfdv1alpha1.FeatureMatcherTerm) int {
	n := 0
	if t.MatchExpressions != nil {
		n = len(*t.MatchExpressions)
	}
	if t.MatchName != nil {
		n++
	}
	return n
}

// hostFeature is one feature of the host in all its forms, looked up the way
// NFD does (feature names are case-insensitive).
type hostFeature struct {
	flags     map[string]nfdv1alpha1.Nil
	attrs     map[string]string
	instances []nfdv1alpha1.InstanceFeature
	present   bool
	isFlag    bool
	isAttr    bool
	isInst    bool
}

// names are the element names a matchName is matched against: the flags,
// the attributes and every instance's attribute names, unsorted, an
// instance attribute once per instance.
func (hf hostFeature) names() []string {
	names := make([]string, 0, len(hf.flags)+len(hf.attrs))
	for k := range hf.flags {
		names = append(names, k)
	}
	for k := range hf.attrs {
		names = append(names, k)
	}
	for _, inst := range hf.instances {
		for k := range inst.Attributes {
			names = append(names, k)
		}
	}
	return names
}

func lookup(f *nfdv1alpha1.Features, feature string) hostFeature {
	name := strings.ToLower(feature)
	fF, okF := f.Flags[name]
	fA, okA := f.Attributes[name]
	fI, okI := f.Instances[name]
	return hostFeature{
		flags: fF.Elements, attrs: fA.Elements, instances: fI.Elements,
		present: okF || okA || okI, isFlag: okF, isAttr: okA, isInst: okI,
	}
}

// explainTerm appends the reports of one term's expressions (sorted by key,
// then matchName) to out and says whether the term matches.
func (e *evaluation) explainTerm(t *nfdv1alpha1.FeatureMatcherTerm, known bool, out []ExprReport) ([]ExprReport, bool) {
	start := len(out)
	var keys []string
	if t.MatchExpressions != nil {
		keys = make([]string, 0, len(*t.MatchExpressions))
		for k := range *t.MatchExpressions {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, exprReport(t.Feature, k, MatchExpressionType, (*t.MatchExpressions)[k], known))
		}
	}
	if t.MatchName != nil {
		out = append(out, exprReport(t.Feature, "", MatchNameType, t.MatchName, known))
	}
	if known {
		return out, true
	}

	hf := lookup(e.features, t.Feature)
	if !hf.present {
		for i := start; i < len(out); i++ {
			out[i].Host = hostFeatureMissing
		}
		return out, false
	}

	ok := true
	exprs := out[start : start+len(keys)]
	if t.MatchExpressions != nil {
		ok = e.explainExpressions(t.MatchExpressions, keys, exprs, hf)
	}
	if t.MatchName != nil && e.stopped() == nil {
		last := &out[len(out)-1]
		last.IsMatch, last.Host = matchName(t.MatchName, hf)
		ok = ok && last.IsMatch
	}
	return out, ok
}

// explainExpressions fills exprs (one per key) and says whether the set
// matches as NFD evaluates it. A matching set needs no more work; otherwise
// each expression is evaluated on its own to find the culprits.
func (e *evaluation) explainExpressions(set *nfdv1alpha1.MatchExpressionSet, keys []string, exprs []ExprReport, hf hostFeature) bool {
	together, err := matchAll(set, hf)
	if together {
		for i := range exprs {
			exprs[i].IsMatch = true
		}
		return true
	}
	culprits := 0
	for i, k := range keys {
		// NFD's matcher runs once per expression here: the context is
		// checked around each run.
		if e.stopped() != nil {
			return false
		}
		exprs[i].IsMatch, exprs[i].Host = matchOne(k, (*set)[k], hf)
		if !exprs[i].IsMatch {
			culprits++
		}
	}
	switch {
	case culprits == 0:
		// Every expression holds on its own but not together (on one
		// instance, for instance features): the term as a whole fails.
		host := instancesHost(set, keys, hf)
		if err != nil {
			host = errorHost(err)
		}
		for i := range exprs {
			exprs[i].IsMatch, exprs[i].Host = false, host
		}
	case onlyInstances(hf):
		// Name the failing expressions first, then list what instances have.
		host := instancesHost(set, failingFirst(keys, exprs), hf)
		for i := range exprs {
			if !exprs[i].IsMatch && !isErrorHost(exprs[i].Host) {
				exprs[i].Host = host
			}
		}
	}
	return false
}

func exprReport(feature, key, matcher string, e *nfdv1alpha1.MatchExpression, isMatch bool) ExprReport {
	r := ExprReport{Feature: feature, Key: key, MatcherType: matcher, IsMatch: isMatch}
	if e != nil {
		r.Op, r.Value, r.Type = string(e.Op), e.Value, string(e.Type)
	}
	return r
}

// matchOne evaluates a single expression with NFD's MatchMulti.
func matchOne(key string, e *nfdv1alpha1.MatchExpression, hf hostFeature) (bool, string) {
	if e == nil {
		return false, errorHost(fmt.Errorf("expression for %q is null", key))
	}
	one := nfdv1alpha1.MatchExpressionSet{key: e}
	ok, err := matchAll(&one, hf)
	switch {
	case err != nil:
		return false, errorHost(err)
	case ok:
		return true, ""
	}
	return false, elementHost(key, hf)
}

// matchAll runs NFD's MatchMulti, turning a panic on malformed input into an error.
func matchAll(set *nfdv1alpha1.MatchExpressionSet, hf hostFeature) (ok bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			ok, err = false, fmt.Errorf("%v", p)
		}
	}()
	ok, _, _, err = nodefeaturerule.MatchMulti(set, hf.flags, hf.attrs, hf.instances, false)
	return ok, err
}

// matchName evaluates a matchName expression with NFD's MatchNamesMulti.
func matchName(e *nfdv1alpha1.MatchExpression, hf hostFeature) (ok bool, host string) {
	defer func() {
		if p := recover(); p != nil {
			ok, host = false, errorHost(fmt.Errorf("%v", p))
		}
	}()
	ok, _, err := nodefeaturerule.MatchNamesMulti(e, hf.flags, hf.attrs, hf.instances)
	switch {
	case err != nil:
		return false, errorHost(err)
	case ok:
		return true, ""
	}
	return false, namesHost(hf)
}
