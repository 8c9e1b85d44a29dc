// Package bindir is the containerd bindir verifier protocol
// (io.containerd.image-verifier.v1.bindir, containerd's
// docs/image-verification.md) around pkg/verifier: the -name, -digest and
// -stdin-media-type flags (the standard flag package: pkg/ never imports
// cobra or pflag), the image descriptor read from stdin, the policy read
// from config.toml on every exec, the reason printed on stdout and the exit
// code (ExitAllow, ExitRefuse, ExitUsage). cmd/nfd-compat-verifier is only
// its main.
//
// It lives in pkg/verifier/bindir, as containerd keeps its bindir client in
// pkg/imageverifier/bindir next to the verifier interface in
// pkg/imageverifier: it is a protocol adapter over one core, the sibling of
// the in-process adapter in plugins/imageverifier (where containerd keeps
// plugin registrations). It is not under plugins/imageverifier because the
// bindir executable registers no containerd plugin and must not link
// containerd's plugin machinery; the two adapters share only pkg/verifier
// (the decision, verifier.LogPolicyProblems, verifier.DockerConfigPath).
package bindir
