package spec

import (
	"sort"
	"strconv"
	"strings"

	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/node-feature-discovery/pkg/apis/nfd/validate"
)

// Validate runs the static checks on an already-decoded spec. Problems
// carry paths but no lines; Parse adds those.
func Validate(s *Spec) []Problem {
	if s == nil {
		return []Problem{errorf("", "the spec is empty; start with \"version: %s\" and a compatibilities list", compatv1alpha1.Version)}
	}
	var ps []Problem
	switch s.Version {
	case "":
		ps = append(ps, errorf("version", "version is missing; add \"version: %s\"", compatv1alpha1.Version))
	case compatv1alpha1.Version:
	default:
		ps = append(ps, errorf("version", "unsupported version %q; the only supported version is %q", s.Version, compatv1alpha1.Version))
	}
	if len(s.Compatibilties) == 0 {
		ps = append(ps, errorf("compatibilities", "compatibilities is missing or empty; add at least one compatibility set with rules"))
	}
	for i, c := range s.Compatibilties {
		ps = append(ps, validateSet(indexPath("compatibilities", i), c)...)
	}
	return ps
}

func validateSet(path string, c compatv1alpha1.Compatibility) []Problem {
	var ps []Problem
	rulesPath := fieldPath(path, "rules")
	if len(c.Rules) == 0 {
		ps = append(ps, errorf(rulesPath, "rules is missing or empty; add at least one rule with matchFeatures or matchAny"))
	}
	names := map[string]int{}
	for j, r := range c.Rules {
		rp := indexPath(rulesPath, j)
		if r.Name != "" {
			if first, dup := names[r.Name]; dup {
				ps = append(ps, warnf(fieldPath(rp, "name"), "rule name %q is already used by rules[%d] of this set; give each rule its own name so reports and back-references are unambiguous", r.Name, first))
			} else {
				names[r.Name] = j
			}
		}
		ps = append(ps, validateRule(rp, r)...)
	}
	return ps
}

func validateRule(path string, r nfdv1alpha1.GroupRule) []Problem {
	var ps []Problem
	if r.Name == "" {
		ps = append(ps, warnf(fieldPath(path, "name"), "rule has no name; add one so reports and back-references (rule.matched) can refer to it"))
	}
	if len(r.MatchFeatures) == 0 && len(r.MatchAny) == 0 {
		ps = append(ps, errorf(path, "rule has no matchers; add a non-empty matchFeatures or matchAny"))
	}
	if r.VarsTemplate != "" {
		for _, err := range validate.Template(r.VarsTemplate) {
			ps = append(ps, errorf(fieldPath(path, "varsTemplate"), "varsTemplate is not a valid Go template: %v; fix the template syntax", err))
		}
	}
	ps = append(ps, validateMatcher(fieldPath(path, "matchFeatures"), r.MatchFeatures)...)
	anyPath := fieldPath(path, "matchAny")
	for k, elem := range r.MatchAny {
		ep := indexPath(anyPath, k)
		if len(elem.MatchFeatures) == 0 {
			ps = append(ps, errorf(ep, "matchAny element has no matchFeatures; add matchFeatures or remove the element"))
		}
		ps = append(ps, validateMatcher(fieldPath(ep, "matchFeatures"), elem.MatchFeatures)...)
	}
	return ps
}

// knownDomain reports the feature domains NFD's sources and rules produce.
func knownDomain(d string) bool {
	switch d {
	case "cpu", "kernel", "local", "memory", "network", "pci", "storage", "system", "usb", "custom", "rule":
		return true
	}
	return false
}

func validateMatcher(path string, m nfdv1alpha1.FeatureMatcher) []Problem {
	var ps []Problem
	for i, term := range m {
		tp := indexPath(path, i)
		fp := fieldPath(tp, "feature")
		// One term at a time, so NFD's findings keep their index.
		if errs := validate.MatchFeatures(nfdv1alpha1.FeatureMatcher{term}); len(errs) > 0 {
			for _, err := range errs {
				ps = append(ps, errorf(fp, "%v; write the feature as <domain>.<feature>, e.g. \"cpu.model\"", err))
			}
		} else {
			// NFD looks features up lower-cased.
			domain, name, _ := strings.Cut(strings.ToLower(term.Feature), ".")
			switch {
			case !knownDomain(domain):
				ps = append(ps, warnf(fp, "unknown feature domain %q; NFD discovers cpu, custom, kernel, local, memory, network, pci, rule, storage, system and usb, so this term never matches unless a custom source provides it", domain))
			case domain == "rule" && name != "matched":
				ps = append(ps, warnf(fp, "feature %q does not exist; back-references use \"rule.matched\"", term.Feature))
			}
		}
		if term.MatchExpressions == nil && term.MatchName == nil {
			ps = append(ps, warnf(tp, "term has neither matchExpressions nor matchName, so it matches whenever feature %q exists; add one to check values", term.Feature))
		}
		if term.MatchExpressions != nil {
			ep := fieldPath(tp, "matchExpressions")
			keys := make([]string, 0, len(*term.MatchExpressions))
			for k := range *term.MatchExpressions {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				ps = append(ps, validateExpression(keyPath(ep, k), (*term.MatchExpressions)[k])...)
			}
		}
		if term.MatchName != nil {
			ps = append(ps, validateExpression(fieldPath(tp, "matchName"), term.MatchName)...)
		}
	}
	return ps
}

// quoteList renders values as a YAML flow list: ["5", "3"].
func quoteList(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
