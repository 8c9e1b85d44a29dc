// Package artifact manages compatibility artifacts on any oras-go target:
// attach a spec to an image, list and select the compat artifacts that refer
// to it, fetch one with its shape, size and digest checked, and remove one.
//
// A referrers list is only a label: VerifyShape fetches a manifest by digest
// and checks the whole artifact shape and subject, and Remove deletes nothing
// it has not verified that way.
//
// Artifacts are found through the OCI referrers API; oras-go falls back to the
// referrers tag schema (sha256-<hex>) on registries without it, and to the
// predecessor graph on OCI layouts, so this package needs nothing more than
// content.ReadOnlyGraphStorage.
package artifact
