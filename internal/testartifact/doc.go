// Package testartifact pushes the images with compat artifacts that the
// request-count tests of every spec-loading command share: an image with a
// spec, an index with a spec on the index, and an index with a spec on its
// linux/amd64 manifest (as attach-spec --platform puts it), on each kind
// of registry (ForEachKind); and the single image for this host's
// architecture that the verifier's tests pull (HostImage).
package testartifact
