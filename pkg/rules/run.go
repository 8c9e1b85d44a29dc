package rules

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/nodefeaturerule"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/validate"

	"github.com/nfd-compat/nfd-compat/pkg/features"
)

// NodeResult is what NFD would create on one node from the objects.
type NodeResult struct {
	Node   string `json:"node"`
	Source string `json:"source,omitempty"`
	// Labels, Annotations and ExtendedResources are keyed as they land on
	// the node: unprefixed keys carry NFD's default namespace, dynamic
	// values (@domain.feature.element) are resolved.
	Labels            map[string]string `json:"labels"`
	Annotations       map[string]string `json:"annotations"`
	ExtendedResources map[string]string `json:"extendedResources"`
	// Taints are applied only when nfd-master runs with enableTaints.
	Taints []corev1.Taint `json:"taints"`
	// Vars are the variables of the rules that matched (they go to
	// rule.matched for later rules, not to the node).
	Vars map[string]string `json:"vars"`
	// Rules is every NodeFeatureRule rule in the order nfd-master runs them.
	Rules  []RuleResult  `json:"rules"`
	Groups []GroupResult `json:"nodeFeatureGroups,omitempty"`
	// Problems are rules NFD could not run and outputs it would drop.
	Problems []Problem `json:"problems,omitempty"`
}

// RuleResult is the outcome of one rule on the node.
type RuleResult struct {
	Object  string `json:"object"`
	Rule    string `json:"rule"`
	Matched bool   `json:"matched"`
	Error   string `json:"error,omitempty"`
}

// GroupResult says whether the node is a member of a NodeFeatureGroup:
// nfd-master lists a node in the group's status when any of its rules matches.
type GroupResult struct {
	Object string       `json:"object"`
	Member bool         `json:"member"`
	Rules  []RuleResult `json:"rules"`
}

// Run applies the objects to one node as nfd-master does with its default
// configuration: NodeFeatureRules sorted by name, their rules in order, each
// rule's labels and vars fed back as rule.matched for the following rules,
// unprefixed keys given NFD's namespaces, dynamic values resolved, and
// outputs the API would refuse dropped (and reported as problems). Every
// NodeFeatureGroup is evaluated on its own copy of the features, as
// nfd-master does. n.Features is not modified.
func Run(objs []Object, n features.Node) NodeResult {
	res := NodeResult{
		Node: n.Name, Source: n.Source,
		Labels: map[string]string{}, Annotations: map[string]string{}, ExtendedResources: map[string]string{},
		Taints: []corev1.Taint{}, Vars: map[string]string{}, Rules: []RuleResult{},
	}
	f := copyFeatures(n.Features)
	var nfrs []*Object
	for i := range objs {
		if objs[i].Rule != nil {
			nfrs = append(nfrs, &objs[i])
		}
	}
	slices.SortStableFunc(nfrs, func(a, b *Object) int { return strings.Compare(a.Rule.Name, b.Rule.Name) })

	labels, ers := map[string]string{}, map[string]string{}
	from := map[string]at{} // the rule that last wrote each output key, for problems
	for _, o := range nfrs {
		for i := range o.Rule.Spec.Rules {
			r := &o.Rule.Spec.Rules[i]
			a := at{obj: o, rule: ruleID(r.Name, i)}
			rr := RuleResult{Object: o.ID(), Rule: a.rule}
			out, err := execute(r, f)
			if err != nil {
				rr.Error = err.Error()
				res.Rules = append(res.Rules, rr)
				res.Problems = append(res.Problems, a.errorf(fmt.Sprintf("spec.rules[%d]", i), "NFD skips this rule: %v", err))
				continue
			}
			rr.Matched = out.MatchStatus != nil && out.MatchStatus.IsMatch
			res.Rules = append(res.Rules, rr)
			res.Taints = append(res.Taints, out.Taints...)
			for _, m := range []struct {
				in, out  map[string]string
				ns, kind string
			}{
				{out.Labels, labels, nfdv1alpha1.FeatureLabelNs, "label"},
				{out.ExtendedResources, ers, nfdv1alpha1.ExtendedResourceNs, "extended resource"},
				{out.Annotations, res.Annotations, nfdv1alpha1.FeatureAnnotationNs, "annotation"},
			} {
				for k, v := range addNsToKeys(m.in, m.ns) {
					m.out[k] = v
					from[m.kind+"\x00"+k] = a
				}
			}
			for _, t := range out.Taints {
				from["taint\x00"+t.Key] = a
			}
			maps.Copy(res.Vars, out.Vars)
			f.InsertAttributeFeatures(nfdv1alpha1.RuleBackrefDomain, nfdv1alpha1.RuleBackrefFeature, out.Labels)
			f.InsertAttributeFeatures(nfdv1alpha1.RuleBackrefDomain, nfdv1alpha1.RuleBackrefFeature, out.Vars)
		}
	}
	res.filter(labels, ers, f, from)
	for i := range objs {
		if objs[i].Group != nil {
			res.Groups = append(res.Groups, runGroup(&objs[i], n.Features))
		}
	}
	return res
}

// filter keeps what nfd-master would write to the node.
func (res *NodeResult) filter(labels, ers map[string]string, f *nfdv1alpha1.Features, from map[string]at) {
	drop := func(what, key, value string, err error) {
		res.Problems = append(res.Problems, from[what+"\x00"+key].errorf("", "nfd-master drops %s %q=%q: %v", what, key, value, err))
	}
	// keep resolves each template of in against f and keeps in out what check accepts.
	keep := func(what string, in, out map[string]string, check func(key, value string) error) {
		for _, k := range sortedKeys(in) {
			v, err := resolve(in[k], f)
			if err == nil {
				err = check(k, v)
			}
			if err != nil {
				drop(what, k, in[k], err)
				continue
			}
			out[k] = v
		}
	}
	keep("label", labels, res.Labels, validate.Label)
	keep("extended resource", ers, res.ExtendedResources, validate.ExtendedResource)
	for _, k := range sortedKeys(res.Annotations) {
		if err := validate.Annotation(k, res.Annotations[k]); err != nil {
			drop("annotation", k, res.Annotations[k], err)
			delete(res.Annotations, k)
		}
	}
	kept := res.Taints[:0]
	for _, t := range res.Taints {
		if err := validate.Taint(&t); err != nil {
			drop("taint", t.Key, t.Value+":"+string(t.Effect), err)
			continue
		}
		kept = append(kept, t)
	}
	res.Taints = kept
}

func runGroup(o *Object, host *features.Features) GroupResult {
	g := GroupResult{Object: o.ID(), Rules: []RuleResult{}}
	f := copyFeatures(host)
	for i := range o.Group.Spec.Rules {
		r := &o.Group.Spec.Rules[i]
		rr := RuleResult{Object: o.ID(), Rule: ruleID(r.Name, i)}
		out, err := executeGroup(r, f)
		if err != nil {
			rr.Error = err.Error()
			g.Rules = append(g.Rules, rr)
			continue
		}
		rr.Matched = out.MatchStatus != nil && out.MatchStatus.IsMatch
		g.Member = g.Member || rr.Matched
		g.Rules = append(g.Rules, rr)
		f.InsertAttributeFeatures(nfdv1alpha1.RuleBackrefDomain, nfdv1alpha1.RuleBackrefFeature, out.Vars)
	}
	return g
}

// execute runs NFD's evaluator as nfd-master does (failFast). A panic inside
// NFD (e.g. a null expression) becomes the rule's error.
func execute(r *nfdv1alpha1.Rule, f *nfdv1alpha1.Features) (out nodefeaturerule.RuleOutput, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nodefeaturerule.RuleOutput{}, fmt.Errorf("NFD's evaluator failed: %v", p)
		}
	}()
	return nodefeaturerule.Execute(r, f, true)
}

func executeGroup(r *nfdv1alpha1.GroupRule, f *nfdv1alpha1.Features) (out nodefeaturerule.GroupRuleOutput, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nodefeaturerule.GroupRuleOutput{}, fmt.Errorf("NFD's evaluator failed: %v", p)
		}
	}()
	return nodefeaturerule.ExecuteGroupRule(r, f, true)
}

// resolve is nfd-master's getDynamicValue for values starting with "@".
func resolve(v string, f *nfdv1alpha1.Features) (string, error) {
	if !strings.HasPrefix(v, "@") {
		return v, nil
	}
	parts := strings.SplitN(v[1:], ".", 3)
	if len(parts) != 3 {
		return "", fmt.Errorf("value %s is not in the form of '@domain.feature.element'", v)
	}
	feature := parts[0] + "." + parts[1]
	set, ok := f.Attributes[feature]
	if !ok {
		return "", fmt.Errorf("feature %s not found on the node", feature)
	}
	e, ok := set.Elements[parts[2]]
	if !ok {
		return "", fmt.Errorf("element %s not found on feature %s", parts[2], feature)
	}
	return e, nil
}

// addNsToKeys is nfd-master's addNsToMapKeys: a prefixed key wins over the
// same key written unprefixed.
func addNsToKeys(in map[string]string, ns string) map[string]string {
	out := make(map[string]string, len(in))
	for k, v := range in {
		if strings.Contains(k, "/") {
			out[k] = v
			continue
		}
		full := addNs(k, ns)
		if _, ok := in[full]; !ok {
			out[full] = v
		}
	}
	return out
}

// copyFeatures deep-copies f with non-nil top-level maps.
func copyFeatures(f *features.Features) *nfdv1alpha1.Features {
	if f == nil {
		return nfdv1alpha1.NewFeatures()
	}
	return features.Normalize(f.DeepCopy())
}
