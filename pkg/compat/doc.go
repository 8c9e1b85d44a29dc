// Package compat evaluates an image compatibility spec against a host's
// features and explains the verdict.
//
// The verdict of every rule comes from NFD's own evaluator
// (nodefeaturerule.ExecuteGroupRule, with rule.matched back-references fed
// between rules as upstream's node-validator does), so it agrees with
// `nfd compat validate-node`. The per-expression report is built with NFD's
// exported matchers (MatchMulti, MatchNamesMulti): a term that fails is
// evaluated again one expression at a time, which names the expressions that
// failed and what the host has instead.
//
// A set passes when all its rules match; the host is compatible when at least
// one considered set passes; the best set is the passing set with the highest
// weight, ties going to the first in spec order.
//
// Unlike upstream, back-reference variables (rule.matched) are reset at the
// start of every compatibility set: a set's verdict depends only on its own
// rules, never on which other sets were evaluated before it or filtered out by
// tags. And only a rule that matched publishes its vars, as GroupRule
// documents: with failFast=false NFD also returns the vars of a rule whose
// matchAny failed, and upstream's node-validator passes them on.
//
// Evaluate keeps no state between calls and never writes to its inputs, so it
// may run concurrently on a shared spec with distinct or shared Features.
//
// The work of a spec grows with the host (every expression is matched
// against every instance or name of its feature): before matching anything,
// EvaluateContext estimates it (cost.go) and refuses a spec over MaxCost on
// these features with ErrTooCostly; it checks its context between sets,
// rules and expressions. NFD keeps every regexp it compiled for the life of
// the process (a sync.Map in nodefeaturerule); pkg/spec's limits bound what
// one spec adds to it.
package compat
