package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
)

// podSpecPaths are where each workload kind keeps its pod spec.
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// Patch writes the affinity of res into every workload of a YAML manifest
// (several documents allowed) and returns the new manifest and the patched
// objects as Kind/name. Everything else, comments and key order included,
// is kept. The pod's existing nodeAffinity is merged, not replaced:
//   - required: Kubernetes ORs nodeSelectorTerms, so "existing AND any set"
//     is every existing term combined with every set's term;
//   - preferred: the sets' terms are appended to the existing ones;
//   - terms on labels this image's sets used before (same prefix and
//     repository) are dropped first, so patching again replaces them.
//
// A manifest without any workload is an error.
func Patch(manifest []byte, res *Result, labelPrefix string) ([]byte, []string, error) {
	ours := owns(res, labelPrefix)
	dec := yaml.NewDecoder(bytes.NewReader(manifest))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("manifest: invalid YAML: %v", err)
		}
		docs = append(docs, &n)
	}
	var patched []string
	for i, d := range docs {
		if len(d.Content) == 0 || d.Content[0].Kind != yaml.MappingNode {
			continue
		}
		root := d.Content[0]
		kind := scalar(lookup(root, "kind"))
		path, ok := podSpecPaths[kind]
		if !ok {
			continue
		}
		name := scalar(lookup(lookup(root, "metadata"), "name"))
		podSpec := ensure(root, path...)
		aff := ensure(podSpec, "affinity")
		var existing corev1.NodeAffinity
		if n := lookup(aff, "nodeAffinity"); n != nil {
			if err := decodeNode(n, &existing); err != nil {
				return nil, nil, fmt.Errorf("manifest document %d, %s/%s: affinity.nodeAffinity: %v; fix it or remove it", i+1, kind, name, err)
			}
		}
		merged := mergeNodeAffinity(&existing, res.Affinity.NodeAffinity, ours)
		node, err := encodeNode(merged)
		if err != nil {
			return nil, nil, err
		}
		set(aff, "nodeAffinity", node)
		patched = append(patched, kind+"/"+name)
	}
	if len(patched) == 0 {
		return nil, nil, errors.New("manifest has no workload to patch: expected a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob")
	}
	var out bytes.Buffer
	for i, d := range docs {
		if i > 0 {
			out.WriteString("---\n")
		}
		enc := yaml.NewEncoder(&out)
		enc.SetIndent(2)
		if err := enc.Encode(d); err != nil {
			return nil, nil, err
		}
		_ = enc.Close()
	}
	return out.Bytes(), patched, nil
}

// mergeNodeAffinity combines a pod's node affinity with the sets'.
func mergeNodeAffinity(have, sets *corev1.NodeAffinity, ours func(string) bool) *corev1.NodeAffinity {
	out := have.DeepCopy()
	var terms []corev1.NodeSelectorTerm
	if r := have.RequiredDuringSchedulingIgnoredDuringExecution; r != nil {
		for _, t := range r.NodeSelectorTerms {
			kept := corev1.NodeSelectorTerm{MatchFields: t.MatchFields}
			for _, e := range t.MatchExpressions {
				if !ours(e.Key) {
					kept.MatchExpressions = append(kept.MatchExpressions, e)
				}
			}
			if len(kept.MatchExpressions)+len(kept.MatchFields) > 0 {
				terms = append(terms, kept)
			}
		}
	}
	add := sets.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) == 0 {
		terms = add
	} else {
		terms = AndTerms(terms, add)
	}
	out.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{NodeSelectorTerms: terms}
	var pref []corev1.PreferredSchedulingTerm
	for _, p := range have.PreferredDuringSchedulingIgnoredDuringExecution {
		mine := false
		for _, e := range p.Preference.MatchExpressions {
			mine = mine || ours(e.Key)
		}
		if !mine {
			pref = append(pref, p)
		}
	}
	out.PreferredDuringSchedulingIgnoredDuringExecution = append(pref, sets.PreferredDuringSchedulingIgnoredDuringExecution...)
	return out
}

// AndTerms is "a AND b" of two ORed lists of node selector terms: every
// term of a with the expressions of each term of b it does not hold yet,
// the terms no node can match dropped (satisfiable) and duplicates
// removed. len(a)*len(b) terms at most: callers bound them.
func AndTerms(a, b []corev1.NodeSelectorTerm) []corev1.NodeSelectorTerm {
	var cross []corev1.NodeSelectorTerm
	for _, e := range a {
		for _, s := range b {
			t := *e.DeepCopy()
			t.MatchExpressions = appendNew(t.MatchExpressions, s.MatchExpressions...)
			cross = append(cross, t)
		}
	}
	return dedupe(satisfiable(cross))
}

// appendNew appends the expressions not already in have: a term gaining
// an expression it holds (a pod admitted again) stays the same.
func appendNew(have []corev1.NodeSelectorRequirement, add ...corev1.NodeSelectorRequirement) []corev1.NodeSelectorRequirement {
	for _, a := range add {
		if !slices.ContainsFunc(have, func(h corev1.NodeSelectorRequirement) bool {
			return h.Key == a.Key && h.Operator == a.Operator && slices.Equal(h.Values, a.Values)
		}) {
			have = append(have, a)
		}
	}
	return have
}

// satisfiable drops the terms no node can match, two In expressions on
// one key with no value in common (kubernetes.io/arch In [amd64] and In
// [arm64], as the product of a pod's own arch term and another platform's
// gives); when every term is such, they are kept: a pod that fits no node
// stays Pending with the scheduler's reason rather than losing its
// affinity.
func satisfiable(terms []corev1.NodeSelectorTerm) []corev1.NodeSelectorTerm {
	var out []corev1.NodeSelectorTerm
	for _, t := range terms {
		if !contradicts(t.MatchExpressions) {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return terms
	}
	return out
}

func contradicts(exprs []corev1.NodeSelectorRequirement) bool {
	for i, a := range exprs {
		for _, b := range exprs[i+1:] {
			if a.Key == b.Key && a.Operator == corev1.NodeSelectorOpIn && b.Operator == corev1.NodeSelectorOpIn &&
				!slices.ContainsFunc(a.Values, func(v string) bool { return slices.Contains(b.Values, v) }) {
				return true
			}
		}
	}
	return false
}

func dedupe(terms []corev1.NodeSelectorTerm) []corev1.NodeSelectorTerm {
	seen := map[string]bool{}
	var out []corev1.NodeSelectorTerm
	for _, t := range terms {
		b, _ := json.Marshal(t)
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, t)
		}
	}
	return out
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// ensure walks (creating empty mappings where missing) to the mapping at path.
func ensure(m *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		next := lookup(m, key)
		if next == nil || next.Kind != yaml.MappingNode {
			next = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
			set(m, key, next)
		}
		m = next
	}
	return m
}

func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// decodeNode decodes YAML into a Kubernetes type through JSON, so its json
// tags apply.
func decodeNode(n *yaml.Node, v any) error {
	var raw any
	if err := n.Decode(&raw); err != nil {
		return err
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// encodeNode turns a Kubernetes value into a YAML node through JSON.
func encodeNode(v any) (*yaml.Node, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var raw any
	if err := yaml.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	var n yaml.Node
	if err := n.Encode(raw); err != nil {
		return nil, err
	}
	return &n, nil
}
