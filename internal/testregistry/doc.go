// Package testregistry starts real OCI registries for tests: go-containerregistry's in-memory registry
// with and without the referrers API, and the CNCF distribution registry (v3), which has no referrers
// API and so exercises the referrers tag schema. Every registry sits behind a request counter;
// AuthRepo seeds one started with BasicAuth.
package testregistry
