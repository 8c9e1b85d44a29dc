// Package policy is the pull-time policy of nfd-compat: what to do with an
// image that is incompatible with the host, has no compatibility artifact, or
// could not be checked, and which images to check at all.
//
// The policy lives in containerd's own config.toml, in the stanza
//
//	[plugins."io.containerd.image-verifier.v1.nfd-compat"]
//
// Load reads it for the bindir executable, pull, check-images and doctor
// with containerd's own config loader (imports merged exactly as
// containerd merges them); ConfigFile says which file (ConfigEnv, the
// default file's absence meaning the defaults). The in-process plugin gets
// the stanza from containerd as a Stanza. Both decode it with Decode, key by
// key: unknown keys are warnings, bad values leave their key at its default
// and mark the policy Invalid. Decide turns a verdict into an allow/refuse
// decision; for an invalid policy it fails closed in enforce mode only, and
// never for images the policy does not check (exclude, include, mode off).
package policy
