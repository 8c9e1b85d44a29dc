// Package pull implements `nfd-compat pull`: it checks the image against
// this host with the same check containerd's image verifiers run
// (pkg/verifier), prints the compatibility report (in full when the image
// is refused or warned about), and then runs nerdctl's own pull,
// github.com/containerd/nerdctl/v2/pkg/imgutil.EnsureImage, the code
// `nerdctl pull` and `nerdctl run` execute: its options (platform,
// snapshotter, unpack, hosts dirs, --insecure-registry), its progress
// output and, on containerd >= 2.0, its pull through the transfer service,
// so that a containerd with our verifier installed checks the image again.
// There is no pull code of our own.
//
// Registry stack. The check resolves the reference and reads the artifact
// through pkg/target, like every other command (hosts.toml read with
// containerd's loader, docker config.json and credential helpers), and its
// registry errors are worded by target.Explain. The pull uses nerdctl's
// resolver because it is nerdctl's pull: nerdctl builds its registry
// access itself (inside containerd, for the transfer service) from its
// options and docker config.json, and takes no resolver or credentials
// from its caller. The two are given the same settings: the hosts.toml root
// with the registry's directory goes first (nerdctl's transfer pull reads
// only the first root), credentials come from docker config.json only
// (--registry-username is refused rather than used for the check alone),
// and --plain-http reaches nerdctl as --insecure-registry, which it has
// instead. With --insecure-registry nerdctl ignores hosts.toml; the check
// does not. The pull's own errors are nerdctl's and containerd's, passed
// on wrapped: they cross containerd's API as text, so there is nothing
// typed to explain.
//
// The check and the pull resolve the tag separately; if nerdctl stored
// another digest than the one checked (the tag moved in between), Run
// removes the image and returns ErrTagMoved.
package pull
