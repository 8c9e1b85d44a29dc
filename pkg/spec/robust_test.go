package spec

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestManySets(t *testing.T) {
	const n = MaxSets - 1
	var b strings.Builder
	b.WriteString("version: v1alpha1\ncompatibilities:\n")
	for i := range n {
		fmt.Fprintf(&b, `- tag: "set-%d"
  weight: %d
  rules:
  - name: "kernel"
    matchFeatures:
    - feature: kernel.version
      matchExpressions:
        major: {op: Gt, value: ["%d"]}
`, i, i, i%7)
	}
	// One mistake at the very end must still be found, with its line.
	b.WriteString("- rules: []\n")
	start := time.Now()
	s, problems, err := Parse([]byte(b.String()))
	elapsed := time.Since(start)
	if err == nil || s != nil && len(s.Compatibilties) != n+1 {
		t.Fatalf("err = %v", err)
	}
	checkProblems(t, problems, []want{{fmt.Sprintf("compatibilities[%d].rules", n), 2 + 8*n + 1, SeverityError, "rules is missing or empty"}})
	if elapsed > 10*time.Second {
		t.Errorf("parsing %d sets took %v", n, elapsed)
	}
	if s.Compatibilties[n-1].Tag != fmt.Sprint("set-", n-1) || s.Compatibilties[n-1].Weight != n-1 {
		t.Errorf("set %d decoded as %+v", n-1, s.Compatibilties[n-1])
	}
	if got := (*s.Compatibilties[73].Rules[0].MatchFeatures[0].MatchExpressions)["major"].Value[0]; got != fmt.Sprint(73%7) {
		t.Errorf("set 73 major value %q", got)
	}
}

func TestAliasBomb(t *testing.T) {
	// Every level of the schema repeats the one below 20 times: about 20^6
	// nodes once expanded, from a document of a few hundred bytes.
	rep := func(alias string) string {
		return "[" + strings.TrimSuffix(strings.Repeat(alias+", ", 20), ", ") + "]"
	}
	keys := make([]string, 20)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d: *e", i)
	}
	bomb := `version: v1alpha1
defs:
  e: &e {op: In, value: ` + rep(`"x"`) + `}
  t: &t {feature: cpu.model, matchExpressions: {` + strings.Join(keys, ", ") + `}}
  m: &m {matchFeatures: ` + rep("*t") + `}
  r: &r {name: r, matchAny: ` + rep("*m") + `}
  c: &c {rules: ` + rep("*r") + `}
compatibilities: ` + rep("*c") + "\n"
	done := make(chan struct{})
	var problems []Problem
	var err error
	go func() {
		defer close(done)
		_, problems, err = Parse([]byte(bomb))
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Parse did not return on an alias bomb")
	}
	if err == nil {
		t.Fatal("alias bomb accepted")
	}
	if len(problems) > 10 {
		t.Errorf("%d problems; want the alias error, not one per expanded node", len(problems))
	}
	found := false
	for _, p := range problems {
		found = found || strings.Contains(p.Message, "billion laughs")
	}
	if !found {
		t.Errorf("no alias problem in:\n%s", dump(problems))
	}
}

// Aliases within reason, e.g. a rule shared by two sets, are fine.
func TestAliasesWithinReason(t *testing.T) {
	in := `version: v1alpha1
compatibilities:
- tag: a
  rules:
  - &kernel
    name: kernel
    matchFeatures: [{feature: kernel.version, matchExpressions: {major: {op: Gt, value: ["2"]}}}]
- tag: b
  rules: [*kernel]
`
	s, problems, err := Parse([]byte(in))
	if err != nil || len(problems) != 0 {
		t.Fatalf("err = %v\n%s", err, dump(problems))
	}
	if s.Compatibilties[1].Rules[0].Name != "kernel" {
		t.Errorf("alias not resolved: %+v", s.Compatibilties[1].Rules[0])
	}
}

func TestOversize(t *testing.T) {
	data := bytes.Repeat([]byte("#"), MaxSpecSize+1)
	s, problems, err := Parse(data)
	if s != nil || err == nil {
		t.Fatalf("oversize input accepted: %v", err)
	}
	checkProblems(t, problems, []want{{"", 0, SeverityError, fmt.Sprintf("more than the limit of %d bytes", MaxSpecSize)}})
}

func TestGarbageDoesNotPanic(t *testing.T) {
	inputs := []string{
		"\x00\x01\x02", "{", "[", "]", ":", "- - - -", "&a *a", "*unknown", "!!binary x", "? [a]: b",
		"version: !!int v1", "{version: v1alpha1, compatibilities: [{rules: [{matchAny: [{matchFeatures: 3}]}]}]}",
		strings.Repeat("[", 20000), strings.Repeat("- ", 5000) + "x",
		"version: v1alpha1\ncompatibilities:\n- rules:\n  - matchFeatures:\n    - {feature: cpu.model, matchExpressions: {? [a] : {op: Exists}}}\n",
	}
	for _, in := range inputs {
		_, _, _ = Parse([]byte(in))
	}
}

// YAML merge keys work as in YAML 1.1: explicit keys win over merged ones.
func TestMergeKeys(t *testing.T) {
	in := `version: v1alpha1
compatibilities:
- rules:
  - name: r
    matchFeatures:
    - &term
      feature: kernel.version
      matchExpressions: {major: {op: Gt, value: ["2"]}}
    - <<: *term
      feature: cpu.model
      matchExpressions: {vendor_id: {op: Exists}}
`
	s, problems, err := Parse([]byte(in))
	if err != nil || len(problems) != 0 {
		t.Fatalf("err = %v\n%s", err, dump(problems))
	}
	term := s.Compatibilties[0].Rules[0].MatchFeatures[1]
	if _, ok := (*term.MatchExpressions)["vendor_id"]; term.Feature != "cpu.model" || !ok || len(*term.MatchExpressions) != 1 {
		t.Errorf("merged term = %+v", term)
	}
}
