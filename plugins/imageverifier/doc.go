// Package imageverifier registers nfd-compat as an in-process containerd
// image verifier: plugin type io.containerd.image-verifier.v1, ID
// nfd-compat. containerd decodes its config from the same stanza the
// bindir executable reads,
//
//	[plugins."io.containerd.image-verifier.v1.nfd-compat"]
//
// into a policy.Policy, and the transfer service calls it before every
// pull. Every decision is counted on prometheus' default registry
// (pkg/metrics/prom), which containerd serves on its [metrics] address at
// /v1/metrics. Import it for its side effect in a containerd main (cmd/containerd-nfd).
package imageverifier
