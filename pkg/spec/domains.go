package spec

import (
	"sort"
	"strings"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// Domains returns the sorted, unique feature domains the spec's rules
// reference (e.g. ["cpu", "kernel", "pci"]), so a host need only discover
// those. "rule" (back-references to earlier rules) is left out: no source
// discovers it.
func Domains(s *Spec) []string {
	if s == nil {
		return nil
	}
	seen := map[string]bool{}
	add := func(m nfdv1alpha1.FeatureMatcher) {
		for _, t := range m {
			// NFD looks features up lower-cased.
			if d, _, ok := strings.Cut(strings.ToLower(t.Feature), "."); ok && d != "" && d != "rule" {
				seen[d] = true
			}
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
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}
