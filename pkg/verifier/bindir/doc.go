// Package bindir is the containerd bindir verifier protocol
// (io.containerd.image-verifier.v1.bindir, containerd's
// docs/image-verification.md) around pkg/verifier: the -name, -digest and
// -stdin-media-type flags (the standard flag package: pkg/ never imports
// cobra or pflag), the image descriptor read from stdin, the policy read
// from config.toml on every exec, the reason printed on stdout and the exit
// code (ExitAllow, ExitRefuse, ExitUsage). Run is the one-shot verifier
// (a new Verifier per call); Resident.Run is the same protocol, the same
// code, with one long-lived Verifier and the policy re-read only when its
// files changed, for the resident verifier. cmd/nfd-compat-verifierd is
// their main; the subpackages are what sits between containerd's exec and
// them: wire (the frames, stdlib only), client (the nfd-compat-verifier
// containerd execs: ask the resident verifier, else exec the one-shot one)
// and server (the resident verifier's socket).
//
// It lives in pkg/verifier/bindir, beside the core it adapts, as
// containerd keeps its bindir verifier in pkg/imageverifier/bindir beside
// the ImageVerifier interface in pkg/imageverifier. It is not under
// plugins/imageverifier: plugins/ is where containerd (and this project)
// keep plugin registrations, and the bindir executable registers nothing;
// it is a separate process speaking a protocol. The two adapters, this one
// and the in-process plugin, are siblings that call the same core
// (Verifier.Judge) and share only what is in pkg/verifier
// (verifier.LogPolicyProblems, verifier.DockerConfigPath); the core imports
// neither (cmd/nfd-compat's TestImportRules).
package bindir
