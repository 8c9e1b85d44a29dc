package ruletools

import (
	"errors"
	"io"

	"github.com/nfd-compat/nfd-compat/pkg/cluster"
	"github.com/nfd-compat/nfd-compat/pkg/output"
	"github.com/nfd-compat/nfd-compat/pkg/rules"
)

// File is a rules file's name (for messages) and content.
type File struct {
	Name string
	Data []byte
}

// ValidateOptions are validate's inputs.
type ValidateOptions struct {
	Files []File
	// Strict makes warnings fail too.
	Strict bool
	Output output.Format
	Stdout io.Writer
}

// DryRunOptions are dryrun's inputs.
type DryRunOptions struct {
	Rules []File
	// FeatureFiles are export-features JSON or NodeFeature YAML/JSON files
	// or directories (pkg/features.LoadPaths); every node in them is run.
	FeatureFiles []string
	Output       output.Format
	Stdout       io.Writer
}

// TestOptions are test's inputs.
type TestOptions struct {
	Rules   []File
	Node    string
	Cluster cluster.Options
	Output  output.Format
	Stdout  io.Writer
}

// ErrInvalid is returned (wrapped) when validate finds errors, or when the
// rules of dryrun and test cannot be decoded.
var ErrInvalid = errors.New("invalid NodeFeatureRule or NodeFeatureGroup")

// ErrRejected is returned (wrapped) when dryrun or test find rules NFD
// cannot run or outputs nfd-master would drop.
var ErrRejected = errors.New("NFD would skip rules or drop their outputs")

// parse reads every file; parse problems are fatal for dryrun and test.
func parse(files []File) ([]rules.Object, []rules.Problem) {
	var objs []rules.Object
	var ps []rules.Problem
	for _, f := range files {
		o, p := rules.Parse(f.Data, f.Name)
		objs = append(objs, o...)
		ps = append(ps, p...)
	}
	return objs, ps
}
