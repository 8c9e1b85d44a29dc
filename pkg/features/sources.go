package features

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/node-feature-discovery/source"

	// The feature sources register themselves with NFD's registry on import.
	_ "sigs.k8s.io/node-feature-discovery/source/cpu"
	_ "sigs.k8s.io/node-feature-discovery/source/custom"
	_ "sigs.k8s.io/node-feature-discovery/source/kernel"
	_ "sigs.k8s.io/node-feature-discovery/source/local"
	_ "sigs.k8s.io/node-feature-discovery/source/memory"
	_ "sigs.k8s.io/node-feature-discovery/source/network"
	_ "sigs.k8s.io/node-feature-discovery/source/pci"
	_ "sigs.k8s.io/node-feature-discovery/source/storage"
	_ "sigs.k8s.io/node-feature-discovery/source/system"
	_ "sigs.k8s.io/node-feature-discovery/source/usb"
)

// customSource is NFD's rule-based label source. In NFD v0.19 it produces
// labels only, no raw features, so it is accepted by name but adds nothing.
const customSource = "custom"

// ruleDomain holds the back-references of earlier rules ("rule.matched"); it
// is filled during rule evaluation, not by any source.
const ruleDomain = "rule"

// DefaultSources returns the names of the feature sources that Discover runs
// when none are given: every registered feature source that NFD does not
// disable by default (custom is a label source and not among them), sorted.
func DefaultSources() []string {
	var names []string
	for name, s := range source.GetAllFeatureSources() {
		if sup, ok := s.(source.SupplementalSource); ok && sup.DisableByDefault() {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// SourcesForDomains returns the sources whose features the given feature
// domains (the part of a feature name before the first dot: "cpu" in
// "cpu.cpuid", "pci" in "pci.device") need, sorted and without duplicates.
// Feature domains are named after the source that fills them. "rule" needs no
// source; unknown domains are ignored.
func SourcesForDomains(domains []string) []string {
	all := source.GetAllFeatureSources()
	var names []string
	for _, d := range domains {
		d = strings.TrimSpace(d)
		if d == ruleDomain {
			continue
		}
		if _, ok := all[d]; ok && !slices.Contains(names, d) {
			names = append(names, d)
		}
	}
	sort.Strings(names)
	return names
}

// validSources returns every name Discover accepts, sorted.
func validSources() []string {
	names := []string{customSource}
	for name := range source.GetAllFeatureSources() {
		names = append(names, name)
	}
	sort.Strings(names)
	return slices.Compact(names)
}

// resolveSources checks the requested names and returns them sorted and
// without duplicates; empty means DefaultSources.
func resolveSources(requested []string) ([]string, error) {
	if len(requested) == 0 {
		return DefaultSources(), nil
	}
	all := source.GetAllFeatureSources()
	var names, unknown []string
	for _, n := range requested {
		n = strings.TrimSpace(n)
		if _, ok := all[n]; !ok && n != customSource {
			unknown = append(unknown, fmt.Sprintf("%q", n))
			continue
		}
		names = append(names, n)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown feature source(s) %s: valid sources are %s",
			strings.Join(unknown, ", "), strings.Join(validSources(), ", "))
	}
	sort.Strings(names)
	return slices.Compact(names), nil
}
