// Package artifact manages compatibility artifacts on any oras-go target:
// attach a spec to an image, list and select the compat artifacts that refer
// to it, fetch one with its shape, size and digest checked, and remove one.
//
// A referrers list is only a label: VerifyShape fetches a manifest by digest
// and checks the whole artifact shape and subject, and Remove deletes nothing
// it has not verified that way.
//
// Load is the one way a command gets the spec of an image: resolve (a GET
// that brings the manifest, so an index is not fetched twice), the
// content-addressed cache, the platform's manifest of an index before the
// index, the newest artifact (skipping, with a warning, one the referrers
// tag index lists but whose manifest is gone), fetch, shape check, parse,
// and registry refusals explained (target.Explain). The verifier,
// validate-node, schedule and get-spec call it; validate-spec, which checks
// every artifact, starts from its first half, Resolve.
//
// Artifacts are found through the OCI referrers API; oras-go falls back to the
// referrers tag schema (sha256-<hex>) on registries without it, and to the
// predecessor graph on OCI layouts, so Find, List and Fetch need nothing more than
// content.ReadOnlyGraphStorage.
package artifact
