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
// every artifact, starts from its first half, Resolve; the webhook, which
// judges every platform of an index, resolves once and calls
// Resolved.LoadPlatform per platform of Resolved.Platforms.
//
// Artifacts are found through the OCI referrers API, through the referrers
// tag schema (sha256-<hex>) on registries without it, and through the
// predecessor graph on OCI layouts. On tag-schema registries this package
// writes the sha256-<hex> index itself, verified and repaired against
// concurrent writers, and records each artifact it pushes in a tag of its
// own that the index can be rebuilt from (index.go, records.go).
package artifact
