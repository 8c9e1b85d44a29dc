package spec

import (
	"fmt"
	"regexp/syntax"
)

// regexpProgram parses pattern as regexp.Compile does and returns the size
// of its compiled program in instructions, or what is wrong with it. The
// program is only compiled once an estimate from the parse tree is within
// bounds: a repetition of a repetition such as (a{1000}){1000} parses in
// microseconds but expands to a million instructions (40 MB) when
// simplified and compiled.
func regexpProgram(pattern string) (int, string) {
	if len(pattern) > MaxRegexpLength {
		return 0, fmt.Sprintf("the regular expression is %d bytes, more than the limit of %d; shorten it or split it into several values", len(pattern), MaxRegexpLength)
	}
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return 0, fmt.Sprintf("%q is not a valid regular expression (%v); fix or escape it", pattern, err)
	}
	if est := estimateProgram(re); est > 4*MaxRegexpProgram {
		return 0, programProblem(est, true)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 0, fmt.Sprintf("%q is not a valid regular expression (%v); fix or escape it", pattern, err)
	}
	if n := len(prog.Inst); n > MaxRegexpProgram {
		return 0, programProblem(n, false)
	}
	return len(prog.Inst), ""
}

func programProblem(n int, estimated bool) string {
	about := ""
	if estimated {
		about = "about "
	}
	return fmt.Sprintf("the regular expression compiles to %s%d instructions, more than the limit of %d; use smaller repetition counts (nested repetitions multiply) or fewer alternatives", about, n, MaxRegexpProgram)
}

// estimateCap keeps estimateProgram's arithmetic far from overflow.
const estimateCap = 1 << 30

// estimateProgram approximates the instructions syntax.Compile emits for
// re after Simplify, without expanding repetitions. It saturates at
// estimateCap.
func estimateProgram(re *syntax.Regexp) int {
	sat := func(n int) int { return min(n, estimateCap) }
	switch re.Op {
	case syntax.OpLiteral:
		return max(1, len(re.Rune))
	case syntax.OpCapture:
		return sat(2 + estimateProgram(re.Sub[0]))
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		return sat(1 + estimateProgram(re.Sub[0]))
	case syntax.OpRepeat:
		n := re.Max
		if n < 0 {
			n = re.Min + 1
		}
		return sat(max(n, 1) * (estimateProgram(re.Sub[0]) + 1))
	case syntax.OpConcat, syntax.OpAlternate:
		total := len(re.Sub)
		for _, sub := range re.Sub {
			total = sat(total + estimateProgram(sub))
		}
		return total
	}
	return 1
}
