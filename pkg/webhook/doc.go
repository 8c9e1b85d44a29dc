// Package webhook is nfd-compat's mutating admission webhook (KEP-1845
// Phase 2): for each Pod CREATE it loads the compatibility spec of every
// container and init container image (artifact.Resolve, then
// LoadPlatform for the image or for each linux platform of an index, each
// platform judged by its own spec), makes sure the
// NodeFeatureRule that `nfd-compat schedule` would emit for the artifact
// exists (schedule.ApplyRule, the rule named and labelled by the artifact's
// digest), and answers with a JSONPatch that adds a required node affinity
// "some set of every image passes" (for an index: for some platform, its
// kubernetes.io/os and arch and some set of its spec) merged into the
// pod's own (schedule.MergeTerms), the preferred terms of the sets' weights,
// and an annotation saying what was decided. The policy speaks the node's
// words (pkg/policy: mode, on_missing, on_error, include/exclude) plus the
// webhook's own: excluded namespaces, namespace and pod label selectors
// (selectors.go) and the registries it may contact. Answers are cached in
// memory (bounded, with a TTL, concurrent lookups of one image coalesced;
// registry errors for a shorter error TTL), so many replicas of an image
// cost one registry lookup and one rule apply, even while its registry is
// down. The rule garbage collector (gc.go) deletes only the webhook's own
// rules (its label and field manager) that no pod references by
// annotation, node affinity or nodeSelector.
//
// Lifecycle: RunRuleGC deletes the rules no pod uses any more, and
// RunDriftMonitor finds placed pods whose node no longer carries any set
// label an image required (Decision.Drift; PlacedPods is shared with
// `validate-node --cluster --pods`) for the /metrics gauges; such pods keep
// running, as required node affinity is IgnoredDuringExecution. RunLoops
// runs such loops in the one replica that holds a coordination.k8s.io
// Lease (client-go's leaderelection; leader.go), re-entering the election
// when it loses it; admission is served by every replica.
//
// The package knows no command line: cmd/nfd-compat-webhook reads flags,
// serves TLS (CertReloader) and the health endpoints.
package webhook
