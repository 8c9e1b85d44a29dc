package ruletools

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/rules"
	"github.com/nfd-compat/nfd-compat/pkg/safetext"
	"github.com/nfd-compat/nfd-compat/pkg/spec"
)

// ObjectSummary is one object read by validate.
type ObjectSummary struct {
	Source string `json:"source"`
	Line   int    `json:"line,omitempty"`
	Object string `json:"object"`
	Rules  int    `json:"rules"`
	Valid  bool   `json:"valid"`
}

// ValidateReport is what validate prints with -o json|yaml.
type ValidateReport struct {
	Valid    bool            `json:"valid"`
	Errors   int             `json:"errors"`
	Warnings int             `json:"warnings"`
	Objects  []ObjectSummary `json:"objects"`
	Problems []rules.Problem `json:"problems"`
}

// Validate checks every object of every file and prints every problem. It
// returns an error wrapping ErrInvalid when there is an error (or, with
// Strict, a warning).
func Validate(_ context.Context, opts ValidateOptions) error {
	var objs []rules.Object
	var ps []rules.Problem
	for _, f := range opts.Files {
		o, p := rules.Parse(f.Data, f.Name)
		p = append(p, rules.Validate(o)...)
		// In file order: by the line of the object's document.
		slices.SortStableFunc(p, func(a, b rules.Problem) int { return cmp.Compare(a.Line, b.Line) })
		objs, ps = append(objs, o...), append(ps, p...)
	}
	rep := ValidateReport{Objects: []ObjectSummary{}, Problems: ps}
	if rep.Problems == nil {
		rep.Problems = []rules.Problem{}
	}
	bad := map[string]bool{}
	for _, p := range ps {
		if p.Severity == spec.SeverityError {
			rep.Errors++
			bad[p.Source+"\x00"+p.Object] = true
		} else {
			rep.Warnings++
		}
	}
	for i := range objs {
		o := &objs[i]
		n := 0
		if o.Rule != nil {
			n = len(o.Rule.Spec.Rules)
		} else {
			n = len(o.Group.Spec.Rules)
		}
		rep.Objects = append(rep.Objects, ObjectSummary{Source: o.Source, Line: o.Line, Object: o.ID(), Rules: n, Valid: !bad[o.Source+"\x00"+o.ID()]})
	}
	rep.Valid = rep.Errors == 0 && !(opts.Strict && rep.Warnings > 0)
	var err error
	if opts.Output == output.JSON || opts.Output == output.YAML {
		err = output.Encode(opts.Stdout, opts.Output, rep)
	} else {
		err = validateTable(opts.Stdout, rep)
	}
	if err != nil {
		return err
	}
	if !rep.Valid {
		return fmt.Errorf("%d errors, %d warnings: %w", rep.Errors, rep.Warnings, ErrInvalid)
	}
	return nil
}

func validateTable(w io.Writer, rep ValidateReport) error {
	if len(rep.Objects) > 0 {
		tw := output.NewTable(w)
		fmt.Fprintln(tw, "OBJECT\tSOURCE\tRULES\tRESULT")
		for _, o := range rep.Objects {
			res := "valid"
			if !o.Valid {
				res = "INVALID"
			}
			fmt.Fprintf(tw, "%s\t%s:%d\t%d\t%s\n", safetext.Escape(o.Object), safetext.Escape(o.Source), o.Line, o.Rules, res)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintln(w)
		for _, p := range rep.Problems {
			fmt.Fprintln(w, safetext.Escape(p.String()))
		}
	}
	_, err := fmt.Fprintf(w, "\n%d objects, %d errors, %d warnings\n", len(rep.Objects), rep.Errors, rep.Warnings)
	return err
}
