package spec

import nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

// ValidateMatchers runs the static checks Validate applies to a spec rule's
// matchers (NFD's own feature-name validation, every expression against
// NFD's operator table, value counts, integers, versions, regexps, known
// domains) on the matchers of any NFD rule: a NodeFeatureRule's or a
// NodeFeatureGroup's. path is the rule's path, e.g. spec.rules[2]; problems
// point below it. A rule without matchers is not a problem here: in a
// NodeFeatureRule it always matches, which is how static labels are set.
func ValidateMatchers(path string, matchFeatures nfdv1alpha1.FeatureMatcher, matchAny []nfdv1alpha1.MatchAnyElem) []Problem {
	ps := validateMatcher(fieldPath(path, "matchFeatures"), matchFeatures)
	anyPath := fieldPath(path, "matchAny")
	for k, elem := range matchAny {
		ep := indexPath(anyPath, k)
		if len(elem.MatchFeatures) == 0 {
			ps = append(ps, errorf(ep, "matchAny element has no matchFeatures; add matchFeatures or remove the element"))
		}
		ps = append(ps, validateMatcher(fieldPath(ep, "matchFeatures"), elem.MatchFeatures)...)
	}
	return ps
}
