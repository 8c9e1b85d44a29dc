package compat

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"

	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// MaxCost bounds the matching work of one evaluation, in steps of about
// 20 ns: NFD matches every expression against every element of its feature
// on the host (each instance of pci.device, each name for matchName), so
// the work of a spec grows with the host. Matching an expression against
// one element costs elementCost steps (NFD formats and records every
// match), plus one per value compared, plus, for a regexp, one per
// instruction of its program per byte of host text (Go's regexp runs in
// time proportional to program size × text length at worst). Every rule
// counts twice: a failed one is evaluated again, expression by expression,
// for the report. README.md's "Limits" section has the numbers.
const MaxCost = 2_000_000

// elementCost is the steps of matching one expression against one element,
// before its values: measured as about 800 ns in NFD v0.19.
const elementCost = 40

// ErrTooCostly is returned, wrapped with the cost, when evaluating the spec
// on these features would take more than MaxCost steps.
var ErrTooCostly = errors.New("the spec is too costly to evaluate on this host")

// CheckCost returns an error wrapping ErrTooCostly when the sets of s that
// opts selects would cost more than MaxCost steps on f. Its own work is
// bounded by what it charges: it stops at MaxCost.
func CheckCost(s *compatv1alpha1.Spec, f *nfdv1alpha1.Features, opts Options) error {
	_, err := checkCost(s, f, opts)
	return err
}

// checkCost is CheckCost returning, when within MaxCost, the regexp
// programs the evaluation will compile (by pattern).
func checkCost(s *compatv1alpha1.Spec, f *nfdv1alpha1.Features, opts Options) (map[string]program, error) {
	c := costModel{f: f, insts: map[string]program{}, texts: map[string][]string{}}
	for i := range s.Compatibilties {
		set := &s.Compatibilties[i]
		if len(opts.Tags) > 0 && !slices.Contains(opts.Tags, set.Tag) {
			continue
		}
		for j := range set.Rules {
			r := &set.Rules[j]
			before := c.total
			c.terms(r.MatchFeatures)
			for _, a := range r.MatchAny {
				c.terms(a.MatchFeatures)
			}
			c.total += c.total - before // a failed rule is explained: twice
			if c.total > MaxCost {
				return nil, fmt.Errorf("%w: matching compatibilities[%d].rules[%d] (%q) brings the cost to more than %d steps on this host's features (a step is a value compared, or a regexp instruction run over a byte of host text); use fewer or simpler regexps and values, anchored with ^ and a literal prefix, on features with many instances or names", ErrTooCostly, i, j, r.Name, MaxCost)
			}
		}
	}
	return c.insts, nil
}

// costModel adds up the steps of matching; it memoizes programs by pattern
// and the host texts an expression is matched against by feature and key.
type costModel struct {
	f     *nfdv1alpha1.Features
	insts map[string]program
	texts map[string][]string
	total int
}

type program struct {
	insts int
	// prefix is the literal every match starts with, when the pattern is
	// anchored at the start: Go's regexp then rejects a text that does not
	// start with it after comparing at most len(prefix) bytes.
	prefix string
	// compiles is false for a pattern NFD will fail to compile (and so
	// not keep).
	compiles bool
}

func (c *costModel) terms(m nfdv1alpha1.FeatureMatcher) {
	for i := range m {
		if c.total > MaxCost {
			return
		}
		t := &m[i]
		hf := lookup(c.f, t.Feature)
		if !hf.present {
			continue
		}
		if t.MatchExpressions != nil {
			for k, e := range *t.MatchExpressions {
				c.expr(e, func() []string { return c.valueTexts(t.Feature, k, hf) })
			}
		}
		if t.MatchName != nil {
			c.expr(t.MatchName, func() []string { return c.nameTexts(t.Feature, hf) })
		}
	}
}

// expr adds the cost of e over the texts it is matched against.
func (c *costModel) expr(e *nfdv1alpha1.MatchExpression, texts func() []string) {
	if e == nil || c.total > MaxCost {
		c.total++
		return
	}
	ts := texts()
	elems := max(1, len(ts))
	c.total += elems * elementCost
	if e.Op != nfdv1alpha1.MatchInRegexp {
		c.total += elems * len(e.Value)
		return
	}
	for _, v := range e.Value {
		if c.total > MaxCost {
			return
		}
		p := c.program(v)
		c.total += elems // every text is tried
		for _, t := range ts {
			if p.prefix == "" || strings.HasPrefix(t, p.prefix) {
				c.total += p.insts * (len(t) + 1)
			}
		}
	}
}

func (c *costModel) program(pattern string) program {
	if p, ok := c.insts[pattern]; ok {
		return p
	}
	p := program{insts: len(pattern)} // a pattern that does not compile fails at once
	if re, err := syntax.Parse(pattern, syntax.Perl); err == nil {
		if prog, err := syntax.Compile(re.Simplify()); err == nil {
			p.insts, p.compiles = len(prog.Inst), true
			if prog.StartCond()&syntax.EmptyBeginText != 0 {
				p.prefix, _ = prog.Prefix()
			}
		}
	}
	c.insts[pattern] = p
	return p
}

// valueTexts are the texts an expression on key of feature is matched
// against: the attribute's value, or every instance's.
func (c *costModel) valueTexts(feature, key string, hf hostFeature) []string {
	if !hf.isInst {
		return []string{hf.attrs[key]}
	}
	memo := strings.ToLower(feature) + "\x00" + key
	ts, ok := c.texts[memo]
	if !ok {
		ts = make([]string, len(hf.instances))
		for i, inst := range hf.instances {
			ts[i] = inst.Attributes[key]
		}
		c.texts[memo] = ts
		c.total += len(ts)
	}
	return ts
}

// nameTexts are the names a matchName expression of feature is matched
// against.
func (c *costModel) nameTexts(feature string, hf hostFeature) []string {
	memo := strings.ToLower(feature) + "\x00"
	ts, ok := c.texts[memo]
	if !ok {
		ts = hf.names()
		c.texts[memo] = ts
		c.total += len(ts)
	}
	return ts
}
