package compat

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestRetainedRegexpsBudget: patterns are counted once, failed ones not
// at all, and a spec whose new patterns would pass the limit is refused
// whole while patterns kept before still pass.
func TestRetainedRegexpsBudget(t *testing.T) {
	r := retainedRegexps{patterns: map[string]int{}}
	progs := func(ps ...string) map[string]program {
		m := map[string]program{}
		for _, p := range ps {
			m[p] = (&costModel{insts: map[string]program{}}).program(p)
		}
		return m
	}
	a := progs("^nvidia", "-generic$")
	want := a["^nvidia"].insts + a["-generic$"].insts
	if err := r.reserve(a, 100); err != nil || r.total != want {
		t.Fatalf("first spec: %v, total %d, want %d", err, r.total, want)
	}
	if err := r.reserve(progs("^nvidia", "("), 100); err != nil || r.total != want {
		t.Fatalf("a kept and a failing pattern: %v, total %d, want %d", err, r.total, want)
	}
	big := progs(strings.Repeat("x", 90), "^new")
	err := r.reserve(big, 100)
	if !errors.Is(err, ErrRegexpBudget) || !strings.Contains(err.Error(), "restart the process") {
		t.Fatalf("over the limit: %v, want ErrRegexpBudget saying what to do", err)
	}
	if _, ok := r.patterns["^new"]; ok || r.total != want {
		t.Fatalf("a refused spec's patterns were kept: total %d", r.total)
	}
	if err := r.reserve(a, 100); err != nil {
		t.Fatalf("a spec seen before, at the limit: %v", err)
	}
}

// TestEvaluateReservesRegexps: evaluation records the patterns it has NFD
// compile (on features the host has), not those of absent features.
func TestEvaluateReservesRegexps(t *testing.T) {
	f := loadFeatures(t, "x86")
	present := fmt.Sprintf("^%s-", t.Name())
	absent := fmt.Sprintf("^%s-absent", t.Name())
	s := parseSpec(t, `
version: v1alpha1
compatibilities:
- rules:
  - name: kernel
    matchFeatures:
    - feature: kernel.version
      matchExpressions: {full: {op: InRegexp, value: ["`+present+`"]}}
    - feature: no.such.feature
      matchExpressions: {x: {op: InRegexp, value: ["`+absent+`"]}}
`)
	mustEvaluate(t, s, f, Options{})
	retained.mu.Lock()
	_, kept := retained.patterns[present]
	_, keptAbsent := retained.patterns[absent]
	retained.mu.Unlock()
	if !kept || keptAbsent {
		t.Fatalf("after evaluating: %q kept %v (want true), %q kept %v (want false)", present, kept, absent, keptAbsent)
	}
}
