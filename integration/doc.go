// Package integration holds end-to-end tests of the nfd-compat commands
// against real registries (go-containerregistry's with and without the
// referrers API, and the CNCF distribution registry, which has none) and
// OCI image layouts. Commands run in-process through the same cobra tree
// and exit-code mapping as the binary.
package integration
