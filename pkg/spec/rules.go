package spec

import (
	"context"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// ValidateMatchers runs the static checks Validate applies to a spec rule's
// matchers (NFD's own feature-name validation, every expression against
// NFD's operator table, value counts, integers, versions, regexps, known
// domains) on the matchers of any NFD rule: a NodeFeatureRule's or a
// NodeFeatureGroup's. path is the rule's path, e.g. spec.rules[2]; problems
// point below it. A rule without matchers is not a problem here: in a
// NodeFeatureRule it always matches, which is how static labels are set.
//
// The per-list and per-regexp limits (MaxTerms, MaxExpressions, MaxValues,
// MaxRegexpLength, MaxRegexpProgram) apply; MaxWork, a budget of a whole
// spec, does not.
func ValidateMatchers(path string, matchFeatures nfdv1alpha1.FeatureMatcher, matchAny []nfdv1alpha1.MatchAnyElem) []Problem {
	v := &validator{ctx: context.Background(), budget: -1}
	return v.matchers(path, matchFeatures, matchAny)
}
