// Package testspec generates worst-case compatibility specs and hosts for
// tests and benchmarks: specs valid at pkg/spec's limits (the largest
// regexps, the most sets, rules, expressions and values the limits allow,
// every expression failing so nothing is cut short), a host with many
// instances for them to be matched against, and the over-the-limit spec of
// issue 8 that once kept containerd busy for minutes.
package testspec
