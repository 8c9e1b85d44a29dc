// Package schedule turns an image's compatibility spec into what Kubernetes
// and NFD already understand (KEP-1845 Phase 2 without a webhook): a
// NodeFeatureRule that labels the nodes satisfying each compatibility set,
// and a pod nodeAffinity that requires any set and prefers the best one. It
// also writes that affinity into workload manifests.
package schedule
