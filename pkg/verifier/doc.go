// Package verifier is the pull-time check shared by every entry point: the
// containerd bindir executable (cmd/nfd-compat-verifier), the in-process
// containerd plugin (plugins/imageverifier), and `nfd-compat pull` /
// `check-images`.
//
// Given the name containerd resolved and the descriptor it resolved to (an
// index for multi-arch images), a Verifier finds the image's newest
// compatibility artifact (this host's platform manifest's referrers first,
// then the index's, without re-resolving the tag), fetches and checks the
// spec, evaluates it on this host's features, and decides per the policy
// (pkg/policy). The whole decision is bounded by the policy's timeout, and
// every stage of the check stops with it. Parsing and evaluating run under a
// concurrency bound (GOMAXPROCS by default), and an artifact whose check
// failed or timed out is remembered for FailureTTL, its failure going
// through on_error again without the work being redone. Every
// decision is logged as one structured line and appended to
// <cache_dir>/audit.jsonl.
//
// A cache_dir that another user could write to is bypassed with a warning
// (cache.Open): no caches, no audit log, never a failed pull.
//
// Caches (pkg/cache) under cache_dir: host features by boot id and sources
// for features_ttl; manifests and specs by digest; the registry hosts
// without the referrers API (an hour, so they are not probed at every
// decision). Referrer lists are not cached unless the policy opts in with
// referrers_ttl, so a newly attached artifact counts at the next pull. With
// a warm cache a decision costs one registry request on every registry kind
// (the referrers of the descriptor, or of the index's platform manifest),
// none within referrers_ttl.
package verifier
