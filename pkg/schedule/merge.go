package schedule

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// owns reports whether a label key is one of the set labels of res's
// repository under labelPrefix (empty: DefaultLabelPrefix).
func owns(res *Result, labelPrefix string) func(string) bool {
	if labelPrefix == "" {
		labelPrefix = DefaultLabelPrefix
	}
	prefix := labelPrefix + "/" + repoPart(res.Repository) + "."
	return func(key string) bool { return strings.HasPrefix(key, prefix) }
}

// MergeNodeAffinity returns a pod's node affinity (nil: none) with res's
// merged in as Patch merges it: every existing required term keeps its
// expressions and gains each set's (Kubernetes ORs terms, so the result is
// "existing AND any set"), the sets' preferred terms are appended, and
// terms on labels of res's repository are replaced. Merging the results
// of several images one after the other requires some set of every image.
func MergeNodeAffinity(have *corev1.NodeAffinity, res *Result, labelPrefix string) *corev1.NodeAffinity {
	if have == nil {
		have = &corev1.NodeAffinity{}
	}
	return mergeNodeAffinity(have, res.Affinity.NodeAffinity, owns(res, labelPrefix))
}
