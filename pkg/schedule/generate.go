package schedule

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/validate"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// LabelValue is the value of a set label on the nodes that satisfy the set.
const LabelValue = "true"

// Options name what Generate emits.
type Options struct {
	// Repository names the labels and the NodeFeatureRule, e.g. team/app
	// (see RepoName).
	Repository string
	// LabelPrefix is the label key prefix; empty means DefaultLabelPrefix.
	LabelPrefix string
}

// SetLabel is the label of one compatibility set.
type SetLabel struct {
	Index  int    `json:"index"`
	Tag    string `json:"tag,omitempty"`
	Weight int    `json:"weight"`
	// Label is the node label key, with value LabelValue.
	Label string `json:"label"`
	// PreferredWeight is the set's weight mapped into Kubernetes' 1-100;
	// 0 when no preferred term is emitted.
	PreferredWeight int32 `json:"preferredWeight,omitempty"`
}

// Result is what Generate emits.
type Result struct {
	Repository      string                       `json:"repository"`
	Sets            []SetLabel                   `json:"sets"`
	NodeFeatureRule *nfdv1alpha1.NodeFeatureRule `json:"nodeFeatureRule"`
	Affinity        *corev1.Affinity             `json:"affinity"`
	// Warnings say when NFD's labels may disagree with validate-node.
	Warnings []string `json:"warnings,omitempty"`
}

// Generate builds the NodeFeatureRule and the affinity for a spec.
func Generate(s *spec.Spec, opts Options) (*Result, error) {
	if s == nil || len(s.Compatibilties) == 0 {
		return nil, fmt.Errorf("the spec has no compatibility sets: nothing to schedule on")
	}
	prefix := opts.LabelPrefix
	if prefix == "" {
		prefix = DefaultLabelPrefix
	}
	repo := repoPart(opts.Repository)
	tags := make([]string, len(s.Compatibilties))
	for i, c := range s.Compatibilties {
		tags[i] = c.Tag
	}
	res := &Result{Repository: opts.Repository}
	for i, part := range setParts(tags) {
		c := s.Compatibilties[i]
		key := prefix + "/" + repo + "." + part
		if err := validate.Label(key, LabelValue); err != nil {
			return nil, fmt.Errorf("label %q for set #%d (tag %q): %v; choose another --label-prefix", key, i, c.Tag, err)
		}
		res.Sets = append(res.Sets, SetLabel{Index: i, Tag: c.Tag, Weight: c.Weight, Label: key})
	}
	res.NodeFeatureRule = &nfdv1alpha1.NodeFeatureRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: nfdv1alpha1.SchemeGroupVersion.String(), Kind: "NodeFeatureRule"},
		ObjectMeta: metav1.ObjectMeta{Name: ruleName(opts.Repository), Labels: map[string]string{"app.kubernetes.io/managed-by": "nfd-compat"}},
	}
	for i := range s.Compatibilties {
		res.NodeFeatureRule.Spec.Rules = append(res.NodeFeatureRule.Spec.Rules, setRules(&s.Compatibilties[i].Rules, res.Sets[i])...)
	}
	res.Affinity = affinity(res.Sets)
	res.Warnings = backrefWarnings(s)
	return res, nil
}

// setRules are the NFD rules labelling the nodes where every rule of a set
// matches. A one-rule set is one NFD rule; otherwise each spec rule sets a
// marker variable in rule.matched and a last rule labels the node when all
// markers are there.
func setRules(rules *[]nfdv1alpha1.GroupRule, sl SetLabel) []nfdv1alpha1.Rule {
	name := sl.Label[strings.Index(sl.Label, "/")+1:]
	rs := *rules
	if len(rs) == 1 {
		r := rs[0]
		return []nfdv1alpha1.Rule{{
			Name: name, Labels: map[string]string{sl.Label: LabelValue},
			Vars: maps.Clone(r.Vars), VarsTemplate: r.VarsTemplate,
			MatchFeatures: r.MatchFeatures, MatchAny: r.MatchAny,
		}}
	}
	out := make([]nfdv1alpha1.Rule, 0, len(rs)+1)
	markers := nfdv1alpha1.MatchExpressionSet{}
	for j, r := range rs {
		marker := "nfd-compat." + name + "." + strconv.Itoa(j)
		vars := maps.Clone(r.Vars)
		if vars == nil {
			vars = map[string]string{}
		}
		vars[marker] = LabelValue
		out = append(out, nfdv1alpha1.Rule{
			Name: fmt.Sprintf("%s rule %d: %s", name, j, r.Name), Vars: vars, VarsTemplate: r.VarsTemplate,
			MatchFeatures: r.MatchFeatures, MatchAny: r.MatchAny,
		})
		markers[marker] = &nfdv1alpha1.MatchExpression{Op: nfdv1alpha1.MatchIn, Value: nfdv1alpha1.MatchValue{LabelValue}}
	}
	return append(out, nfdv1alpha1.Rule{
		Name: name, Labels: map[string]string{sl.Label: LabelValue},
		MatchFeatures: nfdv1alpha1.FeatureMatcher{{Feature: nfdv1alpha1.RuleBackrefDomain + "." + nfdv1alpha1.RuleBackrefFeature, MatchExpressions: &markers}},
	})
}

// backrefWarnings finds sets whose rule.matched reads NFD could answer
// differently: NFD keeps one rule.matched per node for all rules of all
// NodeFeatureRules, while a spec evaluates every set from scratch.
func backrefWarnings(s *spec.Spec) []string {
	var ws []string
	defined := map[string]bool{} // static vars of earlier sets
	templates := false           // an earlier set has a varsTemplate
	for i, c := range s.Compatibilties {
		var reads []string
		byName := false
		for _, r := range c.Rules {
			terms := slices.Clone(r.MatchFeatures)
			for _, m := range r.MatchAny {
				terms = append(terms, m.MatchFeatures...)
			}
			for _, t := range terms {
				if !strings.EqualFold(t.Feature, "rule.matched") {
					continue
				}
				byName = byName || t.MatchName != nil
				if t.MatchExpressions != nil {
					for k := range *t.MatchExpressions {
						reads = append(reads, k)
					}
				}
			}
		}
		var clash []string
		for _, k := range reads {
			if defined[k] {
				clash = append(clash, k)
			}
		}
		slices.Sort(clash)
		if len(clash) > 0 || ((templates || byName) && (len(reads) > 0 || byName)) {
			what := "variables of earlier sets"
			if len(clash) > 0 {
				what += " (" + strings.Join(slices.Compact(clash), ", ") + ")"
			}
			ws = append(ws, fmt.Sprintf("set #%d (tag %q) reads rule.matched, which NFD shares across every rule of every NodeFeatureRule on a node: %s or of other NodeFeatureRules can change its label, while validate-node evaluates each set on its own; rename the variables so sets do not share them", i, c.Tag, what))
		}
		for _, r := range c.Rules {
			for k := range r.Vars {
				defined[k] = true
			}
			templates = templates || r.VarsTemplate != ""
		}
	}
	return ws
}
