package closest

import "strings"

// MaxEdits is how far a candidate may be from the name and still be
// suggested.
const MaxEdits = 2

// Name is the candidate nearest to name ignoring case, at most MaxEdits
// edits away (the first of equally near ones), or "" when none is.
func Name(name string, candidates []string) string {
	best, bestD := "", MaxEdits+1
	name = strings.ToLower(name)
	for _, c := range candidates {
		if d := Distance(name, strings.ToLower(c)); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// Distance is the Levenshtein distance of a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
