package features

import nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"

// Normalize replaces f's missing top-level maps (flags, attributes,
// instances) by empty ones, as NFD's NewFeatures has them, so that callers
// (NFD's evaluator among them, which inserts rule.matched back-references)
// can insert without checks; it returns f. Element lists are kept as written
// ("elements": null stays nil) so that a round trip compares equal.
func Normalize(f *Features) *Features {
	if f.Flags == nil {
		f.Flags = map[string]nfdv1alpha1.FlagFeatureSet{}
	}
	if f.Attributes == nil {
		f.Attributes = map[string]nfdv1alpha1.AttributeFeatureSet{}
	}
	if f.Instances == nil {
		f.Instances = map[string]nfdv1alpha1.InstanceFeatureSet{}
	}
	return f
}
