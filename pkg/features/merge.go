package features

import (
	"cmp"
	"slices"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// DefaultNFDNamespace is nfd-master's default namespace. Its NodeFeature
// objects come first when a node's objects are merged.
const DefaultNFDNamespace = "node-feature-discovery"

// MergeNodeFeatures merges one node's NodeFeature objects into one set of
// features as nfd-master v0.19.0 does (getAndMergeNodeFeatures in
// pkg/nfd-master/nfd-master.go): the objects sorted with those in
// nfdNamespace (nfd-master's own) first, then by name, then by namespace;
// the first one's spec deep-copied, and every later one merged into it with
// NodeFeatureSpec.MergeInto, so that a later object's feature set adds to
// and overwrites an earlier one's element by element (instances are
// appended). nfd-master's sort.Slice is not stable; objects it could order
// either way (same name and namespace: from several files, never from the
// API) keep their order here. NodeFeature labels, nfd-master's namespace
// selector and its denyNodeFeatureLabels restriction do not change features
// and are not modelled.
//
// objs must not be empty and are not modified. It returns the merged
// features, normalised (see Normalize), and order: order[i] is the index in
// objs of the i-th object merged.
func MergeNodeFeatures(objs []*nfdv1alpha1.NodeFeature, nfdNamespace string) (merged *Features, order []int) {
	order = make([]int, len(objs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		a, b := objs[i], objs[j]
		if aNFD, bNFD := a.Namespace == nfdNamespace, b.Namespace == nfdNamespace; aNFD != bNFD {
			if aNFD {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return cmp.Compare(a.Namespace, b.Namespace)
	})
	// MergeInto copies what it merges (maps.Copy, DeepCopy of instances), so
	// only the object merged into needs a copy.
	merged = objs[order[0]].Spec.Features.DeepCopy()
	for _, i := range order[1:] {
		objs[i].Spec.Features.MergeInto(merged)
	}
	return Normalize(merged), order
}
