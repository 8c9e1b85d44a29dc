package compat

import "errors"

// Options selects what Evaluate considers.
type Options struct {
	// Tags limits evaluation to the sets whose tag is listed; empty means all sets.
	Tags []string
}

// ErrNoApplicableSet is returned, wrapped with the requested and existing
// tags, when no compatibility set is left to evaluate.
var ErrNoApplicableSet = errors.New("no compatibility set applies")

// ErrIncompatible is returned, wrapped with what failed, when an image is
// incompatible with the host (or with every node of a fleet).
var ErrIncompatible = errors.New("image is incompatible")
