// Package cluster reads nodes' features from a Kubernetes cluster running
// NFD: the NodeFeature objects nfd-worker (and third parties) publish, listed
// in all namespaces with client-go's REST client decoding into NFD's types,
// selected by NFD's nfd.node.kubernetes.io/node-name label, paginated, and
// merged per node as nfd-master merges them (features.MergeNodeFeatures).
// Nodes (for a node selector, and their labels for drift checks) are
// listed as metadata only; pods (Pods) page by page to a callback.
package cluster
