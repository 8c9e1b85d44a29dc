// Package target opens an image reference as an oras-go target: a remote
// repository (docker credentials, static credentials, TLS options, plain HTTP)
// or an OCI image layout directory.
//
// It is the one place that knows how references are spelled, so every command
// accepts the same forms: REGISTRY/REPO[:TAG|@DIGEST], or with OCILayout set,
// DIR[:TAG|@DIGEST] as the ORAS CLI spells it.
//
// Its HTTP transport (retry.go, limit.go) is oras-go's retry transport with
// three additions: the credentials a request sent are scrubbed from the
// error body the registry answers, a request retried on 429/5xx until the
// context ends reports the last status (ErrRegistryStatus), and a referrers
// page over MaxMetadata fails naming the limit. Explain words registry
// errors and redacts credentials from every error it returns.
package target
