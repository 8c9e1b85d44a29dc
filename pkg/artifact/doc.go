// Package artifact manages compatibility artifacts on any oras-go target:
// attach a spec to an image, list and select the compat artifacts that refer
// to it, fetch one with its shape, size and digest checked, and remove one.
//
// Artifacts are found through the OCI referrers API, through the referrers
// tag schema (sha256-<hex>) on registries without it, and through the
// predecessor graph on OCI layouts. On tag-schema registries this package
// writes the sha256-<hex> index itself, verified and repaired against
// concurrent writers, and records each artifact it pushes in a tag of its
// own that the index can be rebuilt from (index.go, records.go).
package artifact
