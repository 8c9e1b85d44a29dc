package compat

import (
	"context"
	"strings"
	"sync"
	"testing"

	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
	nodevalidator "sigs.k8s.io/node-feature-discovery/pkg/client-nfd/compat/node-validator"
	"sigs.k8s.io/node-feature-discovery/source"
)

// The upstream node-validator takes its features from NFD's global source
// registry (source.GetAllFeatures), not from the sources passed with
// WithSources: those are only told to Discover. So fixed features are fed by
// writing each fixture domain into the registered source's feature set
// (GetFeatures returns the source's own pointer), registering a fixedSource
// for domains no NFD source covers, and passing no-op sources to WithSources
// so nothing discovers the real host. This touches process-wide state: tests
// using upstreamRules must not run in parallel.

// fixedSpec is an ArtifactClient that serves a spec from memory.
type fixedSpec struct{ spec *compatv1alpha1.Spec }

func (c fixedSpec) FetchCompatibilitySpec(context.Context) (*compatv1alpha1.Spec, error) {
	return c.spec, nil
}

// fixedSource is a FeatureSource that discovers nothing and serves features set by the test.
type fixedSource struct {
	name     string
	features *nfdv1alpha1.Features
}

func (s *fixedSource) Name() string    { return s.name }
func (s *fixedSource) Discover() error { return nil }
func (s *fixedSource) GetFeatures() *nfdv1alpha1.Features {
	if s.features == nil {
		s.features = nfdv1alpha1.NewFeatures()
	}
	return s.features
}

var upstreamMu sync.Mutex

// feedSources makes source.GetAllFeatures return exactly f.
func feedSources(f *nfdv1alpha1.Features) {
	byDomain := map[string]*nfdv1alpha1.Features{}
	domain := func(key string) (*nfdv1alpha1.Features, string) {
		dom, name, _ := strings.Cut(key, ".")
		if byDomain[dom] == nil {
			byDomain[dom] = nfdv1alpha1.NewFeatures()
		}
		return byDomain[dom], name
	}
	for k, v := range f.Flags {
		d, n := domain(k)
		d.Flags[n] = v
	}
	for k, v := range f.Attributes {
		d, n := domain(k)
		d.Attributes[n] = v
	}
	for k, v := range f.Instances {
		d, n := domain(k)
		d.Instances[n] = v
	}
	for dom := range byDomain {
		if source.GetFeatureSource(dom) == nil {
			source.Register(&fixedSource{name: dom})
		}
	}
	for name, s := range source.GetAllFeatureSources() {
		if d := byDomain[name]; d != nil {
			*s.GetFeatures() = *d
		} else {
			*s.GetFeatures() = *nfdv1alpha1.NewFeatures()
		}
	}
}

// upstreamStatus runs upstream's node-validator on fixed features.
func upstreamStatus(tb testing.TB, s *compatv1alpha1.Spec, f *nfdv1alpha1.Features, tags []string) ([]*nodevalidator.CompatibilityStatus, error) {
	tb.Helper()
	upstreamMu.Lock()
	defer upstreamMu.Unlock()
	feedSources(f)
	nv := nodevalidator.New(
		nodevalidator.WithArgs(&nodevalidator.Args{Tags: tags}),
		nodevalidator.WithArtifactClient(fixedSpec{s}),
		nodevalidator.WithSources(map[string]source.FeatureSource{"fixture": &fixedSource{name: "fixture"}}),
	)
	return nv.Execute(context.Background())
}

// upstreamRules is upstream's IsMatch per rule per considered set.
func upstreamRules(tb testing.TB, s *compatv1alpha1.Spec, f *nfdv1alpha1.Features, tags []string) ([][]bool, error) {
	tb.Helper()
	st, err := upstreamStatus(tb, s, f, tags)
	if err != nil {
		return nil, err
	}
	out := make([][]bool, len(st))
	for i, c := range st {
		for _, r := range c.Rules {
			out[i] = append(out[i], r.IsMatch)
		}
	}
	return out, nil
}

// ourRules is IsMatch per rule per considered set from our report.
func ourRules(r *Report) [][]bool {
	out := make([][]bool, len(r.Sets))
	for i, s := range r.Sets {
		for _, rr := range s.Rules {
			out[i] = append(out[i], rr.IsMatch)
		}
	}
	return out
}

// assertAgrees checks our per-rule verdicts against upstream's node-validator.
func assertAgrees(t *testing.T, s *compatv1alpha1.Spec, f *nfdv1alpha1.Features, tags []string) *Report {
	t.Helper()
	r := mustEvaluate(t, s, f, Options{Tags: tags})
	want, err := upstreamRules(t, s, f, tags)
	if err != nil {
		// Upstream aborts on an evaluation error; we must have recorded one.
		for _, set := range r.Sets {
			for _, rr := range set.Rules {
				if rr.Error != "" {
					return r
				}
			}
		}
		t.Fatalf("upstream failed (%v) but no rule of ours has an error", err)
	}
	got := ourRules(r)
	if len(got) != len(want) {
		t.Fatalf("sets: got %d, upstream %d", len(got), len(want))
	}
	for i := range want {
		for j := range want[i] {
			if j >= len(got[i]) || got[i][j] != want[i][j] {
				t.Errorf("set %d rule %d (%s): got %v, upstream %v", i, j, s.Compatibilties[r.Sets[i].Index].Rules[j].Name, got[i], want[i])
			}
		}
	}
	return r
}

func TestAgreesWithUpstream(t *testing.T) {
	specs := []string{"gpu.yaml", "operators.yaml", "backrefs.yaml"}
	hosts := []string{"gpu", "arm", "old", "x86"}
	for _, sf := range specs {
		for _, h := range hosts {
			for _, tags := range [][]string{nil, {"fallback", "versions", "cpu-only"}} {
				t.Run(sf+"/"+h+"/"+strings.Join(tags, ","), func(t *testing.T) {
					s, f := loadSpec(t, sf), loadFeatures(t, h)
					if tags != nil && noSetWith(s, tags) {
						return
					}
					assertAgrees(t, s, f, tags)
				})
			}
		}
	}
}

func noSetWith(s *compatv1alpha1.Spec, tags []string) bool {
	for _, c := range s.Compatibilties {
		for _, t := range tags {
			if c.Tag == t {
				return false
			}
		}
	}
	return true
}

// Upstream never resets rule.matched between sets, so a set can see variables
// of an earlier set (and its verdict then depends on which sets --tags kept).
// We reset per set; this test pins the one place where we differ on purpose.
func TestBackrefsDoNotLeakAcrossSets(t *testing.T) {
	s := parseSpec(t, `
compatibilities:
- tag: first
  rules:
  - name: sets-var
    vars: {gpu: "yes"}
    matchFeatures:
    - feature: kernel.version
      matchExpressions:
        major: {op: Exists}
- tag: second
  rules:
  - name: reads-var
    matchFeatures:
    - feature: rule.matched
      matchExpressions:
        gpu: {op: In, value: ["yes"]}
`)
	f := loadFeatures(t, "x86")
	r := mustEvaluate(t, s, f, Options{})
	if got := r.Sets[1].Rules[0].IsMatch; got {
		t.Errorf("second set saw the first set's variable")
	}
	if got := r.Sets[1].Rules[0].Expressions[0].Host; got != hostFeatureMissing {
		t.Errorf("host = %q, want %q", got, hostFeatureMissing)
	}
	up, err := upstreamRules(t, s, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !up[1][0] {
		t.Errorf("upstream no longer leaks variables across sets; drop the per-set reset?")
	}
	// With the first set filtered out, upstream agrees with us.
	up, err = upstreamRules(t, s, f, []string{"second"})
	if err != nil {
		t.Fatal(err)
	}
	if up[0][0] {
		t.Errorf("upstream with --tags second: rule matched")
	}
}

// With failFast=false NFD returns a rule's vars even when its matchAny failed,
// and upstream's node-validator publishes them. GroupRule documents vars as
// stored only if the rule matches; we follow that. This pins the difference.
func TestFailedRuleDoesNotPublishVars(t *testing.T) {
	s := parseSpec(t, `
compatibilities:
- rules:
  - name: x86
    vars: {arch: amd64}
    matchAny:
    - matchFeatures: [{feature: cpu.model, matchExpressions: {vendor_id: {op: In, value: [Intel, AMD]}}}]
  - name: needs-x86
    matchFeatures: [{feature: rule.matched, matchExpressions: {arch: {op: In, value: [amd64]}}}]
`)
	f := loadFeatures(t, "arm")
	r := mustEvaluate(t, s, f, Options{})
	if got := ourRules(r)[0]; got[0] || got[1] {
		t.Errorf("rules = %v, want both failed on ARM", got)
	}
	if got := r.Sets[0].Failures(); len(got) != 2 || got[1] != "rule.matched.arch: In [amd64] — not present on host" {
		t.Errorf("Failures = %q", got)
	}
	up, err := upstreamRules(t, s, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !up[0][1] {
		t.Errorf("upstream no longer publishes vars of failed rules (%v); the guard can go", up[0])
	}
}
