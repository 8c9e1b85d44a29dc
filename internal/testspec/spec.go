package testspec

import (
	"fmt"
	"regexp/syntax"
	"strings"

	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// Kind names one worst case.
type Kind string

// The worst cases. Generate(k, n) writes n units of each; Largest finds the
// largest n a caller's limits accept. Every expression fails on Host, so
// evaluating a spec does all its work.
const (
	// Regexps: one rule per unit, an InRegexp on a 64-byte cpu.model value
	// with a distinct pattern of about spec.MaxRegexpProgram instructions
	// in which every instruction stays live (Go's regexp at its slowest).
	Regexps Kind = "regexps"
	// HostRegexps: Regexps on cpu.model's vendor_id, which every host NFD
	// runs on has: the worst case on a real host.
	HostRegexps Kind = "host-regexps"
	// Values: one rule per unit, an In of spec.MaxValues values on a
	// cpu.model value.
	Values Kind = "values"
	// Instances: one rule per unit, an In of spec.MaxValues values on
	// every pci.device instance.
	Instances Kind = "instances"
	// Sets: one set per unit, of one rule on every pci.device instance.
	Sets Kind = "sets"
	// Rules: one rule per unit in a single set, an In of 10 values on
	// every pci.device instance.
	Rules Kind = "rules"
	// Expressions: one rule per unit, a term of spec.MaxExpressions
	// expressions on cpu.model.
	Expressions Kind = "expressions"
)

// Kinds lists every worst case.
var Kinds = []Kind{Regexps, HostRegexps, Values, Instances, Sets, Rules, Expressions}

// Generate returns n units of the worst case k as a spec in YAML.
func Generate(k Kind, n int) []byte {
	var b strings.Builder
	b.WriteString("version: v1alpha1\ncompatibilities:\n")
	set := func(i int) { fmt.Fprintf(&b, "- tag: set%d\n  weight: %d\n  rules:\n", i, i) }
	if k != Sets {
		set(0)
	}
	for i := range n {
		switch k {
		case Regexps:
			rule(&b, i, "cpu.model", fmt.Sprintf("k%d", i%HostKeys), "InRegexp", []string{BigRegexp(i)})
		case HostRegexps:
			rule(&b, i, "cpu.model", "vendor_id", "InRegexp", []string{BigRegexp(i)})
		case Values:
			rule(&b, i, "cpu.model", fmt.Sprintf("k%d", i%HostKeys), "In", numbered("v", spec.MaxValues))
		case Instances:
			rule(&b, i, "pci.device", "vendor", "In", numbered("v", spec.MaxValues))
		case Sets:
			set(i)
			rule(&b, i, "pci.device", "class", "In", []string{fmt.Sprint("x", i)})
		case Rules:
			rule(&b, i, "pci.device", "class", "In", numbered("c", 10))
		case Expressions:
			wideRule(&b, i)
		default:
			panic(fmt.Sprintf("testspec: unknown kind %q", k))
		}
	}
	return []byte(b.String())
}

// Largest returns the largest n (at least 1, if any) for which ok accepts
// Generate(k, n), and that spec; ok would be "valid, and within the
// evaluation cost limit on Host".
func Largest(k Kind, ok func([]byte) bool) (int, []byte) {
	lo, hi := 0, 1
	for ok(Generate(k, hi)) {
		lo, hi = hi, hi*2
		if hi > 1<<16 {
			panic("testspec: no limit stops " + string(k))
		}
	}
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if ok(Generate(k, mid)) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, Generate(k, lo)
}

// BigRegexp returns the i-th of distinct patterns whose compiled program is
// as close to spec.MaxRegexpProgram as it gets: (?:[a-z0-9 ]?){K}@i keeps
// every instruction live on text of letters, digits and spaces, and never
// matches Host's values.
func BigRegexp(i int) string {
	pattern := func(k int) string { return fmt.Sprintf(`(?:[a-z0-9 ]?){%d}@%d`, k, i) }
	fits := func(k int) bool {
		p := pattern(k)
		return len(p) <= spec.MaxRegexpLength && ProgramSize(p) <= spec.MaxRegexpProgram
	}
	// The program grows with k: binary search for the largest k that fits
	// (syntax.Parse refuses counts over 1000).
	lo, hi := 1, 1001
	for hi-lo > 1 {
		if mid := (lo + hi) / 2; fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return pattern(lo)
}

// ProgramSize is the instructions regexp/syntax compiles pattern to.
func ProgramSize(pattern string) int {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic(err)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		panic(err)
	}
	return len(prog.Inst)
}

// Attack is the spec of issue 8: one InRegexp with 140 values, each
// (a{1000}) repeated 3000 times (3.7 MB; gigabytes once compiled). It is
// over the size limit.
func Attack() []byte {
	return attack(strings.Repeat("(a{1000})", 3000), 140)
}

// SmallAttack is the same attack within MaxSpecSize and MaxRegexpLength:
// 60 values of a{1000} written 140 times (980 bytes, 140,000 instructions
// and 5 MB each once compiled; Go's parser refuses nested repetitions
// over 1000, not long concatenations of them).
func SmallAttack() []byte {
	return attack(strings.Repeat("a{1000}", 140), 60)
}

func attack(value string, n int) []byte {
	values := make([]string, n)
	for i := range values {
		values[i] = value
	}
	return []byte(`version: v1alpha1
compatibilities:
- rules:
  - name: attack
    matchFeatures:
    - feature: cpu.model
      matchExpressions:
        vendor_id: {op: InRegexp, value: ["` + strings.Join(values, `", "`) + `"]}
`)
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func quoted(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func rule(b *strings.Builder, i int, feature, key, op string, values []string) {
	fmt.Fprintf(b, `  - name: r%d
    matchFeatures:
    - feature: %s
      matchExpressions:
        %s: {op: %s, value: %s}
`, i, feature, key, op, quoted(values))
}

// wideRule writes a rule with one term of spec.MaxExpressions expressions
// on cpu.model; each holds but the last.
func wideRule(b *strings.Builder, i int) {
	fmt.Fprintf(b, "  - name: r%d\n    matchFeatures:\n    - feature: cpu.model\n      matchExpressions:\n", i)
	for j := range spec.MaxExpressions - 1 {
		fmt.Fprintf(b, "        k%d: {op: InRegexp, value: [\"^[a-z0-9 ]+$\", \"x%d\"]}\n", j%HostKeys, j)
	}
	fmt.Fprintf(b, "        vendor_id: {op: In, value: [\"Foo%d\"]}\n", i)
}
