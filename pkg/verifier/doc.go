// Package verifier is the pull-time check shared by every entry point: the
// containerd bindir executable (the protocol in pkg/verifier/bindir, its
// main in cmd/nfd-compat-verifier), the in-process containerd plugin
// (plugins/imageverifier), and `nfd-compat pull` / `check-images`. Those
// are thin adapters; this package is the core, and imports none of them.
//
// A decision has four levels, each named for its job:
//
//   - Verifier.Judge is containerd's answer (allow or refuse, one-line
//     reason), for both adapters;
//   - Verifier.Decide is the same decision with the whole Outcome (report,
//     verdict, decision, cost; why a check failed is Outcome.Err), for pull
//     and check-images; it logs and audits every decision (record);
//   - runBounded runs evaluate under the policy timeout and turns its
//     result into a verdict;
//   - evaluate finds and fetches the artifact (artifact.Load), parses the
//     spec and evaluates it on this host's features, giving an evaluation.
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
// Caches (pkg/cache) under cache_dir: host features by boot id, sources,
// host root and host prefix for features_ttl; manifests and specs by digest; the registry hosts
// without the referrers API (an hour, so they are not probed at every
// decision). Referrer lists are not cached unless the policy opts in with
// referrers_ttl, so a newly attached artifact counts at the next pull. With
// a warm cache a decision costs one registry request on every registry kind
// (the referrers of the descriptor, or of the index's platform manifest),
// none within referrers_ttl.
package verifier
