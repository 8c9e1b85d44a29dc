// Package benchsplit holds two measurement programs of
// hack/bench-validate-node.sh (SPLIT=1): validatenode, validate-node's
// package in a binary of its own, and floor, the least a validate-node
// binary links. They answered what splitting validate-node out of nfd-compat
// would gain (nfd-compat now runs pull, doctor and check-images from
// nfd-compat-containerd, and is timed against them); neither is built by
// `make build` or shipped.
package benchsplit
