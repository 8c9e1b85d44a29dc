// Package pull implements `nfd-compat pull`: a nerdctl-style pull that first
// checks the image against this host with the same check containerd's image
// verifiers run (pkg/verifier), prints the full compatibility report when
// the image is refused or warned about, and then pulls through containerd's
// transfer service, so that a containerd with the verifier installed checks
// it again, and the image lands exactly as `ctr image pull` would store it.
//
// Registry access reuses nerdctl's dockerconfigresolver: hosts.toml
// directories (nerdctl's --hosts-dir list), docker config.json credentials
// and credential helpers, and nerdctl's --insecure-registry behaviour.
package pull
