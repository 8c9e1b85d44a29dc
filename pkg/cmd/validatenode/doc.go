// Package validatenode implements validate-node: check this host, or nodes'
// exported features (fleet mode), against an image's compatibility spec.
package validatenode
