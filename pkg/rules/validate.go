package rules

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	k8svalidation "k8s.io/apimachinery/pkg/util/validation"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/validate"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Validate checks every object with NFD's own validation
// (pkg/apis/nfd/validate: label, annotation, taint and extended resource
// names and values, templates, feature names) and the spec package's static
// expression checks. Unlike kubectl-nfd, keys without a prefix are checked
// the way nfd-master uses them: with NFD's default namespace added.
func Validate(objs []Object) []Problem {
	var ps []Problem
	for i := range objs {
		o := &objs[i]
		if o.Group != nil {
			ps = append(ps, validateGroup(o)...)
		} else {
			ps = append(ps, validateRuleObject(o)...)
		}
	}
	return ps
}

func validateMeta(o *Object, name string) []Problem {
	a := at{obj: o}
	if name == "" {
		return []Problem{a.errorf("metadata.name", "metadata.name is empty; name the object")}
	}
	if errs := k8svalidation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return []Problem{a.errorf("metadata.name", "%q is not a valid object name: %s", name, strings.Join(errs, "; "))}
	}
	return nil
}

func validateRuleObject(o *Object) []Problem {
	rules := o.Rule.Spec.Rules
	return validateRules(o, o.Rule.Name, "spec.rules", len(rules), func(i int, names map[string]int) []Problem {
		return validateRule(o, i, &rules[i], names)
	})
}

// validateRules checks an object's metadata and its n rules at field (a
// NodeFeatureRule's spec.rules, a group's spec.featureGroupRules): there is
// one at least, and each passes check (names holds the names seen so far).
func validateRules(o *Object, name, field string, n int, check func(i int, names map[string]int) []Problem) []Problem {
	ps := validateMeta(o, name)
	if n == 0 {
		ps = append(ps, at{obj: o}.errorf(field, "%s is empty; add at least one rule", field))
	}
	names := map[string]int{}
	for i := range n {
		ps = append(ps, check(i, names)...)
	}
	return ps
}

// ruleID names a rule in problems: its name, or #index.
func ruleID(name string, i int) string {
	if name != "" {
		return name
	}
	return "#" + strconv.Itoa(i)
}

func checkName(a at, rp, name string, i int, names map[string]int) []Problem {
	if name == "" {
		return []Problem{a.errorf(rp+".name", "rule has no name; NFD requires one (it names the rule in nfd-master's logs and metrics)")}
	}
	if first, dup := names[name]; dup {
		return []Problem{a.warnf(rp+".name", "rule name %q is already used by rules[%d]; give each rule its own name", name, first)}
	}
	names[name] = i
	return nil
}

func validateRule(o *Object, i int, r *nfdv1alpha1.Rule, names map[string]int) []Problem {
	rp := fmt.Sprintf("spec.rules[%d]", i)
	a := at{obj: o, rule: ruleID(r.Name, i)}
	ps := checkName(a, rp, r.Name, i, names)
	for _, k := range sortedKeys(r.Labels) {
		ps = append(ps, checkLabel(a, keyField(rp+".labels", k), k, r.Labels[k])...)
	}
	for _, k := range sortedKeys(r.Annotations) {
		key := addNs(k, nfdv1alpha1.FeatureAnnotationNs)
		if err := validate.Annotation(key, r.Annotations[k]); err != nil {
			ps = append(ps, a.errorf(keyField(rp+".annotations", k), "annotation %s: %v; %s", quoteKey(k, key), err, nsHint(err, "annotations", nfdv1alpha1.FeatureAnnotationNs)))
		}
	}
	for _, k := range sortedKeys(r.ExtendedResources) {
		ps = append(ps, checkExtendedResource(a, keyField(rp+".extendedResources", k), k, r.ExtendedResources[k])...)
	}
	for j := range r.Taints {
		ps = append(ps, checkTaint(a, fmt.Sprintf("%s.taints[%d]", rp, j), &r.Taints[j])...)
	}
	ps = append(ps, checkTemplate(a, rp+".labelsTemplate", r.LabelsTemplate)...)
	ps = append(ps, checkTemplate(a, rp+".varsTemplate", r.VarsTemplate)...)
	ps = append(ps, checkMatchers(a, rp, r.MatchFeatures, r.MatchAny)...)
	if len(r.Labels)+len(r.Annotations)+len(r.ExtendedResources)+len(r.Taints)+len(r.Vars) == 0 && r.LabelsTemplate == "" && r.VarsTemplate == "" {
		ps = append(ps, a.warnf(rp, "rule creates nothing: add labels, labelsTemplate, annotations, taints, extendedResources, vars or varsTemplate"))
	}
	return ps
}

func validateGroup(o *Object) []Problem {
	rules := o.Group.Spec.Rules
	return validateRules(o, o.Group.Name, "spec.featureGroupRules", len(rules), func(i int, names map[string]int) []Problem {
		r := &rules[i]
		rp := fmt.Sprintf("spec.featureGroupRules[%d]", i)
		a := at{obj: o, rule: ruleID(r.Name, i)}
		ps := checkName(a, rp, r.Name, i, names)
		ps = append(ps, checkTemplate(a, rp+".varsTemplate", r.VarsTemplate)...)
		ps = append(ps, checkMatchers(a, rp, r.MatchFeatures, r.MatchAny)...)
		if len(r.MatchFeatures) == 0 && len(r.MatchAny) == 0 {
			ps = append(ps, a.warnf(rp, "rule has no matchFeatures or matchAny, so every node is a member of the group; add a matcher"))
		}
		return ps
	})
}

func checkLabel(a at, field, k, v string) []Problem {
	var ps []Problem
	if strings.HasPrefix(v, "@") {
		if p, ok := checkDynamic(a, field, v); !ok {
			return []Problem{p}
		}
		v = "0" // as kubectl-nfd: the value is only known on a node
	}
	key := addNs(k, nfdv1alpha1.FeatureLabelNs)
	if err := validate.Label(key, v); err != nil {
		ps = append(ps, a.errorf(field, "label %s=%q: %v; %s", quoteKey(k, key), v, err, nsHint(err, "labels", nfdv1alpha1.FeatureLabelNs)))
	}
	return ps
}

func checkExtendedResource(a at, field, k, v string) []Problem {
	if strings.HasPrefix(v, "@") {
		if p, ok := checkDynamic(a, field, v); !ok {
			return []Problem{p}
		}
		v = "0"
	}
	key := addNs(k, nfdv1alpha1.ExtendedResourceNs)
	if err := validate.ExtendedResource(key, v); err != nil {
		return []Problem{a.errorf(field, "extended resource %s=%q: %v; %s", quoteKey(k, key), v, err, nsHint(err, "extended resources", nfdv1alpha1.ExtendedResourceNs))}
	}
	return nil
}

// checkDynamic checks the @domain.feature.element form of a dynamic value.
func checkDynamic(a at, field, v string) (Problem, bool) {
	parts := strings.SplitN(v[1:], ".", 3)
	if len(parts) != 3 || slices.Contains(parts, "") {
		return a.errorf(field, "dynamic value %q is not @<domain>.<feature>.<element>, e.g. @kernel.version.major; NFD would drop it", v), false
	}
	return Problem{}, true
}

func checkTaint(a at, field string, t *corev1.Taint) []Problem {
	var ps []Problem
	if err := validate.Taint(t); err != nil {
		hint := "use key <prefix>/<name> outside kubernetes.io (or feature.node.kubernetes.io/...), and effect NoSchedule, PreferNoSchedule or NoExecute"
		ps = append(ps, a.errorf(field, "taint %s=%s:%s: %v; %s", t.Key, t.Value, t.Effect, err, hint))
	}
	// NFD leaves these to the API server, which refuses the whole node update.
	if errs := k8svalidation.IsQualifiedName(t.Key); len(errs) > 0 && t.Key != "" {
		ps = append(ps, a.errorf(field+".key", "taint key %q: %s", t.Key, strings.Join(errs, "; ")))
	}
	if errs := k8svalidation.IsValidLabelValue(t.Value); len(errs) > 0 {
		ps = append(ps, a.errorf(field+".value", "taint value %q: %s", t.Value, strings.Join(errs, "; ")))
	}
	return ps
}

func checkTemplate(a at, field, tmpl string) []Problem {
	if tmpl == "" {
		return nil
	}
	var ps []Problem
	for _, err := range validate.Template(tmpl) {
		ps = append(ps, a.errorf(field, "not a valid Go template: %v; fix the template syntax", err))
	}
	return ps
}

// checkMatchers runs NFD's feature-name check and the spec package's
// expression checks; their paths are relative to the rule.
func checkMatchers(a at, rp string, mf nfdv1alpha1.FeatureMatcher, ma []nfdv1alpha1.MatchAnyElem) []Problem {
	var ps []Problem
	for _, p := range spec.ValidateMatchers(rp, mf, ma) {
		ps = append(ps, a.problem(p.Severity, p.Path, "%s", p.Message))
	}
	return ps
}

// addNs is nfd-master's addNs: unprefixed keys get NFD's namespace.
func addNs(key, ns string) string {
	if strings.Contains(key, "/") {
		return key
	}
	return path.Join(ns, key)
}

func quoteKey(written, full string) string {
	if written == full {
		return strconv.Quote(written)
	}
	return fmt.Sprintf("%q (%q)", written, full)
}

func nsHint(err error, what, ns string) string {
	switch {
	case errors.Is(err, validate.ErrNSNotAllowed):
		return fmt.Sprintf("kubernetes.io namespaces are reserved: use %s/ (or a sub-namespace of it) or your own domain", ns)
	case errors.Is(err, validate.ErrUnprefixedKeysNotAllowed):
		return "give the key a prefix, e.g. example.com/name"
	}
	return fmt.Sprintf("Kubernetes %s are [prefix/]name: prefix a DNS subdomain, name at most 63 characters of [A-Za-z0-9-_.] starting and ending alphanumeric", what)
}

func keyField(parent, key string) string {
	return parent + "[" + strconv.Quote(key) + "]"
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
