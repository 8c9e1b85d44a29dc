// Package target owns image references and registry clients.
//
// References (reference.go): it is the one place that knows how they are
// spelled. Commands' IMAGE arguments are REGISTRY/REPOSITORY[:TAG|@DIGEST]
// with the registry written out, or with OCILayout set DIR[:TAG|@DIGEST] as
// the ORAS CLI spells it (Open). Names as containerd and Docker pass them
// ([REGISTRY/]REPOSITORY[:TAG][@DIGEST], docker.io and library/ implied) are
// read by ParseReference and normalized by Normalize; policy patterns match
// those forms, the verifier opens the normalized one, and Reference.DockerRef
// is the name containerd stores an image under.
//
// Registry clients (client.go): Open turns a reference into an oras-go
// target, a remote repository or an OCI image layout directory. A registry
// is reached through endpoints: the registry itself, set up from Options
// (plain HTTP, Insecure, CAFile), or those containerd's hosts.toml lists
// for it (HostsDir, read with containerd's ConfigureHosts: mirrors, TLS,
// headers, path overrides). Every endpoint's client is made by one
// constructor, newRepository: the same credentials (static, or docker
// config.json and its helpers), token cache, retries, User-Agent and
// referrers-tag handling on both paths. Several endpoints make a Store that
// tries them as containerd does (mirrored.go).
//
// What containerd's libraries log while reading hosts.toml goes to
// Options.Log (ctdlog.go); Open never takes a logger from its context.
// Errors are worded for the user by Explain.
//
// Its HTTP transport (retry.go, limit.go) is oras-go's retry transport with
// three additions: the credentials a request sent are scrubbed from the
// error body the registry answers, a request retried on 429/5xx until the
// context ends reports the last status (ErrRegistryStatus), and a referrers
// page over MaxMetadata fails naming the limit. Explain also redacts
// credentials from every error it returns.
package target
