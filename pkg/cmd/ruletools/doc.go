// Package ruletools implements the NodeFeatureRule commands of kubectl-nfd
// with fixes: validate (exits non-zero on problems), dryrun (against a
// features file) and test (against a cluster node's NodeFeature objects).
// Each is an options struct and a function; rendering is table, JSON or YAML.
package ruletools
