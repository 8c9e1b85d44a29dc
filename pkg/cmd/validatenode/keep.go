package validatenode

import (
	"strings"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// specFeatures returns a filter that accepts the features s's rules name
// (matchFeatures and matchAny), for features.LoadPathsKeeping and
// DiscoverOptions.Keep: evaluation reads nothing else. Dropping the rest as
// files are decoded is what keeps a fleet of thousands of real exports within
// memory; on this host it spares discovery reading what no rule names.
func specFeatures(s *spec.Spec) func(feature string) bool {
	want := map[string]bool{}
	add := func(m nfdv1alpha1.FeatureMatcher) {
		for _, t := range m {
			// NFD looks features up lower-cased.
			want[strings.ToLower(t.Feature)] = true
		}
	}
	for _, c := range s.Compatibilties {
		for _, r := range c.Rules {
			add(r.MatchFeatures)
			for _, a := range r.MatchAny {
				add(a.MatchFeatures)
			}
		}
	}
	return func(feature string) bool { return want[strings.ToLower(feature)] }
}
