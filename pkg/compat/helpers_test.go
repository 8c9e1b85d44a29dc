package compat

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	"sigs.k8s.io/yaml"
)

// Feature fixtures, by short name.
var featureFixtures = map[string]string{
	"gpu": "nvidia-gpu.json",
	"arm": "arm64.json",
	"old": "old-kernel.json",
	"x86": "generic-x86.json",
}

func loadFeatures(tb testing.TB, name string) *nfdv1alpha1.Features {
	tb.Helper()
	file, ok := featureFixtures[name]
	if !ok {
		file = name
	}
	b, err := os.ReadFile(filepath.Join("testdata", "features", file))
	if err != nil {
		tb.Fatal(err)
	}
	f := nfdv1alpha1.NewFeatures()
	if err := json.Unmarshal(b, f); err != nil {
		tb.Fatalf("%s: %v", file, err)
	}
	return f
}

func loadSpec(tb testing.TB, file string) *compatv1alpha1.Spec {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "specs", file))
	if err != nil {
		tb.Fatal(err)
	}
	return parseSpec(tb, string(b))
}

func parseSpec(tb testing.TB, text string) *compatv1alpha1.Spec {
	tb.Helper()
	s := &compatv1alpha1.Spec{}
	if err := yaml.UnmarshalStrict([]byte(text), s); err != nil {
		tb.Fatalf("spec: %v\n%s", err, text)
	}
	return s
}

func mustEvaluate(tb testing.TB, s *compatv1alpha1.Spec, f *nfdv1alpha1.Features, opts Options) *Report {
	tb.Helper()
	r, err := Evaluate(s, f, opts)
	if err != nil {
		tb.Fatalf("Evaluate: %v", err)
	}
	if r == nil {
		tb.Fatal("Evaluate returned a nil report without error")
	}
	return r
}

// ruleByName finds a rule of any considered set.
func ruleByName(tb testing.TB, r *Report, name string) RuleReport {
	tb.Helper()
	for _, s := range r.Sets {
		for _, rr := range s.Rules {
			if rr.Name == name {
				return rr
			}
		}
	}
	tb.Fatalf("no rule %q in report", name)
	return RuleReport{}
}
