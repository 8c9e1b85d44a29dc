// Package testimage builds small, real OCI images into any oras-go target (a remote repository or an
// OCI image layout): a config and one gzip tar layer that containerd can unpack, multi-platform indexes,
// and fake signature and SBOM referrers.
package testimage
