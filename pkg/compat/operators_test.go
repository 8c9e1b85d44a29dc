package compat

import (
	"fmt"
	"strings"
	"testing"
)

// oneTermSpec is a spec with one set, one rule and one matchFeatures term.
func oneTermSpec(feature, term string) string {
	return fmt.Sprintf(`
compatibilities:
- rules:
  - name: r
    matchFeatures:
    - feature: %s
%s`, feature, indent(term, "      "))
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestOperators(t *testing.T) {
	type host struct {
		name  string
		match bool
		want  string // Host of the first failed expression
	}
	cases := []struct {
		op, feature, term string
		hosts             []host
	}{
		{"In", "cpu.model", `matchExpressions: {vendor_id: {op: In, value: [Intel, AMD]}}`,
			[]host{{"x86", true, ""}, {"gpu", true, ""}, {"arm", false, "ARM"}}},
		{"NotIn", "system.osrelease", `matchExpressions: {ID: {op: NotIn, value: [debian]}}`,
			[]host{{"gpu", true, ""}, {"old", false, "debian"}}},
		{"Exists", "cpu.cpuid", `matchExpressions: {AVX512F: {op: Exists}}`,
			[]host{{"gpu", true, ""}, {"x86", false, "not present"}}},
		{"DoesNotExist", "cpu.cpuid", `matchExpressions: {SVE: {op: DoesNotExist}}`,
			[]host{{"x86", true, ""}, {"arm", false, "present"}}},
		{"DoesNotExist/attribute", "kernel.config", `matchExpressions: {PREEMPT: {op: DoesNotExist}}`,
			[]host{{"x86", false, "n"}}},
		{"Gt", "kernel.version", `matchExpressions: {major: {op: Gt, value: ["5"]}}`,
			[]host{{"gpu", true, ""}, {"old", false, "4"}, {"x86", false, "5"}}},
		{"Ge", "kernel.version", `matchExpressions: {minor: {op: Ge, value: ["15"]}}`,
			[]host{{"x86", true, ""}, {"arm", false, "1"}}},
		{"Lt", "cpu.model", `matchExpressions: {family: {op: Lt, value: ["8"]}}`,
			[]host{{"gpu", true, ""}, {"x86", false, "25"}}},
		{"Le", "memory.numa", `matchExpressions: {node_count: {op: Le, value: ["1"]}}`,
			[]host{{"arm", true, ""}, {"gpu", false, "2"}}},
		{"GtLt", "kernel.version", `matchExpressions: {minor: {op: GtLt, value: ["1", "19"]}}`,
			[]host{{"x86", true, ""}, {"old", false, "19"}, {"arm", false, "1"}}},
		{"GeLe", "system.osrelease", `matchExpressions: {VERSION_ID.major: {op: GeLe, value: ["20", "24"]}}`,
			[]host{{"gpu", true, ""}, {"x86", true, ""}, {"arm", false, "12"}}},
		{"IsTrue", "cpu.topology", `matchExpressions: {hardware_multithreading: {op: IsTrue}}`,
			[]host{{"gpu", true, ""}, {"arm", false, "false"}}},
		{"IsFalse", "memory.numa", `matchExpressions: {is_numa: {op: IsFalse}}`,
			[]host{{"arm", true, ""}, {"gpu", false, "true"}}},
		{"InRegexp", "kernel.version", `matchExpressions: {full: {op: InRegexp, value: ["-generic$"]}}`,
			[]host{{"x86", true, ""}, {"arm", false, "6.1.0-18-arm64"}}},
		{"version/Gt", "kernel.version", `matchExpressions: {full: {op: Gt, value: ["5.10"], type: version}}`,
			[]host{{"x86", true, ""}, {"old", false, "4.19.0-26-amd64"}}},
		{"version/Lt", "kernel.version", `matchExpressions: {full: {op: Lt, value: ["6.5"], type: version}}`,
			[]host{{"x86", true, ""}, {"gpu", false, "6.8.0-45-generic"}}},
		{"version/GtLt", "kernel.version", `matchExpressions: {full: {op: GtLt, value: ["5.4", "6.2"], type: version}}`,
			[]host{{"arm", true, ""}, {"x86", true, ""}, {"gpu", false, "6.8.0-45-generic"}, {"old", false, "4.19.0-26-amd64"}}},
		{"version/GeLe", "system.osrelease", `matchExpressions: {VERSION_ID: {op: GeLe, value: ["22.04", "24.04"], type: version}}`,
			[]host{{"gpu", true, ""}, {"x86", true, ""}, {"arm", false, "12"}}},
		{"matchName/InRegexp", "kernel.loadedmodule", `matchName: {op: InRegexp, value: ["^nvidia"]}`,
			[]host{{"gpu", true, ""}, {"x86", false, "no name matches (host has 4 names: ext4, kvm_amd, overlay, virtio_net)"}}},
		{"matchName/In", "cpu.cpuid", `matchName: {op: In, value: [AVX512F, SVE]}`,
			[]host{{"gpu", true, ""}, {"arm", true, ""}, {"x86", false, "no name matches (host has 5 names: AESNI, AVX, AVX2, FMA3, SSE4)"}}},
		{"missing feature", "usb.device", `matchExpressions: {vendor: {op: In, value: ["0bda"]}}`,
			[]host{{"gpu", false, "feature not present"}}},
		{"missing key", "kernel.version", `matchExpressions: {extra: {op: In, value: ["x"]}}`,
			[]host{{"gpu", false, "not present"}}},
		{"instance", "pci.device", "matchExpressions:\n  vendor: {op: In, value: [\"10de\"]}\n  class: {op: In, value: [\"0302\"]}",
			[]host{{"gpu", true, ""}, {"old", false, "no instance with class=0302 vendor=10de (host has 3 instances: class=0600 vendor=8086, class=0300 vendor=8086, class=0200 vendor=8086)"}}},
	}
	for _, c := range cases {
		for _, h := range c.hosts {
			t.Run(c.op+"/"+h.name, func(t *testing.T) {
				s := parseSpec(t, oneTermSpec(c.feature, c.term))
				r := assertAgrees(t, s, loadFeatures(t, h.name), nil)
				rr := r.Sets[0].Rules[0]
				if rr.IsMatch != h.match || r.Compatible != h.match {
					t.Fatalf("IsMatch = %v, Compatible = %v, want %v", rr.IsMatch, r.Compatible, h.match)
				}
				if len(rr.Expressions) == 0 {
					t.Fatal("no expression reports")
				}
				for _, e := range rr.Expressions {
					if e.Feature != c.feature {
						t.Errorf("feature = %q", e.Feature)
					}
					if h.match && (!e.IsMatch || e.Host != "") {
						t.Errorf("passing rule with expression %+v", e)
					}
				}
				if !h.match {
					e := firstFailed(rr.Expressions)
					if e == nil {
						t.Fatalf("failed rule without failed expression: %+v", rr)
					}
					if e.Host != h.want {
						t.Errorf("Host = %q\nwant   %q", e.Host, h.want)
					}
				}
			})
		}
	}
}

func firstFailed(es []ExprReport) *ExprReport {
	for i := range es {
		if !es[i].IsMatch {
			return &es[i]
		}
	}
	return nil
}

func TestExpressionFields(t *testing.T) {
	s := parseSpec(t, oneTermSpec("kernel.version", `
matchExpressions:
  major: {op: Gt, value: ["5"]}
  full: {op: Gt, value: ["4.0"], type: version}
matchName: {op: In, value: [major]}`))
	r := mustEvaluate(t, s, loadFeatures(t, "old"), Options{})
	got := r.Sets[0].Rules[0].Expressions
	want := []ExprReport{
		{Feature: "kernel.version", Key: "full", MatcherType: "matchExpression", Op: "Gt", Value: []string{"4.0"}, Type: "version", IsMatch: true},
		{Feature: "kernel.version", Key: "major", MatcherType: "matchExpression", Op: "Gt", Value: []string{"5"}, IsMatch: false, Host: "4"},
		{Feature: "kernel.version", MatcherType: "matchName", Op: "In", Value: []string{"major"}, IsMatch: true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// Each expression holds on some instance, but no instance satisfies both:
// upstream's report calls both expressions matched; ours blames the term.
func TestInstanceCombinationFailure(t *testing.T) {
	s := parseSpec(t, oneTermSpec("pci.device", "matchExpressions:\n  vendor: {op: In, value: [\"10de\"]}\n  class: {op: In, value: [\"0600\"]}"))
	r := assertAgrees(t, s, loadFeatures(t, "gpu"), nil)
	rr := r.Sets[0].Rules[0]
	if rr.IsMatch {
		t.Fatal("rule matched")
	}
	for _, e := range rr.Expressions {
		if e.IsMatch {
			t.Errorf("expression %s reported as matched", e.Key)
		}
	}
	want := []string{"pci.device: no instance with class=0600 vendor=10de (host has 3 instances: class=0600 vendor=8086, class=0302 vendor=10de, class=0207 vendor=15b3)"}
	if got := r.Sets[0].Failures(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Failures = %q\nwant       %q", got, want)
	}
}

// Instance lists are capped; the failing attribute is named first.
func TestInstanceFailureMessage(t *testing.T) {
	s := parseSpec(t, oneTermSpec("pci.device", "matchExpressions:\n  vendor: {op: In, value: [\"10de\"]}\n  class: {op: In, value: [\"0300\"]}"))
	r := assertAgrees(t, s, loadFeatures(t, "x86"), nil)
	got := r.Sets[0].Failures()
	want := []string{"pci.device: no instance with vendor=10de class=0300 (host has 7 instances: vendor=1022 class=0600, vendor=1af4 class=0200, vendor=1af4 class=0100, vendor=1234 class=0300, vendor=1022 class=0c03, ...)"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Failures = %q\nwant       %q", got, want)
	}
	for _, e := range r.Sets[0].Rules[0].Expressions {
		if wantMatch := e.Key == "class"; e.IsMatch != wantMatch {
			t.Errorf("%s: IsMatch = %v, want %v", e.Key, e.IsMatch, wantMatch)
		}
	}
}
