package schedule

import (
	"cmp"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// MapWeight maps a set's weight into Kubernetes' preferred-term weight range
// 1-100: scaled so that the highest weight of the spec gives 100, rounded,
// and clamped to at least 1 (zero and negative weights give 1; so do all
// weights when the highest is not positive).
func MapWeight(w, top int) int32 {
	if top <= 0 || w <= 0 {
		return 1
	}
	v := (int64(w)*100 + int64(top)/2) / int64(top)
	return int32(min(max(v, 1), 100))
}

// affinity requires any set's label (one nodeSelectorTerm per set: terms
// are ORed) and, when weights differ, prefers the best set: set i's
// preferred term also requires that no better-ranked set's label is there,
// so a node scores the mapped weight of its best set only (Kubernetes sums
// the weights of every matching preferred term). Sets rank by weight, then
// spec order, as validate-node picks the best set. It fills
// PreferredWeight in sets.
func affinity(sets []SetLabel) *corev1.Affinity {
	na := &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{}}
	req := na.RequiredDuringSchedulingIgnoredDuringExecution
	maxW := 0
	for i, s := range sets {
		req.NodeSelectorTerms = append(req.NodeSelectorTerms, corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{has(s.Label)}})
		if i == 0 || s.Weight > maxW {
			maxW = s.Weight
		}
	}
	ranked := make([]int, len(sets))
	for i := range ranked {
		ranked[i] = i
	}
	slices.SortStableFunc(ranked, func(a, b int) int { return cmp.Compare(sets[b].Weight, sets[a].Weight) })
	distinct := false
	for _, s := range sets {
		distinct = distinct || MapWeight(s.Weight, maxW) != MapWeight(sets[0].Weight, maxW)
	}
	if distinct {
		for r, i := range ranked {
			term := corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{has(sets[i].Label)}}
			for _, better := range ranked[:r] {
				term.MatchExpressions = append(term.MatchExpressions, corev1.NodeSelectorRequirement{Key: sets[better].Label, Operator: corev1.NodeSelectorOpDoesNotExist})
			}
			sets[i].PreferredWeight = MapWeight(sets[i].Weight, maxW)
			na.PreferredDuringSchedulingIgnoredDuringExecution = append(na.PreferredDuringSchedulingIgnoredDuringExecution,
				corev1.PreferredSchedulingTerm{Weight: sets[i].PreferredWeight, Preference: term})
		}
	}
	return &corev1.Affinity{NodeAffinity: na}
}

func has(key string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: corev1.NodeSelectorOpIn, Values: []string{LabelValue}}
}
