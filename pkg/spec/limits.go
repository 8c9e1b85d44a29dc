package spec

// Limits bound the work a spec can cause on a host: parsing it, validating
// it and evaluating it (the pull-time verifier does all three inside
// containerd). A spec over any of them is invalid. Upstream's samples and
// the examples are far below them: the largest is a few hundred bytes with
// two sets, two rules per set and five values per expression.
//
// The cost of a decision grows with the spec's size (YAML parsing: about
// 250 bytes of allocation and 0.6 µs per input byte for the densest
// documents), with its expressions and values (each is matched against every
// instance of its feature on the host) and with its regular expressions
// (compiled once, matched per value: Go's regexp never backtracks, so the
// cost is the size of the compiled program). README.md's "Limits" section
// states them and the measured worst case.
const (
	// MaxSpecSize bounds the spec document in bytes.
	MaxSpecSize = 64 << 10
	// MaxSets bounds the compatibility sets of a spec.
	MaxSets = 100
	// MaxRules bounds the rules of one compatibility set.
	MaxRules = 100
	// MaxTerms bounds the terms of one matchFeatures list, and the
	// elements of one matchAny list.
	MaxTerms = 100
	// MaxExpressions bounds the keys of one matchExpressions map.
	MaxExpressions = 100
	// MaxValues bounds the values of one expression.
	MaxValues = 1000
	// MaxRegexpLength bounds one InRegexp pattern, in bytes.
	MaxRegexpLength = 1024
	// MaxRegexpProgram bounds one InRegexp pattern's compiled program, in
	// instructions of regexp/syntax (a{1000} alone is about 1000).
	MaxRegexpProgram = 1000
	// MaxWork bounds the spec's total work units: one per expression, one
	// per value and one per instruction of every compiled regexp.
	MaxWork = 20000
)
