package schedule

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Owns reports whether a label key is one of the set labels of res's
// repository under labelPrefix (empty: DefaultLabelPrefix): the keys a
// merge replaces rather than keeps.
func Owns(res *Result, labelPrefix string) func(string) bool { return owns(res, labelPrefix) }

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

// MergeTerms is MergeNodeAffinity for a requirement the caller built: add's
// required terms (ORed; each existing term is multiplied by them) and its
// preferred terms, with ours telling the label keys of the caller whose
// expressions in have are replaced, not kept. The webhook merges an
// index's per-platform terms (kubernetes.io/os and arch with each
// platform's sets) this way.
func MergeTerms(have, add *corev1.NodeAffinity, ours func(string) bool) *corev1.NodeAffinity {
	if have == nil {
		have = &corev1.NodeAffinity{}
	}
	if add.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		add = add.DeepCopy()
		add.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{}
	}
	return mergeNodeAffinity(have, add, ours)
}
