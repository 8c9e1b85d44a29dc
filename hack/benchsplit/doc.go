// Package benchsplit holds two measurement programs of
// hack/bench-validate-node.sh (SPLIT=1): validatenode, validate-node's
// package in a binary of its own, and floor, the least a validate-node
// binary links. They answer what splitting validate-node out of nfd-compat
// would gain; neither is built by `make build` or shipped.
package benchsplit
