package compat

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

func TestBestSet(t *testing.T) {
	cases := []struct {
		host       string
		compatible bool
		best       *SetRef
	}{
		{"gpu", true, &SetRef{Index: 0, Tag: "prefered", Weight: 10, Description: "CUDA build on an NVIDIA data-center GPU"}},
		// Only the lower-weight fallback passes.
		{"x86", true, &SetRef{Index: 1, Tag: "fallback", Weight: 1, Description: "CPU build, x86-64-v3 or arm64 with ASIMD"}},
		{"arm", true, &SetRef{Index: 1, Tag: "fallback", Weight: 1, Description: "CPU build, x86-64-v3 or arm64 with ASIMD"}},
		{"old", true, &SetRef{Index: 1, Tag: "fallback", Weight: 1, Description: "CPU build, x86-64-v3 or arm64 with ASIMD"}},
	}
	for _, c := range cases {
		t.Run(c.host, func(t *testing.T) {
			r := mustEvaluate(t, loadSpec(t, "gpu.yaml"), loadFeatures(t, c.host), Options{})
			if r.Compatible != c.compatible || !reflect.DeepEqual(r.BestSet, c.best) {
				t.Errorf("Compatible=%v BestSet=%+v, want %v %+v", r.Compatible, r.BestSet, c.compatible, c.best)
			}
			if len(r.Sets) != 2 {
				t.Errorf("%d sets", len(r.Sets))
			}
		})
	}
}

func TestWeightTiesAndOrder(t *testing.T) {
	s := parseSpec(t, `
compatibilities:
- tag: a
  weight: 3
  rules: [{name: a, matchFeatures: [{feature: kernel.version, matchExpressions: {major: {op: Exists}}}]}]
- tag: b
  weight: 5
  rules: [{name: b, matchFeatures: [{feature: kernel.version, matchExpressions: {major: {op: Exists}}}]}]
- tag: c
  weight: 5
  rules: [{name: c, matchFeatures: [{feature: kernel.version, matchExpressions: {major: {op: Exists}}}]}]
- tag: d
  weight: 9
  rules: [{name: d, matchFeatures: [{feature: kernel.version, matchExpressions: {major: {op: DoesNotExist}}}]}]
`)
	r := mustEvaluate(t, s, loadFeatures(t, "x86"), Options{})
	if r.BestSet == nil || r.BestSet.Index != 1 || r.BestSet.Tag != "b" {
		t.Errorf("BestSet = %+v, want set #1 (b): highest passing weight, first of a tie", r.BestSet)
	}
	if r.Sets[3].IsMatch {
		t.Error("set d passed")
	}
}

func TestTags(t *testing.T) {
	s := loadSpec(t, "gpu.yaml")
	f := loadFeatures(t, "gpu")

	r := assertAgrees(t, s, f, []string{"fallback"})
	if len(r.Sets) != 1 || r.Sets[0].Index != 1 || r.Sets[0].Tag != "fallback" {
		t.Fatalf("sets = %+v", r.Sets)
	}
	if r.BestSet == nil || r.BestSet.Index != 1 {
		t.Errorf("BestSet = %+v", r.BestSet)
	}

	r = mustEvaluate(t, s, f, Options{Tags: []string{"fallback", "prefered"}})
	if len(r.Sets) != 2 || r.BestSet.Index != 0 {
		t.Errorf("both tags: %d sets, best %+v", len(r.Sets), r.BestSet)
	}

	r, err := Evaluate(s, f, Options{Tags: []string{"rocm"}})
	if !errors.Is(err, ErrNoApplicableSet) || r != nil {
		t.Fatalf("Evaluate = %v, %v; want ErrNoApplicableSet", r, err)
	}
	for _, w := range []string{`"rocm"`, `"prefered"`, `"fallback"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not name %s", err, w)
		}
	}

	if _, err := Evaluate(parseSpec(t, "compatibilities: []"), f, Options{}); !errors.Is(err, ErrNoApplicableSet) {
		t.Errorf("empty spec: err = %v", err)
	}
	if _, err := Evaluate(nil, f, Options{}); err == nil {
		t.Error("nil spec: no error")
	}
}

func TestMatchAny(t *testing.T) {
	s := loadSpec(t, "gpu.yaml")
	cases := []struct {
		host     string
		elems    []bool
		ruleWant bool
	}{
		{"x86", []bool{true, false}, true},
		{"arm", []bool{false, true}, true},
	}
	for _, c := range cases {
		r := assertAgrees(t, s, loadFeatures(t, c.host), nil)
		rr := r.Sets[1].Rules[0]
		if rr.Name != "simd" || rr.IsMatch != c.ruleWant || len(rr.MatchAny) != 2 {
			t.Fatalf("%s: %+v", c.host, rr)
		}
		for i, want := range c.elems {
			if rr.MatchAny[i].IsMatch != want {
				t.Errorf("%s: matchAny[%d] = %v, want %v", c.host, i, rr.MatchAny[i].IsMatch, want)
			}
		}
	}

	// No element matches: every element's failures are listed.
	none := parseSpec(t, `
compatibilities:
- rules:
  - name: vendor
    matchAny:
    - matchFeatures: [{feature: cpu.model, matchExpressions: {vendor_id: {op: In, value: [Intel]}}}]
    - matchFeatures: [{feature: cpu.model, matchExpressions: {vendor_id: {op: In, value: [AMD]}}}]
`)
	r := assertAgrees(t, none, loadFeatures(t, "arm"), nil)
	want := []string{
		"matchAny[0]: cpu.model.vendor_id: In [Intel] — host has ARM",
		"matchAny[1]: cpu.model.vendor_id: In [AMD] — host has ARM",
	}
	if got := r.Sets[0].Failures(); !reflect.DeepEqual(got, want) {
		t.Errorf("Failures = %q", got)
	}
}

func TestBackrefs(t *testing.T) {
	s := loadSpec(t, "backrefs.yaml")
	cases := []struct {
		host string
		want map[string]bool
	}{
		{"gpu", map[string]bool{"gpu": true, "modern-kernel": true, "gpu-and-kernel": true, "no-gpu-var": false, "x86": true, "needs-x86": true}},
		{"arm", map[string]bool{"gpu": false, "modern-kernel": true, "gpu-and-kernel": false, "no-gpu-var": true, "x86": false, "needs-x86": false}},
		{"old", map[string]bool{"gpu": false, "gpu-and-kernel": false, "no-gpu-var": true, "needs-x86": true}},
	}
	for _, c := range cases {
		r := assertAgrees(t, s, loadFeatures(t, c.host), nil)
		for name, want := range c.want {
			if got := ruleByName(t, r, name).IsMatch; got != want {
				t.Errorf("%s: rule %s = %v, want %v", c.host, name, got, want)
			}
		}
	}
	// The variable from varsTemplate explains the failure on an old kernel.
	s = parseSpec(t, `
compatibilities:
- rules:
  - name: k
    varsTemplate: '{{ range .kernel.version }}{{ if eq .Name "major" }}major={{ .Value }}{{ end }}{{ end }}'
    matchFeatures: [{feature: kernel.version, matchExpressions: {major: {op: Exists}}}]
  - name: needs-6
    matchFeatures: [{feature: rule.matched, matchExpressions: {major: {op: Ge, value: ["6"]}}}]
`)
	r := assertAgrees(t, s, loadFeatures(t, "old"), nil)
	if got := r.Sets[0].Failures(); !reflect.DeepEqual(got, []string{"rule.matched.major: Ge [6] — host has 4"}) {
		t.Errorf("Failures = %q", got)
	}
}

func TestEvaluationErrors(t *testing.T) {
	cases := map[string]string{
		"not a number":     `matchExpressions: {major: {op: Gt, value: ["five"]}}`,
		"invalid op":       `matchExpressions: {major: {op: Bigger, value: ["5"]}}`,
		"bad regexp":       `matchExpressions: {full: {op: InRegexp, value: ["("]}}`,
		"null expression":  `matchExpressions: {major: null}`,
		"bad version type": `matchExpressions: {full: {op: Gt, value: ["5"], type: semver}}`,
	}
	for name, term := range cases {
		t.Run(name, func(t *testing.T) {
			s := parseSpec(t, oneTermSpec("kernel.version", term)+`
- rules:
  - name: fine
    matchFeatures: [{feature: kernel.version, matchExpressions: {major: {op: Exists}}}]
`)
			r := mustEvaluate(t, s, loadFeatures(t, "x86"), Options{})
			rr := r.Sets[0].Rules[0]
			if rr.IsMatch || rr.Error == "" {
				t.Errorf("rule: %+v, want failed with error", rr)
			}
			if e := firstFailed(rr.Expressions); e == nil || !strings.HasPrefix(e.Host, "error: ") {
				t.Errorf("expressions: %+v", rr.Expressions)
			}
			if !r.Compatible || r.BestSet.Index != 1 {
				t.Errorf("the other set must still be evaluated: %+v", r.BestSet)
			}
			if f := r.Sets[0].Failures(); len(f) == 0 || !strings.HasPrefix(f[0], "rule r: error: ") {
				t.Errorf("Failures = %q", f)
			}
		})
	}
}

// Evaluate must neither write to the caller's Features (NFD inserts
// rule.matched into the Features it evaluates) nor depend on earlier calls.
func TestDoesNotMutateFeatures(t *testing.T) {
	f := loadFeatures(t, "gpu")
	before, _ := json.Marshal(f)
	s := loadSpec(t, "backrefs.yaml")
	r1 := mustEvaluate(t, s, f, Options{})
	after, _ := json.Marshal(f)
	if string(before) != string(after) {
		t.Fatalf("features changed:\n%s\n%s", before, after)
	}
	if _, ok := f.Attributes[backrefKey]; ok {
		t.Fatal("rule.matched inserted into the caller's features")
	}
	r2 := mustEvaluate(t, s, f, Options{})
	if !reflect.DeepEqual(r1, r2) {
		t.Error("second evaluation differs")
	}

	// Host features that carry rule.matched themselves are not written either.
	f.InsertAttributeFeatures("rule", "matched", map[string]string{"accelerator": "nvidia"})
	mustEvaluate(t, s, f, Options{})
	if got := f.Attributes[backrefKey].Elements; len(got) != 1 {
		t.Errorf("caller's rule.matched changed: %v", got)
	}
}

func TestNilAndEmptyFeatures(t *testing.T) {
	s := loadSpec(t, "gpu.yaml")
	for _, f := range []*nfdv1alpha1.Features{nil, {}, nfdv1alpha1.NewFeatures()} {
		r := mustEvaluate(t, s, f, Options{})
		if r.Compatible {
			t.Error("compatible without features")
		}
		if !strings.Contains(r.Summary(), "pci.device: feature not present on host") {
			t.Errorf("Summary = %s", r.Summary())
		}
	}
}

func TestConcurrentEvaluate(t *testing.T) {
	s := loadSpec(t, "backrefs.yaml")
	hosts := []string{"gpu", "arm", "old", "x86"}
	feats := make([]*nfdv1alpha1.Features, len(hosts))
	want := make([]*Report, len(hosts))
	for i, h := range hosts {
		feats[i] = loadFeatures(t, h)
		want[i] = mustEvaluate(t, s, feats[i], Options{})
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 16 {
		wg.Go(func() {
			for i := range 50 {
				k := (g + i) % len(hosts)
				r, err := Evaluate(s, feats[k], Options{})
				if err != nil || !reflect.DeepEqual(r, want[k]) {
					errs <- fmt.Sprintf("%s: %v", hosts[k], err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestFailuresAndSummary(t *testing.T) {
	s := loadSpec(t, "gpu.yaml")
	r := mustEvaluate(t, s, loadFeatures(t, "old"), Options{Tags: []string{"prefered"}})
	want := []string{
		"pci.device: no instance with class=0302 vendor=10de (host has 3 instances: class=0600 vendor=8086, class=0300 vendor=8086, class=0200 vendor=8086)",
		"kernel.loadedmodule.nvidia: Exists — not present on host",
		"kernel.loadedmodule.nvidia_uvm: Exists — not present on host",
		"kernel.version.major: Gt [5] — host has 4",
	}
	if got := r.Sets[0].Failures(); !reflect.DeepEqual(got, want) {
		t.Errorf("Failures:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantSum := "incompatible: set #0 (prefered): " + strings.Join(want[:3], "; ") + "; +1 more"
	if got := r.Summary(); got != wantSum {
		t.Errorf("Summary:\n%s\nwant\n%s", got, wantSum)
	}

	r = mustEvaluate(t, s, loadFeatures(t, "gpu"), Options{})
	if got := r.Summary(); got != "compatible (best set #0 tag=prefered weight=10)" {
		t.Errorf("Summary = %s", got)
	}
	if got := r.Sets[0].Failures(); len(got) != 0 {
		t.Errorf("passing set has failures %q", got)
	}
	if got := (*Report)(nil).Summary(); got == "" {
		t.Error("nil report: empty summary")
	}
}

func TestReportJSON(t *testing.T) {
	r := mustEvaluate(t, loadSpec(t, "gpu.yaml"), loadFeatures(t, "x86"), Options{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, r) {
		t.Errorf("JSON round trip differs:\n%s", b)
	}
	for _, w := range []string{`"compatible":true`, `"bestSet":{"index":1,"tag":"fallback","weight":1`, `"matcherType":"matchExpression"`, `"host":"no instance with`} {
		if !strings.Contains(string(b), w) {
			t.Errorf("JSON lacks %s", w)
		}
	}
	if back.Sets[0].Failures()[0] != r.Sets[0].Failures()[0] {
		t.Error("Failures differ after a JSON round trip")
	}
}
