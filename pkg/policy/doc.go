// Package policy is the pull-time policy of nfd-compat: what to do with an
// image that is incompatible with the host, has no compatibility artifact, or
// could not be checked, and which images to check at all.
//
// The policy lives in containerd's own config.toml, in the stanza
//
//	[plugins."io.containerd.image-verifier.v1.nfd-compat"]
//
// which the bindir executable reads with Load (following containerd's
// imports) and containerd decodes into the same Policy struct for the
// in-process plugin. Decide turns a verdict into an allow/refuse decision.
package policy
