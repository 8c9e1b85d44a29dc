package compat

import (
	"errors"
	"fmt"
	"sync"
)

// MaxRetainedRegexpInstructions bounds the regular expressions NFD keeps
// for the life of this process, in compiled instructions (about 60 bytes
// each: 500,000 is about 30 MB). NFD's nodefeaturerule compiles every
// InRegexp pattern once and never evicts it (its package-level
// compiledRegexps), which is right for nfd-master's few operator-written
// rules but not for a long-lived process that evaluates specs read from
// registries (containerd-nfd, the verifier daemon): an image whose spec
// changes its patterns on every pull would grow it without end. A spec is
// within the per-spec limits (pkg/spec: at most 20,000 instructions), so
// this holds at least 25 worst-case specs, or some 10,000 typical patterns.
const MaxRetainedRegexpInstructions = 500_000

// ErrRegexpBudget is returned, wrapped with the numbers, when evaluating a
// spec would make NFD keep more regexp instructions than
// MaxRetainedRegexpInstructions in this process. Specs whose patterns were
// seen before are still evaluated; restarting the process frees the rest.
var ErrRegexpBudget = errors.New("this process keeps too many compiled regular expressions to take new ones")

// retained mirrors NFD's process-wide regexp cache, so it is process-wide
// too: the patterns handed to NFD so far and their instructions.
var retained = retainedRegexps{patterns: map[string]int{}}

type retainedRegexps struct {
	mu       sync.Mutex
	patterns map[string]int
	total    int
}

// reserve records the patterns an evaluation will have NFD compile (those
// that compile: NFD keeps no failed one), or refuses them all when the new
// ones would pass limit.
func (r *retainedRegexps) reserve(progs map[string]program, limit int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	add := 0
	for p, prog := range progs {
		if _, ok := r.patterns[p]; !ok && prog.compiles {
			add += prog.insts
		}
	}
	if add == 0 {
		return nil
	}
	if r.total+add > limit {
		return fmt.Errorf("%w: the spec's new InRegexp patterns compile to %d instructions, and the %d patterns kept so far to %d, over the limit of %d (NFD keeps each pattern it compiles until the process exits); specs seen before are still checked: restart the process (containerd, the verifier daemon) to release them, and look for an image whose spec changes its patterns on every pull",
			ErrRegexpBudget, add, len(r.patterns), r.total, limit)
	}
	for p, prog := range progs {
		if _, ok := r.patterns[p]; !ok && prog.compiles {
			r.patterns[p] = prog.insts
		}
	}
	r.total += add
	return nil
}
