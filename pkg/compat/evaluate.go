package compat

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	compatv1alpha1 "sigs.k8s.io/node-feature-discovery/api/image-compatibility/v1alpha1"
	nfdv1alpha1 "sigs.k8s.io/node-feature-discovery/api/nfd/v1alpha1"
)

// Evaluate checks the host features f against every compatibility set of s
// selected by opts. It returns ErrNoApplicableSet (wrapped) when no set is
// left to evaluate. Rule evaluation errors do not abort: they are recorded in
// the rule's report and the rule fails.
func Evaluate(s *compatv1alpha1.Spec, f *nfdv1alpha1.Features, opts Options) (*Report, error) {
	return EvaluateContext(context.Background(), s, f, opts)
}

// EvaluateContext is Evaluate checking ctx between sets, rules and
// expressions: when ctx ends first it returns an error wrapping ctx.Err()
// (naming the evaluation stage) and no report. Before matching anything
// it refuses, with ErrTooCostly, a spec whose matching would cost more
// than MaxCost steps on f, and with ErrRegexpBudget one whose new regexps
// would make NFD keep more than MaxRetainedRegexpInstructions in this
// process.
func EvaluateContext(ctx context.Context, s *compatv1alpha1.Spec, f *nfdv1alpha1.Features, opts Options) (*Report, error) {
	if s == nil {
		return nil, errors.New("compatibility spec is nil")
	}
	if f == nil {
		f = &nfdv1alpha1.Features{}
	}
	progs, err := checkCost(s, f, opts)
	if err != nil {
		return nil, err
	}
	if err := retained.reserve(progs, MaxRetainedRegexpInstructions); err != nil {
		return nil, err
	}
	ev := newEvaluation(ctx, f)
	r := &Report{Sets: make([]SetReport, 0, len(s.Compatibilties))}
	for i := range s.Compatibilties {
		c := &s.Compatibilties[i]
		if len(opts.Tags) > 0 && !slices.Contains(opts.Tags, c.Tag) {
			continue
		}
		sr := ev.set(i, c)
		if err := ev.stopped(); err != nil {
			return nil, err
		}
		r.Sets = append(r.Sets, sr)
		if sr.IsMatch && (r.BestSet == nil || sr.Weight > r.BestSet.Weight) {
			ref := sr.SetRef
			r.BestSet = &ref
		}
	}
	if len(r.Sets) == 0 {
		return nil, noSetError(s, opts.Tags)
	}
	r.Compatible = r.BestSet != nil
	return r, nil
}

// Applicable returns the ErrNoApplicableSet error Evaluate would return for
// s and opts, without evaluating anything: whether any set is left is a
// property of the spec, the same for every node.
func Applicable(s *compatv1alpha1.Spec, opts Options) error {
	for _, c := range s.Compatibilties {
		if len(opts.Tags) == 0 || slices.Contains(opts.Tags, c.Tag) {
			return nil
		}
	}
	return noSetError(s, opts.Tags)
}

func noSetError(s *compatv1alpha1.Spec, want []string) error {
	if len(s.Compatibilties) == 0 {
		return fmt.Errorf("%w: the spec has no compatibility sets", ErrNoApplicableSet)
	}
	have := make([]string, 0, len(s.Compatibilties))
	for _, c := range s.Compatibilties {
		if c.Tag != "" && !slices.Contains(have, c.Tag) {
			have = append(have, c.Tag)
		}
	}
	if len(have) == 0 {
		return fmt.Errorf("%w: no set has tag %q (the spec's sets have no tags; drop --tags)", ErrNoApplicableSet, want)
	}
	return fmt.Errorf("%w: no set has tag %q (tags in spec: %q)", ErrNoApplicableSet, want, have)
}

// evaluation holds the per-call view of the host features. NFD's evaluator
// wants rule.matched inserted into the Features it reads, so the view has its
// own Attributes map (shallow copy) and the caller's Features are never written.
type evaluation struct {
	ctx      context.Context
	host     *nfdv1alpha1.Features
	features *nfdv1alpha1.Features
	err      error // set once ctx ended
}

// stopped returns an error once ctx has ended: nothing more is evaluated.
func (e *evaluation) stopped() error {
	if e.err == nil && e.ctx.Err() != nil {
		e.err = fmt.Errorf("evaluating the spec stopped: %w", context.Cause(e.ctx))
	}
	return e.err
}

// backrefKey is the attribute feature holding variables of earlier rules.
const backrefKey = nfdv1alpha1.RuleBackrefDomain + "." + nfdv1alpha1.RuleBackrefFeature

func newEvaluation(ctx context.Context, host *nfdv1alpha1.Features) *evaluation {
	view := &nfdv1alpha1.Features{
		Flags:      host.Flags,
		Instances:  host.Instances,
		Attributes: make(map[string]nfdv1alpha1.AttributeFeatureSet, len(host.Attributes)+1),
	}
	maps.Copy(view.Attributes, host.Attributes)
	return &evaluation{ctx: ctx, host: host, features: view}
}

// resetBackrefs restores rule.matched to what the host features hold (normally
// nothing) so every set starts from the same state.
func (e *evaluation) resetBackrefs() {
	if hf, ok := e.host.Attributes[backrefKey]; ok {
		e.features.Attributes[backrefKey] = nfdv1alpha1.AttributeFeatureSet{Elements: maps.Clone(hf.Elements)}
		return
	}
	delete(e.features.Attributes, backrefKey)
}

func (e *evaluation) set(index int, c *compatv1alpha1.Compatibility) SetReport {
	e.resetBackrefs()
	sr := SetReport{
		SetRef:  SetRef{Index: index, Tag: c.Tag, Weight: c.Weight, Description: c.Description},
		IsMatch: true,
		Rules:   make([]RuleReport, 0, len(c.Rules)),
	}
	for i := range c.Rules {
		if e.stopped() != nil {
			return sr
		}
		rr, vars := e.rule(&c.Rules[i])
		sr.Rules = append(sr.Rules, rr)
		sr.IsMatch = sr.IsMatch && rr.IsMatch
		if !rr.IsMatch {
			// Vars are stored only if the rule matches (GroupRule's contract).
			// With failFast=false NFD still returns them for a failed matchAny;
			// upstream's node-validator publishes those, we do not.
			vars = nil
		}
		// As upstream's node-validator, insert after every rule, so rule.matched
		// exists (maybe empty) once a rule has run.
		e.features.InsertAttributeFeatures(nfdv1alpha1.RuleBackrefDomain, nfdv1alpha1.RuleBackrefFeature, vars)
	}
	return sr
}
