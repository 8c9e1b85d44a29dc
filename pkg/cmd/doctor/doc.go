// Package doctor implements `nfd-compat doctor`: it checks that a node is
// set up for pull-time enforcement and says what to fix. It reads
// containerd's config.toml and the policy with policy.Load, the verifier's
// own loader (containerd's LoadConfig, imports followed), so that it names
// the problems the verifier acts on, asks the
// running daemon for its version and plugins, and checks the image-verifier
// setup (bin_dir, the nfd-compat-verifier executable, the policy stanza and
// its timeout), that CRI pulls through the transfer service (the only path
// on which containerd calls image verifiers), that the cache dir is
// writable and private (cache.Check, the verifier's rule; stale temporary
// files), and that feature discovery works on this host.
package doctor
