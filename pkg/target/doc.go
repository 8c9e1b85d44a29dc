// Package target opens an image reference as an oras-go target: a remote
// repository (docker credentials, static credentials, TLS options, plain HTTP)
// or an OCI image layout directory.
//
// It is the one place that knows how references are spelled, so every command
// accepts the same forms: REGISTRY/REPO[:TAG|@DIGEST], or with OCILayout set,
// DIR[:TAG|@DIGEST] as the ORAS CLI spells it.
package target
