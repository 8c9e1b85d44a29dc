// Package rules reads, validates and runs NodeFeatureRule and
// NodeFeatureGroup objects as NFD does, for kubectl-nfd's validate, dryrun
// and test: parsing of multi-document YAML (and List kinds, both read with
// pkg/kubefile, which keeps the line each document starts on), validation with
// NFD's pkg/apis/nfd/validate plus the spec package's static expression
// checks, and execution with NFD's nodefeaturerule evaluator the way
// nfd-master applies it to a node (rule order, rule.matched back-references,
// auto-prefixing, dynamic values, filtering of what the API would refuse).
package rules
